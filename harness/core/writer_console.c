/*
 * writer_console.c - the table a developer reads after `make bench`.
 */
#include "writer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

void kb_format_time(double ns, char *buf, size_t len)
{
	static const char *units[] = { "ns", "us", "ms", "s" };
	int u = 0;
	double v = ns;

	if (!isfinite(ns)) {
		snprintf(buf, len, "-");
		return;
	}
	while (fabs(v) >= 1000 && u < 3) {
		v /= 1000;
		u++;
	}
	if (fabs(v) < 10)
		snprintf(buf, len, "%.3f %s", v, units[u]);
	else if (fabs(v) < 100)
		snprintf(buf, len, "%.2f %s", v, units[u]);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

static void format_count(double v, char *buf, size_t len)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.1fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

/* The main rate of a result: GFLOP/s, else GB/s, else items/s. */
static void format_rate(const struct kb_result *r, char *buf, size_t len)
{
	const struct kb_counter *c;

	buf[0] = 0;
	if ((c = kb_result_counter(r, "gflops")) && isfinite(c->value))
		snprintf(buf, len, "%.2f GFLOP/s", c->value);
	else if ((c = kb_result_counter(r, "gbps")) && isfinite(c->value))
		snprintf(buf, len, "%.2f GB/s", c->value);
	else if ((c = kb_result_counter(r, "items_per_second")) && isfinite(c->value)) {
		char n[32];
		format_count(c->value, n, sizeof(n));
		snprintf(buf, len, "%s items/s", n);
	}
}

static double rel_ci(const struct kb_result *r)
{
	const struct kb_summary *s = &r->summary;
	return s->median > 0 ? (s->ci_high - s->ci_low) / 2 / s->median : NAN;
}

static void note_of(const struct kb_result *r, const struct kb_run *run, char *buf, size_t len)
{
	const struct kb_summary *s = &r->summary;
	size_t used = 0;

	(void)run;
	buf[0] = 0;
#define ADD(...)                                                                 \
	do {                                                                     \
		if (used < len)                                                  \
			used += (size_t)snprintf(buf + used, len - used, __VA_ARGS__); \
	} while (0)
	if (r->status == KB_STATUS_SKIPPED) {
		ADD("skipped: %s", r->message ? r->message : "");
		return;
	}
	if (r->status == KB_STATUS_ERROR) {
		ADD("ERROR: %s", r->message ? r->message : "");
		return;
	}
	if (r->status == KB_STATUS_INTERRUPTED) {
		ADD("interrupted after %zu round%s (not converged, not validated)", r->rounds,
		    r->rounds == 1 ? "" : "s");
		return;
	}
	if (!s->converged)
		ADD("%snot converged", used ? "; " : "");
	if (s->cv > 0.05)
		ADD("%snoisy (CV %.0f%%)", used ? "; " : "", s->cv * 100);
	if (s->outliers_severe)
		ADD("%s%zu severe outliers", used ? "; " : "", s->outliers_severe);
	if (s->ci_level + 1e-9 < 0.95)
		ADD("%sCI level only %.0f%% (few samples)", used ? "; " : "", s->ci_level * 100);
	if (r->validated == 0)
		ADD("%snot validated", used ? "; " : "");
	if (r->label)
		ADD("%s%s", used ? "; " : "", r->label);
	if (r->proc.disturbed)
		ADD("%sDISTURBED (see JSON)", used ? "; " : "");
#undef ADD
}

/* Skips sharing one reason (a GPU-less machine) fold into one line past this many. */
#define KB_FOLD_SKIPS 3

static size_t same_skips(const struct kb_run *run, const struct kb_result *r)
{
	size_t n = 0;

	if (r->status != KB_STATUS_SKIPPED || !r->message)
		return 0;
	for (size_t i = 0; i < run->nresults; i++)
		n += run->results[i].status == KB_STATUS_SKIPPED && run->results[i].message &&
		     strcmp(run->results[i].message, r->message) == 0;
	return n;
}

/* The folded skips: one line per reason, with the count and the first id. */
static void print_folded_skips(FILE *f, const struct kb_run *run, const char *dim, const char *reset)
{
	for (size_t i = 0; i < run->nresults; i++) {
		const struct kb_result *r = &run->results[i];
		size_t n = same_skips(run, r);
		bool first = true;

		if (n <= KB_FOLD_SKIPS)
			continue;
		for (size_t j = 0; j < i && first; j++)
			if (run->results[j].status == KB_STATUS_SKIPPED && run->results[j].message &&
			    strcmp(run->results[j].message, r->message) == 0)
				first = false;
		if (first)
			fprintf(f, "%s%zu benchmarks skipped (%s, ...): %s%s\n", dim, n, r->id, r->message,
				reset);
	}
}

int kb_report_console(FILE *f, const struct kb_run *run, bool color)
{
	const char *red = color ? "\033[31m" : "", *yellow = color ? "\033[33m" : "",
		   *dim = color ? "\033[2m" : "", *bold = color ? "\033[1m" : "",
		   *reset = color ? "\033[0m" : "";
	size_t width = 9, ok = 0, skipped = 0, errors = 0, interrupted = 0;
	double total_s = 0;
	bool instr = false;

	/* --metric=instructions: a column of instructions per iteration */
	for (size_t i = 0; i < run->nresults; i++)
		instr |= isfinite(run->results[i].instructions);

	for (size_t i = 0; i < run->nresults; i++)
		if (strlen(run->results[i].id) > width && same_skips(run, &run->results[i]) <= KB_FOLD_SKIPS)
			width = strlen(run->results[i].id);
	fprintf(f, "%skbench %s%s  %s, %s cores, %s, seed %llu, rev %s%s\n", bold,
		run->harness_version ? run->harness_version : "", reset,
		kb_run_context(run, "cpu.model") ? kb_run_context(run, "cpu.model") : "unknown CPU",
		kb_run_context(run, "cpu.cores") ? kb_run_context(run, "cpu.cores") : "?",
		kb_run_context(run, "compiler.name") ? kb_run_context(run, "compiler.name") : "?",
		(unsigned long long)run->seed,
		run->git ? run->git : "?",
		kb_run_context(run, "build.git_dirty") &&
				strcmp(kb_run_context(run, "build.git_dirty"), "true") == 0
			? " (dirty)"
			: "");
	{
		size_t most = 0;

		for (size_t i = 0; i < run->nresults; i++)
			if (run->results[i].proc.processes > most)
				most = run->results[i].proc.processes;
		if (run->nresults && most <= 1)
			fprintf(f, "%sone process (--processes=1): the intervals cover only this process's "
				"noise, not the run-to-run spread%s\n", dim, reset);
		else if (run->nresults && kb_run_context(run, "drift.file"))
			fprintf(f, "%sintervals between %zu processes at most (t on the log of the process "
				"medians), widened by this machine's drift between invocations (%s, %s)%s\n",
				dim, most, kb_run_context(run, "drift.file"),
				kb_run_context(run, "drift.date") ? kb_run_context(run, "drift.date") : "?",
				reset);
		else if (run->nresults)
			fprintf(f, "%sintervals between %zu processes at most (t on the log of the process "
				"medians); drift between invocations not included (make calibration-check "
				"measures it)%s\n", dim, most, reset);
	}
	fprintf(f, "%s%-*s  %12s  %8s  %12s  %16s  %6s  %s%s%s\n", dim, (int)width, "benchmark",
		"median", "95% CI", "iterations", "throughput", "%peak", instr ? "instr/iter  " : "",
		"note", reset);
	for (size_t i = 0; i < run->nresults; i++) {
		const struct kb_result *r = &run->results[i];
		const struct kb_counter *peak = kb_result_counter(r, "pct_peak");
		char t[32] = "-", ci[32] = "", iters[32] = "", rate[48], pct[16] = "", note[512];
		char ins[32] = "";
		const char *col = "";

		total_s += r->elapsed_s;
		if (r->status == KB_STATUS_OK && r->nsamples) {
			double rc = rel_ci(r);
			kb_format_time(r->summary.median, t, sizeof(t));
			snprintf(ci, sizeof(ci), "±%.1f%%", rc * 100);
			format_count((double)r->iterations_per_sample * (double)r->nsamples, iters,
				     sizeof(iters));
			ok++;
			if (!r->summary.converged)
				col = yellow;
		} else if (r->status == KB_STATUS_INTERRUPTED) {
			interrupted++;
			col = yellow;
			if (r->nsamples) { /* what was measured, marked as such */
				kb_format_time(r->summary.median, t, sizeof(t));
				snprintf(ci, sizeof(ci), "±%.1f%%", rel_ci(r) * 100);
			}
		} else if (r->status == KB_STATUS_SKIPPED) {
			skipped++;
			col = dim;
			if (same_skips(run, r) > KB_FOLD_SKIPS)
				continue;
		} else {
			errors++;
			col = red;
		}
		format_rate(r, rate, sizeof(rate));
		if (peak && isfinite(peak->value))
			snprintf(pct, sizeof(pct), "%.0f%%", peak->value);
		note_of(r, run, note, sizeof(note));
		if (instr) {
			char n[24] = "-";
			if (isfinite(r->instructions))
				format_count(r->instructions, n, sizeof(n));
			snprintf(ins, sizeof(ins), "%10s  ", n);
		}
		/* "±" is two bytes: widen its column by one */
		fprintf(f, "%-*s  %12s  %9s  %12s  %16s  %6s  %s%s%s%s\n", (int)width, r->id, t, ci,
			iters, rate, pct, ins, col, note, reset);
	}
	print_folded_skips(f, run, dim, reset);
	for (size_t i = 0; i < run->nresults; i++) { /* each disturbance once, with its count */
		const char *why = run->results[i].proc.disturbed;
		size_t count = 0;
		bool first = true;

		if (!why)
			continue;
		for (size_t j = 0; j < run->nresults; j++)
			if (run->results[j].proc.disturbed && !strcmp(run->results[j].proc.disturbed, why)) {
				count++;
				first &= j >= i;
			}
		if (first)
			fprintf(f, "%sDISTURBED: %zu benchmark%s (%s, ...) %s%s\n", yellow, count,
				count == 1 ? "" : "s", run->results[i].id, why, reset);
	}
	if (run->nfits)
		fprintf(f, "%scomplexity (KB_COMPLEXITY): least squares on the medians, %.0f%% interval of "
			"the coefficient, RMS of the residuals over the mean time%s\n", dim,
			run->fits[0].level * 100, reset);
	for (size_t i = 0; i < run->nfits; i++) {
		const struct kb_fit *x = &run->fits[i];

		if (!x->big_o) {
			fprintf(f, "%-*s  %s%s%s\n", (int)width, x->name, yellow, x->note ? x->note : "no fit",
				reset);
			continue;
		}
		fprintf(f, "%-*s  %10.4g ns * %-4s  [%.4g, %.4g]  RMS %3.0f%%  %s%s over %zu values of %s%s\n",
			(int)width, x->name, x->coef, x->big_o, x->coef_low, x->coef_high, x->rms * 100,
			dim, strcmp(x->requested, "auto") == 0 ? "auto: the best order" : "as asked",
			x->npoints, x->axis, reset);
	}
	fprintf(f, "%s%zu benchmarks: %zu ok, %zu skipped, %zu errors", dim, run->nresults, ok, skipped,
		errors);
	if (run->interrupted)
		fprintf(f, ", %zu interrupted", interrupted);
	fprintf(f, "; %.1f s measuring%s\n", total_s, reset);
	if (run->interrupted)
		fprintf(f, "%sthe run was interrupted (%s): the benchmarks marked interrupted did not "
			"finish%s\n", yellow, run->interrupted == 15 ? "SIGTERM" : "SIGINT", reset);
	return ferror(f) ? kb_error(KB_EIO, "write error") : 0;
}
