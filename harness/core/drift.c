/*
 * drift.c - the drift file: read, written, found, and applied to a run's
 * intervals (drift.h; docs/method.md, "Drift between invocations").
 */
#define _GNU_SOURCE
#include "drift.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "context.h"
#include "error.h"
#include "fileio.h"
#include "pstats.h"

void kb_drift_release(struct kb_drift *d)
{
	for (size_t i = 0; i < d->nentries; i++)
		free(d->entries[i].name);
	free(d->entries);
	free(d->path);
	free(d->fingerprint);
	free(d->date);
	memset(d, 0, sizeof(*d));
}

static int parse_err(const char *path, unsigned line, const char *what)
{
	return kb_error(KB_EPARSE, "%s:%u: %s (a drift file from kbench-calcheck --save-drift; "
			"measure it again with make calibration-check, or run with --drift=none)",
			path, line, what);
}

static bool number(const char *s, double *v)
{
	char *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*v = strtod(s, &end);
	return *end == 0 && errno == 0 && isfinite(*v);
}

static int add_entry(struct kb_drift *d, const char *name, double var, double df, size_t n)
{
	struct kb_drift_entry *s = realloc(d->entries, (d->nentries + 1) * sizeof(*s));

	if (!s)
		return kb_error(KB_ENOMEM, "out of memory");
	d->entries = s;
	s += d->nentries;
	s->name = strdup(name);
	if (!s->name)
		return kb_error(KB_ENOMEM, "out of memory");
	s->log_var = var;
	s->df = df;
	s->benchmarks = n;
	d->nentries++;
	return 0;
}

/* One line after the header: its words split on blanks. */
static int load_line(struct kb_drift *d, const char *path, unsigned no, char *line)
{
	char *word[8], *save = NULL;
	size_t n = 0;
	double v[3];

	for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 8)
			return parse_err(path, no, "too many fields");
		word[n++] = t;
	}
	if (n == 0)
		return 0;
	if (!strcmp(word[0], "fingerprint") || !strcmp(word[0], "date")) {
		char **dst = word[0][0] == 'f' ? &d->fingerprint : &d->date;

		if (n != 2 || *dst)
			return parse_err(path, no, n != 2 ? "expected one value" : "given twice");
		*dst = strdup(word[1]);
		return *dst ? 0 : kb_error(KB_ENOMEM, "out of memory");
	}
	if (!strcmp(word[0], "invocations")) {
		if (n != 2 || !number(word[1], &v[0]) || v[0] < 2 || v[0] != floor(v[0]))
			return parse_err(path, no, "invocations: expected a whole number >= 2");
		d->invocations = (size_t)v[0];
		return 0;
	}
	if (!strcmp(word[0], "suite") || !strcmp(word[0], "bench")) {
		bool bench = word[0][0] == 'b';

		if (n != (bench ? 4u : 5u) || !number(word[2], &v[0]) || !number(word[3], &v[1]) ||
		    (!bench && !number(word[4], &v[2])))
			return parse_err(path, no, bench ? "expected: bench ID LOG_VAR DF"
							 : "expected: suite NAME LOG_VAR DF BENCHMARKS");
		if (bench != (strchr(word[1], '/') != NULL))
			return parse_err(path, no, bench ? "bench: expected an id suite/kernel/..."
							 : "suite: expected a name without '/'");
		if (bench)
			v[2] = 1;
		if (v[0] < 0 || v[0] > 4)
			return parse_err(path, no, "LOG_VAR: expected a variance of log time in [0, 4]");
		if (v[1] <= 0 || v[2] < 1 || v[2] != floor(v[2]))
			return parse_err(path, no, "DF: expected > 0 and BENCHMARKS a whole number >= 1");
		for (size_t i = 0; i < d->nentries; i++)
			if (!strcmp(d->entries[i].name, word[1]))
				return parse_err(path, no, "given twice");
		return add_entry(d, word[1], v[0], v[1], (size_t)v[2]);
	}
	return parse_err(path, no, "unknown record (expected fingerprint, date, invocations, suite "
			 "or bench)");
}

int kb_drift_load(const char *path, struct kb_drift *d)
{
	char buf[1024];
	unsigned no = 0;
	FILE *f;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	f = fopen(path, "r");
	if (!f)
		return kb_error(KB_EIO, "cannot read the drift file %s: %s", path, strerror(errno));
	while (!rc && fgets(buf, sizeof(buf), f)) {
		size_t len = strlen(buf);
		char *hash, *line;

		no++;
		if (len == sizeof(buf) - 1 && buf[len - 1] != '\n') {
			rc = parse_err(path, no, "line too long");
			break;
		}
		if ((hash = strchr(buf, '#')))
			*hash = 0;
		line = kb_conf_trim(buf);
		if (no == 1) {
			if (strcmp(line, KB_DRIFT_FORMAT))
				rc = parse_err(path, no, "expected the header \"" KB_DRIFT_FORMAT "\"");
			continue;
		}
		rc = load_line(d, path, no, line);
	}
	if (!rc && ferror(f))
		rc = kb_error(KB_EIO, "cannot read the drift file %s", path);
	fclose(f);
	if (!rc && no == 0)
		rc = parse_err(path, 1, "empty file");
	if (!rc && (!d->fingerprint || !d->date || !d->invocations || !kb_drift_lookup(d, NULL, "*")))
		rc = parse_err(path, no, "truncated: fingerprint, date, invocations and a \"suite *\" "
			       "line are all needed");
	if (!rc && !(d->path = strdup(path)))
		rc = kb_error(KB_ENOMEM, "out of memory");
	if (rc)
		kb_drift_release(d);
	return rc;
}

static int write_drift(FILE *f, const void *ctx)
{
	const struct kb_drift *d = ctx;

	fprintf(f, "%s\n# the variance of log time between kbench invocations beyond each run's\n"
		   "# process interval (docs/method.md, \"Drift between invocations\")\n",
		KB_DRIFT_FORMAT);
	fprintf(f, "fingerprint %s\ndate %s\ninvocations %zu\n", d->fingerprint, d->date,
		d->invocations);
	fprintf(f, "# suite NAME LOG_VAR DF BENCHMARKS   (sd %% = 100 x sqrt(LOG_VAR))\n");
	for (size_t i = 0; i < d->nentries; i++) {
		const struct kb_drift_entry *s = &d->entries[i];

		if (strchr(s->name, '/'))
			fprintf(f, "bench %s %.6g %.6g   # sd %.1f %%\n", s->name, s->log_var, s->df,
				100 * sqrt(s->log_var));
		else
			fprintf(f, "suite %s %.6g %.6g %zu   # sd %.1f %%\n", s->name, s->log_var, s->df,
				s->benchmarks, 100 * sqrt(s->log_var));
	}
	return ferror(f) ? -1 : 0;
}

int kb_drift_save(const char *path, const struct kb_drift *d)
{
	return kb_file_write_atomic(path, write_drift, d);
}

int kb_drift_merge(struct kb_drift *d, const struct kb_drift *earlier)
{
	size_t n = d->nentries;

	if (!d->fingerprint || !earlier->fingerprint || strcmp(d->fingerprint, earlier->fingerprint))
		return kb_error(KB_EMISMATCH, "%s was measured on %s, the runs on %s: not pooled",
				earlier->path ? earlier->path : "the earlier drift",
				earlier->fingerprint ? earlier->fingerprint : "an unknown machine",
				d->fingerprint ? d->fingerprint : "an unknown machine");
	for (size_t j = 0; j < earlier->nentries; j++) {
		const struct kb_drift_entry *e = &earlier->entries[j];
		struct kb_drift_entry *x = NULL;
		int rc;

		for (size_t i = 0; i < n && !x; i++)
			if (!strcmp(d->entries[i].name, e->name))
				x = &d->entries[i];
		if (!x) {
			if ((rc = add_entry(d, e->name, e->log_var, e->df, e->benchmarks)))
				return rc;
			continue;
		}
		x->log_var = (x->df * x->log_var + e->df * e->log_var) / (x->df + e->df);
		x->df += e->df;
		if (e->benchmarks > x->benchmarks)
			x->benchmarks = e->benchmarks;
	}
	d->invocations += earlier->invocations;
	return 0;
}

const struct kb_drift_entry *kb_drift_lookup(const struct kb_drift *d, const char *id,
					     const char *suite)
{
	const struct kb_drift_entry *in_suite = NULL, *all = NULL;

	for (size_t i = 0; i < d->nentries; i++) {
		const char *name = d->entries[i].name;

		if (id && !strcmp(name, id))
			return &d->entries[i];
		if (suite && !strcmp(name, suite))
			in_suite = &d->entries[i];
		if (!strcmp(name, "*"))
			all = &d->entries[i];
	}
	return in_suite ? in_suite : all;
}

char *kb_drift_default_path(const char *fingerprint)
{
	return kb_cache_path("drift-", fingerprint, ".txt");
}

int kb_drift_resolve(const char *spec, const char *fingerprint, struct kb_drift *d)
{
	char *path = NULL;
	struct stat st;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!spec || !strcmp(spec, "none"))
		return 0;
	if (!strcmp(spec, "auto")) {
		if (!fingerprint || !(path = kb_drift_default_path(fingerprint)))
			return 0;
		if (stat(path, &st) != 0) {
			free(path);
			return 0;
		}
		spec = path;
	}
	rc = kb_drift_load(spec, d);
	if (!rc && fingerprint && strcmp(d->fingerprint, fingerprint)) {
		rc = kb_error(KB_EMISMATCH, "the drift file %s was measured on %s, this machine is %s "
			      "(run make calibration-check here, or --drift=none)",
			      spec, d->fingerprint, fingerprint);
		kb_drift_release(d);
	}
	free(path);
	return rc;
}

void kb_drift_combine(double se, double df, const struct kb_drift_entry *s, double *se_out,
		      double *df_out)
{
	double a, b;

	*se_out = se;
	*df_out = df;
	if (!s || !isfinite(se) || !(df > 0) || s->log_var <= 0)
		return;
	a = se * se;
	b = s->log_var;
	*se_out = sqrt(a + b);
	*df_out = kb_stats_satterthwaite((double[]){ a, b }, (double[]){ df, s->df }, 2);
}

void kb_drift_apply(struct kb_run *run, const struct kb_drift *d, double target_ci)
{
	if (!d || !d->path)
		return;
	kb_ctx_add(run, "drift.file", d->path);
	kb_ctx_add(run, "drift.date", d->date);
	kb_ctx_add_num(run, "drift.invocations", (double)d->invocations);
	for (size_t i = 0; i < run->nresults; i++) {
		struct kb_result *r = &run->results[i];
		const struct kb_drift_entry *s = kb_drift_lookup(d, r->id, r->suite);
		struct kb_summary *sum = &r->summary;
		double se, df, q;

		if (!s || r->proc.processes < 2 || !isfinite(r->proc.process_log_se) || !(sum->median > 0))
			continue;
		kb_drift_combine(r->proc.process_log_se, r->proc.process_df, s, &se, &df);
		r->proc.log_se = se;
		r->proc.df = df;
		r->proc.drift_log_var = s->log_var;
		r->proc.drift_df = s->df;
		free(r->proc.drift_entry);
		r->proc.drift_entry = strdup(s->name);
		q = kb_stats_t_quantile(1 - (1 - sum->ci_level) / 2, df);
		sum->ci_low = sum->median * exp(-q * se);
		sum->ci_high = sum->median * exp(q * se);
		sum->converged = (sum->ci_high - sum->ci_low) / 2 / sum->median <= target_ci;
	}
}
