/*
 * pstats.h - process-level statistics: the interval of a benchmark's time
 * when the unit of replication is the process run (docs/method.md,
 * "The interval").
 *
 * Samples cluster: by round inside a process (caches, frequency, the
 * neighbours of that moment) and by process (address-space layout, the
 * placement of pages, the state a process starts in).  Kalibera & Jones
 * ("Rigorous benchmarking in reasonable time", ISMM 2013) show that most of
 * the variance sits at the process level, so an interval computed from the
 * samples of one process as if they were independent is too narrow.
 *
 * Method: each process contributes the median of its samples, m_p.  The
 * interval is Student's t on log m_p with P - 1 degrees of freedom:
 *
 *     exp( mean(log m_p)  +-  t(1 - (1-level)/2, P-1) * sd(log m_p) / sqrt(P) )
 *
 * which stays valid with few processes when the log medians are close to
 * normal (the medians of tens of samples are), and the centre is the
 * geometric mean of the process medians.  The variance components of log
 * time (within a round, between rounds of a process, between processes)
 * are moment estimates of the nested model, clamped at zero.
 */
#ifndef KB_PSTATS_H
#define KB_PSTATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Student's t: the CDF at t and the quantile at p, for df > 0 degrees of
 * freedom (regularized incomplete beta, Lentz's continued fraction). */
double kb_stats_t_cdf(double t, double df);
double kb_stats_t_quantile(double p, double df);

/*
 * Welch-Satterthwaite: the degrees of freedom of a sum of n independent
 * variance estimates var[i], each with df[i] degrees of freedom,
 * (sum var)^2 / sum(var^2 / df).  Terms that are not positive add nothing;
 * a term with infinite df (a known variance) adds to the sum only.
 * INFINITY when no term has a finite df (nothing is estimated).
 */
double kb_stats_satterthwaite(const double *var, const double *df, size_t n);

struct kb_process_summary {
	size_t processes;   /* processes with at least one sample */
	size_t nmedians;    /* max(proc) + 1: the length of the medians array */
	double center;      /* geometric mean of the process medians, ns */
	double ci_low;      /* the t interval (ns); NAN when processes < 2 */
	double ci_high;
	double log_se;      /* sd(log m_p) / sqrt(P); NAN when processes < 2 */
	double df;          /* P - 1 */
	/* variance components of log time (squared relative spread) */
	double var_within_round;
	double var_between_rounds;
	double var_between_processes;
};

/*
 * Summarizes n samples (ns, > 0) measured in processes proc[i] (0-based)
 * and rounds round[i] (round numbers are per process).  With `medians`
 * not NULL, *medians receives a malloc'ed array of out->nmedians values: the
 * median of each process 0..max(proc), NAN for a process with no sample
 * (NULL on failure).  Returns 0, or -KB_EINVAL when n is 0 or a sample is
 * not finite and positive, or -KB_ENOMEM.
 */
int kb_stats_process_summary(const double *x, const uint32_t *proc, const uint32_t *round,
			     size_t n, double level, double **medians,
			     struct kb_process_summary *out);

#ifdef __cplusplus
}
#endif
#endif /* KB_PSTATS_H */
