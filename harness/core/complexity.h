/*
 * complexity.h - asymptotic complexity fits (KB_COMPLEXITY; docs/method.md,
 * "Complexity").
 *
 * For an order f (1, lg n, n, n lg n, n^2, n^3) the fit is Google
 * Benchmark's: the least-squares coefficient of t = c * f(n) through the
 * origin, c = sum(t_i f_i) / sum(f_i^2), and the RMS of the residuals
 * divided by the mean time.  KB_AUTO fits every order and keeps the one
 * with the smallest RMS.  kbench fits the process-level medians (the
 * geometric mean of the process medians, summary.median) and gives c an
 * interval: c is linear in the t_i, so var(c) = sum(w_i^2 var(t_i)) with
 * w_i = f_i / sum(f^2) and var(t_i) = (t_i * se_i)^2, se_i the standard
 * error of log t_i (the process-level log_se; with one process, the
 * half-width of the within-process interval on the log scale over the
 * normal quantile).  The interval is c +- q * sqrt(var(c)), q Student's t
 * with Welch-Satterthwaite's degrees of freedom (the normal quantile when
 * every point came from one process).
 */
#ifndef KB_COMPLEXITY_H
#define KB_COMPLEXITY_H

#include <stddef.h>

#include "registry.h"
#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* f(n) of an order (enum kb_big_o, not KB_AUTO); NAN for anything else.
 * lg is log2, as Google Benchmark's. */
double kb_big_o_f(int order, double n);
/* Google Benchmark's spelling: "(1)", "lgN", "N", "NlgN", "N^2", "N^3",
 * and "auto" for KB_AUTO; NULL for anything else. */
const char *kb_big_o_name(int order);

/* One point of a fit: the axis value, the time (ns), the CPU time (ns, NAN
 * when unknown), the standard error of log time and its degrees of freedom
 * (INFINITY for a normal approximation). */
struct kb_fit_point {
	double n, t, cpu, log_se, df;
};

/*
 * Fits `k` points to `order` (KB_AUTO: every order, the smallest RMS) at
 * `level` (e.g. 0.95), filling the numeric fields of *out and out->big_o
 * (malloc'ed).  Returns 0, -KB_EINVAL when k < 2, an n is not > 0 or a time
 * is not finite and > 0 (with the message), or -KB_ENOMEM.
 */
int kb_complexity_fit(const struct kb_fit_point *p, size_t k, int order, double level,
		      struct kb_fit *out);

/*
 * The fits of a run: for every instance in sel whose benchmark asked for
 * one, its ok results grouped by family and the values of the other
 * parameters, each group fitted; run->fits gets one entry per group, in
 * order of first appearance (a group with fewer than two results gets a
 * note instead of a fit).  Returns 0 or -KB_ENOMEM.
 */
int kb_complexity_run(struct kb_run *run, const struct kb_instance *const *sel, size_t n,
		      double level);

#ifdef __cplusplus
}
#endif
#endif /* KB_COMPLEXITY_H */
