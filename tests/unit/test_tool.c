/*
 * The tools' shared pieces: "--name=value" matching, yes/no environment
 * values, the colour rule, and an error line that names the tool.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tool.h"

static void opt_matches_only_name_equals(void **st)
{
	const char *v = "unset";

	(void)st;
	assert_true(kb_tool_flag("--out=a.json", "--out", &v));
	assert_string_equal(v, "a.json");
	assert_true(kb_tool_flag("--out=", "--out", &v));
	assert_string_equal(v, "");
	v = "unset";
	assert_false(kb_tool_flag("--out", "--out", &v));
	assert_false(kb_tool_flag("--output=a", "--out", &v));
	assert_false(kb_tool_flag("--ou=a", "--out", &v));
	assert_string_equal(v, "unset");
	assert_false(kb_tool_flag("--outfile=x", "--out", &v));
	assert_string_equal(v, "unset");
	assert_true(kb_tool_flag("--out=x=y", "--out", &v));
	assert_string_equal(v, "x=y");
}

static void env_true_values(void **st)
{
	(void)st;
	assert_true(kb_tool_env_true("1"));
	assert_true(kb_tool_env_true("yes"));
	assert_true(kb_tool_env_true("true"));
	assert_false(kb_tool_env_true(NULL));
	assert_false(kb_tool_env_true(""));
	assert_false(kb_tool_env_true("0"));
	assert_false(kb_tool_env_true("false"));
	assert_false(kb_tool_env_true("no"));
}

static void no_color_off_a_terminal(void **st)
{
	FILE *f = tmpfile();

	(void)st;
	assert_non_null(f);
	unsetenv("NO_COLOR");
	assert_false(kb_tool_want_color(f)); /* a file is never a terminal */
	fclose(f);
}

/* On a terminal (a pseudo-terminal's slave side; nothing is written to it)
 * colour is on unless NO_COLOR is set and non-empty or TERM is "dumb":
 * each rule is reached only once isatty() is true. */
static void color_rules_on_a_terminal(void **st)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
	FILE *f;

	(void)st;
	if (master < 0 || grantpt(master) || unlockpt(master)) {
		print_message("skip [no-pty]: no pseudo-terminal here (posix_openpt)\n");
		if (master >= 0)
			close(master);
		skip();
	}
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	f = fdopen(slave, "r+");
	assert_non_null(f);
	assert_true(isatty(fileno(f)));
	unsetenv("NO_COLOR");
	setenv("TERM", "xterm-256color", 1);
	assert_true(kb_tool_want_color(f));
	setenv("NO_COLOR", "1", 1);
	assert_false(kb_tool_want_color(f));
	setenv("NO_COLOR", "", 1); /* no-color.org: set and non-empty */
	assert_true(kb_tool_want_color(f));
	unsetenv("NO_COLOR");
	setenv("TERM", "dumb", 1);
	assert_false(kb_tool_want_color(f));
	unsetenv("TERM");
	assert_true(kb_tool_want_color(f));
	fclose(f);
	close(master);
}

/* Runs kb_tool_fail with stderr sent to a temporary file; returns its text. */
static char *fail_text(int *rc, const char *what)
{
	static char buf[256];
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	*rc = kb_tool_fail("%s: expected %s", what, "a number");
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

static void fail_names_the_tool(void **st)
{
	int rc = 0;

	(void)st;
	kb_tool_init("kbench-test");
	assert_string_equal(fail_text(&rc, "--threshold=x"), "kbench-test: --threshold=x: expected a number\n");
	assert_int_equal(rc, KB_TOOL_EXIT_BAD);
	assert_int_equal(KB_TOOL_EXIT_BAD, 2);
}

static void report_formats(void **st)
{
	const char *f = NULL;

	(void)st;
	assert_int_equal(kb_tool_report_format(NULL, &f), 0);
	assert_string_equal(f, "console");
	assert_int_equal(kb_tool_report_format("", &f), 0);
	assert_string_equal(f, "console");
	assert_int_equal(kb_tool_report_format("md", &f), 0);
	assert_string_equal(f, "md");
	assert_int_equal(kb_tool_report_format("json", &f), 0);
	assert_int_equal(kb_tool_report_format("xml", &f), KB_TOOL_EXIT_BAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(opt_matches_only_name_equals),
		cmocka_unit_test(env_true_values),
		cmocka_unit_test(no_color_off_a_terminal),
		cmocka_unit_test(color_rules_on_a_terminal),
		cmocka_unit_test(fail_names_the_tool),
		cmocka_unit_test(report_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
