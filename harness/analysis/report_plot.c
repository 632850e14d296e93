/*
 * report_plot.c - plot data files and the gnuplot runner (see report_plot.h).
 */
#include "report_plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "proc.h"
#include "stats.h"

/* ---- gnuplot variables -------------------------------------------------- */

void kb_plot_vars_release(struct kb_plot_vars *v)
{
	free(v->text);
	memset(v, 0, sizeof(*v));
}

static int vars_append(struct kb_plot_vars *v, const char *s, size_t n)
{
	if (v->len + n + 1 > v->cap) {
		size_t cap = v->cap ? v->cap : 256;
		char *t;

		while (v->len + n + 1 > cap)
			cap *= 2;
		t = realloc(v->text, cap);
		if (!t)
			return kb_error(KB_ENOMEM, "out of memory building plot variables");
		v->text = t;
		v->cap = cap;
	}
	memcpy(v->text + v->len, s, n);
	v->len += n;
	v->text[v->len] = '\0';
	return 0;
}

int kb_plot_vars_str(struct kb_plot_vars *v, const char *name, const char *value)
{
	int rc = 0;

	if (v->len)
		rc = vars_append(v, "; ", 2);
	rc = rc ? rc : vars_append(v, name, strlen(name));
	rc = rc ? rc : vars_append(v, "='", 2);
	/* gnuplot single-quoted strings: '' is a quote, nothing else is special */
	for (const char *p = value ? value : ""; *p && !rc; p++)
		rc = *p == '\'' ? vars_append(v, "''", 2)
				: vars_append(v, (*p == '\n' || *p == '\r') ? " " : p, 1);
	return rc ? rc : vars_append(v, "'", 1);
}

int kb_plot_vars_num(struct kb_plot_vars *v, const char *name, double value)
{
	char buf[64];
	int rc = 0;

	if (v->len)
		rc = vars_append(v, "; ", 2);
	if (!isfinite(value))
		value = 0;
	snprintf(buf, sizeof(buf), "%s=%.10g", name, value);
	/* an integral value stays an integer in gnuplot (for loop bounds) */
	return rc ? rc : vars_append(v, buf, strlen(buf));
}

const char *kb_plot_time_unit(double max_ns, double *scale)
{
	if (!(max_ns >= 1e3)) {
		*scale = 1;
		return "ns";
	}
	if (max_ns < 1e6) {
		*scale = 1e3;
		return "us";
	}
	if (max_ns < 1e9) {
		*scale = 1e6;
		return "ms";
	}
	*scale = 1e9;
	return "s";
}

/* A token for a data file column: quotes and whitespace would split it. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (const char *p = s ? s : ""; *p; p++)
		fputc(*p == '"' ? '\'' : (*p == '\n' || *p == '\t') ? ' ' : *p, f);
	fputc('"', f);
}

static void put_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.6g", v);
	else
		fputs(" NaN", f);
}

static int finish(FILE *f, const char *what)
{
	if (ferror(f))
		return kb_error(KB_EIO, "cannot write the %s data: %s", what, strerror(errno));
	return 0;
}

/* ---- scaling ------------------------------------------------------------ */

bool kb_plot_scaling_has_points(const struct kb_group *g, size_t family)
{
	const struct kb_family *fam = &g->families[family];

	for (size_t i = 0; i < fam->nentries; i++) {
		const struct kb_group_entry *e = &g->entries[fam->entries[i]];
		if (isfinite(e->size) && isfinite(e->rate) && e->rate > 0)
			return true;
	}
	return false;
}

int kb_plot_scaling_write(FILE *f, const struct kb_group *g, size_t family,
			  struct kb_plot_vars *vars)
{
	const struct kb_family *fam = &g->families[family];
	bool is_time = strcmp(fam->metric, "time") == 0;
	double scale = 1, lo = INFINITY, hi = 0, max_size = 0;
	const char *unit = kb_group_metric_label(fam->metric);
	char name[32], ylabel[96], title[256];
	int rc = 0;

	for (size_t i = 0; i < fam->nentries; i++) {
		double r = g->entries[fam->entries[i]].rate;

		if (isfinite(r) && r > 0) {
			lo = fmin(lo, r);
			hi = fmax(hi, r);
		}
		if (isfinite(g->entries[fam->entries[i]].size))
			max_size = fmax(max_size, g->entries[fam->entries[i]].size);
	}
	if (is_time) {
		unit = kb_plot_time_unit(hi, &scale);
		snprintf(ylabel, sizeof(ylabel), "median time per iteration (%s), lower is better",
			 unit);
	} else {
		snprintf(ylabel, sizeof(ylabel), "%s, higher is better", unit);
	}
	fprintf(f, "# kbench scaling data: family %s\n", fam->key);
	fprintf(f, "# metric %s (%s)%s, size parameter %s\n", fam->metric, unit,
		is_time ? "" : " at the median time", fam->size_param ? fam->size_param : "(none)");
	if (isfinite(fam->peak))
		fprintf(f, "# machine peak %.6g %s (%s)\n", fam->peak, unit,
			fam->peak_source ? fam->peak_source : "context");
	fprintf(f, "# one block per series; columns: size value value_low value_high median_ns\n");
	for (size_t s = 0; s < fam->nseries; s++) {
		fprintf(f, "%s# series %s\n", s ? "\n\n" : "", fam->series[s]);
		for (size_t i = 0; i < fam->nentries; i++) {
			const struct kb_group_entry *e = &g->entries[fam->entries[i]];

			if (strcmp(e->series, fam->series[s]) != 0 || isnan(e->size))
				continue;
			fprintf(f, "%.0f", e->size);
			put_num(f, e->rate / scale);
			put_num(f, e->rate_lo / scale);
			put_num(f, e->rate_hi / scale);
			put_num(f, e->res->summary.median);
			fputc('\n', f);
		}
		snprintf(name, sizeof(name), "title_%zu", s + 1);
		rc = rc ? rc : kb_plot_vars_str(vars, name, fam->series[s]);
	}
	snprintf(title, sizeof(title), "%s: %s against %s", fam->key,
		 is_time ? "time" : unit, fam->size_param ? fam->size_param : "size");
	rc = rc ? rc : kb_plot_vars_num(vars, "nseries", (double)fam->nseries);
	rc = rc ? rc : kb_plot_vars_str(vars, "plot_title", title);
	rc = rc ? rc : kb_plot_vars_str(vars, "ylabel", ylabel);
	rc = rc ? rc : kb_plot_vars_str(vars, "xlabel", fam->size_param ? fam->size_param : "size");
	rc = rc ? rc : kb_plot_vars_num(vars, "peak", is_time ? 0 : fam->peak);
	if (!rc && isfinite(fam->peak) && !is_time) {
		snprintf(title, sizeof(title), "machine peak %.4g %s", fam->peak, unit);
		rc = kb_plot_vars_str(vars, "peak_label", title);
	} else if (!rc) {
		rc = kb_plot_vars_str(vars, "peak_label", "");
	}
	rc = rc ? rc : kb_plot_vars_num(vars, "logy", hi > 30 * lo);
	/* sizes up to 64Ki read best as numbers, larger ones as 256Ki, 16Mi */
	rc = rc ? rc : kb_plot_vars_str(vars, "xformat", max_size > 65536 ? "%.0b%B" : "%.0f");
	return rc ? rc : finish(f, "scaling");
}

/* ---- roofline ----------------------------------------------------------- */

/* A numeric context value of a run, NAN when absent. */
static double ctx_num(const struct kb_run *run, const char *key)
{
	for (size_t i = 0; i < run->ncontext; i++)
		if (run->context[i].key && strcmp(run->context[i].key, key) == 0)
			return run->context[i].value && run->context[i].is_num
				       ? strtod(run->context[i].value, NULL)
				       : NAN;
	return NAN;
}

static const char *ctx_str(const struct kb_run *run, const char *key)
{
	for (size_t i = 0; i < run->ncontext; i++)
		if (run->context[i].key && strcmp(run->context[i].key, key) == 0)
			return run->context[i].value;
	return NULL;
}

/* A point: GFLOP/s and arithmetic intensity, both positive. */
static bool roofline_point(const struct kb_result *r, double *ai, double *gf)
{
	*ai = NAN;
	*gf = NAN;
	for (size_t i = 0; i < r->ncounters; i++) {
		if (strcmp(r->counters[i].name, "arithmetic_intensity") == 0)
			*ai = r->counters[i].value;
		else if (strcmp(r->counters[i].name, "gflops") == 0)
			*gf = r->counters[i].value;
	}
	return r->status == KB_STATUS_OK && isfinite(*ai) && *ai > 0 && isfinite(*gf) && *gf > 0;
}

struct roof {
	const char *name, *unit; /* point into the run's context */
	double value;
};

static int roof_cmp(const void *a, const void *b)
{
	double x = ((const struct roof *)a)->value, y = ((const struct roof *)b)->value;
	return x < y ? 1 : x > y ? -1 : 0;
}

bool kb_plot_roofline_has_points(const struct kb_group *g)
{
	double ai, gf;

	if (g->nruns == 0)
		return false;
	for (size_t i = 0; i < g->runs[g->nruns - 1].nresults; i++)
		if (roofline_point(&g->runs[g->nruns - 1].results[i], &ai, &gf))
			return true;
	return false;
}

int kb_plot_roofline_write(FILE *f, const struct kb_group *g, struct kb_plot_vars *vars)
{
	const struct kb_run *run = &g->runs[g->nruns - 1];
	double ai, gf, xmin = INFINITY, xmax = 0, top = 0, bw_max = 0;
	double bw_min = INFINITY;
	size_t ncomp = 0, nmem = 0, nblocks = 0;
	char name[64], label[160];
	int rc = 0;

	fprintf(f, "# kbench roofline data: run %s (%s)\n", g->labels ? g->labels[g->nruns - 1] : "",
		run->date ? run->date : "");
	/* the roofs: every peak of the context in GFLOP/s (compute) or GB/s
	 * (memory), highest first (L1d, L2, L3, DRAM in the legend's order) */
	struct roof roofs[32];
	size_t nroofs = 0;

	for (size_t i = 0; i < run->ncontext && nroofs < 32; i++) {
		const char *key = run->context[i].key, *unit;
		char ukey[160];
		double v;

		if (!key || strncmp(key, "peaks.", 6) != 0 || strchr(key + 6, '.') ||
		    !run->context[i].is_num || !isfinite(v = ctx_num(run, key)) || v <= 0)
			continue;
		snprintf(ukey, sizeof(ukey), "%s_unit", key);
		if (!(unit = ctx_str(run, ukey)) || strstr(key, "pcie") ||
		    (strcmp(unit, "GFLOP/s") != 0 && strcmp(unit, "GB/s") != 0))
			continue;
		roofs[nroofs++] = (struct roof){ key + 6, unit, v };
	}
	qsort(roofs, nroofs, sizeof(*roofs), roof_cmp);
	for (size_t i = 0; i < nroofs && !rc; i++) {
		bool comp = strcmp(roofs[i].unit, "GFLOP/s") == 0;
		size_t k = comp ? ++ncomp : ++nmem;

		if (comp) {
			top = fmax(top, roofs[i].value);
		} else {
			bw_max = fmax(bw_max, roofs[i].value);
			bw_min = fmin(bw_min, roofs[i].value);
		}
		fprintf(f, "# roof %s = %.6g %s\n", roofs[i].name, roofs[i].value, roofs[i].unit);
		snprintf(name, sizeof(name), "%s_%zu", comp ? "comp" : "mem", k);
		rc = kb_plot_vars_num(vars, name, roofs[i].value);
		snprintf(name, sizeof(name), "%s_label_%zu", comp ? "comp" : "mem", k);
		snprintf(label, sizeof(label), "%s %.4g %s", roofs[i].name, roofs[i].value, roofs[i].unit);
		rc = rc ? rc : kb_plot_vars_str(vars, name, label);
	}
	/* the points: one block per suite, columns ai gflops low high "id" */
	fprintf(f, "# one block per suite; columns: arithmetic_intensity(FLOP/byte) GFLOP/s "
		   "GFLOP/s_low GFLOP/s_high id (the interval from the CI of the median time)\n");
	for (size_t i = 0; i < run->nresults && !rc; i++) {
		const struct kb_result *r = &run->results[i];
		size_t slen = strcspn(r->id, "/");
		bool first = true;

		if (!roofline_point(r, &ai, &gf))
			continue;
		for (size_t j = 0; j < i && first; j++) { /* a suite's block starts at its first point */
			double a2, g2;
			first = !(roofline_point(&run->results[j], &a2, &g2) &&
				  strncmp(run->results[j].id, r->id, slen + 1) == 0);
		}
		if (!first)
			continue;
		fprintf(f, "%s# suite %.*s\n", nblocks ? "\n\n" : "", (int)slen, r->id);
		for (size_t j = i; j < run->nresults; j++) {
			const struct kb_result *q = &run->results[j];
			const struct kb_summary *s = &q->summary;

			if (!roofline_point(q, &ai, &gf) || strncmp(q->id, r->id, slen + 1) != 0)
				continue;
			fprintf(f, "%.6g %.6g", ai, gf);
			put_num(f, s->ci_high > 0 ? gf * s->median / s->ci_high : NAN);
			put_num(f, s->ci_low > 0 ? gf * s->median / s->ci_low : NAN);
			fputc(' ', f);
			put_quoted(f, q->id);
			fputc('\n', f);
			xmin = fmin(xmin, ai);
			xmax = fmax(xmax, ai);
			top = fmax(top, gf);
		}
		snprintf(name, sizeof(name), "title_%zu", ++nblocks);
		snprintf(label, sizeof(label), "%.*s", (int)slen, r->id);
		rc = kb_plot_vars_str(vars, name, label);
	}
	/* the x range spans the points and every ridge point (peak / bandwidth) */
	if (bw_max > 0) { /* the ridge points */
		xmin = fmin(xmin, top / bw_max);
		xmax = fmax(xmax, top / bw_min);
	}
	rc = rc ? rc : kb_plot_vars_num(vars, "ncomp", (double)ncomp);
	rc = rc ? rc : kb_plot_vars_num(vars, "nmem", (double)nmem);
	rc = rc ? rc : kb_plot_vars_num(vars, "nblocks", (double)nblocks);
	rc = rc ? rc : kb_plot_vars_num(vars, "roof_top", top);
	rc = rc ? rc : kb_plot_vars_num(vars, "xmin", pow(10, floor(log10(xmin / 2))));
	rc = rc ? rc : kb_plot_vars_num(vars, "xmax", pow(10, ceil(log10(xmax * 2))));
	snprintf(label, sizeof(label), "roofline%s%s: GFLOP/s against arithmetic intensity",
		 ctx_str(run, "cpu.model") ? " of " : "", ctx_str(run, "cpu.model") ? ctx_str(run, "cpu.model") : "");
	rc = rc ? rc : kb_plot_vars_str(vars, "plot_title", label);
	return rc ? rc : finish(f, "roofline");
}

/* ---- comparison --------------------------------------------------------- */

static unsigned verdict_colour(enum kb_verdict v)
{
	switch (v) {
	case KB_VERDICT_REGRESSED:
		return 0xd62728;
	case KB_VERDICT_IMPROVED:
		return 0x2ca02c;
	case KB_VERDICT_UNCHANGED:
		return 0x1f77b4;
	default:
		return 0x999999;
	}
}

int kb_plot_comparison_write(FILE *f, const struct kb_compare *cmp, struct kb_plot_vars *vars)
{
	size_t n = 0, row;
	char text[96], title[512];
	int rc;

	for (size_t i = 0; i < cmp->nrows; i++)
		n += isfinite(cmp->rows[i].ratio) && cmp->rows[i].ratio > 0;
	if (n == 0)
		return kb_error(KB_ENOTFOUND, "the comparison has no benchmark with a ratio to plot");
	fprintf(f, "# kbench comparison data: %s (baseline) vs %s (current), metric %s\n",
		cmp->baseline_name ? cmp->baseline_name : "baseline",
		cmp->current_name ? cmp->current_name : "current",
		cmp->metric ? cmp->metric : "time");
	fprintf(f, "# values relative to the baseline median; intervals: the baseline's median CI,"
		   " the ratio's CI\n");
	fprintf(f, "# columns: row baseline baseline_low baseline_high current current_low"
		   " current_high colour id verdict\n");
	row = n;
	for (size_t i = 0; i < cmp->nrows; i++) {
		const struct kb_compare_row *r = &cmp->rows[i];
		double brel = isfinite(r->baseline_rel_ci) ? r->baseline_rel_ci : NAN;

		if (!(isfinite(r->ratio) && r->ratio > 0))
			continue;
		fprintf(f, "%zu 1", row--);
		put_num(f, 1 - brel);
		put_num(f, 1 + brel);
		put_num(f, r->ratio);
		put_num(f, r->ci_low);
		put_num(f, r->ci_high);
		fprintf(f, " %u ", verdict_colour(r->verdict));
		put_quoted(f, r->id);
		snprintf(text, sizeof(text), "%s %+.1f%%", kb_verdict_name(r->verdict),
			 (r->ratio - 1) * 100);
		fputc(' ', f);
		put_quoted(f, text);
		fputc('\n', f);
	}
	snprintf(title, sizeof(title), "%s vs %s (%s, current / baseline)",
		 cmp->current_name ? cmp->current_name : "current",
		 cmp->baseline_name ? cmp->baseline_name : "baseline",
		 cmp->metric ? cmp->metric : "time");
	rc = kb_plot_vars_num(vars, "nrows", (double)n);
	rc = rc ? rc : kb_plot_vars_str(vars, "plot_title", title);
	rc = rc ? rc : kb_plot_vars_num(vars, "threshold", cmp->opt.threshold);
	rc = rc ? rc : kb_plot_vars_num(vars, "height", (double)(140 + 34 * n));
	rc = rc ? rc : kb_plot_vars_str(vars, "xlabel",
					cmp->higher_is_better
						? "current / baseline (higher is better)"
						: "current / baseline (lower is better)");
	return rc ? rc : finish(f, "comparison");
}

/* ---- distribution ----------------------------------------------------- */

/* The finite samples of r, sorted, in a new array; *m their count. */
static double *sorted_samples(const struct kb_result *r, size_t *m)
{
	double *s = malloc((r->nsamples ? r->nsamples : 1) * sizeof(*s));

	*m = 0;
	if (!s)
		return NULL;
	for (size_t i = 0; i < r->nsamples; i++)
		if (isfinite(r->samples_ns[i]))
			s[(*m)++] = r->samples_ns[i];
	qsort(s, *m, sizeof(*s), kb_stats_cmp_double);
	return s;
}

/* Samples as a percentage deviation from their median, so kernels a
 * thousand times apart share one axis and their spreads compare. */
static double rel_pct(double v, double median)
{
	return (v / median - 1) * 100;
}

int kb_plot_distribution_write(FILE *f, const struct kb_result *const *res,
			       const char *const *labels, size_t n, const char *title,
			       struct kb_plot_vars *vars)
{
	char label[320], med_text[48];
	int rc;

	for (size_t k = 0; k < n; k++)
		if (!res[k]->samples_ns || res[k]->nsamples == 0)
			return kb_error(KB_EINVAL, "%s has no samples to plot", res[k]->id);
	fprintf(f, "# kbench distribution data: %s\n", title ? title : "");
	fprintf(f, "# values: deviation from each benchmark's median, percent;"
		   " whiskers reach the last sample within 1.5 IQR\n");
	fprintf(f, "# block 0 columns: k q1 whisker_low whisker_high q3 median median_ns label\n");
	for (size_t k = 0; k < n; k++) {
		const struct kb_result *r = res[k];
		double *s, q1, q3, med, wlo, whi, iqr, scale;
		const char *unit;
		size_t m;

		if (!(s = sorted_samples(r, &m)))
			return kb_error(KB_ENOMEM, "out of memory plotting %s", r->id);
		if (m == 0) {
			free(s);
			return kb_error(KB_EINVAL, "%s has no finite samples to plot", r->id);
		}
		q1 = kb_stats_quantile_sorted(s, m, 0.25);
		med = kb_stats_quantile_sorted(s, m, 0.5);
		q3 = kb_stats_quantile_sorted(s, m, 0.75);
		iqr = q3 - q1;
		wlo = q3;
		whi = q1;
		for (size_t i = 0; i < m; i++)
			if (s[i] >= q1 - 1.5 * iqr && s[i] <= q3 + 1.5 * iqr) {
				wlo = fmin(wlo, s[i]);
				whi = fmax(whi, s[i]);
			}
		free(s);
		if (!(med > 0))
			return kb_error(KB_EINVAL, "%s: the median sample is not positive", r->id);
		unit = kb_plot_time_unit(med, &scale);
		snprintf(med_text, sizeof(med_text), "%.4g %s", med / scale, unit);
		snprintf(label, sizeof(label), "%s (%s)", labels && labels[k] ? labels[k] : r->id,
			 med_text);
		fprintf(f, "%zu", k + 1);
		put_num(f, rel_pct(q1, med));
		put_num(f, rel_pct(wlo, med));
		put_num(f, rel_pct(whi, med));
		put_num(f, rel_pct(q3, med));
		put_num(f, 0);
		put_num(f, med);
		fputc(' ', f);
		put_quoted(f, label);
		fputc('\n', f);
	}
	fprintf(f, "\n\n# block 1 columns: x value class (0 inside, 1 mild, 2 severe outlier)"
		   " sample_ns\n");
	for (size_t k = 0; k < n; k++) {
		const struct kb_result *r = res[k];
		double *s, q1, q3, med, iqr;
		struct kb_rng rng;
		size_t m;

		if (!(s = sorted_samples(r, &m)))
			return kb_error(KB_ENOMEM, "out of memory plotting %s", r->id);
		q1 = kb_stats_quantile_sorted(s, m, 0.25);
		med = kb_stats_quantile_sorted(s, m, 0.5);
		q3 = kb_stats_quantile_sorted(s, m, 0.75);
		iqr = q3 - q1;
		free(s);
		kb_rng_seed(&rng, kb_hash_seed(0, r->id));
		for (size_t i = 0; i < r->nsamples; i++) {
			double v = r->samples_ns[i];
			int cls = 0;

			if (!isfinite(v))
				continue;
			if (v < q1 - 3 * iqr || v > q3 + 3 * iqr)
				cls = 2;
			else if (v < q1 - 1.5 * iqr || v > q3 + 1.5 * iqr)
				cls = 1;
			fprintf(f, "%.4f", (double)(k + 1) + (kb_rng_uniform(&rng) - 0.5) * 0.4);
			put_num(f, rel_pct(v, med));
			fprintf(f, " %d", cls);
			put_num(f, v);
			fputc('\n', f);
		}
	}
	rc = kb_plot_vars_num(vars, "nboxes", (double)n);
	rc = rc ? rc : kb_plot_vars_str(vars, "plot_title", title ? title : "samples");
	rc = rc ? rc : kb_plot_vars_str(vars, "ylabel", "deviation from the median (%)");
	rc = rc ? rc : kb_plot_vars_num(vars, "width", (double)(n > 5 ? 300 + 150 * n : 1000));
	return rc ? rc : finish(f, "distribution");
}

/* ---- history -------------------------------------------------------------- */

int kb_plot_history_write(FILE *f, const char *bench, size_t n, const char *const *labels,
			  const double *median, const double *low, const double *high,
			  const double *level, const bool *is_cp, const double *step,
			  struct kb_plot_vars *vars)
{
	double max = 0, scale;
	const char *unit;
	char ylabel[96], title[512], text[32];
	size_t ncp = 0;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (isfinite(median[i]))
			max = fmax(max, median[i]);
		if (high && isfinite(high[i]))
			max = fmax(max, high[i]);
	}
	unit = kb_plot_time_unit(max, &scale);
	fprintf(f, "# kbench history data: %s\n", bench);
	fprintf(f, "# times per iteration in %s; one row per run, oldest first\n", unit);
	fprintf(f, "# columns: idx median low high level changepoint label step\n");
	for (size_t i = 0; i < n; i++) {
		bool cp = is_cp && is_cp[i];

		fprintf(f, "%zu", i + 1);
		put_num(f, median[i] / scale);
		put_num(f, low ? low[i] / scale : NAN);
		put_num(f, high ? high[i] / scale : NAN);
		put_num(f, level ? level[i] / scale : NAN);
		fprintf(f, " %d ", cp);
		put_quoted(f, labels && labels[i] ? labels[i] : "");
		if (cp && step)
			snprintf(text, sizeof(text), "%+.1f%%", step[i] * 100);
		else
			snprintf(text, sizeof(text), "-");
		fputc(' ', f);
		put_quoted(f, text);
		fputc('\n', f);
		ncp += cp;
	}
	snprintf(ylabel, sizeof(ylabel), "median time per iteration (%s)", unit);
	snprintf(title, sizeof(title), "%s: %zu runs, %zu change point%s", bench, n, ncp,
		 ncp == 1 ? "" : "s");
	rc = kb_plot_vars_str(vars, "plot_title", title);
	rc = rc ? rc : kb_plot_vars_str(vars, "ylabel", ylabel);
	rc = rc ? rc : kb_plot_vars_num(vars, "npoints", (double)n);
	rc = rc ? rc : kb_plot_vars_num(vars, "tic_step", (double)(n > 24 ? (n + 23) / 24 : 1));
	return rc ? rc : finish(f, "history");
}

/* ---- finding and running gnuplot ------------------------------------------ */

int kb_plot_find_gnuplot(char *buf, size_t len)
{
	const char *env = getenv("KBENCH_GNUPLOT"), *path = getenv("PATH");

	if (env && *env) {
		if (access(env, X_OK) == 0) {
			snprintf(buf, len, "%s", env);
			return 0;
		}
		return kb_error(KB_EUNSUPPORTED,
				"KBENCH_GNUPLOT=%s is not an executable; unset it or install gnuplot:"
				" sudo apt-get install gnuplot-nox", env);
	}
	for (const char *p = path ? path : ""; *p;) {
		const char *colon = strchr(p, ':');
		size_t dl = colon ? (size_t)(colon - p) : strlen(p);

		if (dl > 0 && (size_t)snprintf(buf, len, "%.*s/gnuplot", (int)dl, p) < len &&
		    access(buf, X_OK) == 0)
			return 0;
		p += dl + (colon != NULL);
	}
	return kb_error(KB_EUNSUPPORTED,
			"gnuplot is not installed (not found on PATH); plots need it."
			" Install it with: sudo apt-get install gnuplot-nox"
			" (or run with --no-plots for the data files and reports without images)");
}

static bool has_scripts(const char *dir)
{
	char p[PATH_MAX];

	return (size_t)snprintf(p, sizeof(p), "%s/scaling.gp", dir) < sizeof(p) &&
	       access(p, R_OK) == 0;
}

int kb_plot_find_scripts(const char *hint, char *buf, size_t len)
{
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (!hint || !*hint)
		hint = getenv("KBENCH_SCRIPTS");
	if (hint && *hint) {
		snprintf(buf, len, "%s", hint);
		if (has_scripts(buf))
			return 0;
		return kb_error(KB_ENOTFOUND, "no gnuplot scripts (scaling.gp ...) in %s", hint);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, len, "%s/../scripts", exe);
			if (has_scripts(buf))
				return 0;
			/* build/asan/kbench-report: two levels below the tree */
			snprintf(buf, len, "%s/../../scripts", exe);
			if (has_scripts(buf))
				return 0;
			snprintf(buf, len, "%s/../share/kbench", exe);
			if (has_scripts(buf))
				return 0;
		}
	}
	snprintf(buf, len, "scripts");
	if (has_scripts(buf))
		return 0;
	return kb_error(KB_ENOTFOUND,
			"cannot find the gnuplot scripts (scaling.gp ...): tried <executable dir>/../scripts,"
			" <executable dir>/../share/kbench and ./scripts; pass --scripts=DIR or set"
			" KBENCH_SCRIPTS");
}

/* The first lines of gnuplot's log, for an error message. */
static void log_head(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (!f)
		return;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	for (char *p = buf; *p; p++)
		if (*p == '\n' && p[1])
			*p = ' ';
}

int kb_plot_render(const char *gnuplot, const char *scripts, const char *script,
		   const char *data, const char *outbase, const struct kb_plot_vars *vars)
{
	struct kb_plot_vars all = {0};
	char script_path[PATH_MAX], log_path[PATH_MAX], out[PATH_MAX], msg[600];
	struct kb_proc proc = KB_PROC_INIT;
	char *argv[5];
	int rc, status;

	snprintf(script_path, sizeof(script_path), "%s/%s.gp", scripts, script);
	snprintf(log_path, sizeof(log_path), "%s.log", outbase);
	if (access(script_path, R_OK) != 0)
		return kb_error(KB_EIO, "cannot read the gnuplot script %s: %s", script_path,
				strerror(errno));
	if ((rc = vars_append(&all, vars && vars->text ? vars->text : "",
			      vars && vars->text ? vars->len : 0)) ||
	    (rc = kb_plot_vars_str(&all, "datafile", data)) ||
	    (rc = kb_plot_vars_str(&all, "outbase", outbase)))
		goto out;
	argv[0] = (char *)gnuplot;
	argv[1] = "-e";
	argv[2] = all.text;
	argv[3] = script_path;
	argv[4] = NULL;
	proc.argv = argv;
	proc.out_path = proc.err_path = log_path;
	proc.timeout_s = 600;
	if ((rc = kb_proc_run(&proc)))
		goto out;
	status = proc.status;
	if (proc.timed_out) {
		rc = kb_error(KB_EIO, "gnuplot did not finish %s within %.0f s and was killed", script_path,
			      proc.timeout_s);
		goto out;
	}
	if (!kb_proc_ok(status)) {
		log_head(log_path, msg, sizeof(msg));
		char how[96];

		kb_proc_describe(status, how, sizeof(how));
		rc = kb_error(KB_EINTERNAL, "gnuplot failed on %s (%s): %s", script_path, how,
			      msg[0] ? msg : "no message");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(out, sizeof(out), "%s.%s", outbase, i ? "svg" : "png");
		if (access(out, R_OK) != 0) {
			rc = kb_error(KB_EIO, "gnuplot did not write %s (script %s)", out, script_path);
			goto out;
		}
	}
out:
	kb_proc_release(&proc);
	kb_plot_vars_release(&all);
	return rc;
}
