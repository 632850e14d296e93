/*
 * report_ab.h - formats a struct kb_ab (kbench-ab's result) as a console
 * table, Markdown (pull-request comment, $GITHUB_STEP_SUMMARY) or JSON with
 * every round's data.  Formatting only: every number and verdict comes from
 * ab.c.  The layout follows report_compare.h.
 */
#ifndef KB_REPORT_AB_H
#define KB_REPORT_AB_H

#include <stdbool.h>
#include <stdio.h>

#include "ab.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A table; ANSI colours when `color`.  Returns 0 or -KB_EIO. */
int kb_report_ab_console(FILE *f, const struct kb_ab *ab, bool color);

/* GitHub-flavoured Markdown: headline, method, the rows that need
 * attention, the unchanged ones folded.  Returns 0 or -KB_EIO. */
int kb_report_ab_markdown(FILE *f, const struct kb_ab *ab);

/* One JSON object: options, method, counts, exit_status, a row per
 * benchmark with its stages and rounds, and the process pairs.
 * Returns 0, -KB_ENOMEM or -KB_EIO. */
int kb_report_ab_json(FILE *f, const struct kb_ab *ab);

/* "+6.1 % [+3.2 %, +9.0 %]" for a benchmark ("" when not measured). */
void kb_report_ab_change(const struct kb_ab_bench *b, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* KB_REPORT_AB_H */
