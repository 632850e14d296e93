/*
 * writer.c - the table of output formats: each name, whether --out takes
 * it, and its writer.  The flags, the recorded config and kb_main all look
 * formats up here.
 */
#include "writer.h"

#include <string.h>

#include "error.h"

static int write_console(FILE *f, const struct kb_run *run, bool color)
{
	return kb_report_console(f, run, color);
}

static int write_json(FILE *f, const struct kb_run *run, bool color)
{
	(void)color;
	return kb_report_json(f, run);
}

static int write_csv(FILE *f, const struct kb_run *run, bool color)
{
	(void)color;
	return kb_report_csv(f, run);
}

static int write_gbench(FILE *f, const struct kb_run *run, bool color)
{
	(void)color;
	return kb_report_gbench(f, run);
}

static const struct kb_format_info formats[] = {
	{ KB_FORMAT_CONSOLE, "console", false, write_console },
	{ KB_FORMAT_JSON, "json", true, write_json },
	{ KB_FORMAT_CSV, "csv", true, write_csv },
	{ KB_FORMAT_GBENCH, "gbench", true, write_gbench },
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const struct kb_format_info *kb_format_info(enum kb_format fmt)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i].id == fmt)
			return &formats[i];
	return &formats[1];
}

int kb_format_parse(const char *name, bool file, enum kb_format *fmt)
{
	char expected[128] = "";
	size_t n = 0, k = 0;

	for (size_t i = 0; i < NFORMATS; i++) {
		if (file && !formats[i].file)
			continue;
		if (name && strcmp(name, formats[i].name) == 0) {
			*fmt = formats[i].id;
			return 0;
		}
		n++;
	}
	for (size_t i = 0; i < NFORMATS; i++) {
		if (file && !formats[i].file)
			continue;
		k++;
		strncat(expected, k == 1 ? "" : k == n ? " or " : ", ", sizeof(expected) - strlen(expected) - 1);
		strncat(expected, formats[i].name, sizeof(expected) - strlen(expected) - 1);
	}
	return kb_error(KB_EINVAL, "expected %s", expected);
}

int kb_write_run(FILE *f, enum kb_format fmt, const struct kb_run *run, bool color)
{
	return kb_format_info(fmt)->write(f, run, color);
}
