/*
 * report_compare.h - formats a struct kb_compare (the checker's result):
 * a console table, Markdown for a pull-request comment or
 * $GITHUB_STEP_SUMMARY, and JSON for machines.  Formatting only: every
 * number and verdict comes from compare.c.  Every output repeats the
 * comparison's warnings (machine mismatch, fallbacks).
 */
#ifndef KB_REPORT_COMPARE_H
#define KB_REPORT_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include "compare.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A table; ANSI colours when `color` (the caller checks isatty/NO_COLOR).
 * Returns 0 or -KB_EIO. */
int kb_report_compare_console(FILE *f, const struct kb_compare *c, bool color);

/* GitHub-flavoured Markdown: a headline, warnings, the rows that need
 * attention, and the unchanged ones folded in a <details> block. */
int kb_report_compare_markdown(FILE *f, const struct kb_compare *c);

/* One JSON object: options, warnings, counts, exit_status and a row per
 * benchmark (non-finite numbers as null). */
int kb_report_compare_json(FILE *f, const struct kb_compare *c);

/*
 * "+6.1 % [+3.2 %, +9.0 %]" for a row (just "+6.1 %" without an interval;
 * "" when not compared).  Writes at most len bytes.
 */
void kb_report_compare_change(const struct kb_compare_row *row, char *buf, size_t len);

/* Verdicts in display order, what needs attention first. */
extern const enum kb_verdict kb_report_verdict_order[];
extern const size_t kb_report_verdict_norder;
/* "0 regressed, 1 improved, 78 unchanged" from per-verdict counts
 * (KB_VERDICT_COUNT of them), in display order. */
void kb_report_verdict_counts(const size_t *counts, char *buf, size_t len);

/* Writes `s` as a Markdown table cell ('|' escaped, newlines as spaces). */
void kb_report_md_cell(FILE *f, const char *s);
/* The Markdown emoji that leads a verdict (":x: " for regressed), or "". */
const char *kb_report_verdict_icon(enum kb_verdict v);

#ifdef __cplusplus
}
#endif
#endif /* KB_REPORT_COMPARE_H */
