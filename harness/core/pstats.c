/*
 * pstats.c - process-level interval and variance components.  See pstats.h.
 */
#include "pstats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "stats.h"

/* ---- Student's t ------------------------------------------------------------ */

/* Continued fraction of the incomplete beta (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-15;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, num, del;

		num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + num * d;
		c = 1 + num / c;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + num * d;
		c = 1 + num / c;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = fabs(c) < tiny ? tiny : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

/* The regularized incomplete beta I_x(a, b). */
static double beta_inc(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double kb_stats_t_cdf(double t, double df)
{
	double tail;

	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return t > 0 ? 1 : 0;
	tail = 0.5 * beta_inc(df / 2, 0.5, df / (df + t * t));
	return t > 0 ? 1 - tail : tail;
}

double kb_stats_satterthwaite(const double *var, const double *df, size_t n)
{
	double sum = 0, den = 0;

	for (size_t i = 0; i < n; i++) {
		if (!(var[i] > 0))
			continue;
		sum += var[i];
		if (df[i] > 0 && isfinite(df[i]))
			den += var[i] * var[i] / df[i];
	}
	return den > 0 ? sum * sum / den : INFINITY;
}

double kb_stats_t_quantile(double p, double df)
{
	double lo = 0, hi = 1;

	if (!(p > 0 && p < 1) || !(df > 0))
		return NAN;
	if (p == 0.5)
		return 0;
	if (p < 0.5)
		return -kb_stats_t_quantile(1 - p, df);
	while (kb_stats_t_cdf(hi, df) < p && hi < 1e12)
		hi *= 2;
	for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
		double mid = (lo + hi) / 2;

		if (kb_stats_t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* ---- the process-level summary ------------------------------------------------ */

/* One (process, round) cell of log samples. */
struct cell {
	uint32_t proc, round;
	double sum;   /* of log x */
	size_t n;
};

static int cmp_cell(const void *a, const void *b)
{
	const struct cell *x = a, *y = b;

	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return (x->round > y->round) - (x->round < y->round);
}

/* Moment estimates of the nested variance components of log x. */
static void components(const double *x, const uint32_t *proc, const uint32_t *round, size_t n,
		       struct kb_process_summary *out)
{
	struct cell *c = calloc(n, sizeof(*c));
	size_t nc = 0, np = 0, nr_cells = 0;
	double ss_w = 0, df_w = 0, ss_r = 0, df_r = 0, n_per_round = 0, rounds_per_proc = 0;
	double *pmean, grand = 0, ss_p = 0;

	out->var_within_round = out->var_between_rounds = out->var_between_processes = NAN;
	if (!c)
		return;
	for (size_t i = 0; i < n; i++) {
		c[i] = (struct cell){ proc[i], round ? round[i] : 0, log(x[i]), 1 };
	}
	qsort(c, n, sizeof(*c), cmp_cell);
	for (size_t i = 0; i < n; i++) { /* merge equal cells */
		if (nc && c[nc - 1].proc == c[i].proc && c[nc - 1].round == c[i].round) {
			c[nc - 1].sum += c[i].sum;
			c[nc - 1].n++;
		} else {
			c[nc++] = c[i];
		}
	}
	/* within rounds: the spread of samples around their cell mean */
	for (size_t k = 0; k < nc; k++) {
		double m = c[k].sum / (double)c[k].n;

		for (size_t i = 0; i < n; i++)
			if (proc[i] == c[k].proc && (round ? round[i] : 0) == c[k].round)
				ss_w += (log(x[i]) - m) * (log(x[i]) - m);
		df_w += (double)c[k].n - 1;
		n_per_round += (double)c[k].n;
	}
	n_per_round /= (double)nc;
	pmean = calloc(nc, sizeof(*pmean));
	if (!pmean) {
		free(c);
		return;
	}
	/* between rounds of one process: the round means around the process mean */
	for (size_t k = 0; k < nc;) {
		size_t j = k;
		double s = 0;

		while (j < nc && c[j].proc == c[k].proc)
			s += c[j].sum / (double)c[j].n, j++;
		pmean[np] = s / (double)(j - k);
		for (size_t q = k; q < j; q++) {
			double d = c[q].sum / (double)c[q].n - pmean[np];
			ss_r += d * d;
		}
		df_r += (double)(j - k) - 1;
		rounds_per_proc += (double)(j - k);
		nr_cells += j - k;
		np++;
		k = j;
	}
	rounds_per_proc /= (double)np;
	for (size_t p = 0; p < np; p++)
		grand += pmean[p] / (double)np;
	for (size_t p = 0; p < np; p++)
		ss_p += (pmean[p] - grand) * (pmean[p] - grand);
	if (df_w > 0)
		out->var_within_round = ss_w / df_w;
	if (df_r > 0 && isfinite(out->var_within_round)) {
		double v = ss_r / df_r - out->var_within_round / n_per_round;
		out->var_between_rounds = v > 0 ? v : 0;
	}
	if (np > 1 && isfinite(out->var_between_rounds)) {
		double v = ss_p / (double)(np - 1) - out->var_between_rounds / rounds_per_proc -
			   out->var_within_round / (rounds_per_proc * n_per_round);
		out->var_between_processes = v > 0 ? v : 0;
	}
	(void)nr_cells;
	free(pmean);
	free(c);
}

int kb_stats_process_summary(const double *x, const uint32_t *proc, const uint32_t *round,
			     size_t n, double level, double **medians_out,
			     struct kb_process_summary *out)
{
	uint32_t maxp = 0;
	double *buf, *medians, sum = 0, ss = 0, mean;
	size_t P = 0;

	if (medians_out)
		*medians_out = NULL;
	memset(out, 0, sizeof(*out));
	out->center = out->ci_low = out->ci_high = out->log_se = out->df = NAN;
	if (n == 0)
		return kb_error(KB_EINVAL, "no samples");
	for (size_t i = 0; i < n; i++) {
		if (!(x[i] > 0) || !isfinite(x[i]))
			return kb_error(KB_EINVAL, "sample %zu is %g: expected a positive time", i, x[i]);
		if (proc[i] > maxp)
			maxp = proc[i];
	}
	buf = malloc(n * sizeof(*buf));
	medians = malloc(((size_t)maxp + 1) * sizeof(*medians));
	if (!buf || !medians) {
		free(buf);
		free(medians);
		return kb_error(KB_ENOMEM, "out of memory");
	}
	out->nmedians = (size_t)maxp + 1;
	for (uint32_t p = 0; p <= maxp; p++) {
		size_t k = 0;

		for (size_t i = 0; i < n; i++)
			if (proc[i] == p)
				buf[k++] = x[i];
		medians[p] = k ? kb_stats_median(buf, k) : NAN;
		if (k) {
			sum += log(medians[p]);
			P++;
		}
	}
	free(buf);
	out->processes = P;
	mean = sum / (double)P;
	out->center = exp(mean);
	components(x, proc, round, n, out);
	if (P < 2)
		goto out;
	for (uint32_t p = 0; p <= maxp; p++)
		if (!isnan(medians[p]))
			ss += (log(medians[p]) - mean) * (log(medians[p]) - mean);
	out->df = (double)(P - 1);
	out->log_se = sqrt(ss / out->df) / sqrt((double)P);
	{
		double q = kb_stats_t_quantile(1 - (1 - level) / 2, out->df);

		out->ci_low = exp(mean - q * out->log_se);
		out->ci_high = exp(mean + q * out->log_se);
	}
out:
	if (medians_out)
		*medians_out = medians;
	else
		free(medians);
	return 0;
}
