/*
 * report_plot.h - plots through gnuplot: kbench writes a data file per plot
 * (plain columns, commented, readable by a person) and runs one of the
 * scripts in scripts/ on it, which draws a PNG and an SVG:
 *
 *   scaling.gp       GFLOP/s or GB/s (or time) against size, log2 x axis, one
 *                    line per kernel of a family, the machine peak dashed
 *   comparison.gp    baseline vs current per benchmark, bars relative to the
 *                    baseline with CI error bars, coloured by verdict
 *   distribution.gp  the samples of benchmarks: box (quartiles, Tukey
 *                    whiskers) and jittered strip, outliers in colour
 *   history.gp       a benchmark's median and CI over runs, fitted levels,
 *                    change points marked
 *   roofline.gp      GFLOP/s against arithmetic intensity, log-log: a
 *                    compute roof per FLOP/s peak, a memory roof per
 *                    bandwidth peak (L1d, L2, L3, DRAM, GPU), one point
 *                    per benchmark with its interval
 *
 * The writers (kb_plot_*_write) only produce the data file and the gnuplot
 * variables; kb_plot_render() runs gnuplot.  Times are written in one unit
 * per plot (ns, us, ms or s, chosen from the largest value), named in the
 * file's header and the axis label.
 */
#ifndef KB_REPORT_PLOT_H
#define KB_REPORT_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compare.h"
#include "report_group.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The gnuplot -e assignments a script needs, built by the writers. */
struct kb_plot_vars {
	char *text; /* "name='value'; name=1; ..." (malloc'ed) */
	size_t len, cap;
};
void kb_plot_vars_release(struct kb_plot_vars *v);
/* Appends name='value' (quotes doubled) or name=number. Returns 0 or -KB_ENOMEM. */
int kb_plot_vars_str(struct kb_plot_vars *v, const char *name, const char *value);
int kb_plot_vars_num(struct kb_plot_vars *v, const char *name, double value);

/* True when a family has something to draw against size: an entry with a
 * size parameter and a positive rate (calibration/empty has neither). */
bool kb_plot_scaling_has_points(const struct kb_group *g, size_t family);

/* Scaling data of family `family`: one block per series (blank-line
 * separated, gnuplot "index"), columns: size rate rate_low rate_high
 * median_ns. */
int kb_plot_scaling_write(FILE *f, const struct kb_group *g, size_t family,
			  struct kb_plot_vars *vars);

/* True when the last run has a result with GFLOP/s and an arithmetic
 * intensity (a benchmark that sets both flops and bytes). */
bool kb_plot_roofline_has_points(const struct kb_group *g);

/*
 * Roofline data of the last run: one block per suite (gnuplot "index"),
 * columns: arithmetic_intensity gflops gflops_low gflops_high "id"; the
 * roofs from the run's context peaks (GFLOP/s: compute roofs comp_1..N,
 * GB/s: memory roofs mem_1..N, PCIe left out) as gnuplot variables with
 * their labels, roof_top, xmin/xmax (decades around the points and the
 * ridge points), nblocks and title_1..N.
 */
int kb_plot_roofline_write(FILE *f, const struct kb_group *g, struct kb_plot_vars *vars);

/*
 * Comparison data: one row per compared benchmark (ratio known), columns:
 * row baseline baseline_low baseline_high current current_low current_high
 * colour "id" "verdict text".  Values are relative to the baseline median
 * (baseline = 1).  Returns -KB_ENOTFOUND when no row has a ratio.
 */
int kb_plot_comparison_write(FILE *f, const struct kb_compare *cmp, struct kb_plot_vars *vars);

/*
 * Distribution data of n results (box and strip side by side): block 0 has
 * one row per result: k q1 whisker_low whisker_high q3 median "label";
 * block 1 has one row per sample: x value class (0 inside the fences, 1
 * mild outlier beyond 1.5 IQR, 2 severe beyond 3 IQR).  The strip's
 * jitter is seeded by the benchmark id, so files are reproducible.
 * `labels` may be NULL (the ids are used).  Results without samples are
 * -KB_EINVAL.
 */
int kb_plot_distribution_write(FILE *f, const struct kb_result *const *res,
			       const char *const *labels, size_t n, const char *title,
			       struct kb_plot_vars *vars);

/*
 * History data of one benchmark over n runs: rows idx median low high
 * level changepoint(0/1) "label" "step text".  `level` (fitted levels) and
 * `is_cp` may be NULL; `step` (relative step at a change point) is read
 * where is_cp is set.  Times in ns.
 */
int kb_plot_history_write(FILE *f, const char *bench, size_t n, const char *const *labels,
			  const double *median, const double *low, const double *high,
			  const double *level, const bool *is_cp, const double *step,
			  struct kb_plot_vars *vars);

/*
 * Finds gnuplot: $KBENCH_GNUPLOT if set, else "gnuplot" on $PATH.  Writes
 * its path to buf.  -KB_EUNSUPPORTED with the install command in the
 * message when there is none.
 */
int kb_plot_find_gnuplot(char *buf, size_t len);

/*
 * Finds the directory holding the .gp scripts: `hint` (a --scripts value)
 * or $KBENCH_SCRIPTS if set, else <dir of the executable>/../scripts,
 * <dir of the executable>/../share/kbench, ./scripts.  -KB_ENOTFOUND
 * naming the places tried.
 */
int kb_plot_find_scripts(const char *hint, char *buf, size_t len);

/*
 * Runs `gnuplot -e "<vars>; datafile='data'; outbase='outbase'"
 * scripts/<script>.gp`, which writes outbase.png and outbase.svg.
 * gnuplot's messages go to outbase.log, quoted in the error on failure.
 * Returns 0, -KB_EIO (cannot run, or no output), -KB_EINTERNAL (gnuplot
 * failed).
 */
int kb_plot_render(const char *gnuplot, const char *scripts, const char *script,
		   const char *data, const char *outbase, const struct kb_plot_vars *vars);

/* Chooses a display unit for times up to max_ns: sets *scale (ns per unit). */
const char *kb_plot_time_unit(double max_ns, double *scale);

#ifdef __cplusplus
}
#endif
#endif /* KB_REPORT_PLOT_H */
