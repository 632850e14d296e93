/*
 * calcheck.c - A/A invocations against their own intervals.  See calcheck.h.
 */
#include "calcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pstats.h"
#include "stats.h"

/* The centre and its log-scale standard error and degrees of freedom. */
static bool centre_se(const struct kb_result *r, double *c, double *se, double *df)
{
	const struct kb_summary *s = &r->summary;

	*c = s->median;
	if (!(*c > 0))
		return false;
	if (isfinite(r->proc.log_se) && r->proc.log_se >= 0 && r->proc.df >= 1) {
		*se = r->proc.log_se;
		*df = r->proc.df;
		return true;
	}
	if (!(s->ci_low > 0) || !(s->ci_high > s->ci_low) || !(s->ci_level > 0 && s->ci_level < 1))
		return false;
	*se = (log(s->ci_high) - log(s->ci_low)) / 2 /
	      kb_stats_norm_quantile(1 - (1 - s->ci_level) / 2);
	*df = INFINITY;
	return true;
}

int kb_calcheck_runs(const struct kb_run *runs, size_t n, struct kb_calcheck *out)
{
	memset(out, 0, sizeof(*out));
	if (n < 2)
		return kb_error(KB_EINVAL, "the check needs at least two runs (got %zu)", n);
	out->rows = calloc(runs[0].nresults ? runs[0].nresults : 1, sizeof(*out->rows));
	if (!out->rows)
		return kb_error(KB_ENOMEM, "out of memory");
	for (size_t b = 0; b < runs[0].nresults; b++) {
		const char *id = runs[0].results[b].id;
		const struct kb_result **r = calloc(n, sizeof(*r));
		double *c = calloc(n, sizeof(*c)), *se = calloc(n, sizeof(*se)), *df = calloc(n, sizeof(*df));
		struct kb_calcheck_row row = { .id = id };
		bool all = r && c && se && df;
		double lo = INFINITY, hi = 0;

		for (size_t k = 0; k < n && all; k++) {
			r[k] = kb_run_find(&runs[k], id);
			all = r[k] && r[k]->status == KB_STATUS_OK && centre_se(r[k], &c[k], &se[k], &df[k]);
		}
		if (!all) {
			out->skipped++;
			goto next;
		}
		for (size_t i = 0; i < n; i++) {
			lo = fmin(lo, c[i]);
			hi = fmax(hi, c[i]);
			for (size_t j = 0; j < n; j++) {
				if (i == j)
					continue;
				row.ordered++;
				row.covered += r[i]->summary.ci_low <= c[j] && c[j] <= r[i]->summary.ci_high;
				if (j < i)
					continue;
				double v = se[i] * se[i] + se[j] * se[j];
				double z = v > 0 ? (log(c[i]) - log(c[j])) / sqrt(v) : 0;
				/* Welch-Satterthwaite degrees of freedom of the difference */
				double wdf = kb_stats_satterthwaite((double[]){ se[i] * se[i], se[j] * se[j] },
								    (double[]){ df[i], df[j] }, 2);
				double q = isfinite(wdf) ? kb_stats_t_quantile(0.975, wdf) : 1.959963984540054;

				row.pairs++;
				row.z_over += fabs(z) > 1.959963984540054;
				row.t_over += fabs(z) > q;
				row.max_abs_z = fmax(row.max_abs_z, fabs(z));
			}
		}
		row.spread = hi / lo - 1;
		out->rows[out->nrows++] = row;
		out->pairs += row.pairs;
		out->z_over += row.z_over;
		out->t_over += row.t_over;
		out->covered += row.covered;
		out->ordered += row.ordered;
next:
		free(r);
		free(c);
		free(se);
		free(df);
	}
	if (out->nrows == 0) {
		kb_calcheck_release(out);
		return kb_error(KB_EINVAL, "no benchmark is ok in all %zu runs: nothing to check", n);
	}
	return 0;
}

/* A suite's running pool, or one benchmark's estimate. */
struct pool {
	const char *name, *suite; /* suite: a benchmark's */
	double sum;
	size_t n;
};

static void pool_add(struct pool *p, size_t *np, const char *name, double v)
{
	size_t i = 0;

	while (i < *np && strcmp(p[i].name, name))
		i++;
	if (i == *np)
		p[(*np)++] = (struct pool){ .name = name };
	p[i].sum += v;
	p[i].n++;
}

static double pool_mean(const struct pool *p, size_t np, const char *name)
{
	for (size_t i = 0; i < np; i++)
		if (!strcmp(p[i].name, name))
			return fmax(0, p[i].sum / (double)p[i].n);
	return 0;
}

int kb_calcheck_drift(const struct kb_run *runs, size_t n, struct kb_drift *out)
{
	size_t nb = n ? runs[0].nresults : 0, np = 0, nbench = 0;
	struct pool *pool = calloc(nb + 1, sizeof(*pool)), *bench = calloc(nb + 1, sizeof(*bench));
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!pool || !bench) {
		free(pool);
		free(bench);
		return kb_error(KB_ENOMEM, "out of memory");
	}
	if (n < 2) {
		rc = kb_error(KB_EINVAL, "the drift needs at least two runs (got %zu)", n);
		goto out;
	}
	for (size_t k = 0; k < n; k++)
		if (!runs[k].fingerprint || strcmp(runs[k].fingerprint, runs[0].fingerprint ?
						   runs[0].fingerprint : "")) {
			rc = kb_error(KB_EMISMATCH, "the drift is a machine's: run %zu was measured on "
				      "%s, run 1 on %s", k + 1, runs[k].fingerprint ? runs[k].fingerprint
				      : "an unknown machine", runs[0].fingerprint ? runs[0].fingerprint : "an "
				      "unknown machine");
			goto out;
		}
	for (size_t b = 0; b < nb; b++) {
		const struct kb_result *r0 = &runs[0].results[b];
		double sum = 0, sum2 = 0, se2 = 0, v;
		bool all = true;

		for (size_t k = 0; k < n && all; k++) {
			const struct kb_result *r = kb_run_find(&runs[k], r0->id);

			all = r && r->status == KB_STATUS_OK && r->summary.median > 0 &&
			      r->proc.processes >= 2 && isfinite(r->proc.process_log_se);
			if (all) {
				double l = log(r->summary.median);

				sum += l;
				sum2 += l * l;
				se2 += r->proc.process_log_se * r->proc.process_log_se;
			}
		}
		if (!all)
			continue;
		/* the sample variance of the log centres, less what the runs' own
		 * intervals explain (unclamped, so that the pooled mean is unbiased) */
		v = (sum2 - sum * sum / (double)n) / (double)(n - 1) - se2 / (double)n;
		pool_add(pool, &np, r0->suite, v);
		pool_add(pool, &np, "*", v);
		bench[nbench++] = (struct pool){ .name = r0->id, .suite = r0->suite, .sum = v, .n = 1 };
	}
	if (np == 0) {
		rc = kb_error(KB_EINVAL, "no benchmark was measured in two or more processes and ok in "
			      "all %zu runs: the drift needs process-level intervals (not --processes=1)",
			      n);
		goto out;
	}
	out->fingerprint = strdup(runs[0].fingerprint);
	if (!out->fingerprint) {
		rc = kb_error(KB_ENOMEM, "out of memory");
		goto out;
	}
	out->invocations = n;
	out->entries = calloc(np + nbench, sizeof(*out->entries));
	if (!out->entries) {
		rc = kb_error(KB_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < np + nbench; i++) {
		struct kb_drift_entry *s = &out->entries[out->nentries];
		const struct pool *p = i < np ? &pool[i] : &bench[i - np];

		s->name = strdup(p->name);
		if (!s->name) {
			rc = kb_error(KB_ENOMEM, "out of memory");
			goto out;
		}
		s->log_var = i < np ? pool_mean(pool, np, p->name)
				    : (fmax(0, p->sum) + pool_mean(pool, np, p->suite)) / 2;
		s->df = (double)(n - 1);
		s->benchmarks = p->n;
		out->nentries++;
	}
out:
	free(pool);
	free(bench);
	if (rc)
		kb_drift_release(out);
	return rc;
}

void kb_calcheck_release(struct kb_calcheck *c)
{
	free(c->rows);
	memset(c, 0, sizeof(*c));
}
