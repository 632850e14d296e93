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
				double wdf = v > 0 ? v * v / (pow(se[i], 4) / df[i] + pow(se[j], 4) / df[j])
						   : INFINITY;
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

void kb_calcheck_release(struct kb_calcheck *c)
{
	free(c->rows);
	memset(c, 0, sizeof(*c));
}
