/*
 * baseline.c - merging repeated runs into a baseline (see baseline.h).
 */
#include "baseline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calcheck.h"
#include "drift.h"
#include "error.h"
#include "pstats.h"
#include "stats.h"

/* Expected range of n standard normal values (d2 of control-chart tables). */
static const double d2[] = { 0, 0, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078 };

double kb_baseline_noise(const double *medians, size_t n)
{
	double lo = INFINITY, hi = -INFINITY, sum = 0, sq = 0, sigma;
	size_t i;

	if (n < 2)
		return NAN;
	for (i = 0; i < n; i++) {
		double l;

		if (!(medians[i] > 0 && isfinite(medians[i])))
			return NAN;
		l = log(medians[i]);
		lo = l < lo ? l : lo;
		hi = l > hi ? l : hi;
		sum += l;
	}
	if (n < sizeof(d2) / sizeof(d2[0])) {
		sigma = (hi - lo) / d2[n];
	} else {
		double mean = sum / (double)n;

		for (i = 0; i < n; i++)
			sq += (log(medians[i]) - mean) * (log(medians[i]) - mean);
		sigma = sqrt(sq / (double)(n - 1));
	}
	return expm1(2.326 * sqrt(2.0) * sigma);
}

static double result_median(const struct kb_result *r)
{
	return r->nsamples ? kb_stats_median(r->samples_ns, r->nsamples) : r->summary.median;
}

/* Checks that every run is usable and agrees with the first. */
static int check_runs(const struct kb_run *runs, size_t n, const char *const *names)
{
	size_t k, i;

	if (n < 2)
		return kb_error(KB_EINVAL, "a baseline needs at least 2 runs to measure between-run noise (make baseline uses 3)");
	for (k = 0; k < n; k++) {
		const struct kb_run *run = &runs[k];

		if (!run->format || strcmp(run->format, "kbench") != 0)
			return kb_error(KB_ESCHEMA, "%s: not kbench JSON (baselines keep kbench's raw samples and context)",
					names[k]);
		if (!run->fingerprint || !*run->fingerprint)
			return kb_error(KB_ESCHEMA, "%s: no machine fingerprint in the context", names[k]);
		if (strcmp(run->fingerprint, runs[0].fingerprint) != 0)
			return kb_error(KB_EMISMATCH, "%s was measured on \"%s\" but %s on \"%s\": one machine per baseline",
					names[k], run->fingerprint, names[0], runs[0].fingerprint);
		if (run->nresults != runs[0].nresults)
			return kb_error(KB_EMISMATCH, "%s has %zu benchmarks but %s has %zu: run the same suites and filter each time",
					names[k], run->nresults, names[0], runs[0].nresults);
		for (i = 0; i < run->nresults; i++) {
			const struct kb_result *r = &run->results[i];
			const struct kb_result *r0 = kb_run_find(&runs[0], r->id);

			if (!r0)
				return kb_error(KB_EMISMATCH, "%s has \"%s\", which %s does not", names[k], r->id,
						names[0]);
			if (r->status == KB_STATUS_ERROR || (r->status == KB_STATUS_OK && r->validated == 0))
				return kb_error(KB_EVALIDATE, "%s: \"%s\" failed (%s): a baseline must not contain errors",
						names[k], r->id, r->message ? r->message : "validation failed");
			if (r->status != r0->status)
				return kb_error(KB_EMISMATCH, "\"%s\" is %s in %s but %s in %s", r->id,
						kb_status_name(r->status), names[k], kb_status_name(r0->status),
						names[0]);
			if (r->status == KB_STATUS_OK && !(result_median(r) > 0))
				return kb_error(KB_ESCHEMA, "%s: \"%s\" has no median", names[k], r->id);
		}
	}
	return 0;
}

/* Index of the run whose median is the median (lower middle) of the runs'. */
static size_t representative(const double *med, size_t n)
{
	size_t i, j, best = 0;

	for (i = 0; i < n; i++) {
		size_t below = 0, equal_before = 0;

		for (j = 0; j < n; j++) {
			below += med[j] < med[i];
			equal_before += med[j] == med[i] && j < i;
		}
		/* rank of i among the medians, ties broken by run order */
		if (below + equal_before == (n - 1) / 2) {
			best = i;
			break;
		}
	}
	return best;
}

/* Whether every ok result of every run was measured in two processes or more. */
static bool all_process_level(const struct kb_run *runs, size_t n)
{
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < runs[k].nresults; i++) {
			const struct kb_result *r = &runs[k].results[i];

			if (r->status == KB_STATUS_OK && (r->proc.processes < 2 || !r->proc.medians_ns))
				return false;
		}
	return true;
}

/*
 * The process level of one benchmark over the n runs (baseline.h): every
 * run's process medians in one array, the centre their geometric mean, the
 * interval from the pooled within-run variance over all processes plus the
 * drift over the n runs, the drift recorded.  `e`: the drift estimated
 * from these runs (or NULL).
 */
static int pool_processes(struct kb_result *const *pick, size_t n, const struct kb_drift_entry *e,
			  struct kb_result *out)
{
	size_t total = 0, k, j, used = 0;
	double sum = 0, within = 0, wdf = 0, v = NAN, vdf = NAN, *all, se2, df, q;

	for (k = 0; k < n; k++)
		total += pick[k]->proc.nmedians;
	all = malloc((total ? total : 1) * sizeof(*all));
	if (!all)
		return kb_error(KB_ENOMEM, "out of memory");
	for (k = 0; k < n; k++) {
		const struct kb_process_info *p = &pick[k]->proc;
		double s = 0, s2 = 0;
		size_t m = 0;

		for (j = 0; j < p->nmedians; j++) {
			double x = p->medians_ns[j];

			all[used++] = x;
			if (x > 0 && isfinite(x)) {
				s += log(x);
				s2 += log(x) * log(x);
				m++;
			}
		}
		sum += s;
		if (m >= 2) {
			within += s2 - s * s / (double)m;
			wdf += (double)(m - 1);
		}
		/* a drift the runs carried (a calibration file) */
		if (isfinite(p->drift_log_var) && p->drift_df > 0 && !isfinite(v)) {
			v = p->drift_log_var;
			vdf = p->drift_df;
		}
	}
	if (e) { /* pooled with the runs' own estimate, weighted by df */
		if (isfinite(v)) {
			v = (vdf * v + e->df * e->log_var) / (vdf + e->df);
			vdf += e->df;
		} else {
			v = e->log_var;
			vdf = e->df;
		}
	}
	free(out->proc.medians_ns);
	out->proc.medians_ns = all;
	out->proc.nmedians = used;
	{
		size_t m = 0;

		for (j = 0; j < used; j++)
			m += all[j] > 0 && isfinite(all[j]);
		out->proc.processes = m;
		out->summary.median = exp(sum / (double)m);
		within = wdf > 0 ? within / wdf : 0;
		se2 = within / (double)m + (isfinite(v) ? v / (double)n : 0);
		df = kb_stats_satterthwaite(
			(double[]){ within / (double)m, isfinite(v) ? v / (double)n : 0 },
			(double[]){ wdf, vdf }, 2);
		if (!isfinite(df)) /* nothing varies */
			df = wdf;
	}
	out->proc.process_log_se = sqrt(within / (double)out->proc.processes);
	out->proc.process_df = wdf;
	out->proc.log_se = sqrt(se2);
	out->proc.df = df;
	out->proc.drift_log_var = v;
	out->proc.drift_df = vdf;
	free(out->proc.drift_entry);
	out->proc.drift_entry = isfinite(v) ? strdup(e ? e->name : "*") : NULL;
	if (df > 0 && se2 > 0) {
		q = kb_stats_t_quantile(1 - (1 - out->summary.ci_level) / 2, df);
		out->summary.ci_low = out->summary.median * exp(-q * sqrt(se2));
		out->summary.ci_high = out->summary.median * exp(q * sqrt(se2));
	}
	return 0;
}

const struct kb_reference_probe kb_reference_probes[2] = {
	{ "spin", "reference.spin_ns", "reference.spin_run_log_sd" },
	{ "memory read", "reference.memory_read_ns", "reference.memory_read_run_log_sd" },
};

/* Adds a numeric context entry "reference.<...>" after the last
 * "reference." one, so that the JSON writer keeps one "reference" object. */
static int add_reference(struct kb_run *out, const char *key, const char *value)
{
	size_t at = out->ncontext, last;
	struct kb_kv kv;
	int rc;

	for (size_t j = 0; j < out->ncontext; j++)
		if (strncmp(out->context[j].key, "reference.", 10) == 0)
			at = j + 1;
	if ((rc = kb_run_add_context(out, key, value, true)))
		return rc;
	last = out->ncontext - 1;
	kv = out->context[last];
	memmove(&out->context[at + 1], &out->context[at], (last - at) * sizeof(kv));
	out->context[at] = kv;
	return 0;
}

/*
 * The machine's reference probes of the baseline: the median over its
 * runs, not the first run's, and with two runs or more the standard
 * deviation of their logs over the runs (kb_reference_probes' sd_key, and
 * reference.runs), since kbench-compare checks a new run's probes against
 * them (compare.c, reference_check).  out's context is the first run's; the
 * medians replace its values in place.
 */
static int reference_median(struct kb_run *out, const struct kb_run *runs, size_t n)
{
	size_t runs_with = 0;
	int rc;

	for (size_t k = 0; k < 2; k++) {
		const struct kb_reference_probe *p = &kb_reference_probes[k];
		double v[64];
		size_t m = 0;
		char buf[64], *dup;

		for (size_t i = 0; i < n && m < 64; i++) {
			/* the first run's context has moved to out already */
			double x = kb_run_context_num(i == 0 ? out : &runs[i], p->key);
			if (x > 0 && isfinite(x))
				v[m++] = x;
		}
		if (m == 0)
			continue;
		if (m >= 2) {
			double mean = 0, ss = 0;
			for (size_t i = 0; i < m; i++)
				mean += log(v[i]) / (double)m;
			for (size_t i = 0; i < m; i++)
				ss += (log(v[i]) - mean) * (log(v[i]) - mean);
			snprintf(buf, sizeof(buf), "%.6g", sqrt(ss / (double)(m - 1)));
			if ((rc = add_reference(out, p->sd_key, buf)))
				return rc;
			runs_with = m > runs_with ? m : runs_with;
		}
		snprintf(buf, sizeof(buf), "%.9g", kb_stats_median(v, m));
		for (size_t j = 0; j < out->ncontext; j++) {
			if (strcmp(out->context[j].key, p->key) != 0)
				continue;
			if (!(dup = strdup(buf)))
				return kb_error(KB_ENOMEM, "out of memory");
			free(out->context[j].value);
			out->context[j].value = dup;
		}
	}
	if (runs_with) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%zu", runs_with);
		return add_reference(out, "reference.runs", buf);
	}
	return 0;
}

int kb_baseline_merge(struct kb_run *runs, size_t n, const char *const *names, struct kb_run *out)
{
	double *med = NULL;
	char buf[64];
	size_t i, k;
	struct kb_drift drift = { 0 };
	bool pooled;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_runs(runs, n, names)))
		return rc;
	/* runs with worker processes: every run's process medians are kept, and
	 * the drift between the runs is estimated from them */
	pooled = all_process_level(runs, n) && kb_calcheck_drift(runs, n, &drift) == 0;
	med = malloc(n * sizeof(*med));
	out->results = calloc(runs[0].nresults, sizeof(*out->results));
	if (!med || !out->results) {
		rc = kb_error(KB_ENOMEM, "out of memory");
		goto out_fail;
	}
	/* The run-level facts come from the first run. */
	out->schema_version = runs[0].schema_version;
	out->format = runs[0].format, runs[0].format = NULL;
	out->harness_version = runs[0].harness_version, runs[0].harness_version = NULL;
	out->git = runs[0].git, runs[0].git = NULL;
	out->fingerprint = runs[0].fingerprint, runs[0].fingerprint = NULL;
	out->date = runs[0].date, runs[0].date = NULL;
	out->context = runs[0].context, runs[0].context = NULL;
	out->ncontext = runs[0].ncontext, runs[0].ncontext = 0;
	out->config = runs[0].config, runs[0].config = NULL;
	out->nconfig = runs[0].nconfig, runs[0].nconfig = 0;
	out->seed = runs[0].seed;
	if ((rc = reference_median(out, runs, n)))
		goto out_fail;
	snprintf(buf, sizeof(buf), "%zu", n);
	if ((rc = kb_run_add_config(out, "baseline.runs", buf, true)) ||
	    (rc = kb_run_add_config(out, "baseline.noise_method",
			     "exp(2.326*sqrt(2)*sigma)-1, sigma = range(ln run medians)/d2(runs)", false)) ||
	    (pooled && (rc = kb_run_add_config(out, "baseline.pooled_runs", buf, true))))
		goto out_fail;

	for (i = 0; i < runs[0].nresults; i++) {
		const char *id = runs[0].results[i].id;
		struct kb_result *pick[64], *chosen;
		size_t best;

		if (n > 64) {
			rc = kb_error(KB_EINVAL, "at most 64 runs per baseline");
			goto out_fail;
		}
		for (k = 0; k < n; k++) {
			pick[k] = (struct kb_result *)kb_run_find(&runs[k], id);
			med[k] = pick[k]->status == KB_STATUS_OK ? result_median(pick[k]) : NAN;
		}
		best = runs[0].results[i].status == KB_STATUS_OK ? representative(med, n) : 0;
		chosen = pick[best];
		out->results[out->nresults] = *chosen;
		memset(chosen, 0, sizeof(*chosen));
		/* the moved-from slot must still look like a result to kb_run_find */
		chosen->id = strdup(id);
		if (!chosen->id) {
			out->nresults++;
			rc = kb_error(KB_ENOMEM, "out of memory");
			goto out_fail;
		}
		out->results[out->nresults].noise =
			out->results[out->nresults].status == KB_STATUS_OK ? kb_baseline_noise(med, n) : NAN;
		out->nresults++;
		if (pooled && out->results[out->nresults - 1].status == KB_STATUS_OK) {
			pick[best] = &out->results[out->nresults - 1];
			if ((rc = pool_processes(pick, n, kb_drift_lookup(&drift, id,
									  pick[best]->suite),
						 pick[best])))
				goto out_fail;
		}
	}
	free(med);
	kb_drift_release(&drift);
	return 0;

out_fail:
	free(med);
	kb_drift_release(&drift);
	kb_run_clear(out);
	return rc;
}
