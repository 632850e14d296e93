/*
 * report.h - the formatters of a run.  They only format: the runner has
 * measured everything they print.
 */
#ifndef KB_REPORT_H
#define KB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "result.h"

/* kbench JSON, schema_version 1 (DESIGN.md "JSON"). Returns 0 or -KB_EIO. */
int kb_report_json(FILE *f, const struct kb_run *run);
/* Google Benchmark JSON: one repetition per sample, then aggregates. */
int kb_report_gbench(FILE *f, const struct kb_run *run);
/* CSV, one row per benchmark, header first. */
int kb_report_csv(FILE *f, const struct kb_run *run);
/* The console table; `color` adds ANSI colours. */
int kb_report_console(FILE *f, const struct kb_run *run, bool color);

/* Adapters for kb_file_write_atomic (ctx is a const struct kb_run *). */
int kb_report_json_cb(FILE *f, const void *run);
int kb_report_gbench_cb(FILE *f, const void *run);
int kb_report_csv_cb(FILE *f, const void *run);

/* A time in ns with a sensible unit: "0.312 ns", "12.4 us", "1.23 s". */
void kb_format_time(double ns, char *buf, size_t len);

/* Writes flattened "a.b" keys as nested JSON objects (keys grouped by prefix). */
struct kb_jsonw;
void kb_report_json_kv(struct kb_jsonw *w, const char *key, const struct kb_kv *kv, size_t n);

#endif /* KB_REPORT_H */
