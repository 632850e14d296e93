/*
 * writer_json.c - kbench JSON (schema 1) and Google Benchmark JSON.
 */
#include "writer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "jsonw.h"
#include "stats.h"

/* Number of leading dot-separated segments two keys share. */
static size_t common_segments(const char *a, const char *b)
{
	size_t n = 0;

	for (;;) {
		const char *da = strchr(a, '.'), *db = strchr(b, '.');
		if (!da || !db || da - a != db - b || strncmp(a, b, (size_t)(da - a)) != 0)
			return n;
		n++;
		a = da + 1;
		b = db + 1;
	}
}

static size_t segments(const char *k)
{
	size_t n = 0;
	for (; *k; k++)
		n += *k == '.';
	return n; /* object segments before the leaf */
}

static void kv_value(struct kb_jsonw *w, const char *leaf, const struct kb_kv *e)
{
	if (!e->value)
		kb_jsonw_null(w, leaf);
	else if (e->is_num)
		kb_jsonw_raw(w, leaf, e->value);
	else
		kb_jsonw_str(w, leaf, e->value);
}

void kb_report_json_kv(struct kb_jsonw *w, const char *key, const struct kb_kv *kv, size_t n)
{
	const char *prev = "";
	size_t open = 0;

	kb_jsonw_object(w, key);
	for (size_t i = 0; i < n; i++) {
		const char *k = kv[i].key, *p = k;
		size_t keep = common_segments(prev, k), depth = segments(k);
		if (keep > open)
			keep = open;
		while (open > keep) {
			kb_jsonw_end_object(w);
			open--;
		}
		/* skip the segments already open, open the rest */
		for (size_t s = 0; s < keep; s++)
			p = strchr(p, '.') + 1;
		while (open < depth) {
			const char *dot = strchr(p, '.');
			char seg[128];
			size_t len = (size_t)(dot - p) < sizeof(seg) - 1 ? (size_t)(dot - p) : sizeof(seg) - 1;
			memcpy(seg, p, len);
			seg[len] = 0;
			kb_jsonw_object(w, seg);
			open++;
			p = dot + 1;
		}
		kv_value(w, p, &kv[i]);
		prev = k;
	}
	while (open-- > 0)
		kb_jsonw_end_object(w);
	kb_jsonw_end_object(w);
}

static void write_summary(struct kb_jsonw *w, const struct kb_result *r)
{
	const struct kb_summary *s = &r->summary;

	if (r->nsamples == 0) {
		kb_jsonw_null(w, "summary");
		return;
	}
	kb_jsonw_object(w, "summary");
	kb_jsonw_num(w, "median", s->median);
	kb_jsonw_num(w, "ci_low", s->ci_low);
	kb_jsonw_num(w, "ci_high", s->ci_high);
	kb_jsonw_num(w, "ci_level", s->ci_level);
	kb_jsonw_num(w, "mean", s->mean);
	kb_jsonw_num(w, "sd", s->sd);
	kb_jsonw_num(w, "cv", s->cv);
	kb_jsonw_num(w, "min", s->min);
	kb_jsonw_num(w, "max", s->max);
	kb_jsonw_num(w, "q1", s->q1);
	kb_jsonw_num(w, "q3", s->q3);
	kb_jsonw_num(w, "p90", s->p90);
	kb_jsonw_num(w, "p99", s->p99);
	kb_jsonw_uint(w, "n", s->n);
	kb_jsonw_object(w, "outliers");
	kb_jsonw_uint(w, "mild", s->outliers_mild);
	kb_jsonw_uint(w, "severe", s->outliers_severe);
	kb_jsonw_end_object(w);
	kb_jsonw_bool(w, "converged", s->converged);
	kb_jsonw_end_object(w);
}

/* How summary.ci_low/ci_high were made, and the pieces to recompute them. */
static void write_interval(struct kb_jsonw *w, const struct kb_result *r)
{
	const struct kb_process_info *p = &r->proc;
	bool between = p->processes >= 2 && isfinite(p->log_se);

	kb_jsonw_uint(w, "processes", p->processes ? p->processes : 1);
	kb_jsonw_object(w, "interval");
	bool drift = between && p->drift_entry;

	kb_jsonw_str(w, "method", drift     ? "t on the log of the process medians, widened by the "
					      "machine's drift between invocations"
				  : between ? "t on the log of the process medians"
					    : "within one process: order statistics of its samples");
	kb_jsonw_num(w, "level", r->summary.ci_level);
	kb_jsonw_num(w, "low", r->summary.ci_low);
	kb_jsonw_num(w, "high", r->summary.ci_high);
	kb_jsonw_num(w, "log_se", p->log_se);
	kb_jsonw_num(w, "df", p->df);
	kb_jsonw_num(w, "process_log_se", between ? p->process_log_se : NAN);
	kb_jsonw_num(w, "process_df", between ? p->process_df : NAN);
	if (drift) {
		kb_jsonw_object(w, "drift");
		kb_jsonw_str(w, "entry", p->drift_entry);
		kb_jsonw_num(w, "log_var", p->drift_log_var);
		kb_jsonw_num(w, "df", p->drift_df);
		kb_jsonw_end_object(w);
	} else {
		kb_jsonw_null(w, "drift");
	}
	kb_jsonw_object(w, "within_process");
	kb_jsonw_num(w, "low", p->within_ci_low);
	kb_jsonw_num(w, "high", p->within_ci_high);
	kb_jsonw_end_object(w);
	kb_jsonw_end_object(w);
	if (p->medians_ns) {
		kb_jsonw_array(w, "process_medians_ns", true);
		for (size_t i = 0; i < p->nmedians; i++)
			kb_jsonw_num(w, NULL, p->medians_ns[i]);
		kb_jsonw_end_array(w);
	}
	kb_jsonw_object(w, "variance");
	kb_jsonw_num(w, "within_round", p->var_within_round);
	kb_jsonw_num(w, "between_rounds", p->var_between_rounds);
	kb_jsonw_num(w, "between_processes", p->var_between_processes);
	kb_jsonw_end_object(w);
	kb_jsonw_str(w, "disturbed", p->disturbed);
}

/* Memory per benchmark (docs/method.md, "Memory"); absent when not measured. */
static void write_memory(struct kb_jsonw *w, const struct kb_mem_use *m)
{
	if (!m->have)
		return;
	kb_jsonw_object(w, "memory");
	kb_jsonw_uint(w, "requested_bytes", m->requested);
	if (m->rss_reset < 0) {
		kb_jsonw_null(w, "peak_rss_bytes");
		kb_jsonw_null(w, "rss_growth_bytes");
		kb_jsonw_null(w, "rss_method");
	} else {
		kb_jsonw_uint(w, "peak_rss_bytes", m->peak_rss);
		kb_jsonw_uint(w, "rss_growth_bytes", m->rss_growth);
		kb_jsonw_str(w, "rss_method", m->rss_reset ? "reset" : "delta");
	}
	if (m->device_requested || m->device_in_use) {
		kb_jsonw_uint(w, "device_requested_bytes", m->device_requested);
		kb_jsonw_uint(w, "device_in_use_bytes", m->device_in_use);
	} else {
		kb_jsonw_null(w, "device_requested_bytes");
		kb_jsonw_null(w, "device_in_use_bytes");
	}
	kb_jsonw_end_object(w);
}

static void write_result(struct kb_jsonw *w, const struct kb_result *r)
{
	kb_jsonw_object(w, NULL);
	kb_jsonw_str(w, "id", r->id);
	kb_jsonw_str(w, "suite", r->suite);
	kb_jsonw_str(w, "kernel", r->kernel);
	kb_jsonw_object(w, "params");
	for (size_t i = 0; i < r->nparams; i++) {
		if (r->params[i].is_str)
			kb_jsonw_str(w, r->params[i].name, r->params[i].str);
		else
			kb_jsonw_int(w, r->params[i].name, r->params[i].value);
	}
	kb_jsonw_end_object(w);
	kb_jsonw_str(w, "unit", r->unit ? r->unit : "ns");
	kb_jsonw_str(w, "status", kb_status_name(r->status));
	kb_jsonw_str(w, "message", r->message);
	kb_jsonw_str(w, "label", r->label);
	kb_jsonw_uint(w, "iterations_per_sample", r->iterations_per_sample);
	kb_jsonw_uint(w, "rounds", r->rounds);
	kb_jsonw_array(w, "samples_ns", true);
	for (size_t i = 0; i < r->nsamples; i++)
		kb_jsonw_num(w, NULL, r->samples_ns[i]);
	kb_jsonw_end_array(w);
	if (r->cpu_samples_ns) {
		kb_jsonw_array(w, "cpu_samples_ns", true);
		for (size_t i = 0; i < r->nsamples; i++)
			kb_jsonw_num(w, NULL, r->cpu_samples_ns[i]);
		kb_jsonw_end_array(w);
	}
	if (r->sample_round) {
		kb_jsonw_array(w, "sample_round", true);
		for (size_t i = 0; i < r->nsamples; i++)
			kb_jsonw_uint(w, NULL, r->sample_round[i]);
		kb_jsonw_end_array(w);
	}
	if (r->sample_process) {
		kb_jsonw_array(w, "sample_process", true);
		for (size_t i = 0; i < r->nsamples; i++)
			kb_jsonw_uint(w, NULL, r->sample_process[i]);
		kb_jsonw_end_array(w);
	}
	write_summary(w, r);
	write_interval(w, r);
	kb_jsonw_object(w, "counters");
	for (size_t i = 0; i < r->ncounters; i++)
		kb_jsonw_num(w, r->counters[i].name, r->counters[i].value);
	kb_jsonw_end_object(w);
	if (r->validated < 0)
		kb_jsonw_null(w, "validated");
	else
		kb_jsonw_bool(w, "validated", r->validated == 1);
	kb_jsonw_num(w, "instructions", r->instructions);
	write_memory(w, &r->mem);
	if (r->threads > 0) /* absent without KB_THREADS */
		kb_jsonw_int(w, "threads", r->threads);
	kb_jsonw_str(w, "timer", r->timer ? r->timer : "wall");
	kb_jsonw_num(w, "warmup_s", r->warmup_s);
	kb_jsonw_num(w, "elapsed_s", r->elapsed_s);
	if (!isnan(r->noise))
		kb_jsonw_num(w, "noise", r->noise);
	kb_jsonw_end_object(w);
}

/* The complexity fits (KB_COMPLEXITY), absent when no benchmark asked. */
static void write_fits(struct kb_jsonw *w, const struct kb_run *run)
{
	if (!run->nfits)
		return;
	kb_jsonw_array(w, "complexity", false);
	for (size_t i = 0; i < run->nfits; i++) {
		const struct kb_fit *x = &run->fits[i];

		kb_jsonw_object(w, NULL);
		kb_jsonw_str(w, "name", x->name);
		kb_jsonw_str(w, "axis", x->axis);
		kb_jsonw_str(w, "requested", x->requested);
		kb_jsonw_str(w, "big_o", x->big_o);
		kb_jsonw_num(w, "coefficient_ns", x->coef);
		kb_jsonw_object(w, "interval");
		kb_jsonw_num(w, "level", x->level);
		kb_jsonw_num(w, "low", x->coef_low);
		kb_jsonw_num(w, "high", x->coef_high);
		kb_jsonw_end_object(w);
		kb_jsonw_num(w, "rms", x->rms);
		kb_jsonw_num(w, "cpu_coefficient_ns", x->cpu_coef);
		kb_jsonw_num(w, "cpu_rms", x->cpu_rms);
		kb_jsonw_uint(w, "points", x->npoints);
		kb_jsonw_str(w, "note", x->note);
		kb_jsonw_end_object(w);
	}
	kb_jsonw_end_array(w);
}

int kb_report_json(FILE *f, const struct kb_run *run)
{
	struct kb_jsonw w;

	kb_jsonw_init(&w, f, true);
	kb_jsonw_object(&w, NULL);
	kb_jsonw_int(&w, "schema_version", KB_SCHEMA_VERSION);
	if (run->interrupted) /* absent in a complete run */
		kb_jsonw_raw(&w, "interrupted", "true");
	kb_jsonw_object(&w, "harness");
	kb_jsonw_str(&w, "name", "kbench");
	kb_jsonw_str(&w, "version", run->harness_version);
	kb_jsonw_str(&w, "git", run->git);
	kb_jsonw_raw(&w, "git_dirty",
		     kb_run_context(run, "build.git_dirty") &&
				     strcmp(kb_run_context(run, "build.git_dirty"), "true") == 0
			     ? "true"
			     : "false");
	kb_jsonw_end_object(&w);
	kb_report_json_kv(&w, "context", run->context, run->ncontext);
	kb_report_json_kv(&w, "config", run->config, run->nconfig);
	kb_jsonw_array(&w, "benchmarks", false);
	for (size_t i = 0; i < run->nresults; i++)
		write_result(&w, &run->results[i]);
	kb_jsonw_end_array(&w);
	write_fits(&w, run);
	kb_jsonw_end_object(&w);
	return ferror(f) ? kb_error(KB_EIO, "write error") : 0;
}

/* ---- Google Benchmark ------------------------------------------------------ */

static double ctx_number(const struct kb_run *run, const char *key)
{
	const char *v = kb_run_context(run, key);
	return v ? atof(v) : NAN;
}

static void gb_context(struct kb_jsonw *w, const struct kb_run *run)
{
	static const char *levels[] = { "l1d", "l2", "l3" };
	double load[3] = { ctx_number(run, "load.avg_1m"), ctx_number(run, "load.avg_5m"),
			   ctx_number(run, "load.avg_15m") };

	kb_jsonw_object(w, "context");
	kb_jsonw_str(w, "date", run->date);
	kb_jsonw_str(w, "host_name", kb_run_context(run, "host"));
	kb_jsonw_str(w, "executable", "kbench");
	kb_jsonw_num(w, "num_cpus", ctx_number(run, "cpu.cores"));
	kb_jsonw_num(w, "mhz_per_cpu", ctx_number(run, "cpu.mhz"));
	kb_jsonw_bool(w, "cpu_scaling_enabled", false);
	kb_jsonw_array(w, "caches", false);
	for (int l = 0; l < 3; l++) {
		char key[64];
		snprintf(key, sizeof(key), "caches.%s_bytes", levels[l]);
		if (isnan(ctx_number(run, key)))
			continue;
		kb_jsonw_object(w, NULL);
		kb_jsonw_str(w, "type", l == 0 ? "Data" : "Unified");
		kb_jsonw_int(w, "level", l + 1);
		kb_jsonw_num(w, "size", ctx_number(run, key));
		kb_jsonw_int(w, "num_sharing", l == 2 ? (int64_t)ctx_number(run, "cpu.cores") : 1);
		kb_jsonw_end_object(w);
	}
	kb_jsonw_end_array(w);
	kb_jsonw_array(w, "load_avg", true);
	for (int i = 0; i < 3; i++)
		kb_jsonw_num(w, NULL, load[i]);
	kb_jsonw_end_array(w);
	kb_jsonw_str(w, "library_version", run->harness_version);
	kb_jsonw_str(w, "library_build_type", "release");
	kb_jsonw_int(w, "json_schema_version", 1);
	kb_jsonw_str(w, "kbench_fingerprint", run->fingerprint);
	kb_jsonw_end_object(w);
}

/* Keys of a Google Benchmark row that a user counter must not shadow. */
static bool gb_reserved(const char *name)
{
	static const char *keys[] = { "name", "family_index", "per_family_instance_index",
				      "run_name", "run_type", "repetitions", "repetition_index",
				      "threads", "iterations", "real_time", "cpu_time", "time_unit",
				      "label", "aggregate_name", "aggregate_unit", "error_occurred",
				      "error_message", "skipped", "skip_message" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(name, keys[i]) == 0)
			return true;
	return false;
}

/* Counters of one sample: rates scale with the sample's speed. */
static void gb_counters(struct kb_jsonw *w, const struct kb_result *r, double sample_ns)
{
	double scale = sample_ns > 0 ? r->summary.median / sample_ns : NAN;

	for (size_t i = 0; i < r->ncounters; i++) {
		const struct kb_counter *c = &r->counters[i];
		char renamed[160];
		if (gb_reserved(c->name)) {
			/* e.g. a kernel's "threads" counter beside the row's threads */
			snprintf(renamed, sizeof(renamed), "counter_%s", c->name);
			kb_jsonw_num(w, renamed, c->value);
		} else if (strcmp(c->name, "gbps") == 0)
			kb_jsonw_num(w, "bytes_per_second", c->value * 1e9 * scale);
		else if (strcmp(c->name, "gflops") == 0)
			kb_jsonw_num(w, "flops", c->value * 1e9 * scale);
		else if (strcmp(c->name, "items_per_second") == 0 || strcmp(c->name, "pct_peak") == 0)
			kb_jsonw_num(w, c->name, c->value * scale);
		else
			kb_jsonw_num(w, c->name, c->value);
	}
}

static void gb_entry_head(struct kb_jsonw *w, const struct kb_result *r, size_t family,
			  size_t instance, const char *name, const char *run_type)
{
	kb_jsonw_object(w, NULL);
	kb_jsonw_str(w, "name", name);
	kb_jsonw_uint(w, "family_index", family);
	kb_jsonw_uint(w, "per_family_instance_index", instance);
	kb_jsonw_str(w, "run_name", r->id);
	kb_jsonw_str(w, "run_type", run_type);
	kb_jsonw_uint(w, "repetitions", r->nsamples ? r->nsamples : 1);
	kb_jsonw_int(w, "threads", r->threads > 0 ? r->threads : 1);
}

static void gb_aggregate(struct kb_jsonw *w, const struct kb_result *r, size_t family,
			 size_t instance, const char *agg, double real, double cpu, bool pct)
{
	char name[600];

	snprintf(name, sizeof(name), "%s_%s", r->id, agg);
	gb_entry_head(w, r, family, instance, name, "aggregate");
	kb_jsonw_str(w, "aggregate_name", agg);
	kb_jsonw_str(w, "aggregate_unit", pct ? "percentage" : "time");
	kb_jsonw_uint(w, "iterations", r->nsamples);
	kb_jsonw_num(w, "real_time", real);
	kb_jsonw_num(w, "cpu_time", cpu);
	kb_jsonw_str(w, "time_unit", "ns");
	kb_jsonw_end_object(w);
}

/*
 * Google Benchmark's family: one per registered benchmark (suite/name), its
 * instances the argument sets (the parts of the id after suite/name).
 */
static size_t family_len(const char *id)
{
	const char *slash = strchr(id, '/');
	const char *next = slash ? strchr(slash + 1, '/') : NULL;

	return next ? (size_t)(next - id) : strlen(id);
}

static bool same_family(const char *a, const char *b)
{
	size_t n = family_len(a);

	return n == family_len(b) && strncmp(a, b, n) == 0;
}

/* For every result: its family index (families numbered in order of first
 * appearance) and its instance index within the family. */
static void gb_families(const struct kb_run *run, size_t *family, size_t *instance)
{
	size_t nfamilies = 0;

	for (size_t i = 0; i < run->nresults; i++) {
		size_t j = i;

		/* the family's latest member before i, if any */
		while (j > 0 && !same_family(run->results[j - 1].id, run->results[i].id))
			j--;
		if (j > 0) {
			family[i] = family[j - 1];
			instance[i] = instance[j - 1] + 1;
		} else {
			family[i] = nfamilies++;
			instance[i] = 0;
		}
	}
}

/* Whether result i is the last of its family. */
static bool last_of_family(const struct kb_run *run, size_t i)
{
	for (size_t j = i + 1; j < run->nresults; j++)
		if (same_family(run->results[i].id, run->results[j].id))
			return false;
	return true;
}

/* The family of a fit's name: its first two parts, "suite/kernel". */
static bool fit_in_family(const struct kb_fit *x, const char *id)
{
	size_t n = family_len(id);

	return x->big_o && strncmp(x->name, id, n) == 0 && (x->name[n] == 0 || x->name[n] == '/');
}

/*
 * Google Benchmark's complexity rows, after the family's last result: name
 * "<run_name>_BigO" with cpu_coefficient, real_coefficient and big_o, then
 * "<run_name>_RMS" with rms, as its JSON reporter writes them.
 */
static void gb_fits(struct kb_jsonw *w, const struct kb_run *run, const char *id, size_t family)
{
	for (size_t j = 0; j < run->nfits; j++) {
		const struct kb_fit *x = &run->fits[j];
		char name[600];

		if (!fit_in_family(x, id))
			continue;
		for (int rms = 0; rms < 2; rms++) {
			snprintf(name, sizeof(name), "%s_%s", x->name, rms ? "RMS" : "BigO");
			kb_jsonw_object(w, NULL);
			kb_jsonw_str(w, "name", name);
			kb_jsonw_uint(w, "family_index", family);
			kb_jsonw_uint(w, "per_family_instance_index", 0);
			kb_jsonw_str(w, "run_name", x->name);
			kb_jsonw_str(w, "run_type", "aggregate");
			kb_jsonw_uint(w, "repetitions", 1);
			kb_jsonw_int(w, "threads", 1);
			kb_jsonw_str(w, "aggregate_name", rms ? "RMS" : "BigO");
			kb_jsonw_str(w, "aggregate_unit", rms ? "percentage" : "time");
			if (rms) {
				kb_jsonw_num(w, "rms", isfinite(x->cpu_rms) ? x->cpu_rms : x->rms);
			} else {
				kb_jsonw_num(w, "cpu_coefficient",
					     isfinite(x->cpu_coef) ? x->cpu_coef : x->coef);
				kb_jsonw_num(w, "real_coefficient", x->coef);
				kb_jsonw_str(w, "big_o", x->big_o);
				kb_jsonw_str(w, "time_unit", "ns");
			}
			kb_jsonw_end_object(w);
		}
	}
}

int kb_report_gbench(FILE *f, const struct kb_run *run)
{
	struct kb_jsonw w;
	size_t *family = calloc(run->nresults ? run->nresults : 1, 2 * sizeof(size_t));
	size_t *instance = family ? family + (run->nresults ? run->nresults : 1) : NULL;

	if (!family)
		return kb_error(KB_ENOMEM, "out of memory writing Google Benchmark JSON");
	gb_families(run, family, instance);
	kb_jsonw_init(&w, f, true);
	kb_jsonw_object(&w, NULL);
	gb_context(&w, run);
	kb_jsonw_array(&w, "benchmarks", false);
	for (size_t i = 0; i < run->nresults; i++) {
		const struct kb_result *r = &run->results[i];
		/* CPU time of the same samples; a custom timer (CUDA events)
		 * measures no CPU time, and then the real time stands in, as
		 * Google Benchmark's manual time leaves cpu_time to the caller. */
		const double *cpu = r->cpu_samples_ns ? r->cpu_samples_ns : r->samples_ns;
		struct kb_summary cs;
		int rc;

		if (i > 0 && last_of_family(run, i - 1))
			gb_fits(&w, run, run->results[i - 1].id, family[i - 1]);
		if (r->status != KB_STATUS_OK || r->nsamples == 0) {
			gb_entry_head(&w, r, family[i], instance[i], r->id, "iteration");
			kb_jsonw_int(&w, "repetition_index", 0);
			kb_jsonw_int(&w, "iterations", 0);
			kb_jsonw_num(&w, "real_time", 0);
			kb_jsonw_num(&w, "cpu_time", 0);
			kb_jsonw_str(&w, "time_unit", "ns");
			if (r->status == KB_STATUS_SKIPPED || r->status == KB_STATUS_INTERRUPTED) {
				kb_jsonw_bool(&w, "skipped", true);
				kb_jsonw_str(&w, "skip_message", r->message);
			} else {
				kb_jsonw_bool(&w, "error_occurred", true);
				kb_jsonw_str(&w, "error_message", r->message ? r->message : "error");
			}
			kb_jsonw_end_object(&w);
			continue;
		}
		if ((rc = kb_stats_summarize(cpu, r->nsamples, 0.95, &cs))) {
			free(family);
			return rc;
		}
		for (size_t s = 0; s < r->nsamples; s++) {
			gb_entry_head(&w, r, family[i], instance[i], r->id, "iteration");
			kb_jsonw_uint(&w, "repetition_index", s);
			kb_jsonw_uint(&w, "iterations", r->iterations_per_sample);
			kb_jsonw_num(&w, "real_time", r->samples_ns[s]);
			kb_jsonw_num(&w, "cpu_time", cpu[s]);
			kb_jsonw_str(&w, "time_unit", "ns");
			if (r->label)
				kb_jsonw_str(&w, "label", r->label);
			gb_counters(&w, r, r->samples_ns[s]);
			kb_jsonw_end_object(&w);
		}
		gb_aggregate(&w, r, family[i], instance[i], "mean", r->summary.mean, cs.mean, false);
		gb_aggregate(&w, r, family[i], instance[i], "median", r->summary.median, cs.median,
			     false);
		gb_aggregate(&w, r, family[i], instance[i], "stddev", r->summary.sd, cs.sd, false);
		/* all-zero CPU times: cv 0, not a null */
		gb_aggregate(&w, r, family[i], instance[i], "cv", r->summary.cv,
			     cs.mean != 0 ? cs.cv : 0, true);
	}
	if (run->nresults)
		gb_fits(&w, run, run->results[run->nresults - 1].id, family[run->nresults - 1]);
	kb_jsonw_end_array(&w);
	kb_jsonw_end_object(&w);
	free(family);
	return ferror(f) ? kb_error(KB_EIO, "write error") : 0;
}

int kb_report_json_cb(FILE *f, const void *run)
{
	return kb_report_json(f, run);
}
