/*
 * complexity.c - asymptotic complexity fits.  See complexity.h.
 */
#include "complexity.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pstats.h"
#include "stats.h"
#include "strbuf.h"

double kb_big_o_f(int order, double n)
{
	switch (order) {
	case KB_O1: return 1;
	case KB_OLOGN: return log2(n);
	case KB_ON: return n;
	case KB_ONLOGN: return n * log2(n);
	case KB_ON2: return n * n;
	case KB_ON3: return n * n * n;
	default: return NAN;
	}
}

const char *kb_big_o_name(int order)
{
	static const char *names[] = { NULL, "(1)", "lgN", "N", "NlgN", "N^2", "N^3", "auto" };

	return order >= KB_O1 && order <= KB_AUTO ? names[order] : NULL;
}

/* Least squares through the origin of y = c f(n); *rms the normalised RMS.
 * False when every f is 0 (lg 1) or a value is not finite. */
static bool lsq(const struct kb_fit_point *p, size_t k, int order, bool cpu, double *c,
		double *rms)
{
	double sff = 0, syf = 0, sy = 0, ss = 0;

	for (size_t i = 0; i < k; i++) {
		double f = kb_big_o_f(order, p[i].n), y = cpu ? p[i].cpu : p[i].t;
		if (!isfinite(f) || !isfinite(y))
			return false;
		sff += f * f;
		syf += y * f;
		sy += y;
	}
	if (!(sff > 0) || !(sy > 0))
		return false;
	*c = syf / sff;
	for (size_t i = 0; i < k; i++) {
		double r = (cpu ? p[i].cpu : p[i].t) - *c * kb_big_o_f(order, p[i].n);
		ss += r * r;
	}
	*rms = sqrt(ss / (double)k) / (sy / (double)k);
	return true;
}

/* The interval of c: var(c) = sum (w_i t_i se_i)^2, Welch-Satterthwaite df. */
static void interval(const struct kb_fit_point *p, size_t k, int order, double level,
		     struct kb_fit *out)
{
	double sff = 0, var = 0, den = 0, df, q, half;

	out->coef_low = out->coef_high = NAN;
	for (size_t i = 0; i < k; i++) {
		double f = kb_big_o_f(order, p[i].n);
		sff += f * f;
	}
	for (size_t i = 0; i < k; i++) {
		double w = kb_big_o_f(order, p[i].n) / sff, v = w * p[i].t * p[i].log_se;
		if (!isfinite(p[i].log_se) || !(p[i].log_se >= 0) || !(p[i].df > 0))
			return;
		v *= v;
		var += v;
		if (isfinite(p[i].df))
			den += v * v / p[i].df;
	}
	df = den > 0 ? var * var / den : INFINITY;
	q = isfinite(df) ? kb_stats_t_quantile(0.5 + level / 2, df)
			 : kb_stats_norm_quantile(0.5 + level / 2);
	half = q * sqrt(var);
	if (!isfinite(half))
		return;
	out->coef_low = out->coef - half;
	out->coef_high = out->coef + half;
}

int kb_complexity_fit(const struct kb_fit_point *p, size_t k, int order, double level,
		      struct kb_fit *out)
{
	int best = 0;
	double best_c = NAN, best_rms = INFINITY;

	if (k < 2)
		return kb_error(KB_EINVAL, "a complexity fit needs two or more sizes, got %zu", k);
	for (size_t i = 0; i < k; i++) {
		if (!(p[i].n > 0) || !isfinite(p[i].n))
			return kb_error(KB_EINVAL, "complexity fit: size %g is not > 0", p[i].n);
		if (!(p[i].t > 0) || !isfinite(p[i].t))
			return kb_error(KB_EINVAL, "complexity fit: time %g ns at size %g is not > 0",
					p[i].t, p[i].n);
	}
	if (order < KB_O1 || order > KB_AUTO)
		return kb_error(KB_EINVAL, "complexity fit: %d is not an order", order);
	for (int o = KB_O1; o < KB_AUTO; o++) {
		double c, rms;

		if ((order != KB_AUTO && o != order) || !lsq(p, k, o, false, &c, &rms))
			continue;
		if (rms < best_rms) { /* ties keep the lower order */
			best = o;
			best_c = c;
			best_rms = rms;
		}
	}
	if (!best)
		return kb_error(KB_EINVAL, "complexity fit: %s cannot be fitted to these sizes "
				"(lg 1 = 0 at every point)", kb_big_o_name(order));
	free(out->big_o);
	out->big_o = strdup(kb_big_o_name(best));
	if (!out->big_o)
		return kb_error(KB_ENOMEM, "out of memory fitting complexity");
	out->coef = best_c;
	out->rms = best_rms;
	out->level = level;
	out->npoints = k;
	if (!lsq(p, k, best, true, &out->cpu_coef, &out->cpu_rms))
		out->cpu_coef = out->cpu_rms = NAN;
	interval(p, k, best, level, out);
	return 0;
}

/* ---- a run --------------------------------------------------------------------- */

static const struct kb_instance *instance_of(const struct kb_instance *const *sel, size_t n,
					     const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(sel[i]->id, id) == 0)
			return sel[i];
	return NULL;
}

/* "suite/kernel/m=64": the family and every numeric parameter but the axis
 * (string parameters are the body's labels, not part of an instance). */
static char *group_name(const struct kb_result *r, size_t axis)
{
	char buf[1024];
	size_t len = (size_t)snprintf(buf, sizeof(buf), "%s/%s", r->suite, r->kernel);

	for (size_t i = 0; i < r->nparams && len < sizeof(buf); i++)
		if (!r->params[i].is_str && i != axis)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "/%s=%" PRId64,
						r->params[i].name, r->params[i].value);
	return strdup(buf);
}

/* The standard error of log time of a result and its degrees of freedom. */
static void result_se(const struct kb_result *r, double *se, double *df)
{
	const struct kb_summary *s = &r->summary;

	if (r->proc.processes >= 2 && isfinite(r->proc.log_se)) {
		*se = r->proc.log_se;
		*df = r->proc.df;
	} else if (s->ci_low > 0 && s->ci_high >= s->ci_low && s->ci_level > 0 && s->ci_level < 1) {
		*se = (log(s->ci_high) - log(s->ci_low)) / (2 * kb_stats_norm_quantile(0.5 + s->ci_level / 2));
		*df = INFINITY;
	} else {
		*se = *df = NAN;
	}
}

struct group {
	char *name;
	size_t axis_index;
	int order;
	const char *axis;
	struct kb_fit_point *p;
	size_t k;
};

static int fit_group(struct group *g, double level, struct kb_fit *fit)
{
	fit->name = g->name;
	g->name = NULL;
	fit->axis = strdup(g->axis);
	fit->requested = strdup(kb_big_o_name(g->order));
	fit->coef = fit->coef_low = fit->coef_high = fit->cpu_coef = NAN;
	fit->rms = fit->cpu_rms = NAN;
	fit->level = level;
	fit->npoints = g->k;
	if (!fit->axis || !fit->requested)
		return kb_error(KB_ENOMEM, "out of memory fitting complexity");
	if (g->k < 2) {
		fit->note = kb_strdup_printf("no fit: it needs ok results at two or more values of %s, "
					     "this run has %zu", g->axis, g->k);
		return fit->note ? 0 : kb_error(KB_ENOMEM, "out of memory fitting complexity");
	}
	if (kb_complexity_fit(g->p, g->k, g->order, level, fit)) {
		fit->note = kb_strdup_printf("no fit: %s", kb_last_error());
		return fit->note ? 0 : kb_error(KB_ENOMEM, "out of memory fitting complexity");
	}
	return 0;
}

int kb_complexity_run(struct kb_run *run, const struct kb_instance *const *sel, size_t n,
		      double level)
{
	struct group *g = calloc(run->nresults ? run->nresults : 1, sizeof(*g));
	size_t ng = 0;
	int rc = 0;

	if (!g)
		return kb_error(KB_ENOMEM, "out of memory fitting complexity");
	for (size_t i = 0; i < run->nresults && !rc; i++) {
		const struct kb_result *r = &run->results[i];
		const struct kb_instance *inst = instance_of(sel, n, r->id);
		struct kb_fit_point *pt;
		size_t axis, j;
		int order;
		char *name;

		if (!inst || r->status != KB_STATUS_OK || !(r->summary.median > 0) ||
		    !kb_instance_complexity(inst, &axis, &order))
			continue;
		if (!(name = group_name(r, axis))) {
			rc = kb_error(KB_ENOMEM, "out of memory fitting complexity");
			break;
		}
		for (j = 0; j < ng && strcmp(g[j].name, name) != 0; j++)
			;
		if (j == ng) {
			g[ng] = (struct group){ name, axis, order, inst->param_names[axis], NULL, 0 };
			g[ng].p = calloc(run->nresults, sizeof(*g[ng].p));
			if (!g[ng++].p)
				rc = kb_error(KB_ENOMEM, "out of memory fitting complexity");
		} else {
			free(name);
		}
		if (rc)
			break;
		pt = &g[j].p[g[j].k++];
		pt->n = (double)inst->params[axis];
		pt->t = r->summary.median;
		pt->cpu = r->cpu_samples_ns && r->nsamples ? kb_stats_median(r->cpu_samples_ns, r->nsamples)
							   : NAN;
		result_se(r, &pt->log_se, &pt->df);
	}
	if (!rc && ng) {
		run->fits = calloc(ng, sizeof(*run->fits));
		if (!run->fits)
			rc = kb_error(KB_ENOMEM, "out of memory fitting complexity");
		for (size_t j = 0; j < ng && !rc; j++) {
			rc = fit_group(&g[j], level, &run->fits[j]);
			run->nfits = j + 1;
		}
	}
	for (size_t j = 0; j < ng; j++) {
		free(g[j].name);
		free(g[j].p);
	}
	free(g);
	return rc;
}
