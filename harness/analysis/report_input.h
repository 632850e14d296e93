/*
 * report_input.h - reads a comparison result back for the reports: the
 * JSON that `kbench-compare --format=json` and `kbench-ab --format=json`
 * write (one object: tool, baseline, current, metric, higher_is_better,
 * options, warnings, counts, rows[{id, verdict, baseline, current, ratio,
 * ci_low, ci_high, threshold, baseline_rel_ci, current_rel_ci, note, ...}]);
 * kbench-ab calls the sides "old" and "new", at the top and in each row.
 */
#ifndef KB_REPORT_INPUT_H
#define KB_REPORT_INPUT_H

#include "compare.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Loads `path` into *out (release with kb_compare_release()).  Returns 0,
 * or -KB_EIO (cannot read), -KB_EPARSE (not JSON: line and column named),
 * -KB_ESCHEMA (not a comparison result: the missing or wrong field named).
 */
int kb_report_load_compare(const char *path, struct kb_compare *out);

#ifdef __cplusplus
}
#endif
#endif /* KB_REPORT_INPUT_H */
