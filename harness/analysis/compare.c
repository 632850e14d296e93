/*
 * compare.c - the regression checker (method in compare.h).
 */
#include "compare.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "error.h"
#include "pstats.h"
#include "stats.h"

/*
 * The bootstrap's default work budget: samples drawn per benchmark,
 * (baseline + current samples) x resamples.  A run of ordinary size (tens
 * to a few thousand samples a side) stays far below it and gets exactly
 * the requested resamples, so its seeded interval does not change.  A file
 * of 40 000 samples a side at 10 000 resamples would draw 8e8 (some
 * seconds per benchmark even at O(n) a resample; a minute with a sort
 * each), one of 400 000 ten times that.  2e8 draws take about half a
 * second here.  Past the budget the resamples are reduced, to no fewer
 * than BOOT_MIN_RESAMPLES (the 2.5 % tails of a 95 % interval then still
 * rest on 25 resamples each); past it even then, the bootstrap runs on a
 * subsample (see boot_plan).
 */
#define BOOT_BUDGET 2e8
#define BOOT_MIN_RESAMPLES 1000

static const char *const verdict_names[KB_VERDICT_COUNT] = {
	[KB_VERDICT_UNCHANGED] = "unchanged",
	[KB_VERDICT_IMPROVED] = "improved",
	[KB_VERDICT_REGRESSED] = "regressed",
	[KB_VERDICT_INCONCLUSIVE] = "inconclusive",
	[KB_VERDICT_NEW] = "new",
	[KB_VERDICT_MISSING] = "missing",
	[KB_VERDICT_ERROR] = "error",
	[KB_VERDICT_SKIPPED] = "skipped",
};

const char *kb_verdict_name(enum kb_verdict v)
{
	return (unsigned)v < KB_VERDICT_COUNT ? verdict_names[v] : "unknown";
}

const char *kb_threshold_source_name(enum kb_threshold_source s)
{
	switch (s) {
	case KB_THRESHOLD_USER:
		return "user";
	case KB_THRESHOLD_CONFIG:
		return "config";
	case KB_THRESHOLD_NOISE:
		return "noise";
	case KB_THRESHOLD_MISMATCH:
		return "mismatch";
	}
	return "unknown";
}

const char *kb_compare_method_name(enum kb_compare_method m)
{
	switch (m) {
	case KB_METHOD_NONE:
		return "none";
	case KB_METHOD_SAMPLES:
		return "samples";
	case KB_METHOD_PROCESSES:
		return "processes";
	case KB_METHOD_SUMMARY:
		return "summary";
	case KB_METHOD_POINT:
		return "point";
	}
	return "unknown";
}

void kb_compare_options_init(struct kb_compare_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->threshold = 0.05;
	opt->floor = 0.01;
	opt->alpha = 0.01;
	opt->ci_level = 0.95;
	opt->resamples = 10000;
	opt->work_budget = BOOT_BUDGET;
	opt->seed = 42;
	opt->min_samples = 5;
	opt->instructions_threshold = 0.005;
	opt->mismatch_widen = 0.25;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

bool kb_counter_higher_is_better(const char *name)
{
	return strcmp(name, "gbps") == 0 || strcmp(name, "gflops") == 0 ||
	       strcmp(name, "pct_peak") == 0 || ends_with(name, "_per_second") ||
	       ends_with(name, "/s");
}

int kb_compare_parse_percent(const char *text, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno)
		return kb_error(KB_EINVAL, "\"%s\" is not a percentage (e.g. 5 or 5%%)", text);
	while (isspace((unsigned char)*end))
		end++;
	if (*end == '%')
		end++;
	while (isspace((unsigned char)*end))
		end++;
	if (*end || !isfinite(v) || v < 0 || v >= 1000)
		return kb_error(KB_EINVAL, "\"%s\" is not a percentage between 0 and 1000", text);
	*out = v / 100;
	return 0;
}

/* ---- config file ---------------------------------------------------------- */

void kb_compare_config_release(struct kb_compare_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->noverrides; i++)
		free(cfg->overrides[i].pattern);
	free(cfg->overrides);
	memset(cfg, 0, sizeof(*cfg));
	cfg->threshold = NAN;
}

static int config_line(const char *path, unsigned lineno, char *line, struct kb_compare_config *cfg)
{
	struct kb_compare_override *v;
	char *hash = strchr(line, '#'), *pat, *val, *end;
	double thr;

	if (hash)
		*hash = '\0';
	pat = line;
	while (isspace((unsigned char)*pat))
		pat++;
	if (!*pat)
		return 0;
	end = pat;
	while (*end && !isspace((unsigned char)*end))
		end++;
	val = end;
	while (isspace((unsigned char)*val))
		val++;
	*end = '\0';
	end = val + strlen(val);
	while (end > val && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (!*val)
		return kb_error(KB_EPARSE, "%s:%u: \"%s\" has no threshold (expected: PATTERN PERCENT)",
				path, lineno, pat);
	if (kb_compare_parse_percent(val, &thr)) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s", kb_last_error());
		return kb_error(KB_EPARSE, "%s:%u: %s", path, lineno, msg);
	}
	if (strcmp(pat, "default") == 0) {
		cfg->threshold = thr;
		return 0;
	}
	v = realloc(cfg->overrides, (cfg->noverrides + 1) * sizeof(*v));
	if (!v)
		return kb_error(KB_ENOMEM, "out of memory");
	cfg->overrides = v;
	v[cfg->noverrides].pattern = strdup(pat);
	if (!v[cfg->noverrides].pattern)
		return kb_error(KB_ENOMEM, "out of memory");
	v[cfg->noverrides].threshold = thr;
	cfg->noverrides++;
	return 0;
}

int kb_compare_config_load(const char *path, struct kb_compare_config *cfg)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	FILE *f;
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->threshold = NAN;
	f = fopen(path, "r");
	if (!f)
		return kb_error(errno == ENOENT ? KB_ENOTFOUND : KB_EIO, "%s: cannot open: %s", path,
				strerror(errno));
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		if ((rc = config_line(path, lineno, line, cfg)))
			break;
	}
	if (!rc && ferror(f))
		rc = kb_error(KB_EIO, "%s: read error", path);
	free(line);
	fclose(f);
	if (rc)
		kb_compare_config_release(cfg);
	return rc;
}

/* ---- small helpers ---------------------------------------------------------- */

/* Appends "; <text>" (or "<text>") to a row's note. */
static int note_add(char **note, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int note_add(char **note, const char *fmt, ...)
{
	char text[512];
	size_t old = *note ? strlen(*note) : 0;
	char *n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = realloc(*note, old + strlen(text) + 3);
	if (!n)
		return kb_error(KB_ENOMEM, "out of memory");
	if (old)
		memcpy(n + old, "; ", 3);
	else
		n[0] = '\0';
	strcat(n, text);
	*note = n;
	return 0;
}

static int warn(struct kb_compare *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int warn(struct kb_compare *c, const char *fmt, ...)
{
	char text[1024], **w, *copy;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	copy = strdup(text);
	w = copy ? realloc(c->warnings, (c->nwarnings + 1) * sizeof(*w)) : NULL;
	if (!w) {
		free(copy);
		return kb_error(KB_ENOMEM, "out of memory");
	}
	c->warnings = w;
	w[c->nwarnings++] = copy;
	return 0;
}

/* ---- machines and metrics ------------------------------------------------- */

static const char *metric_of(const struct kb_run *run)
{
	const char *m = NULL;
	size_t i;

	for (i = 0; i < run->nconfig; i++)
		if (strcmp(run->config[i].key, "metric") == 0)
			m = run->config[i].value;
	return m ? m : "time";
}

/* The fingerprint parts that differ, as "cpu_model 'A' vs 'B', cores 2 vs 4". */
static void fingerprint_diff(const struct kb_run *a, const struct kb_run *b, char *buf, size_t len)
{
	static const char prefix[] = "fingerprint_parts.";
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < a->ncontext; i++) {
		const char *key = a->context[i].key, *va = a->context[i].value, *vb;

		if (strncmp(key, prefix, sizeof(prefix) - 1) != 0)
			continue;
		vb = kb_run_context(b, key);
		if ((va && vb && strcmp(va, vb) == 0) || (!va && !vb))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s '%s' vs '%s'",
					 used ? ", " : "", key + sizeof(prefix) - 1, va ? va : "null",
					 vb ? vb : "null");
		if (used >= len)
			break;
	}
}

static int check_machines(const struct kb_run *base, const struct kb_run *cur,
			  const char *bname, const char *cname, const struct kb_compare_options *opt,
			  struct kb_compare *c)
{
	char diff[512];
	const char *mb = metric_of(base), *mc = metric_of(cur);

	if (strcmp(mb, mc) != 0)
		return kb_error(KB_EMISMATCH,
				"%s measures \"%s\" but %s measures \"%s\": not comparable", bname, mb,
				cname, mc);
	if (!base->fingerprint || !cur->fingerprint) {
		const char *which = !base->fingerprint ? bname : cname;
		const struct kb_run *r = !base->fingerprint ? base : cur;

		return warn(c, "%s has no machine fingerprint%s: the machines were not checked",
			    which, r->format && strcmp(r->format, "gbench") == 0 ?
				   " (Google Benchmark JSON)" : "");
	}
	if (strcmp(base->fingerprint, cur->fingerprint) == 0)
		return 0;
	fingerprint_diff(base, cur, diff, sizeof(diff));
	if (!opt->allow_mismatch)
		return kb_error(KB_EMISMATCH,
				"machine fingerprints differ: %s was measured on \"%s\", %s on \"%s\"%s%s%s; "
				"timings from different machines are not comparable. Make a baseline on this "
				"machine (make baseline), or pass --allow-mismatch to compare anyway (with "
				"every threshold widened, --mismatch-widen)",
				bname, base->fingerprint, cname, cur->fingerprint, *diff ? " (" : "", diff,
				*diff ? ")" : "");
	c->baseline_fingerprint = strdup(base->fingerprint);
	c->current_fingerprint = strdup(cur->fingerprint);
	if (!c->baseline_fingerprint || !c->current_fingerprint)
		return kb_error(KB_ENOMEM, "out of memory");
	c->widen = opt->mismatch_widen;
	return 0;
}

/* (1 + t)(1 + w) - 1: a relative threshold widened by w. */
static double widened(double t, double w)
{
	return (1 + t) * (1 + w) - 1;
}

/* The mismatch warning, once the metric's threshold is known. */
static int mismatch_warning(struct kb_compare *c, const struct kb_run *base,
			    const struct kb_run *cur)
{
	char diff[512];

	if (!c->baseline_fingerprint)
		return 0;
	fingerprint_diff(base, cur, diff, sizeof(diff));
	c->threshold_from = c->opt.threshold;
	c->threshold_to = widened(c->opt.threshold, c->widen);
	if (c->widen > 0)
		return warn(c,
			    "MACHINE MISMATCH: baseline fingerprint \"%s\", current \"%s\"%s%s%s; compared "
			    "anyway (--allow-mismatch) with every threshold widened by %.0f %% for the unknown "
			    "difference between the machines (--mismatch-widen): %.1f %% -> %.1f %%, floor "
			    "%.1f %% -> %.1f %%; only changes beyond that are verdicts",
			    c->baseline_fingerprint, c->current_fingerprint, *diff ? " (" : "", diff,
			    *diff ? ")" : "", c->widen * 100,
			    c->threshold_from * 100, c->threshold_to * 100, c->opt.floor * 100,
			    widened(c->opt.floor, c->widen) * 100);
	return warn(c,
		    "MACHINE MISMATCH: baseline fingerprint \"%s\", current \"%s\"%s%s%s; compared "
		    "anyway (--allow-mismatch, --mismatch-widen=0: thresholds not widened): differences "
		    "may come from the machine, not the code", c->baseline_fingerprint,
		    c->current_fingerprint, *diff ? " (" : "", diff, *diff ? ")" : "");
}

/* ---- one side of a comparison --------------------------------------------- */

struct side {
	const double *x;   /* samples of the metric, or NULL */
	size_t n;
	double *owned;     /* when x was made here */
	double *sorted;    /* x sorted (owned), NULL when no x */
	double value;      /* the point estimate (median or counter value) */
	double ci_lo, ci_hi; /* interval of `value`, NAN when none */
	double rel_ci;     /* relative half-width of that interval, NAN when none */
	bool ci_approx;    /* interval approximated from the reported sd */
	bool from_time;    /* rate samples reconstructed from time samples */
	/* the process level (time, or a rate made from it): the log process
	 * medians' mean and variance, their count, the drift recorded */
	size_t procs;
	double lmean, lvar;
	double drift_v, drift_df;
};

/* The log process medians of a result: count, mean, variance (procs < 2:
 * not usable). */
static void process_fill(const struct kb_result *r, struct side *s)
{
	double sum = 0, sum2 = 0;
	size_t n = 0;

	s->procs = 0;
	s->lmean = s->lvar = NAN;
	s->drift_v = r->proc.drift_log_var;
	s->drift_df = r->proc.drift_df;
	for (size_t i = 0; r->proc.medians_ns && i < r->proc.nmedians; i++) {
		double m = r->proc.medians_ns[i];

		if (m > 0 && isfinite(m)) {
			sum += log(m);
			sum2 += log(m) * log(m);
			n++;
		}
	}
	if (n < 2)
		return;
	s->procs = n;
	s->lmean = sum / (double)n;
	s->lvar = fmax(0, (sum2 - sum * sum / (double)n) / (double)(n - 1));
}

/*
 * The interval of a result's median time.  From its samples whenever it
 * has two or more (`sorted`, their sorted copy): the distribution-free
 * order-statistic interval at the comparison's level.  A file's summary can disagree with
 * its samples (edited or merged by hand, written by another tool, a
 * different --ci-level), and the samples are what the comparison measures:
 * a tight summary beside noisy samples must not hide the noise.  The
 * summary's interval is used only without samples (Google Benchmark
 * aggregates), else median +- z * 1.2533 sd / sqrt(n) (the asymptotic
 * standard error of a normal sample's median).  NAN when none.
 */
static void time_interval(const struct kb_result *r, const double *sorted, double median,
			  double level, double *lo, double *hi, bool *approx)
{
	const struct kb_summary *sum = &r->summary;

	*lo = *hi = NAN;
	if (r->nsamples >= 2) {
		size_t rl, rh;
		double achieved;

		kb_stats_median_ci_ranks(r->nsamples, level, &rl, &rh, &achieved);
		*lo = sorted[rl];
		*hi = sorted[rh];
	} else if (isfinite(sum->ci_low) && isfinite(sum->ci_high) && sum->ci_high >= sum->ci_low &&
		   sum->ci_low > 0 && sum->n >= 2 && !(sum->ci_level < 0.5)) {
		/* (a one-sample "interval" is a point; under 50 % coverage, none) */
		*lo = sum->ci_low;
		*hi = sum->ci_high;
	} else if (isfinite(sum->sd) && sum->n >= 2 && isfinite(median)) {
		double half = kb_stats_norm_quantile(1 - (1 - level) / 2) * 1.2533 * sum->sd /
			      sqrt((double)sum->n);

		*lo = median - half;
		*hi = median + half;
		*approx = true;
		if (*lo <= 0)
			*lo = *hi = NAN;
	}
}

static void side_free(struct side *s)
{
	free(s->owned);
	free(s->sorted);
	s->owned = s->sorted = NULL;
}

/*
 * Fills a side for the metric.  Returns 0, or 1 when the metric is not
 * available (reason in *why), or a negative code.
 */
static int side_fill(const struct kb_result *r, const struct kb_compare *c, struct side *s,
		     const char **why)
{
	memset(s, 0, sizeof(*s));
	s->value = s->ci_lo = s->ci_hi = s->rel_ci = NAN;
	s->lmean = s->lvar = s->drift_v = s->drift_df = NAN;
	if (strcmp(c->metric, "time") == 0 || c->higher_is_better)
		process_fill(r, s);
	if (strcmp(c->metric, "time") == 0) {
		s->value = r->summary.median;
		if (r->nsamples) {
			s->x = r->samples_ns;
			s->n = r->nsamples;
			s->sorted = kb_stats_sorted_copy(r->samples_ns, r->nsamples);
			if (!s->sorted)
				return kb_error(KB_ENOMEM, "out of memory");
			/* as kb_stats_median, without a second sort */
			s->value = kb_stats_quantile_sorted(s->sorted, s->n, 0.5);
		}
		if (!(s->value > 0)) {
			*why = "no median time";
			return 1;
		}
		time_interval(r, s->sorted, s->value, c->opt.ci_level, &s->ci_lo, &s->ci_hi,
			      &s->ci_approx);
		if (isfinite(s->ci_lo))
			s->rel_ci = (s->ci_hi - s->ci_lo) / 2 / s->value;
		return 0;
	}
	if (strcmp(c->metric, "instructions") == 0) {
		s->value = r->instructions;
		if (!(isfinite(s->value) && s->value > 0)) {
			*why = "no instruction count";
			return 1;
		}
		return 0;
	}
	{
		const struct kb_counter *k = kb_result_counter(r, c->metric);
		double t, tlo, thi, *tsorted;
		bool approx = false;
		size_t i;

		if (!k) {
			*why = "no such counter";
			return 1;
		}
		if (!(isfinite(k->value) && k->value > 0)) {
			*why = "counter is null or not positive";
			return 1;
		}
		s->value = k->value;
		/* A rate is work / time with the same work in every sample, so
		 * each sample's rate is value * median / sample. */
		if (!c->higher_is_better || !r->nsamples)
			return 0;
		tsorted = kb_stats_sorted_copy(r->samples_ns, r->nsamples);
		if (!tsorted)
			return kb_error(KB_ENOMEM, "out of memory");
		t = kb_stats_quantile_sorted(tsorted, r->nsamples, 0.5);
		if (t > 0) {
			s->owned = malloc(r->nsamples * sizeof(*s->owned));
			s->sorted = malloc(r->nsamples * sizeof(*s->sorted));
			if (!s->owned || !s->sorted) {
				free(tsorted);
				return kb_error(KB_ENOMEM, "out of memory");
			}
			for (i = 0; i < r->nsamples; i++) {
				s->owned[i] = k->value * t / r->samples_ns[i];
				/* the rate falls as the time grows: sorted rates
				 * are the sorted times backwards */
				s->sorted[i] = k->value * t / tsorted[r->nsamples - 1 - i];
			}
			s->x = s->owned;
			s->n = r->nsamples;
			s->from_time = true;
			time_interval(r, tsorted, t, c->opt.ci_level, &tlo, &thi, &approx);
			s->ci_lo = isfinite(thi) && thi > 0 ? k->value * t / thi : NAN;
			s->ci_hi = isfinite(tlo) && tlo > 0 ? k->value * t / tlo : NAN;
			if (isfinite(s->ci_lo) && isfinite(s->ci_hi))
				s->rel_ci = (s->ci_hi - s->ci_lo) / 2 / s->value;
		}
		free(tsorted);
		return 0;
	}
}

/* ---- rows ------------------------------------------------------------------- */

static void row_init(struct kb_compare_row *row)
{
	memset(row, 0, sizeof(*row));
	row->baseline = row->current = row->ratio = NAN;
	row->ci_low = row->ci_high = row->p = row->p_adjusted = NAN;
	row->threshold = row->floor = NAN;
	row->baseline_rel_ci = row->current_rel_ci = NAN;
	row->df = row->drift_log_var = NAN;
}

/* Whether a result has the process medians the process-level test needs. */
static bool has_processes(const struct kb_result *r)
{
	size_t n = 0;

	for (size_t i = 0; r->proc.medians_ns && i < r->proc.nmedians; i++)
		n += r->proc.medians_ns[i] > 0 && isfinite(r->proc.medians_ns[i]);
	return n >= 2;
}

/* `processes`: the row will be tested at the process level, whose test
 * carries the between-run spread itself: the baseline's noise does not
 * raise its threshold. */
static int effective_threshold(const struct kb_result *b, const struct kb_compare *c,
			       struct kb_compare_row *row, bool processes)
{
	const struct kb_compare_config *cfg = c->opt.config;
	const char *pattern = NULL;
	double thr = c->opt.threshold, noise = processes ? NAN : b->noise;
	size_t i;

	row->threshold_source = KB_THRESHOLD_USER;
	if (cfg && isfinite(cfg->threshold)) {
		thr = cfg->threshold;
		row->threshold_source = KB_THRESHOLD_CONFIG;
		pattern = "default";
	}
	for (i = 0; cfg && i < cfg->noverrides; i++)
		if (fnmatch(cfg->overrides[i].pattern, row->id, 0) == 0) {
			thr = cfg->overrides[i].threshold;
			row->threshold_source = KB_THRESHOLD_CONFIG;
			pattern = cfg->overrides[i].pattern;
			break;
		}
	row->floor = c->opt.floor;
	/* The noise is between-run dispersion of the time median; it bounds
	 * what a stored run can resolve for time and for rates made from it. */
	if (strcmp(c->metric, "instructions") != 0 && isfinite(noise) && noise > thr) {
		int rc = note_add(&row->note, "threshold raised from %.1f %% to %.1f %% by the baseline's between-run noise",
				  thr * 100, noise * 100);

		if (rc)
			return rc;
		thr = noise;
		row->threshold_source = KB_THRESHOLD_NOISE;
	} else if (pattern) {
		int rc = note_add(&row->note, "threshold %.1f %% from the config (%s)", thr * 100, pattern);

		if (rc)
			return rc;
	}
	if (strcmp(c->metric, "instructions") != 0 && isfinite(noise) && noise > row->floor)
		row->floor = noise;
	if (row->floor > thr)
		row->floor = thr;
	if (c->widen > 0) {
		/* a baseline of another machine: its difference is unknown */
		int rc = note_add(&row->note, "threshold widened from %.1f %% to %.1f %% (baseline "
				  "from another machine)", thr * 100, widened(thr, c->widen) * 100);

		if (rc)
			return rc;
		thr = widened(thr, c->widen);
		row->floor = widened(row->floor, c->widen);
		row->threshold_source = KB_THRESHOLD_MISMATCH;
	}
	row->threshold = thr;
	return 0;
}

/* The benchmark-level verdicts that need no numbers. */
static int status_verdict(const struct kb_result *b, const struct kb_result *r,
			  struct kb_compare_row *row)
{
	if (!b) {
		row->verdict = KB_VERDICT_NEW;
		if (r->status == KB_STATUS_ERROR || r->validated == 0) {
			row->verdict = KB_VERDICT_ERROR;
			row->failure = true;
			return note_add(&row->note, "new benchmark, error in the current run: %s",
					r->message ? r->message : "failed validation");
		}
		return note_add(&row->note, "not in the baseline");
	}
	if (!r) {
		row->verdict = KB_VERDICT_MISSING;
		return note_add(&row->note, "in the baseline but not in the current run");
	}
	if (r->status == KB_STATUS_ERROR || (r->status == KB_STATUS_OK && r->validated == 0)) {
		row->verdict = KB_VERDICT_ERROR;
		row->failure = true;
		return note_add(&row->note, "error in the current run: %s",
				r->message ? r->message : r->validated == 0 ? "output failed validation" : "no message");
	}
	if (b->status == KB_STATUS_ERROR || (b->status == KB_STATUS_OK && b->validated == 0)) {
		row->verdict = KB_VERDICT_ERROR;
		return note_add(&row->note, "error in the baseline (%s): nothing to compare against",
				b->message ? b->message : "failed validation");
	}
	if (r->status == KB_STATUS_INTERRUPTED || b->status == KB_STATUS_INTERRUPTED) {
		row->verdict = KB_VERDICT_SKIPPED;
		return note_add(&row->note, "the %s run was interrupted before this benchmark finished",
				r->status == KB_STATUS_INTERRUPTED ? "current" : "baseline");
	}
	if (r->status == KB_STATUS_SKIPPED || b->status == KB_STATUS_SKIPPED) {
		const struct kb_result *s = r->status == KB_STATUS_SKIPPED ? r : b;

		row->verdict = KB_VERDICT_SKIPPED;
		return note_add(&row->note, "skipped in the %s run%s%s",
				r->status == KB_STATUS_SKIPPED && b->status == KB_STATUS_SKIPPED ? "baseline and current" :
				r->status == KB_STATUS_SKIPPED ? "current" : "baseline",
				s->message ? ": " : "", s->message ? s->message : "");
	}
	return 1;
}

/* Per row scratch kept until Holm has run. */
struct pending {
	double p_worse, p_better;
	double adj_worse, adj_better;
};

struct boot_plan {
	size_t resamples;  /* to draw */
	size_t nb, nc;     /* samples per side to bootstrap from */
};

/* How much of the requested bootstrap fits in `budget` draws. */
static void boot_plan(size_t nb, size_t nc, size_t requested, double budget, struct boot_plan *p)
{
	double total = (double)nb + (double)nc;
	size_t cap;

	p->resamples = requested;
	p->nb = nb;
	p->nc = nc;
	if (total * (double)requested <= budget)
		return;
	p->resamples = (size_t)(budget / total);
	if (p->resamples < BOOT_MIN_RESAMPLES)
		p->resamples = requested < BOOT_MIN_RESAMPLES ? requested : BOOT_MIN_RESAMPLES;
	cap = (size_t)(budget / (double)p->resamples);
	if (cap < 2)
		cap = 2; /* a sample a side, whatever the budget */
	if (total <= (double)cap)
		return;
	/* half the samples each; a side with fewer leaves the rest to the other */
	if (nb <= cap / 2) {
		p->nc = cap - nb;
	} else if (nc <= cap / 2) {
		p->nb = cap - nc;
	} else {
		p->nb = cap / 2;
		p->nc = cap - cap / 2;
	}
}

/*
 * m of the n sorted samples, evenly spaced from a random start u in [0, 1):
 * out[i] = sorted[floor((i + u) n / m)].  Every stretch of the distribution
 * keeps its share, so the median and the shape are kept; bootstrapping m
 * values then gives the interval m samples would give, wider than all n
 * would by about sqrt(n / m): the cut errs towards "inconclusive", not
 * towards a verdict the samples do not support.
 */
static void subsample_sorted(const double *sorted, size_t n, size_t m, double u, double *out)
{
	double step = (double)n / (double)m;
	size_t i, j;

	for (i = 0; i < m; i++) {
		j = (size_t)(((double)i + u) * step);
		out[i] = sorted[j < n ? j : n - 1];
	}
}

/* The bootstrap interval of the ratio, within the work budget. */
static int boot_interval(const struct side *sb, const struct side *sc, const struct kb_compare *c,
			 struct kb_compare_row *row)
{
	const struct kb_compare_options *o = &c->opt;
	uint64_t seed = kb_hash_seed(o->seed, row->id);
	const double *xb = sb->x, *xc = sc->x;
	double *sub = NULL, ratio;
	struct boot_plan bp;
	int rc;

	boot_plan(sb->n, sc->n, o->resamples, o->work_budget, &bp);
	row->subsampled = bp.nb < sb->n || bp.nc < sc->n;
	if (row->subsampled) {
		struct kb_rng rng;

		if (!sb->sorted || !sc->sorted)
			return kb_error(KB_EINVAL, "%s: no sorted samples to subsample", row->id);
		sub = malloc((bp.nb + bp.nc) * sizeof(*sub));
		if (!sub)
			return kb_error(KB_ENOMEM, "out of memory");
		/* its own stream: the bootstrap's draws stay those of its seed */
		kb_rng_seed(&rng, ~seed);
		subsample_sorted(sb->sorted, sb->n, bp.nb, kb_rng_uniform(&rng), sub);
		subsample_sorted(sc->sorted, sc->n, bp.nc, kb_rng_uniform(&rng), sub + bp.nb);
		xb = sub;
		xc = sub + bp.nb;
	}
	rc = kb_stats_bootstrap_ratio_ci(xb, bp.nb, xc, bp.nc, bp.resamples, o->ci_level, seed, &ratio,
					 &row->ci_low, &row->ci_high);
	free(sub);
	if (rc)
		return rc;
	row->resamples = bp.resamples;
	if (row->subsampled)
		return note_add(&row->note, "bootstrap from %zu of %zu baseline and %zu of %zu current samples "
				"(evenly spaced in sorted order) with %zu resamples, to fit its work budget: "
				"the interval is wider than all samples would give",
				bp.nb, sb->n, bp.nc, sc->n, bp.resamples);
	if (bp.resamples < o->resamples)
		return note_add(&row->note, "bootstrap with %zu of the %zu resamples, to fit its work budget "
				"(%zu samples)", bp.resamples, o->resamples, sb->n + sc->n);
	return 0;
}

/*
 * The process level (compare.h): Welch's t on the log process medians of
 * the two sides, each side's mean carrying the drift between invocations
 * divided by the invocations it pools.
 */
static int estimate_processes(const struct side *sb, const struct side *sc,
			      const struct kb_compare *c, struct kb_compare_row *row,
			      struct pending *pd)
{
	double a = sb->lvar / (double)sb->procs, b = sc->lvar / (double)sc->procs;
	double v = NAN, vdf = NAN, dv, se2, d, t, q;

	/* the drift of this machine: the larger recorded, with its df */
	if (isfinite(sb->drift_v) && sb->drift_df > 0) {
		v = sb->drift_v;
		vdf = sb->drift_df;
	}
	if (isfinite(sc->drift_v) && sc->drift_df > 0 && !(sc->drift_v <= v)) {
		v = sc->drift_v;
		vdf = sc->drift_df;
	}
	row->drift_log_var = v;
	dv = isfinite(v) ? v * (1.0 / (double)c->baseline_runs + 1.0 / (double)c->current_runs) : 0;
	se2 = a + b + dv;
	d = sc->lmean - sb->lmean; /* log(current / baseline) of the times */
	row->method = KB_METHOD_PROCESSES;
	row->baseline_n = sb->procs;
	row->current_n = sc->procs;
	/* each side's own process-level half-width, for the "noisy side" notes */
	row->baseline_rel_ci = sinh(kb_stats_t_quantile(1 - (1 - c->opt.ci_level) / 2,
							 (double)(sb->procs - 1)) * sqrt(a));
	row->current_rel_ci = sinh(kb_stats_t_quantile(1 - (1 - c->opt.ci_level) / 2,
							(double)(sc->procs - 1)) * sqrt(b));
	if (!(se2 > 0)) { /* identical processes on both sides: nothing varies */
		row->df = INFINITY;
		row->ratio = exp(c->higher_is_better ? -d : d);
		row->ci_low = row->ci_high = row->ratio;
		/* times and rates alike: worse is the time grown (d > 0) */
		pd->p_worse = d > 0 ? 0 : 1;
		pd->p_better = d < 0 ? 0 : 1;
		return 0;
	}
	row->df = kb_stats_satterthwaite((double[]){ a, b, dv },
					 (double[]){ (double)(sb->procs - 1), (double)(sc->procs - 1), vdf },
					 3);
	t = d / sqrt(se2);
	q = kb_stats_t_quantile(1 - (1 - c->opt.ci_level) / 2, isfinite(row->df) ? row->df : 1e9);
	/* times: worse is slower (d > 0); rates: worse is lower (the time grew) */
	pd->p_worse = 1 - kb_stats_t_cdf(t, isfinite(row->df) ? row->df : 1e9);
	pd->p_better = kb_stats_t_cdf(t, isfinite(row->df) ? row->df : 1e9);
	if (c->higher_is_better) {
		row->ratio = exp(-d);
		row->ci_low = exp(-d - q * sqrt(se2));
		row->ci_high = exp(-d + q * sqrt(se2));
	} else {
		row->ratio = exp(d);
		row->ci_low = exp(d - q * sqrt(se2));
		row->ci_high = exp(d + q * sqrt(se2));
	}
	return 0;
}

/* Estimates the ratio and its interval; sets method, p-values. */
static int estimate(const struct side *sb, const struct side *sc, const struct kb_compare *c,
		    struct kb_compare_row *row, struct pending *pd)
{
	const struct kb_compare_options *o = &c->opt;
	int rc;

	row->baseline = sb->value;
	row->current = sc->value;
	row->baseline_rel_ci = sb->rel_ci;
	row->current_rel_ci = sc->rel_ci;
	row->baseline_n = sb->n;
	row->current_n = sc->n;
	pd->p_worse = pd->p_better = NAN;
	if (sb->procs >= 2 && sc->procs >= 2) {
		if (strcmp(c->metric, "time") == 0) {
			row->baseline = exp(sb->lmean);
			row->current = exp(sc->lmean);
		}
		return estimate_processes(sb, sc, c, row, pd);
	}
	if (sb->n >= o->min_samples && sc->n >= o->min_samples) {
		if ((rc = boot_interval(sb, sc, c, row)))
			return rc;
		row->method = KB_METHOD_SAMPLES;
		row->ratio = sc->value / sb->value;
		/* worse: the current side larger (times), or smaller (rates) */
		if (c->higher_is_better)
			rc = kb_stats_mann_whitney(sc->x, sc->n, sb->x, sb->n, &pd->p_worse, &pd->p_better);
		else
			rc = kb_stats_mann_whitney(sb->x, sb->n, sc->x, sc->n, &pd->p_worse, &pd->p_better);
		if (rc)
			return rc;
		if (sb->from_time || sc->from_time)
			return note_add(&row->note, "interval from the time samples (a rate is work / time)");
		return 0;
	}
	row->ratio = sc->value / sb->value;
	if (isfinite(sb->ci_lo) && isfinite(sc->ci_lo)) {
		row->method = KB_METHOD_SUMMARY;
		row->ci_low = sc->ci_lo / sb->ci_hi;
		row->ci_high = sc->ci_hi / sb->ci_lo;
		return note_add(&row->note, "%zu vs %zu samples: interval from the two summaries%s, no test",
				sb->n, sc->n, sb->ci_approx || sc->ci_approx ? " (approximated from the stddev)" : "");
	}
	row->method = KB_METHOD_POINT;
	if (strcmp(c->metric, "instructions") == 0)
		return note_add(&row->note, "deterministic count: threshold alone");
	return note_add(&row->note, "%zu vs %zu samples and no interval: point estimate against the threshold alone",
			sb->n, sc->n);
}

/* Which side makes the interval wide, in words. */
static int note_noisy(const struct kb_compare_row *row, char **note)
{
	double lim = row->threshold / 2;
	bool nb = isfinite(row->baseline_rel_ci) && row->baseline_rel_ci > lim;
	bool nc = isfinite(row->current_rel_ci) && row->current_rel_ci > lim;

	if (nb && nc)
		return note_add(note, "both sides are noisy (median CI +-%.1f %% baseline, +-%.1f %% current)",
				row->baseline_rel_ci * 100, row->current_rel_ci * 100);
	if (nb)
		return note_add(note, "the baseline is noisy (median CI +-%.1f %%)", row->baseline_rel_ci * 100);
	if (nc)
		return note_add(note, "the current run is noisy (median CI +-%.1f %%)", row->current_rel_ci * 100);
	if (row->verdict == KB_VERDICT_UNCHANGED)
		return note_add(note, "the interval reaches past the threshold");
	return note_add(note, "neither side is very noisy: the change is close to the threshold");
}

/* The decision, once the adjusted p-values are known. */
static int decide(const struct kb_compare *c, struct kb_compare_row *row, const struct pending *pd)
{
	double w = row->ratio, wl = row->ci_low, wh = row->ci_high;
	double thr = row->threshold, fl = row->floor, alpha = c->opt.alpha;
	bool tested = row->method == KB_METHOD_SAMPLES || row->method == KB_METHOD_PROCESSES;
	bool worse_sig, better_sig;

	if (c->higher_is_better) { /* orient so that > 1 is worse */
		w = 1 / row->ratio;
		wl = 1 / row->ci_high;
		wh = 1 / row->ci_low;
	}
	row->p = w >= 1 ? pd->p_worse : pd->p_better;
	row->past_threshold = w > 1 + thr;
	row->p_adjusted = w >= 1 ? pd->adj_worse : pd->adj_better;
	if (row->method == KB_METHOD_POINT) {
		row->verdict = w > 1 + thr ? KB_VERDICT_REGRESSED :
			       w < 1 - thr ? KB_VERDICT_IMPROVED : KB_VERDICT_UNCHANGED;
		return 0;
	}
	worse_sig = !tested || pd->adj_worse < alpha;
	better_sig = !tested || pd->adj_better < alpha;
	if (w > 1 + thr && wl > 1 + fl && worse_sig) {
		row->verdict = KB_VERDICT_REGRESSED;
		return 0;
	}
	if (w < 1 - thr && wh < 1 - fl && better_sig) {
		row->verdict = KB_VERDICT_IMPROVED;
		return 0;
	}
	/* A move beyond the floor whose interval reaches past the threshold
	 * could be a regression (or an improvement) we cannot confirm. */
	if ((w > 1 + fl && wh > 1 + thr) || (w < 1 - fl && wl < 1 - thr)) {
		int rc;

		row->verdict = KB_VERDICT_INCONCLUSIVE;
		if (row->past_threshold &&
		    (rc = note_add(&row->note, "%s past the threshold, not confirmed%s",
				   c->higher_is_better ? "a drop" : "a slowdown",
				   c->opt.fail_inconclusive ? " (fails: --fail-on=inconclusive)" : "")))
			return rc;
		if (w > 1 + thr && wl > 1 + fl && !worse_sig)
			return note_add(&row->note, "not significant after Holm (p = %.2g, adjusted %.2g >= alpha %.2g)",
					pd->p_worse, pd->adj_worse, alpha);
		if (w < 1 - thr && wh < 1 - fl && !better_sig)
			return note_add(&row->note, "not significant after Holm (p = %.2g, adjusted %.2g >= alpha %.2g)",
					pd->p_better, pd->adj_better, alpha);
		return note_noisy(row, &row->note);
	}
	row->verdict = KB_VERDICT_UNCHANGED;
	if (tested && wl > 1 + fl && worse_sig)
		return note_add(&row->note, "a significant %s below the threshold",
				c->higher_is_better ? "drop" : "slowdown");
	if (wh > 1 + thr || wl < 1 - thr)
		return note_noisy(row, &row->note);
	return 0;
}

static int compare_one(const struct kb_result *b, const struct kb_result *r, struct kb_compare *c,
		       struct kb_compare_row *row, struct pending *pd)
{
	struct side sb, sc;
	const char *why = NULL;
	int rc;

	pd->p_worse = pd->p_better = pd->adj_worse = pd->adj_better = NAN;
	rc = status_verdict(b, r, row);
	if (rc <= 0)
		return rc;
	if ((rc = effective_threshold(b, c, row,
				      has_processes(b) && has_processes(r) &&
					      (strcmp(c->metric, "time") == 0 || c->higher_is_better))))
		return rc;
	rc = side_fill(b, c, &sb, &why);
	if (rc == 0) {
		rc = side_fill(r, c, &sc, &why);
		if (rc) {
			side_free(&sb);
			side_free(&sc);
		}
		if (rc == 1) {
			row->verdict = KB_VERDICT_SKIPPED;
			return note_add(&row->note, "current run: %s (%s)", why, c->metric);
		}
	} else {
		side_free(&sb);
		if (rc == 1) {
			row->verdict = KB_VERDICT_SKIPPED;
			return note_add(&row->note, "baseline: %s (%s)", why, c->metric);
		}
	}
	if (rc)
		return rc;
	rc = estimate(&sb, &sc, c, row, pd);
	side_free(&sb);
	side_free(&sc);
	return rc;
}

static int add_row(struct kb_compare *c, const char *id, struct kb_compare_row **out)
{
	struct kb_compare_row *rows = realloc(c->rows, (c->nrows + 1) * sizeof(*rows));

	if (!rows)
		return kb_error(KB_ENOMEM, "out of memory");
	c->rows = rows;
	row_init(&rows[c->nrows]);
	rows[c->nrows].id = strdup(id);
	if (!rows[c->nrows].id)
		return kb_error(KB_ENOMEM, "out of memory");
	*out = &rows[c->nrows++];
	return 0;
}

static int adjust_all(struct kb_compare *c, struct pending *pd)
{
	double *pw, *pb, *aw, *ab;
	size_t *idx, i, n = 0;
	int rc = 0;

	pw = malloc((c->nrows + 1) * sizeof(*pw));
	pb = malloc((c->nrows + 1) * sizeof(*pb));
	aw = malloc((c->nrows + 1) * sizeof(*aw));
	ab = malloc((c->nrows + 1) * sizeof(*ab));
	idx = malloc((c->nrows + 1) * sizeof(*idx));
	if (!pw || !pb || !aw || !ab || !idx) {
		rc = kb_error(KB_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < c->nrows; i++)
		if (c->rows[i].method == KB_METHOD_SAMPLES || c->rows[i].method == KB_METHOD_PROCESSES) {
			pw[n] = pd[i].p_worse;
			pb[n] = pd[i].p_better;
			idx[n++] = i;
		}
	if ((rc = kb_stats_holm(pw, n, aw)) || (rc = kb_stats_holm(pb, n, ab)))
		goto out;
	for (i = 0; i < n; i++) {
		pd[idx[i]].adj_worse = aw[i];
		pd[idx[i]].adj_better = ab[i];
	}
out:
	free(pw);
	free(pb);
	free(aw);
	free(ab);
	free(idx);
	return rc;
}

/*
 * When most benchmarks moved together, the machine probably changed (load
 * from other jobs, frequency, a different host), not every kernel: say so,
 * and leave the verdicts alone.
 */
static int warn_global_shift(struct kb_compare *c)
{
	double *logs = malloc((c->nrows + 1) * sizeof(*logs)), shift;
	size_t i, n = 0, same_dir = 0;
	int rc = 0;

	if (!logs)
		return kb_error(KB_ENOMEM, "out of memory");
	for (i = 0; i < c->nrows; i++)
		if (c->rows[i].method != KB_METHOD_NONE && c->rows[i].ratio > 0)
			logs[n++] = log(c->rows[i].ratio);
	if (n >= 5) {
		shift = kb_stats_median(logs, n);
		for (i = 0; i < n; i++)
			same_dir += (shift > 0 && logs[i] > 0) || (shift < 0 && logs[i] < 0);
		if (fabs(expm1(shift)) > c->opt.threshold && same_dir * 4 >= n * 3)
			rc = warn(c, "%zu of %zu benchmarks moved the same way (median change %+.1f %%): "
				  "the machine was probably %s (load from other jobs, clock frequency, "
				  "another host), not every kernel; re-run before trusting the verdicts",
				  same_dir, n, expm1(shift) * 100,
				  (shift > 0) != c->higher_is_better ? "slower" : "faster");
	}
	free(logs);
	return rc;
}

/*
 * Is the machine as it was when the baseline was measured?  Every kbench run
 * reads two reference probes through the run, a spin loop and a memory read
 * (context.reference; a baseline keeps their median over its runs).  When
 * one of them differs between the baseline and this run by more than the
 * threshold and beyond what the baseline's own runs saw of it (a
 * prediction bound at the gate's alpha: t(1 - alpha/2, runs - 1) times the
 * sd of the probe's log over the baseline's runs times sqrt(1 + 1/runs)),
 * another job's load, a slower host or a changed clock is in every
 * benchmark's change, and a change of the code cannot be told from it: the
 * two false `regressed` in 20 real A/A gates on the development VM came
 * with the memory read +41 % and +119 % from the baseline's (docs/figures.md).
 * Sets c->moved_probe and c->moved_change to the probe that moved most.
 */
static void reference_check(struct kb_compare *c, const struct kb_run *b, const struct kb_run *r)
{
	double runs = kb_run_context_num(b, "reference.runs");

	c->moved_probe = NULL;
	c->moved_change = c->moved_bound = NAN;
	if (c->opt.no_reference_check || strcmp(c->metric, "instructions") == 0)
		return;
	for (size_t k = 0; k < 2; k++) {
		const struct kb_reference_probe *p = &kb_reference_probes[k];
		double xb = kb_run_context_num(b, p->key), xc = kb_run_context_num(r, p->key), d;
		double sd = kb_run_context_num(b, p->sd_key), tol = log1p(c->opt.threshold);

		if (!(xb > 0 && xc > 0 && isfinite(xb) && isfinite(xc)))
			continue;
		if (sd >= 0 && isfinite(sd) && runs >= 2)
			tol = fmax(tol, kb_stats_t_quantile(1 - c->opt.alpha / 2, runs - 1) * sd *
						sqrt(1 + 1 / runs));
		d = xc / xb - 1;
		if (fabs(log1p(d)) > tol &&
		    (!c->moved_probe || fabs(log1p(d)) > fabs(log1p(c->moved_change)))) {
			c->moved_probe = p->name;
			c->moved_change = d;
			c->moved_bound = expm1(tol);
		}
	}
}

/* A verdict of change while the machine itself moved: held as inconclusive,
 * unless the whole interval lies beyond the machine's move and the
 * threshold together (+100 % on a machine whose memory read moved +10 %
 * stands). */
static int hold_verdict(struct kb_compare *c, struct kb_compare_row *row)
{
	double near;

	if (!c->moved_probe ||
	    (row->verdict != KB_VERDICT_REGRESSED && row->verdict != KB_VERDICT_IMPROVED))
		return 0;
	near = row->ratio > 1 ? row->ci_low : row->ci_high; /* the bound nearest no change */
	if (near > 0 && fabs(log(near)) > fabs(log1p(c->moved_change)) + log1p(c->opt.threshold))
		return 0;
	row->verdict = KB_VERDICT_INCONCLUSIVE;
	c->held++;
	return note_add(&row->note, "held: the machine's reference %s moved %+.1f %% since the "
			"baseline, so this change may be the machine's; re-run on a quieter machine",
			c->moved_probe, c->moved_change * 100);
}

static int add_warnings(struct kb_compare *c, const struct kb_run *base)
{
	size_t i, fallback = 0, point = 0, noise = 0, compared = 0, raised = 0, cut = 0, sub = 0;
	size_t procs = 0, no_drift = 0;
	int rc = 0;

	for (i = 0; i < c->nrows; i++) {
		const struct kb_compare_row *row = &c->rows[i];
		const struct kb_result *b = kb_run_find(base, row->id);

		if (row->method == KB_METHOD_NONE)
			continue;
		compared++;
		procs += row->method == KB_METHOD_PROCESSES;
		no_drift += row->method == KB_METHOD_PROCESSES && !isfinite(row->drift_log_var);
		cut += row->method == KB_METHOD_SAMPLES &&
		       (row->resamples < c->opt.resamples || row->subsampled);
		sub += row->subsampled;
		fallback += row->method == KB_METHOD_SUMMARY;
		point += row->method == KB_METHOD_POINT;
		raised += row->threshold_source == KB_THRESHOLD_NOISE;
		noise += b && isfinite(b->noise);
	}
	if (fallback)
		rc = warn(c, "%zu of %zu benchmarks had fewer than %zu samples on a side: no test, interval "
			  "from the summaries (run with repetitions for a real test)",
			  fallback, compared, c->opt.min_samples);
	if (!rc && point && strcmp(c->metric, "instructions") != 0)
		rc = warn(c, "%zu of %zu benchmarks had no samples or interval (summarised input, e.g. one "
			  "Google Benchmark repetition): verdicts from the point estimate and the threshold alone",
			  point, compared);
	if (!rc && cut)
		rc = warn(c, "%zu of %zu benchmarks have too many samples for %zu bootstrap resamples within "
			  "the work budget (%.0e samples drawn per benchmark): %s; see their notes",
			  cut, compared, c->opt.resamples, c->opt.work_budget,
			  sub ? "fewer resamples, and for some an interval from a subsample, wider than "
				"all samples would give" : "fewer resamples");
	if (!rc && raised)
		rc = warn(c, "%zu benchmarks' thresholds were raised to their recorded between-run noise", raised);
	if (!rc && no_drift)
		rc = warn(c, "%zu of %zu benchmarks compared at the process level without the machine's "
			  "drift between invocations (neither file records one; make calibration-check "
			  "measures it, make baseline estimates it from its runs): an offset between the "
			  "two runs can look like a change", no_drift, procs);
	if (!rc && compared > procs && !noise && strcmp(c->metric, "instructions") != 0)
		rc = warn(c, "the baseline records no between-run noise (not made by `make baseline`): "
			  "the gate cannot account for run-to-run offsets");
	if (!rc && c->moved_probe)
		rc = warn(c, "the machine is not as it was at the baseline: its reference %s moved "
			  "%+.1f %% (beyond %.1f %%, the larger of the threshold and what the baseline's "
			  "runs saw of it); %zu regressed or improved verdicts within that move are held "
			  "as inconclusive (--no-reference-check keeps them; "
			  "--fail-on=regressed,inconclusive fails on those past the threshold)",
			  c->moved_probe, c->moved_change * 100, c->moved_bound * 100, c->held);
	if (!rc)
		rc = warn_global_shift(c);
	if (!rc && c->counts[KB_VERDICT_MISSING])
		rc = warn(c, "%zu benchmarks of the baseline are missing from the current run",
			  c->counts[KB_VERDICT_MISSING]);
	return rc;
}

/*
 * Instructions regressed but time, measured well enough to see it, shows no
 * such change: a warning, not a failure (see compare.h).  `opt` holds the
 * time threshold.
 */
static int check_time(const struct kb_run *base, const struct kb_run *cur,
		      const struct kb_compare_options *opt, struct kb_compare *c)
{
	struct kb_compare_options o = *opt;
	struct kb_compare t;
	size_t i, warned = 0;
	int rc = 0;

	if (!c->counts[KB_VERDICT_REGRESSED])
		return 0;
	o.metric = "time";
	o.counter = NULL;
	o.no_reference_check = true; /* time as measured, to compare with the counts */
	if (kb_compare_runs(base, cur, c->baseline_name, c->current_name, &o, &t))
		return 0; /* time cannot be compared: the counts decide alone */
	for (i = 0; i < c->nrows && !rc; i++) {
		struct kb_compare_row *row = &c->rows[i];
		const struct kb_result *b = kb_run_find(base, row->id);
		const struct kb_compare_row *tr = NULL;
		double hi;
		size_t j;

		if (row->verdict != KB_VERDICT_REGRESSED || !b)
			continue;
		for (j = 0; j < t.nrows && !tr; j++)
			if (strcmp(t.rows[j].id, row->id) == 0)
				tr = &t.rows[j];
		if (!tr || !isfinite(tr->ci_high) || !isfinite(tr->ratio))
			continue;
		if (!isfinite(b->noise)) {
			rc = note_add(&row->note, "time %+.1f %% [%+.1f %%, %+.1f %%] (no between-run noise "
				      "recorded: time cannot overrule the count)", (tr->ratio - 1) * 100,
				      (tr->ci_low - 1) * 100, (tr->ci_high - 1) * 100);
			continue;
		}
		hi = tr->ci_high * (1 + b->noise);
		if (hi >= 1 + (row->ratio - 1) / 2) {
			rc = note_add(&row->note, "time %+.1f %% [%+.1f %%, %+.1f %%] does not rule it out",
				      (tr->ratio - 1) * 100, (tr->ci_low - 1) * 100, (tr->ci_high - 1) * 100);
			continue;
		}
		row->verdict = KB_VERDICT_INCONCLUSIVE;
		row->failure = false;
		c->counts[KB_VERDICT_REGRESSED]--;
		c->counts[KB_VERDICT_INCONCLUSIVE]++;
		c->failures--;
		warned++;
		rc = note_add(&row->note, "WARNING: %+.2f %% instructions but no change in time (%+.1f %% "
			      "[%+.1f %%, %+.1f %%], between-run noise %.1f %%): a warning, not a failure",
			      (row->ratio - 1) * 100, (tr->ratio - 1) * 100, (tr->ci_low - 1) * 100,
			      (tr->ci_high - 1) * 100, b->noise * 100);
	}
	kb_compare_release(&t);
	if (!rc && warned)
		rc = warn(c, "%zu benchmarks execute more instructions with no change in time: warnings, "
			  "not failures (see their notes)", warned);
	return rc;
}

int kb_compare_runs(const struct kb_run *baseline, const struct kb_run *current,
		    const char *baseline_name, const char *current_name,
		    const struct kb_compare_options *opt, struct kb_compare *out)
{
	struct pending *pd = NULL;
	struct kb_compare_row *row;
	size_t i, both = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->opt = *opt;
	out->baseline_name = strdup(baseline_name ? baseline_name : "baseline");
	out->current_name = strdup(current_name ? current_name : "current");
	if (opt->counter)
		out->metric = strdup(opt->counter);
	else if (opt->metric)
		out->metric = strdup(opt->metric);
	else
		out->metric = strdup(strcmp(metric_of(baseline), "instructions") == 0 ? "instructions" : "time");
	if (!out->baseline_name || !out->current_name || !out->metric) {
		rc = kb_error(KB_ENOMEM, "out of memory");
		goto out_fail;
	}
	out->higher_is_better = opt->counter && (opt->counter_direction > 0 ||
		(opt->counter_direction == 0 && kb_counter_higher_is_better(opt->counter)));
	if (!(out->opt.work_budget > 0)) /* options not from kb_compare_options_init */
		out->opt.work_budget = BOOT_BUDGET;
	if (!(opt->threshold >= 0) || !(opt->alpha > 0 && opt->alpha < 1) ||
	    !(opt->ci_level > 0 && opt->ci_level < 1) || opt->resamples == 0) {
		rc = kb_error(KB_EINVAL, "bad comparison options (threshold %g, alpha %g, level %g)",
			      opt->threshold, opt->alpha, opt->ci_level);
		goto out_fail;
	}
	out->threshold_from = out->threshold_to = NAN;
	if (!(opt->mismatch_widen >= 0 && opt->mismatch_widen <= 100)) {
		rc = kb_error(KB_EINVAL, "mismatch widening %g: expected a relative value in [0, 100]",
			      opt->mismatch_widen);
		goto out_fail;
	}
	if ((rc = check_machines(baseline, current, out->baseline_name, out->current_name, opt, out)))
		goto out_fail;
	{ /* invocations pooled in each file: a baseline of several runs */
		const char *vb = kb_run_context(baseline, "baseline.pooled_runs");
		const char *vc = kb_run_context(current, "baseline.pooled_runs");

		out->baseline_runs = vb && atoi(vb) >= 1 ? (size_t)atoi(vb) : 1;
		out->current_runs = vc && atoi(vc) >= 1 ? (size_t)atoi(vc) : 1;
	}
	if (strcmp(out->metric, "instructions") == 0) {
		if (strcmp(metric_of(baseline), "instructions") != 0) {
			rc = kb_error(KB_EMISMATCH, "%s has no instruction counts (measured with --metric=%s): "
				      "measure both runs with kbench --metric=instructions",
				      out->baseline_name, metric_of(baseline));
			goto out_fail;
		}
		out->opt.threshold = opt->instructions_threshold;
	} else if (strcmp(out->metric, "time") != 0 && !opt->counter) {
		rc = kb_error(KB_EINVAL, "unknown metric \"%s\": expected time or instructions", out->metric);
		goto out_fail;
	}

	if ((rc = mismatch_warning(out, baseline, current)))
		goto out_fail;
	for (i = 0; i < baseline->nresults; i++)
		if ((rc = add_row(out, baseline->results[i].id, &row)))
			goto out_fail;
	for (i = 0; i < current->nresults; i++)
		if (!kb_run_find(baseline, current->results[i].id) &&
		    (rc = add_row(out, current->results[i].id, &row)))
			goto out_fail;
	pd = calloc(out->nrows + 1, sizeof(*pd));
	if (!pd) {
		rc = kb_error(KB_ENOMEM, "out of memory");
		goto out_fail;
	}
	for (i = 0; i < out->nrows; i++) {
		const struct kb_result *b = kb_run_find(baseline, out->rows[i].id);
		const struct kb_result *r = kb_run_find(current, out->rows[i].id);

		both += b && r;
		if ((rc = compare_one(b, r, out, &out->rows[i], &pd[i])))
			goto out_fail;
	}
	if (!both) {
		rc = kb_error(KB_EMISMATCH,
			      "no benchmark is in both %s and %s (e.g. \"%s\" vs \"%s\"): nothing to compare",
			      out->baseline_name, out->current_name, baseline->results[0].id,
			      current->nresults ? current->results[0].id : "");
		goto out_fail;
	}
	if ((rc = adjust_all(out, pd)))
		goto out_fail;
	reference_check(out, baseline, current);
	for (i = 0; i < out->nrows; i++) {
		row = &out->rows[i];
		if (row->method != KB_METHOD_NONE &&
		    ((rc = decide(out, row, &pd[i])) || (rc = hold_verdict(out, row))))
			goto out_fail;
		if (row->verdict == KB_VERDICT_REGRESSED ||
		    (row->verdict == KB_VERDICT_INCONCLUSIVE && row->past_threshold &&
		     opt->fail_inconclusive))
			row->failure = true;
		out->counts[row->verdict]++;
		out->failures += row->failure;
	}
	if (strcmp(out->metric, "instructions") == 0 && (rc = check_time(baseline, current, opt, out)))
		goto out_fail;
	if ((rc = add_warnings(out, baseline)))
		goto out_fail;
	free(pd);
	return 0;

out_fail:
	free(pd);
	kb_compare_release(out);
	return rc;
}

int kb_compare_exit_status(const struct kb_compare *c)
{
	return c->failures ? 1 : 0;
}

void kb_compare_release(struct kb_compare *c)
{
	size_t i;

	if (!c)
		return;
	free(c->baseline_name);
	free(c->current_name);
	free(c->metric);
	for (i = 0; i < c->nrows; i++) {
		free(c->rows[i].id);
		free(c->rows[i].note);
	}
	free(c->rows);
	for (i = 0; i < c->nwarnings; i++)
		free(c->warnings[i]);
	free(c->warnings);
	free(c->baseline_fingerprint);
	free(c->current_fingerprint);
	memset(c, 0, sizeof(*c));
}
