/*
 * history_cp.c - change points at revision boundaries, machine drift and
 * disturbed runs over a history's points (method in history.h).  Pure
 * functions over arrays: no SQLite here.
 */
#include "history.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "stats.h"

/* Median of x[0..n) using `scratch` (n doubles); NAN when n is 0. */
static double median_scratch(const double *x, size_t n, double *scratch)
{
	if (n == 0)
		return NAN;
	memcpy(scratch, x, n * sizeof(*x));
	qsort(scratch, n, sizeof(*scratch), kb_stats_cmp_double);
	return n % 2 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
}

void kb_history_analysis_release(struct kb_history_analysis *a)
{
	if (!a)
		return;
	free(a->level);
	free(a->cps);
	free(a->drifts);
	memset(a, 0, sizeof(*a));
}

double kb_history_bh_threshold(const double *p, size_t n, double q)
{
	double *v = malloc((n ? n : 1) * sizeof(*v)), t = 0;
	size_t m = 0;

	if (!v)
		return 0; /* nothing passes: the safe side */
	for (size_t i = 0; i < n; i++)
		if (isfinite(p[i]))
			v[m++] = p[i];
	qsort(v, m, sizeof(*v), kb_stats_cmp_double);
	for (size_t k = m; k > 0; k--) {
		if (v[k - 1] <= (double)k * q / (double)m) {
			t = v[k - 1];
			break;
		}
	}
	free(v);
	return t;
}

/* ---- drift inside one revision ------------------------------------------ */

struct work {
	const double *y;       /* log medians, all points */
	double *scratch;       /* 2 n */
	const struct kb_changepoint_opts *opts;
	bool *cut;             /* n + 1: a level starts at i */
};

/* Sum of |y - median| over y[a..b): the L1 misfit of one level. */
static double l1_cost(const double *y, size_t a, size_t b, double *scratch, double *median)
{
	double m = median_scratch(y + a, b - a, scratch), c = 0;

	for (size_t i = a; i < b; i++)
		c += fabs(y[i] - m);
	*median = m;
	return c;
}

/* Binary segmentation of y[a..b) into levels: a split is kept when the
 * medians of its two sides differ by min_step. */
static void drift_split(struct work *w, size_t a, size_t b)
{
	double best = INFINITY, m1 = 0, m2 = 0;
	size_t k, best_k = 0;

	if (b - a < 2)
		return;
	for (k = a + 1; k < b; k++) {
		double c1, c2, x1, x2;

		c1 = l1_cost(w->y, a, k, w->scratch, &x1);
		c2 = l1_cost(w->y, k, b, w->scratch, &x2);
		if (c1 + c2 < best) {
			best = c1 + c2;
			best_k = k;
			m1 = x1;
			m2 = x2;
		}
	}
	if (fabs(expm1(m2 - m1)) < w->opts->min_step)
		return;
	w->cut[best_k] = true;
	drift_split(w, a, best_k);
	drift_split(w, best_k, b);
}

static int add_drift(struct kb_history_analysis *out, size_t *cap, const struct kb_drift *d)
{
	if (out->ndrifts == *cap) {
		size_t nc = *cap ? 2 * *cap : 4;
		struct kb_drift *nv = realloc(out->drifts, nc * sizeof(*nv));

		if (!nv)
			return kb_error(KB_ENOMEM, "out of memory in drift detection");
		out->drifts = nv;
		*cap = nc;
	}
	out->drifts[out->ndrifts++] = *d;
	return 0;
}

/* Drift notes for the revision group y[a..b). */
static int group_drift(struct work *w, size_t a, size_t b, struct kb_history_analysis *out,
		       size_t *cap)
{
	size_t ref_a = a, ref_b = a, s, e;
	double ref;
	int rc;

	for (size_t i = a; i <= b; i++)
		w->cut[i] = false;
	drift_split(w, a, b);
	/* the reference level: the one with the most runs (the first on a tie) */
	for (s = a; s < b; s = e) {
		for (e = s + 1; e < b && !w->cut[e]; e++)
			;
		if (e - s > ref_b - ref_a) {
			ref_a = s;
			ref_b = e;
		}
	}
	ref = median_scratch(w->y + ref_a, ref_b - ref_a, w->scratch);
	for (s = a; s < b; s = e) {
		double step;

		for (e = s + 1; e < b && !w->cut[e]; e++)
			;
		if (s == ref_a)
			continue;
		step = expm1(median_scratch(w->y + s, e - s, w->scratch) - ref);
		if (fabs(step) < w->opts->min_step)
			continue;
		struct kb_drift d = {s, e - 1, ref_a, ref_b - 1, step};

		if ((rc = add_drift(out, cap, &d)))
			return rc;
	}
	return 0;
}

/* ---- change points over revision groups -------------------------------- */

struct groups {
	size_t m;         /* groups in the decision */
	double *value;    /* m: median log median of the group's runs in the decision */
	size_t *runs;     /* m: its runs in the decision */
	size_t *first;    /* m: its first point (the revision's first run) */
	size_t *order;    /* scratch permutation */
	struct kb_rng rng;
};

/*
 * max_k T_k over groups order[a..b) (see history.h), with at least min_size
 * runs on each side; -1 when no boundary qualifies.  *where receives the
 * best k (groups on the left).
 */
static double max_t(const struct groups *g, const size_t *order, size_t a, size_t b,
		    size_t min_size, size_t *where)
{
	double total = 0, left = 0, best = -1;
	size_t m = b - a, nruns = 0, lruns = 0;

	for (size_t i = a; i < b; i++) {
		total += g->value[order[i]];
		nruns += g->runs[order[i]];
	}
	for (size_t k = 1; k < m; k++) {
		double d, t;

		left += g->value[order[a + k - 1]];
		lruns += g->runs[order[a + k - 1]];
		if (lruns < min_size || nruns - lruns < min_size)
			continue;
		d = left / (double)k - (total - left) / (double)(m - k);
		t = fabs(d) / sqrt(1.0 / (double)k + 1.0 / (double)(m - k));
		if (t > best) {
			best = t;
			if (where)
				*where = k;
		}
	}
	return best;
}

/* Permutation p-value of max T over groups [a, b): shuffles of the groups. */
static double perm_p(struct groups *g, size_t a, size_t b, double t_obs, size_t min_size,
		     size_t nperm)
{
	size_t m = b - a, hits = 0;

	for (size_t i = 0; i < m; i++)
		g->order[i] = a + i;
	for (size_t r = 0; r < nperm; r++) {
		kb_rng_shuffle(&g->rng, g->order, m);
		/* ties (a reversed order gives the same T) count as hits */
		if (max_t(g, g->order, 0, m, min_size, NULL) >= t_obs * (1 - 1e-12))
			hits++;
	}
	return (double)(1 + hits) / (double)(1 + nperm);
}

struct search {
	struct groups *g;
	const struct kb_changepoint_opts *opts;
	const double *y;
	const bool *used;
	double *scratch;  /* 2 npoints */
	size_t npoints;
	bool *cut;        /* per group: a change point starts at this group */
	double *cut_p;    /* per group: the p-value that accepted it */
	double first_p;   /* p of the first split tried */
	bool tried;
};

/* The level of points [a, b): median of the used points' log medians. */
static double level_of(const struct search *s, size_t a, size_t b, size_t *nused)
{
	size_t k = 0;

	for (size_t i = a; i < b; i++)
		if (s->used[i])
			s->scratch[s->npoints + k++] = s->y[i];
	*nused = k;
	return median_scratch(s->scratch + s->npoints, k, s->scratch);
}

static void cp_split(struct search *s, size_t a, size_t b, size_t npoints)
{
	struct groups *g = s->g;
	size_t k = 0, n1, n2, mid, end_a, end_b;
	double t, p, l1, l2;

	for (size_t i = 0; i < b - a; i++)
		g->order[i] = a + i;
	t = max_t(g, g->order, 0, b - a, s->opts->min_size, &k);
	if (t < 0)
		return;
	p = perm_p(g, a, b, t, s->opts->min_size, s->opts->permutations);
	if (!s->tried) {
		s->first_p = p;
		s->tried = true;
	}
	mid = g->first[a + k];
	end_a = g->first[a];
	end_b = b < g->m ? g->first[b] : npoints;
	l1 = level_of(s, end_a, mid, &n1);
	l2 = level_of(s, mid, end_b, &n2);
	if (!(p <= s->opts->alpha) || fabs(expm1(l2 - l1)) < s->opts->min_step)
		return;
	s->cut[a + k] = true;
	s->cut_p[a + k] = p;
	cp_split(s, a, a + k, npoints);
	cp_split(s, a + k, b, npoints);
}

/* Revision groups of pts (consecutive runs of one known revision). */
static bool same_revision(const struct kb_history_point *x, const struct kb_history_point *y)
{
	return x->git && y->git && *x->git && strcmp(x->git, y->git) == 0;
}

static int collect_groups(const struct kb_history_point *pts, size_t n, const bool *used,
			  const double *y, double *scratch, struct groups *g)
{
	size_t s, e;

	g->value = malloc((n ? n : 1) * sizeof(*g->value));
	g->runs = malloc((n ? n : 1) * sizeof(*g->runs));
	g->first = malloc((n ? n : 1) * sizeof(*g->first));
	g->order = malloc((n ? n : 1) * sizeof(*g->order));
	if (!g->value || !g->runs || !g->first || !g->order)
		return kb_error(KB_ENOMEM, "out of memory in change-point detection");
	g->m = 0;
	for (s = 0; s < n; s = e) {
		size_t k = 0;

		for (e = s + 1; e < n && same_revision(&pts[s], &pts[e]); e++)
			;
		for (size_t i = s; i < e; i++)
			if (used[i])
				scratch[n + k++] = y[i];
		if (k == 0)
			continue;
		g->value[g->m] = median_scratch(scratch + n, k, scratch);
		g->runs[g->m] = k;
		g->first[g->m] = s;
		g->m++;
	}
	return 0;
}

static void groups_release(struct groups *g)
{
	free(g->value);
	free(g->runs);
	free(g->first);
	free(g->order);
}

/* Pooled within-revision SD of the used log medians, and its df. */
static void within_noise(const struct kb_history_point *pts, size_t n, const bool *used,
			 const double *y, double *sd, double *df)
{
	double ss = 0;
	size_t dof = 0, s, e;

	for (s = 0; s < n; s = e) {
		double sum = 0, mean;
		size_t k = 0;

		for (e = s + 1; e < n && same_revision(&pts[s], &pts[e]); e++)
			;
		for (size_t i = s; i < e; i++)
			if (used[i]) {
				sum += y[i];
				k++;
			}
		if (k < 2)
			continue;
		mean = sum / (double)k;
		for (size_t i = s; i < e; i++)
			if (used[i])
				ss += (y[i] - mean) * (y[i] - mean);
		dof += k - 1;
	}
	*sd = dof ? sqrt(ss / (double)dof) : NAN;
	*df = (double)dof;
}

static int find_changepoints(const struct kb_history_point *pts, size_t n, const bool *used,
			     const double *y, double *scratch, struct kb_history_analysis *out,
			     const struct kb_changepoint_opts *opts)
{
	struct groups g = {0};
	struct search s = {0};
	size_t ncut = 0, start;
	int rc;

	if ((rc = collect_groups(pts, n, used, y, scratch, &g)))
		goto out;
	out->ngroups = g.m;
	s.cut = calloc(g.m + 1, sizeof(*s.cut));
	s.cut_p = calloc(g.m + 1, sizeof(*s.cut_p));
	out->cps = calloc(g.m + 1, sizeof(*out->cps));
	if (!s.cut || !s.cut_p || !out->cps) {
		rc = kb_error(KB_ENOMEM, "out of memory in change-point detection");
		goto out;
	}
	kb_rng_seed(&g.rng, kb_hash_seed(kb_hash_seed(opts->seed, pts[0].bench ? pts[0].bench : ""),
					 pts[0].fingerprint ? pts[0].fingerprint : ""));
	s.g = &g;
	s.opts = opts;
	s.y = y;
	s.used = used;
	s.scratch = scratch;
	s.npoints = n;
	s.first_p = NAN;
	if (g.m >= 2)
		cp_split(&s, 0, g.m, n);
	out->p = s.first_p;

	/* levels and steps from the final segmentation */
	start = 0;
	for (size_t j = 1; j <= g.m; j++) {
		size_t end = j < g.m ? g.first[j] : n, nu = 0;
		double lv;

		if (j < g.m && !s.cut[j])
			continue;
		lv = level_of(&s, start, end, &nu);
		for (size_t i = start; i < end; i++)
			out->level[i] = exp(lv);
		if (ncut > 0)
			out->cps[ncut - 1].after = exp(lv);
		if (j < g.m) {
			struct kb_changepoint *c = &out->cps[ncut++];

			c->index = end;
			c->before = exp(lv);
			c->p = s.cut_p[j];
		}
		start = end;
	}
	out->ncps = ncut;
	for (size_t k = 0; k < ncut; k++) {
		struct kb_changepoint *c = &out->cps[k];
		size_t prev = k ? out->cps[k - 1].index : 0, n1, n2;
		size_t next = k + 1 < ncut ? out->cps[k + 1].index : n;

		level_of(&s, prev, c->index, &n1);
		level_of(&s, c->index, next, &n2);
		c->step = c->after / c->before - 1;
		c->z = fabs(log(c->after / c->before)) /
		       (out->noise * sqrt(1.0 / (double)n1 + 1.0 / (double)n2));
	}
out:
	free(s.cut);
	free(s.cut_p);
	groups_release(&g);
	return rc;
}

int kb_history_analyse(const struct kb_history_point *pts, size_t n,
		       const struct kb_changepoint_opts *opts, struct kb_history_analysis *out)
{
	static const struct kb_changepoint_opts defaults = KB_CHANGEPOINT_OPTS_INIT;
	struct work w = {0};
	double *y = NULL, *scratch = NULL;
	bool *used = NULL, *cut = NULL;
	size_t cap = 0, s, e;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->noise = out->p = NAN;
	if (!opts)
		opts = &defaults;
	for (size_t i = 0; i < n; i++)
		if (!(pts[i].median > 0) || !isfinite(pts[i].median))
			return kb_error(KB_EINVAL, "change points: median %zu is not a positive number",
					i);
	out->n = n;
	if (n == 0)
		return 0;
	y = malloc(n * sizeof(*y));
	scratch = malloc(2 * n * sizeof(*scratch));
	used = malloc(n * sizeof(*used));
	cut = malloc((n + 1) * sizeof(*cut));
	out->level = malloc(n * sizeof(*out->level));
	if (!y || !scratch || !used || !cut || !out->level) {
		rc = kb_error(KB_ENOMEM, "out of memory in change-point detection");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		y[i] = log(pts[i].median);
		used[i] = opts->include_disturbed || !(pts[i].probe_disturbed || pts[i].run_disturbed);
		out->used += used[i];
		out->level[i] = NAN;
	}
	w.y = y;
	w.scratch = scratch;
	w.opts = opts;
	w.cut = cut;
	for (s = 0; s < n && !rc; s = e) {
		for (e = s + 1; e < n && same_revision(&pts[s], &pts[e]); e++)
			;
		if (e - s >= 2)
			rc = group_drift(&w, s, e, out, &cap);
	}
	if (rc)
		goto out;
	within_noise(pts, n, used, y, &out->noise, &out->noise_df);
	rc = find_changepoints(pts, n, used, y, scratch, out, opts);
out:
	free(y);
	free(scratch);
	free(used);
	free(cut);
	if (rc)
		kb_history_analysis_release(out);
	return rc;
}

/* ---- disturbed runs ------------------------------------------------------- */

/*
 * The gate's rule (compare.c, warn_global_shift) on the log changes d[0..n)
 * (NAN: not compared): +1 or -1 when at least 5 were compared, their median
 * is beyond min_step and 3/4 of them moved that way; else 0.
 */
static int global_shift(const double *d, size_t n, double min_step, double *scratch)
{
	size_t m = 0, same = 0;
	double shift;

	for (size_t i = 0; i < n; i++)
		if (isfinite(d[i]))
			scratch[m++] = d[i];
	if (m < 5)
		return 0;
	shift = median_scratch(scratch, m, scratch + m);
	for (size_t i = 0; i < n; i++)
		same += isfinite(d[i]) && ((shift > 0 && d[i] > 0) || (shift < 0 && d[i] < 0));
	if (!(fabs(expm1(shift)) > min_step) || same * 4 < m * 3)
		return 0;
	return shift > 0 ? 1 : -1;
}

struct run_key {
	int64_t id;
	const char *date, *git;
};

static int cmp_run_key(const void *a, const void *b)
{
	const struct run_key *x = a, *y = b;
	int c = strcmp(x->date, y->date);

	return c ? c : (x->id > y->id) - (x->id < y->id);
}

static size_t find_run(const struct run_key *runs, size_t nruns, int64_t id)
{
	for (size_t r = 0; r < nruns; r++)
		if (runs[r].id == id)
			return r;
	return SIZE_MAX;
}

static bool usable(const struct kb_history_point *p)
{
	return p->status == KB_STATUS_OK && p->median > 0 && isfinite(p->median);
}

/* One fingerprint: the runs x benchmarks matrix of log medians, then the rule. */
static int mark_fingerprint(struct kb_history_point *pts, size_t n, const char *fp,
			    double min_step, size_t *nmarked)
{
	struct run_key *runs = malloc((n ? n : 1) * sizeof(*runs));
	size_t nruns = 0, nb = 0, r, b, i;
	double *ymat = NULL, *d = NULL, *scratch = NULL;
	bool *moved = NULL;
	const char *last_bench = NULL;
	int rc = 0;

	if (!runs)
		return kb_error(KB_ENOMEM, "out of memory marking disturbed runs");
	for (i = 0; i < n; i++) {
		if (strcmp(pts[i].fingerprint, fp) != 0)
			continue;
		if (!last_bench || strcmp(last_bench, pts[i].bench) != 0) {
			nb++;
			last_bench = pts[i].bench;
		}
		if (find_run(runs, nruns, pts[i].run_id) == SIZE_MAX)
			runs[nruns++] = (struct run_key){pts[i].run_id, pts[i].date, pts[i].git};
	}
	qsort(runs, nruns, sizeof(*runs), cmp_run_key);
	ymat = malloc((nruns * nb + 1) * sizeof(*ymat));
	d = malloc((nb + 1) * sizeof(*d));
	scratch = malloc((2 * (nb + nruns) + 2) * sizeof(*scratch));
	moved = calloc(nruns + 1, sizeof(*moved));
	if (!ymat || !d || !scratch || !moved) {
		rc = kb_error(KB_ENOMEM, "out of memory marking disturbed runs");
		goto out;
	}
	for (i = 0; i < nruns * nb; i++)
		ymat[i] = NAN;
	last_bench = NULL;
	for (i = 0, b = 0; i < n; i++) {
		if (strcmp(pts[i].fingerprint, fp) != 0)
			continue;
		if (last_bench && strcmp(last_bench, pts[i].bench) != 0)
			b++;
		last_bench = pts[i].bench;
		r = find_run(runs, nruns, pts[i].run_id);
		if (usable(&pts[i]))
			ymat[r * nb + b] = log(pts[i].median);
	}
	for (r = 0; r < nruns; r++) {
		size_t others = 0;

		for (size_t o = 0; o < nruns; o++)
			others += o != r && *runs[r].git && strcmp(runs[o].git, runs[r].git) == 0;
		if (others >= 2) {
			/* against the median of the other runs of its revision */
			for (b = 0; b < nb; b++) {
				size_t k = 0;

				for (size_t o = 0; o < nruns; o++)
					if (o != r && strcmp(runs[o].git, runs[r].git) == 0 &&
					    isfinite(ymat[o * nb + b]))
						scratch[k++] = ymat[o * nb + b];
				d[b] = k >= 2 ? ymat[r * nb + b] -
							median_scratch(scratch, k, scratch + k)
					      : NAN;
			}
			moved[r] = global_shift(d, nb, min_step, scratch) != 0;
		} else if (r > 0 && r + 1 < nruns) {
			/* against the run before and the run after, each alone */
			int before, after;

			for (b = 0; b < nb; b++)
				d[b] = ymat[r * nb + b] - ymat[(r - 1) * nb + b];
			before = global_shift(d, nb, min_step, scratch);
			for (b = 0; b < nb; b++)
				d[b] = ymat[r * nb + b] - ymat[(r + 1) * nb + b];
			after = global_shift(d, nb, min_step, scratch);
			moved[r] = before != 0 && before == after;
		}
		*nmarked += moved[r];
	}
	for (i = 0; i < n; i++)
		if (strcmp(pts[i].fingerprint, fp) == 0 &&
		    (r = find_run(runs, nruns, pts[i].run_id)) != SIZE_MAX && moved[r])
			pts[i].run_disturbed = true;
out:
	free(runs);
	free(ymat);
	free(d);
	free(scratch);
	free(moved);
	return rc;
}

int kb_history_mark_disturbed(struct kb_history_point *pts, size_t n, double min_step,
			      size_t *nruns)
{
	const char **fps = malloc((n ? n : 1) * sizeof(*fps));
	size_t nfp = 0;
	int rc = 0;

	*nruns = 0;
	if (!fps)
		return kb_error(KB_ENOMEM, "out of memory marking disturbed runs");
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < nfp && strcmp(fps[j], pts[i].fingerprint) != 0)
			j++;
		if (j == nfp)
			fps[nfp++] = pts[i].fingerprint;
	}
	for (size_t j = 0; j < nfp && !rc; j++)
		rc = mark_fingerprint(pts, n, fps[j], min_step, nruns);
	free(fps);
	return rc;
}
