/*
 * report_machines.c - the cross-hardware report (report_machines.h).
 */
#include "report_machines.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "writer.h"

/* The result of `id` on machine m, when it counts. */
static const struct kb_result *usable(const struct kb_machine_run *m, const char *id)
{
	const struct kb_result *r = kb_run_find(m->run, id);

	return r && r->status == KB_STATUS_OK && isfinite(r->summary.median) &&
			       r->summary.median > 0
		       ? r
		       : NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted distinct ids (or, with `group`, the ids with the kernel left
 * out) of every usable result. */
static int collect(const struct kb_machine_run *m, size_t n, bool group, char ***out,
		   size_t *nout)
{
	char **v = NULL;
	size_t len = 0, cap = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < m[i].run->nresults; j++) {
			const struct kb_result *r = &m[i].run->results[j];
			char *key;

			if (!r->id || !usable(&m[i], r->id))
				continue;
			if (group) {
				const char *k = r->kernel ? strstr(r->id, r->kernel) : NULL;

				if (!k)
					continue;
				key = malloc(strlen(r->id) + 2);
				if (key)
					sprintf(key, "%.*s*%s", (int)(k - r->id), r->id, k + strlen(r->kernel));
			} else {
				key = strdup(r->id);
			}
			if (!key)
				goto oom;
			if (len == cap) {
				char **nv = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));

				if (!nv) {
					free(key);
					goto oom;
				}
				v = nv;
			}
			v[len++] = key;
		}
	}
	if (len)
		qsort(v, len, sizeof(*v), cmp_str);
	/* unique */
	size_t u = 0;

	for (size_t i = 0; i < len; i++) {
		if (u && strcmp(v[u - 1], v[i]) == 0)
			free(v[i]);
		else
			v[u++] = v[i];
	}
	*out = v;
	*nout = u;
	return 0;
oom:
	for (size_t i = 0; i < len; i++)
		free(v[i]);
	free(v);
	return kb_error(KB_ENOMEM, "out of memory");
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* "1.234 us ±2.1%" */
static void cell(const struct kb_result *r, char *buf, size_t len)
{
	char t[32];
	double m = r->summary.median, hw = (r->summary.ci_high - r->summary.ci_low) / 2 / m;

	kb_format_time(m, t, sizeof(t));
	if (isfinite(hw))
		snprintf(buf, len, "%s ±%.1f%%", t, 100 * hw);
	else
		snprintf(buf, len, "%s", t);
}

static int width(const struct kb_machine_run *m, size_t n, size_t min)
{
	size_t w = min;

	for (size_t i = 0; i < n; i++)
		if (strlen(m[i].label) > w)
			w = strlen(m[i].label);
	return (int)w;
}

/* A table's title and header: the row names' column (as wide as the
 * longest of rows[]), then one column per machine. */
static int header(FILE *out, const char *title, const char *first, char **rows, size_t nrows,
		  const struct kb_machine_run *m, size_t n, int cw)
{
	int w = (int)strlen(first);

	for (size_t i = 0; i < nrows; i++)
		if ((int)strlen(rows[i]) > w)
			w = (int)strlen(rows[i]);
	fprintf(out, "%s\n%-*s", title, w, first);
	for (size_t k = 0; k < n; k++)
		fprintf(out, "  %-*s", cw, m[k].label);
	return w;
}

static void by_benchmark(FILE *out, const struct kb_machine_run *m, size_t n, char **ids,
			 size_t nids)
{
	int cw = width(m, n, 18);
	int idw = header(out, "Median time per iteration and its 95% interval, per machine",
			 "benchmark", ids, nids, m, n, cw);

	fprintf(out, "  fastest\n");
	for (size_t i = 0; i < nids; i++) {
		const struct kb_result *best = NULL, *second = NULL;
		size_t bk = 0;
		char buf[64];

		fprintf(out, "%-*s", idw, ids[i]);
		for (size_t k = 0; k < n; k++) {
			const struct kb_result *r = usable(&m[k], ids[i]);

			if (r)
				cell(r, buf, sizeof(buf));
			else
				snprintf(buf, sizeof(buf), "-");
			fprintf(out, "  %-*s", cw, buf);
			if (!r)
				continue;
			if (!best || r->summary.median < best->summary.median) {
				second = best;
				best = r;
				bk = k;
			} else if (!second || r->summary.median < second->summary.median) {
				second = r;
			}
		}
		if (!second)
			fprintf(out, "  %s\n", m[bk].label);
		else if (isfinite(best->summary.ci_high) && isfinite(second->summary.ci_low) &&
			 best->summary.ci_high >= second->summary.ci_low)
			fprintf(out, "  %s (tied: the intervals overlap)\n", m[bk].label);
		else
			fprintf(out, "  %s (%.2fx)\n", m[bk].label,
				second->summary.median / best->summary.median);
	}
}

static void by_kernel(FILE *out, const struct kb_machine_run *m, size_t n, char **groups,
		      size_t ngroups)
{
	int gw, cw = width(m, n, 12);

	for (size_t k = 0; k < n; k++)
		for (size_t j = 0; j < m[k].run->nresults; j++) {
			const char *kn = m[k].run->results[j].kernel;

			if (kn && (int)strlen(kn) > cw)
				cw = (int)strlen(kn);
		}

	gw = header(out, "\nWhich kernel for which hardware: the fastest kernel per suite and size",
		    "suite/*/size", groups, ngroups, m, n, cw);
	fputc('\n', out);
	for (size_t i = 0; i < ngroups; i++) {
		const char *star = strchr(groups[i], '*');
		size_t pre = (size_t)(star - groups[i]);

		fprintf(out, "%-*s", gw, groups[i]);
		for (size_t k = 0; k < n; k++) {
			const struct kb_result *best = NULL;

			for (size_t j = 0; j < m[k].run->nresults; j++) {
				const struct kb_result *r = &m[k].run->results[j];
				const char *k0 = r->kernel ? strstr(r->id, r->kernel) : NULL;

				if (!k0 || (size_t)(k0 - r->id) != pre ||
				    strncmp(r->id, groups[i], pre) != 0 ||
				    strcmp(k0 + strlen(r->kernel), star + 1) != 0 || !usable(&m[k], r->id))
					continue;
				if (!best || r->summary.median < best->summary.median)
					best = r;
			}
			fprintf(out, "  %-*s", cw, best ? best->kernel : "-");
		}
		fputc('\n', out);
	}
}

static int trend(FILE *out, const struct kb_machine_run *m, size_t n, struct kb_history *h)
{
	struct kb_history_point *p;
	size_t np, shown = 0;
	int rc = kb_history_series(h, "*", &p, &np);

	if (rc)
		return rc;
	fprintf(out, "\nTrend per machine (history): runs stored, latest median against the run before\n");
	for (size_t k = 0; k < n; k++) {
		const char *fp = m[k].run->fingerprint ? m[k].run->fingerprint : "";

		fprintf(out, "%s (fingerprint %s)\n", m[k].label, *fp ? fp : "unknown");
		for (size_t i = 0; i < np;) {
			size_t j = i, cnt = 0;
			double last = NAN, prev = NAN;

			while (j < np && strcmp(p[j].bench, p[i].bench) == 0 &&
			       strcmp(p[j].fingerprint, p[i].fingerprint) == 0)
				j++;
			if (strcmp(p[i].fingerprint, fp) == 0 && usable(&m[k], p[i].bench)) {
				for (size_t q = i; q < j; q++) {
					if (p[q].status != KB_STATUS_OK || !isfinite(p[q].median))
						continue;
					cnt++;
					prev = last;
					last = p[q].median;
				}
				if (cnt >= 2)
					fprintf(out, "  %-44s %3zu runs  %+6.1f %%\n", p[i].bench, cnt,
						100 * (last / prev - 1));
				else
					fprintf(out, "  %-44s %3zu run   (nothing to compare yet)\n",
						p[i].bench, cnt);
				shown++;
			}
			i = j;
		}
	}
	if (!shown)
		fprintf(out, "  (none of these benchmarks is in the history)\n");
	kb_history_points_free(p, np);
	return 0;
}

int kb_report_machines(FILE *out, const struct kb_machine_run *m, size_t n,
		       struct kb_history *h)
{
	char **ids = NULL, **groups = NULL;
	size_t nids = 0, ngroups = 0;
	int rc;

	if ((rc = collect(m, n, false, &ids, &nids)) || (rc = collect(m, n, true, &groups, &ngroups)))
		goto out;
	if (nids == 0) {
		rc = kb_error(KB_EINVAL, "no machine has a benchmark with a result: nothing to compare");
		goto out;
	}
	fprintf(out, "Cross-hardware report: %zu machine%s, %zu benchmarks\n\n", n, n == 1 ? "" : "s",
		nids);
	by_benchmark(out, m, n, ids, nids);
	by_kernel(out, m, n, groups, ngroups);
	if (h)
		rc = trend(out, m, n, h);
out:
	free_strs(ids, nids);
	free_strs(groups, ngroups);
	return rc;
}
