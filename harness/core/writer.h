/*
 * writer.h - the formatters of a run.  They only format: the runner has
 * measured everything they print.
 */
#ifndef KB_WRITER_H
#define KB_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "result.h"

/* kbench JSON, schema_version 1 (docs/json.md). Returns 0 or -KB_EIO. */
int kb_report_json(FILE *f, const struct kb_run *run);
/* Google Benchmark JSON: one repetition per sample, then aggregates. */
int kb_report_gbench(FILE *f, const struct kb_run *run);
/* CSV, one row per benchmark, header first. */
int kb_report_csv(FILE *f, const struct kb_run *run);
/* The console table; `color` adds ANSI colours. */
int kb_report_console(FILE *f, const struct kb_run *run, bool color);

/* kb_report_json for kb_file_write_atomic (ctx is a const struct kb_run *). */
int kb_report_json_cb(FILE *f, const void *run);

/* ---- the output formats, one table (writer.c) ---------------------------- */

struct kb_format_info {
	enum kb_format id;
	const char *name; /* as given to --format / --out-format */
	bool file;        /* may be written to --out (the console table may not) */
	int (*write)(FILE *f, const struct kb_run *run, bool color);
};

/* The entry of a format (never NULL for a valid enum value). */
const struct kb_format_info *kb_format_info(enum kb_format fmt);
/* Looks a name up; `file` restricts it to the formats --out takes.
 * Returns 0, or -KB_EINVAL with "expected console, json, csv or gbench". */
int kb_format_parse(const char *name, bool file, enum kb_format *fmt);
/* Writes `run` in `fmt`; `color` is for the console table. 0 or -KB_EIO. */
int kb_write_run(FILE *f, enum kb_format fmt, const struct kb_run *run, bool color);

/* A time in ns with a sensible unit: "0.312 ns", "12.4 us", "1.23 s". */
void kb_format_time(double ns, char *buf, size_t len);

/* Writes flattened "a.b" keys as nested JSON objects (keys grouped by prefix). */
struct kb_jsonw;
void kb_report_json_kv(struct kb_jsonw *w, const char *key, const struct kb_kv *kv, size_t n);

#endif /* KB_WRITER_H */
