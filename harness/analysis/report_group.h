/*
 * report_group.h - groups the results of one or more runs into kernel
 * families for the plots and reports, and picks the fastest kernel of each
 * family and problem size.
 *
 * A family is the kernels that compute the same thing and can stand in for
 * each other: same suite, same operation (the kernel name up to its first
 * '_': "sgemm" for sgemm_blocked and sgemm_openblas) and the same
 * problem-defining string parameters (dtype, layout, math, op, precision,
 * trans), e.g. "matmul/sgemm (f32, row-major)".  Other string parameters
 * (simd, tile, a library's configuration) describe a kernel, not the
 * problem, and are ignored.
 * Within a family, the size is the numeric parameter "n" (else "size",
 * "bytes", "len", else the first numeric one); a numeric parameter that
 * differs from the size (threads=4) becomes part of the series name, one
 * that equals it (m = n = k) does not.  A series is one line of a scaling
 * plot: a kernel (with "@label" of its run when several runs are given).
 * The metric of a family is GFLOP/s when most of its results have a
 * "gflops" counter, else GB/s ("gbps"), else the time itself.
 *
 * Only results with status ok and a positive median take part; the rest
 * stay in the runs for the tables.
 */
#ifndef KB_REPORT_GROUP_H
#define KB_REPORT_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_group_entry {
	const struct kb_run *run;     /* not owned */
	size_t run_index;
	const struct kb_result *res;  /* not owned */
	size_t family;                /* index into families */
	char *series;                 /* "sgemm_openblas", "sgemm_openblas@base", ... */
	char *size_label;             /* the id after suite/kernel/ ("1024"), or the size */
	double size;                  /* the size parameter's value; NAN when none */
	double rate;                  /* the family metric (GFLOP/s, GB/s; ns for "time") */
	double rate_lo, rate_hi;      /* its interval, from the CI of the median; NAN if none */
};

struct kb_family {
	char *key;          /* "matmul/sgemm (f32, row-major)" */
	char *slug;         /* the key made safe for file names */
	char *dtype;        /* the dtype parameter, or NULL */
	char *suite;
	const char *metric; /* "gflops", "gbps" or "time" (static) */
	char *size_param;   /* "n", or NULL when no numeric parameter */
	double peak;        /* machine peak in the metric's unit; NAN if unknown */
	char *peak_source;  /* where the peak came from ("peaks.flops_f32"), or NULL */
	size_t *entries;    /* indexes into the set's entries, by series then size */
	size_t nentries;
	char **series;      /* distinct series, in order of first appearance */
	size_t nseries;
};

struct kb_group {
	const struct kb_run *runs;   /* not owned */
	size_t nruns;
	char **labels;               /* one per run (copied) */
	struct kb_group_entry *entries;
	size_t nentries;
	struct kb_family *families;
	size_t nfamilies;
};

/*
 * Groups `runs` (kept by the caller while *g is used); `labels` name the
 * runs in series names when there are several (NULL: "run1", "run2"...).
 * Returns 0 or -KB_ENOMEM.  Release with kb_group_release().
 */
int kb_group_build(struct kb_group *g, const struct kb_run *runs, const char *const *labels,
		   size_t nruns);
void kb_group_release(struct kb_group *g);

/* Display name of a metric: "GFLOP/s", "GB/s", "time". */
const char *kb_group_metric_label(const char *metric);

/*
 * The complexity fits (KB_COMPLEXITY) of the runs' kernels in `family`, as
 * one line of text for the scaling plot's caption ("complexity: matmul/
 * sgemm_ref 0.745 ns x N^3 [0.641, 0.849], RMS 3 %, auto over 4 values of
 * n"), or NULL when none of its kernels has one.  Malloc'ed; *err is set
 * when out of memory.
 */
char *kb_group_fit_caption(const struct kb_group *g, size_t family, bool *err);

/* The fastest kernel of one family at one size. */
struct kb_recommendation {
	size_t run_index;         /* kernels are ranked within one run */
	size_t family;
	const char *size_label;   /* points into an entry */
	double size;
	size_t ncandidates;       /* results compared */
	size_t best;              /* entry indexes */
	size_t runner_up;         /* SIZE_MAX when ncandidates < 2 */
	size_t slowest;           /* SIZE_MAX when ncandidates < 2 */
	double speedup;           /* median(runner_up) / median(best); NAN if none */
	double speedup_lo, speedup_hi; /* its interval at `level`; NAN if none */
	double vs_slowest;        /* median(slowest) / median(best); NAN if none */
	bool clear;               /* speedup_lo > 1: best is faster beyond noise */
	bool bootstrap;           /* interval from raw samples (else from the two CIs) */
};

/*
 * One recommendation per run, family and size (kernels compete within a
 * run: across runs the machine or the code differ), in run order, then
 * family order, then by size.
 * The speed-up interval is a percentile bootstrap of the ratio of medians
 * (`resamples` resamples, seeded by `seed`, at 95 %) when both sides have
 * at least 5 raw samples, else the conservative ratio of the CI bounds.
 * Free *out with free().  Returns 0 or a negative code.
 */
int kb_group_recommend(const struct kb_group *g, uint64_t seed, size_t resamples,
		       struct kb_recommendation **out, size_t *n);

#ifdef __cplusplus
}
#endif
#endif /* KB_REPORT_GROUP_H */
