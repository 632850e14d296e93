/*
 * report_group.c - kernel families, series and recommendations for the
 * plots and reports (see report_group.h).
 */
#include "strbuf.h"
#include "report_group.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "stats.h"

const char *kb_group_metric_label(const char *metric)
{
	if (metric && strcmp(metric, "gflops") == 0)
		return "GFLOP/s";
	if (metric && strcmp(metric, "gbps") == 0)
		return "GB/s";
	return "time";
}

/* Appends " name=value" to a malloc'ed string; frees the old one. */
static char *append_param(char *s, const char *name, const char *value)
{
	char *t;

	if (!s)
		return NULL;
	t = kb_strdup_printf("%s %s=%s", s, name ? name : "", value);
	free(s);
	return t;
}

static const struct kb_param *size_param(const struct kb_result *r)
{
	static const char *const preferred[] = {"n", "size", "bytes", "len", "length", NULL};
	size_t i;

	for (const char *const *p = preferred; *p; p++)
		for (i = 0; i < r->nparams; i++)
			if (!r->params[i].is_str && r->params[i].name &&
			    strcmp(r->params[i].name, *p) == 0)
				return &r->params[i];
	for (i = 0; i < r->nparams; i++)
		if (!r->params[i].is_str)
			return &r->params[i];
	return NULL;
}

/* The kernel name: r->kernel, else the second part of the id. */
static char *kernel_name(const struct kb_result *r)
{
	const char *a, *b;

	if (r->kernel && *r->kernel)
		return strdup(r->kernel);
	a = strchr(r->id, '/');
	if (!a)
		return strdup(r->id);
	a++;
	b = strchr(a, '/');
	return b ? strndup(a, (size_t)(b - a)) : strdup(a);
}

static char *suite_name(const struct kb_result *r)
{
	const char *a;

	if (r->suite && *r->suite)
		return strdup(r->suite);
	a = strchr(r->id, '/');
	return a ? strndup(r->id, (size_t)(a - r->id)) : strdup(r->id);
}

/* String parameters that define the problem (two kernels differing in one
 * of them do not compute the same thing); the others (simd, tile, library
 * configuration, memory kind) describe how a kernel does it. */
static bool defining_param(const char *name)
{
	static const char *const names[] = {"dtype", "layout", "math", "op", "precision",
					    "trans", "transpose", NULL};

	for (const char *const *p = names; name && *p; p++)
		if (strcmp(name, *p) == 0)
			return true;
	return false;
}

/* The operation: the kernel name up to its first '_' ("sgemm_openblas" ->
 * "sgemm", "triad_f32_simd" -> "triad"). */
static char *op_name(const char *kernel)
{
	const char *u = strchr(kernel, '_');

	return u && u != kernel ? strndup(kernel, (size_t)(u - kernel)) : strdup(kernel);
}

/* The id after "suite/kernel/", or NULL. */
static const char *id_params(const char *id)
{
	const char *a = strchr(id, '/');

	if (!a)
		return NULL;
	a = strchr(a + 1, '/');
	return a && a[1] ? a + 1 : NULL;
}

/* "matmul/sgemm (f32, row-major)" -> "matmul-sgemm-f32-row-major" */
static char *slugify(const char *key)
{
	char *s = malloc(strlen(key) + 1);
	size_t n = 0;

	if (!s)
		return NULL;
	for (const char *p = key; *p; p++) {
		if (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
			s[n++] = *p;
		else if (n > 0 && s[n - 1] != '-')
			s[n++] = '-';
	}
	while (n > 0 && s[n - 1] == '-')
		n--;
	s[n] = '\0';
	return s;
}

static double counter_value(const struct kb_result *r, const char *name)
{
	const struct kb_counter *c = kb_result_counter(r, name);

	return c && isfinite(c->value) && c->value > 0 ? c->value : NAN;
}

static void family_release(struct kb_family *f)
{
	free(f->key);
	free(f->slug);
	free(f->suite);
	free(f->size_param);
	free(f->dtype);
	free(f->peak_source);
	free(f->entries);
	for (size_t i = 0; i < f->nseries; i++)
		free(f->series[i]);
	free(f->series);
}

void kb_group_release(struct kb_group *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->nruns && g->labels; i++)
		free(g->labels[i]);
	free(g->labels);
	for (i = 0; i < g->nentries; i++) {
		free(g->entries[i].series);
		free(g->entries[i].size_label);
	}
	free(g->entries);
	for (i = 0; i < g->nfamilies; i++)
		family_release(&g->families[i]);
	free(g->families);
	memset(g, 0, sizeof(*g));
}

static int find_family(struct kb_group *g, const char *key, const char *suite,
		       const char *size_name, const char *dtype, size_t *index)
{
	struct kb_family *f;

	for (size_t i = 0; i < g->nfamilies; i++)
		if (strcmp(g->families[i].key, key) == 0) {
			*index = i;
			return 0;
		}
	f = realloc(g->families, (g->nfamilies + 1) * sizeof(*f));
	if (!f)
		return -KB_ENOMEM;
	g->families = f;
	f = &g->families[g->nfamilies];
	memset(f, 0, sizeof(*f));
	f->peak = NAN;
	f->key = strdup(key);
	f->slug = slugify(key);
	f->suite = strdup(suite);
	f->size_param = size_name ? strdup(size_name) : NULL;
	f->dtype = dtype ? strdup(dtype) : NULL;
	if (!f->key || !f->slug || !f->suite || (size_name && !f->size_param) ||
	    (dtype && !f->dtype)) {
		family_release(f);
		return -KB_ENOMEM;
	}
	*index = g->nfamilies++;
	return 0;
}

/* Fills an entry's names and joins (or makes) its family. */
static int add_entry(struct kb_group *g, size_t run_index, const struct kb_result *r)
{
	struct kb_group_entry *e = &g->entries[g->nentries];
	const struct kb_param *sp = size_param(r);
	char *suite = suite_name(r), *series = kernel_name(r), *op = series ? op_name(series) : NULL;
	char *key = suite && op ? kb_strdup_printf("%s/%s", suite, op) : NULL, num[32];
	const char *pl = id_params(r->id), *dtype = NULL;
	size_t ndefining = 0;
	int rc = -KB_ENOMEM;

	memset(e, 0, sizeof(*e));
	e->run = &g->runs[run_index];
	e->run_index = run_index;
	e->res = r;
	e->size = sp ? (double)sp->value : NAN;
	for (size_t i = 0; i < r->nparams; i++) {
		const struct kb_param *p = &r->params[i];

		if (p->is_str) {
			if (key && defining_param(p->name)) {
				char *t = kb_strdup_printf("%s%s%s", key, ndefining++ ? ", " : " (",
						  p->str ? p->str : "");

				free(key);
				key = t;
			}
		} else if (p != sp && (!sp || p->value != sp->value)) {
			snprintf(num, sizeof(num), "%lld", (long long)p->value);
			series = append_param(series, p->name, num);
		}
	}
	if (key && ndefining) {
		char *t = kb_strdup_printf("%s)", key);

		free(key);
		key = t;
	}
	if (series && g->nruns > 1) {
		char *t = kb_strdup_printf("%s@%s", series, g->labels[run_index]);

		free(series);
		series = t;
	}
	if (pl)
		e->size_label = strdup(pl);
	else if (sp)
		e->size_label = kb_strdup_printf("%lld", (long long)sp->value);
	else
		e->size_label = strdup("-");
	e->series = series;
	series = NULL;
	if (!suite || !key || !e->series || !e->size_label)
		goto out;
	for (size_t i = 0; i < r->nparams; i++)
		if (r->params[i].is_str && r->params[i].name && strcmp(r->params[i].name, "dtype") == 0)
			dtype = r->params[i].str;
	if ((rc = find_family(g, key, suite, sp ? sp->name : NULL, dtype, &e->family)))
		goto out;
	g->nentries++;
	rc = 0;
out:
	if (rc) {
		free(e->series);
		free(e->size_label);
	}
	free(series);
	free(suite);
	free(op);
	free(key);
	return rc;
}

static bool usable(const struct kb_result *r)
{
	return r->id && r->status == KB_STATUS_OK && isfinite(r->summary.median) &&
	       r->summary.median > 0;
}

static void choose_metric(struct kb_group *g, struct kb_family *f)
{
	size_t ngf = 0, ngb = 0;

	for (size_t i = 0; i < f->nentries; i++) {
		const struct kb_result *r = g->entries[f->entries[i]].res;

		ngf += isfinite(counter_value(r, "gflops"));
		ngb += isfinite(counter_value(r, "gbps"));
	}
	if (ngf > 0 && ngf >= ngb)
		f->metric = "gflops";
	else if (ngb > 0)
		f->metric = "gbps";
	else
		f->metric = "time";
	for (size_t i = 0; i < f->nentries; i++) {
		struct kb_group_entry *e = &g->entries[f->entries[i]];
		const struct kb_summary *s = &e->res->summary;

		if (strcmp(f->metric, "time") == 0) {
			e->rate = s->median;
			e->rate_lo = s->ci_low;
			e->rate_hi = s->ci_high;
			continue;
		}
		/* A rate is work / time: its interval comes from the time's. */
		e->rate = counter_value(e->res, f->metric);
		e->rate_lo = s->ci_high > 0 ? e->rate * s->median / s->ci_high : NAN;
		e->rate_hi = s->ci_low > 0 ? e->rate * s->median / s->ci_low : NAN;
	}
}

/* A context peak of the metric's kind, preferring one naming the family's dtype. */
static void peak_from_context(const struct kb_run *run, struct kb_family *f)
{
	bool want_bw = strcmp(f->metric, "gbps") == 0;
	const char *dtype = f->dtype;
	const struct kb_kv *found = NULL;
	size_t nfound = 0;

	for (size_t i = 0; i < run->ncontext; i++) {
		const struct kb_kv *kv = &run->context[i];
		const char *name, *unit;
		char unit_key[192];
		bool bw;

		if (!kv->key || strncmp(kv->key, "peaks.", 6) != 0 || !kv->value || !kv->is_num)
			continue;
		name = kv->key + 6;
		if (strstr(name, "_unit") || strstr(name, "_method") || !(strtod(kv->value, NULL) > 0))
			continue;
		snprintf(unit_key, sizeof(unit_key), "%s_unit", kv->key);
		unit = kb_run_context(run, unit_key);
		bw = unit ? strstr(unit, "GB") != NULL
			  : strstr(name, "band") || strstr(name, "gbps") || strstr(name, "bw");
		if (bw != want_bw)
			continue;
		if (dtype && strstr(name, dtype)) {
			found = kv;
			nfound = 1;
			break;
		}
		found = kv;
		nfound++;
	}
	if (nfound == 1) {
		f->peak = strtod(found->value, NULL);
		f->peak_source = strdup(found->key);
	}
}

/* The peak the runner used (rate / pct_peak), else one from the context. */
static void choose_peak(struct kb_group *g, struct kb_family *f)
{
	double *v;
	size_t n = 0;

	if (strcmp(f->metric, "time") == 0 || f->nentries == 0)
		return;
	v = malloc(f->nentries * sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < f->nentries; i++) {
		const struct kb_group_entry *e = &g->entries[f->entries[i]];
		double pct = counter_value(e->res, "pct_peak");

		if (isfinite(pct) && isfinite(e->rate))
			v[n++] = e->rate * 100 / pct;
	}
	if (n) {
		qsort(v, n, sizeof(*v), kb_stats_cmp_double);
		f->peak = v[n / 2];
		f->peak_source = strdup("pct_peak");
		/* Name the context entry it matches, when one does. */
		for (size_t r = 0; r < g->nruns; r++)
			for (size_t i = 0; i < g->runs[r].ncontext; i++) {
				const struct kb_kv *kv = &g->runs[r].context[i];
				double pv;

				if (!kv->key || strncmp(kv->key, "peaks.", 6) || !kv->value || !kv->is_num)
					continue;
				pv = strtod(kv->value, NULL);
				if (pv > 0 && fabs(pv / f->peak - 1) < 0.01) {
					f->peak = pv;
					free(f->peak_source);
					f->peak_source = strdup(kv->key);
					goto out;
				}
			}
	} else {
		for (size_t r = 0; r < g->nruns && isnan(f->peak); r++)
			peak_from_context(&g->runs[r], f);
	}
out:
	free(v);
}

static const struct kb_group *sort_group;

static int cmp_entry(const void *a, const void *b)
{
	const struct kb_group_entry *x = &sort_group->entries[*(const size_t *)a];
	const struct kb_group_entry *y = &sort_group->entries[*(const size_t *)b];
	const struct kb_family *f = &sort_group->families[x->family];
	size_t sx = 0, sy = 0;

	for (size_t i = 0; i < f->nseries; i++) {
		if (strcmp(f->series[i], x->series) == 0)
			sx = i;
		if (strcmp(f->series[i], y->series) == 0)
			sy = i;
	}
	if (sx != sy)
		return sx < sy ? -1 : 1;
	if (x->size != y->size && !isnan(x->size) && !isnan(y->size))
		return x->size < y->size ? -1 : 1;
	return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int index_family(struct kb_group *g, size_t fi)
{
	struct kb_family *f = &g->families[fi];
	size_t i, j;

	f->entries = malloc((g->nentries ? g->nentries : 1) * sizeof(*f->entries));
	f->series = calloc(g->nentries ? g->nentries : 1, sizeof(*f->series));
	if (!f->entries || !f->series)
		return -KB_ENOMEM;
	for (i = 0; i < g->nentries; i++) {
		if (g->entries[i].family != fi)
			continue;
		f->entries[f->nentries++] = i;
		for (j = 0; j < f->nseries; j++)
			if (strcmp(f->series[j], g->entries[i].series) == 0)
				break;
		if (j == f->nseries && !(f->series[f->nseries++] = strdup(g->entries[i].series)))
			return -KB_ENOMEM;
	}
	sort_group = g;
	qsort(f->entries, f->nentries, sizeof(*f->entries), cmp_entry);
	sort_group = NULL;
	choose_metric(g, f);
	choose_peak(g, f);
	return 0;
}

int kb_group_build(struct kb_group *g, const struct kb_run *runs, const char *const *labels,
		   size_t nruns)
{
	size_t total = 0, r, i;
	int rc = -KB_ENOMEM;

	memset(g, 0, sizeof(*g));
	g->runs = runs;
	g->nruns = nruns;
	g->labels = calloc(nruns ? nruns : 1, sizeof(*g->labels));
	if (!g->labels)
		goto out;
	for (r = 0; r < nruns; r++) {
		g->labels[r] = labels && labels[r] ? strdup(labels[r]) : kb_strdup_printf("run%zu", r + 1);
		if (!g->labels[r])
			goto out;
		total += runs[r].nresults;
	}
	g->entries = calloc(total ? total : 1, sizeof(*g->entries));
	if (!g->entries)
		goto out;
	for (r = 0; r < nruns; r++)
		for (i = 0; i < runs[r].nresults; i++)
			if (usable(&runs[r].results[i]) && (rc = add_entry(g, r, &runs[r].results[i])))
				goto out;
	for (i = 0; i < g->nfamilies; i++)
		if ((rc = index_family(g, i)))
			goto out;
	return 0;
out:
	kb_group_release(g);
	return kb_error(KB_ENOMEM, "out of memory grouping results");
}

/* ---- recommendations ---------------------------------------------------- */

static const struct kb_group *rec_group;

static int cmp_median(const void *a, const void *b)
{
	double x = rec_group->entries[*(const size_t *)a].res->summary.median;
	double y = rec_group->entries[*(const size_t *)b].res->summary.median;

	return (x > y) - (x < y);
}

static void speedup_interval(const struct kb_group *g, struct kb_recommendation *rec,
			     uint64_t seed, size_t resamples)
{
	const struct kb_result *a = g->entries[rec->best].res;
	const struct kb_result *b = g->entries[rec->runner_up].res;
	double ratio, lo, hi;

	rec->speedup = b->summary.median / a->summary.median;
	if (a->samples_ns && b->samples_ns && a->nsamples >= 5 && b->nsamples >= 5 && resamples &&
	    kb_stats_bootstrap_ratio_ci(a->samples_ns, a->nsamples, b->samples_ns, b->nsamples,
					resamples, 0.95, seed, &ratio, &lo, &hi) == 0) {
		rec->speedup_lo = lo;
		rec->speedup_hi = hi;
		rec->bootstrap = true;
	} else if (a->summary.ci_high > 0 && a->summary.ci_low > 0 && b->summary.ci_low > 0) {
		rec->speedup_lo = b->summary.ci_low / a->summary.ci_high;
		rec->speedup_hi = b->summary.ci_high / a->summary.ci_low;
	}
	rec->clear = rec->speedup_lo > 1;
}

int kb_group_recommend(const struct kb_group *g, uint64_t seed, size_t resamples,
		       struct kb_recommendation **out, size_t *n)
{
	struct kb_recommendation *recs;
	size_t *cand, nrec = 0;

	*out = NULL;
	*n = 0;
	recs = calloc(g->nentries ? g->nentries : 1, sizeof(*recs));
	cand = malloc((g->nentries ? g->nentries : 1) * sizeof(*cand));
	if (!recs || !cand) {
		free(recs);
		free(cand);
		return kb_error(KB_ENOMEM, "out of memory ranking kernels");
	}
	for (size_t run = 0; run < g->nruns; run++)
	for (size_t fi = 0; fi < g->nfamilies; fi++) {
		const struct kb_family *f = &g->families[fi];
		/* Sizes in ascending order: walk entries sorted by size of the first series,
		 * visiting each distinct size label once. */
		double *sizes = malloc((f->nentries ? f->nentries : 1) * sizeof(*sizes));
		const char **labels = malloc((f->nentries ? f->nentries : 1) * sizeof(*labels));
		size_t nsizes = 0;

		if (!sizes || !labels) {
			free(sizes);
			free(labels);
			free(recs);
			free(cand);
			return kb_error(KB_ENOMEM, "out of memory ranking kernels");
		}
		for (size_t i = 0; i < f->nentries; i++) {
			const struct kb_group_entry *e = &g->entries[f->entries[i]];
			size_t j, k;

			if (e->run_index != run)
				continue;
			for (j = 0; j < nsizes; j++)
				if (strcmp(labels[j], e->size_label) == 0)
					break;
			if (j < nsizes)
				continue;
			/* insertion by size (labels without a size keep their order) */
			for (k = nsizes; k > 0 && !isnan(e->size) && sizes[k - 1] > e->size; k--) {
				sizes[k] = sizes[k - 1];
				labels[k] = labels[k - 1];
			}
			sizes[k] = e->size;
			labels[k] = e->size_label;
			nsizes++;
		}
		for (size_t s = 0; s < nsizes; s++) {
			struct kb_recommendation *rec = &recs[nrec];
			size_t nc = 0;
			char key[512];

			for (size_t i = 0; i < f->nentries; i++)
				if (g->entries[f->entries[i]].run_index == run &&
				    strcmp(g->entries[f->entries[i]].size_label, labels[s]) == 0)
					cand[nc++] = f->entries[i];
			rec_group = g;
			qsort(cand, nc, sizeof(*cand), cmp_median);
			rec_group = NULL;
			rec->family = fi;
			rec->run_index = run;
			rec->size_label = labels[s];
			rec->size = sizes[s];
			rec->ncandidates = nc;
			rec->best = cand[0];
			rec->runner_up = rec->slowest = SIZE_MAX;
			rec->speedup = rec->speedup_lo = rec->speedup_hi = rec->vs_slowest = NAN;
			if (nc >= 2) {
				rec->runner_up = cand[1];
				rec->slowest = cand[nc - 1];
				rec->vs_slowest = g->entries[cand[nc - 1]].res->summary.median /
						  g->entries[cand[0]].res->summary.median;
				snprintf(key, sizeof(key), "%zu/%s/%s", run, f->key, labels[s]);
				speedup_interval(g, rec, kb_hash_seed(seed, key), resamples);
			}
			nrec++;
		}
		free(sizes);
		free(labels);
	}
	free(cand);
	*out = recs;
	*n = nrec;
	return 0;
}

/* ---- complexity fits ---------------------------------------------------------------- */

/* Whether the fit's family ("suite/kernel", the first two parts of its name)
 * is the result's. */
static bool fit_of(const struct kb_fit *x, const struct kb_result *r)
{
	size_t ls = strlen(r->suite), lk = strlen(r->kernel);

	return strncmp(x->name, r->suite, ls) == 0 && x->name[ls] == '/' &&
	       strncmp(x->name + ls + 1, r->kernel, lk) == 0 &&
	       (x->name[ls + 1 + lk] == 0 || x->name[ls + 1 + lk] == '/');
}

char *kb_group_fit_caption(const struct kb_group *g, size_t family, bool *err)
{
	const struct kb_family *fam = &g->families[family];
	char *out = NULL;

	*err = false;
	for (size_t ri = 0; ri < g->nruns; ri++) {
		const struct kb_run *run = &g->runs[ri];

		for (size_t j = 0; j < run->nfits; j++) {
			const struct kb_fit *x = &run->fits[j];
			bool mine = false;
			char *line, *next;

			for (size_t e = 0; e < fam->nentries && !mine; e++) {
				const struct kb_result *r = g->entries[fam->entries[e]].res;
				mine = r->suite && r->kernel && fit_of(x, r);
			}
			if (!mine)
				continue;
			if (x->big_o)
				line = kb_strdup_printf("%s%s%.4g ns x %s [%.4g, %.4g], RMS %.0f %%, %s over %zu "
							"values of %s", g->nruns > 1 ? g->labels[ri] : "",
							g->nruns > 1 ? ": " : "", x->coef, x->big_o,
							x->coef_low, x->coef_high, x->rms * 100,
							strcmp(x->requested, "auto") == 0 ? "auto" : "as asked",
							x->npoints, x->axis);
			else
				line = kb_strdup_printf("%s%s%s", g->nruns > 1 ? g->labels[ri] : "",
							g->nruns > 1 ? ": " : "", x->note ? x->note : "no fit");
			if (!line) {
				*err = true;
				free(out);
				return NULL;
			}
			next = out ? kb_strdup_printf("%s; %s %s", out, x->name, line)
				   : kb_strdup_printf("complexity: %s %s", x->name, line);
			free(line);
			free(out);
			if (!(out = next)) {
				*err = true;
				return NULL;
			}
		}
	}
	return out;
}
