/*
 * tool.c - shared pieces of the command-line tools; see tool.h.
 */
#include "tool.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *tool_name = "kbench";

void kb_tool_init(const char *name)
{
	tool_name = name;
}

static void vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", tool_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int kb_tool_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	return KB_TOOL_EXIT_BAD;
}

bool kb_tool_flag(const char *arg, const char *name, const char **val)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return false;
	*val = arg + n + 1;
	return true;
}

bool kb_tool_env_true(const char *v)
{
	return v && *v && strcmp(v, "0") != 0 && strcmp(v, "false") != 0 && strcmp(v, "no") != 0;
}

int kb_tool_report_format(const char *given, const char **format)
{
	*format = given && *given ? given : "console";
	if (strcmp(*format, "console") && strcmp(*format, "markdown") && strcmp(*format, "md") &&
	    strcmp(*format, "json"))
		return kb_tool_fail("--format=%s: expected console, markdown or json", *format);
	return 0;
}

bool kb_tool_want_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	return isatty(fileno(f)) && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
}
