/*
 * report_ab.c - console, Markdown and JSON output of kbench-ab.
 */
#include "report_ab.h"

#include <math.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "writer.h"
#include "report_compare.h"
#include "json_num.h"


void kb_report_ab_change(const struct kb_ab_bench *b, char *buf, size_t len)
{
	struct kb_compare_row row;

	memset(&row, 0, sizeof(row));
	row.ratio = b->ratio;
	row.ci_low = b->ci_low;
	row.ci_high = b->ci_high;
	kb_report_compare_change(&row, buf, len);
}

static void rounds_text(const struct kb_ab_bench *b, char *buf, size_t len)
{
	if (b->stage[1].n)
		snprintf(buf, len, "%zu+%zu", b->stage[0].n, b->stage[1].n);
	else
		snprintf(buf, len, "%zu", b->nrounds);
}

static const char *status_line(const struct kb_ab *ab)
{
	if (ab->counts[KB_VERDICT_REGRESSED] && ab->failures > ab->counts[KB_VERDICT_REGRESSED])
		return "FAIL: regressions and errors";
	if (ab->interrupted)
		return ab->counts[KB_VERDICT_REGRESSED] ? "INTERRUPTED: regression in the rounds run"
							 : "INTERRUPTED: incomplete";
	if (ab->counts[KB_VERDICT_REGRESSED])
		return "FAIL: regression";
	if (ab->failures)
		return "FAIL: errors in NEW";
	return "PASS: no regression";
}

static void run_text(const struct kb_ab *ab, char *buf, size_t len)
{
	snprintf(buf, len, "%zu benchmark%s, %zu rounds (%zu processes) in %.1f s, pinned to CPU %s%s",
		 ab->nbenches, ab->nbenches == 1 ? "" : "s", ab->npairs, 2 * ab->npairs, ab->wall_s, ab->cpu,
		 ab->interrupted ? "; interrupted before the end" : ab->time_capped ? "; stopped at --max-time" : "");
}

static void method_text(const struct kb_ab *ab, char *buf, size_t len)
{
	int used = snprintf(buf, len,
			    "threshold %.1f %%, floor %.1f %%, false-alarm rate <= %.3g over %zu benchmark%s "
			    "(%s at one-sided %.3g each, so %.0f %% intervals), %s, a screen of %zu rounds",
			    ab->opt.threshold * 100, ab->opt.floor * 100, ab->opt.alpha, ab->nbenches,
			    ab->nbenches == 1 ? "" : "s",
			    ab->opt.confirm ? "screen + confirmation" : "one stage", ab->stage_alpha,
			    (1 - 2 * ab->stage_alpha) * 100, kb_ab_estimator_name(ab->opt.estimator),
			    ab->screen_rounds);

	if (ab->opt.confirm && used > 0 && (size_t)used < len)
		snprintf(buf + used, len - (size_t)used,
			 ", then a confirmation of fresh rounds sized from the screen's spread for "
			 "+-%.1f %% (Stein; %zu-%zu rounds)", expm1(ab->half_width) * 100,
			 ab->screen_rounds, ab->opt.max_rounds);
}

/* "NEW: KEY=VALUE; both: KEY=VALUE" ("" when no extra environment). */
static void env_text(const struct kb_ab *ab, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ab->opt.nenv && used < len; i++) {
		const struct kb_ab_env *e = &ab->opt.env[i];

		used += (size_t)snprintf(buf + used, len - used, "%s%s %s", used ? "; " : "",
					 e->arm == 0 ? "OLD" : e->arm == 1 ? "NEW" : "both", e->kv);
	}
}

/* ---- console ------------------------------------------------------------- */

static const char *verdict_color(enum kb_verdict v)
{
	switch (v) {
	case KB_VERDICT_REGRESSED:
	case KB_VERDICT_ERROR:
		return "\033[1;31m";
	case KB_VERDICT_IMPROVED:
		return "\033[32m";
	case KB_VERDICT_INCONCLUSIVE:
		return "\033[33m";
	default:
		return "";
	}
}

int kb_report_ab_console(FILE *f, const struct kb_ab *ab, bool color)
{
	const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
	char o[32], n[32], change[96], rounds[32], counts[512], text[512];
	int wid = 9, wval = 8, wchg = 16;

	for (size_t i = 0; i < ab->nbenches; i++) {
		const struct kb_ab_bench *b = &ab->benches[i];
		int l = (int)strlen(b->id);

		wid = l > wid ? l : wid;
		kb_format_time(b->old_ns, o, sizeof(o));
		kb_format_time(b->new_ns, n, sizeof(n));
		kb_report_ab_change(b, change, sizeof(change));
		wval = (int)strlen(o) > wval ? (int)strlen(o) : wval;
		wval = (int)strlen(n) > wval ? (int)strlen(n) : wval;
		wchg = (int)strlen(change) > wchg ? (int)strlen(change) : wchg;
	}
	fprintf(f, "%skbench-ab%s %s (old) vs %s (new)\n", bold, reset, ab->old_name, ab->new_name);
	run_text(ab, text, sizeof(text));
	fprintf(f, "%s\n", text);
	method_text(ab, text, sizeof(text));
	fprintf(f, "%s\n", text);
	env_text(ab, text, sizeof(text));
	if (*text)
		fprintf(f, "extra environment: %s\n", text);
	for (size_t i = 0; i < ab->nwarnings; i++)
		fprintf(f, "%sWARNING:%s %s\n", color ? "\033[1;33m" : "", reset, ab->warnings[i]);
	fprintf(f, "\n%s%-*s  %*s  %*s  %-*s  %-12s  %-6s  %s%s\n", bold, wid, "benchmark", wval, "old",
		wval, "new", wchg, "change [CI]", "verdict", "rounds", "note", reset);
	for (size_t k = 0; k < kb_report_verdict_norder; k++)
		for (size_t i = 0; i < ab->nbenches; i++) {
			const struct kb_ab_bench *b = &ab->benches[i];
			const char *col = color ? verdict_color(b->verdict) : "";

			if (b->verdict != kb_report_verdict_order[k])
				continue;
			kb_format_time(b->old_ns, o, sizeof(o));
			kb_format_time(b->new_ns, n, sizeof(n));
			kb_report_ab_change(b, change, sizeof(change));
			rounds_text(b, rounds, sizeof(rounds));
			fprintf(f, "%-*s  %*s  %*s  %-*s  %s%-12s%s  %-6s  %s\n", wid, b->id, wval, o, wval,
				n, wchg, change, col, kb_verdict_name(b->verdict), *col ? reset : "", rounds,
				b->note ? b->note : "");
		}
	kb_report_verdict_counts(ab->counts, counts, sizeof(counts));
	fprintf(f, "\n%s  ->  %s%s%s (exit %d)\n", counts,
		color ? (ab->failures ? "\033[1;31m" : "\033[1;32m") : "", status_line(ab), reset,
		kb_ab_exit_status(ab));
	return ferror(f) ? kb_error(KB_EIO, "write error") : 0;
}

/* ---- Markdown ------------------------------------------------------------- */

static void md_header(FILE *f)
{
	fputs("| Benchmark | Old | New | Change [CI] | Verdict | Rounds | Note |\n", f);
	fputs("|---|---:|---:|---|---|---:|---|\n", f);
}

static void md_row(FILE *f, const struct kb_ab_bench *b)
{
	char o[32], n[32], change[96], rounds[32];

	kb_format_time(b->old_ns, o, sizeof(o));
	kb_format_time(b->new_ns, n, sizeof(n));
	kb_report_ab_change(b, change, sizeof(change));
	rounds_text(b, rounds, sizeof(rounds));
	fputs("| `", f);
	kb_report_md_cell(f, b->id);
	fprintf(f, "` | %s | %s | %s | %s%s | %s | ", o, n, change, kb_report_verdict_icon(b->verdict),
		kb_verdict_name(b->verdict), rounds);
	kb_report_md_cell(f, b->note);
	fputs(" |\n", f);
}

int kb_report_ab_markdown(FILE *f, const struct kb_ab *ab)
{
	char counts[512], text[512];
	size_t shown = 0;

	kb_report_verdict_counts(ab->counts, counts, sizeof(counts));
	fprintf(f, "### kbench-ab: %s %s\n\n", ab->failures ? ":x:" : ":white_check_mark:",
		status_line(ab));
	fputs("Old `", f);
	kb_report_md_cell(f, ab->old_name);
	fputs("` vs new `", f);
	kb_report_md_cell(f, ab->new_name);
	fprintf(f, "`, measured interleaved in the same job: %s.  \n", counts);
	run_text(ab, text, sizeof(text));
	kb_report_md_cell(f, text);
	fputs(".  \n", f);
	method_text(ab, text, sizeof(text));
	kb_report_md_cell(f, text);
	env_text(ab, text, sizeof(text));
	if (*text) {
		fputs(".  \nExtra environment: `", f);
		kb_report_md_cell(f, text);
		fputs("`", f);
	}
	fputs(".\n\n", f);
	for (size_t i = 0; i < ab->nwarnings; i++) {
		fputs("> [!WARNING]\n> ", f);
		kb_report_md_cell(f, ab->warnings[i]);
		fputs("\n\n", f);
	}
	for (size_t k = 0; k < kb_report_verdict_norder; k++) {
		if (kb_report_verdict_order[k] == KB_VERDICT_UNCHANGED)
			continue;
		for (size_t i = 0; i < ab->nbenches; i++) {
			if (ab->benches[i].verdict != kb_report_verdict_order[k])
				continue;
			if (!shown++)
				md_header(f);
			md_row(f, &ab->benches[i]);
		}
	}
	if (ab->counts[KB_VERDICT_UNCHANGED]) {
		if (shown)
			fputc('\n', f);
		fprintf(f, "<details><summary>%zu unchanged</summary>\n\n", ab->counts[KB_VERDICT_UNCHANGED]);
		md_header(f);
		for (size_t i = 0; i < ab->nbenches; i++)
			if (ab->benches[i].verdict == KB_VERDICT_UNCHANGED)
				md_row(f, &ab->benches[i]);
		fputs("\n</details>\n", f);
	}
	fputc('\n', f);
	return ferror(f) ? kb_error(KB_EIO, "write error") : 0;
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *interval_json(const struct kb_ab_interval *iv, enum kb_ab_flag flag,
			     enum kb_ab_stop stop, size_t planned)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "rounds", json_integer((json_int_t)iv->n));
	json_object_set_new(o, "alpha", kb_json_num(iv->alpha));
	json_object_set_new(o, "log_ratio", kb_json_num(iv->estimate));
	json_object_set_new(o, "log_low", kb_json_num(iv->low));
	json_object_set_new(o, "log_high", kb_json_num(iv->high));
	json_object_set_new(o, "change", kb_json_num(expm1(iv->estimate)));
	json_object_set_new(o, "change_low", kb_json_num(expm1(iv->low)));
	json_object_set_new(o, "change_high", kb_json_num(expm1(iv->high)));
	json_object_set_new(o, "flag", json_string(kb_ab_flag_name(flag)));
	json_object_set_new(o, "stop", json_string(kb_ab_stop_name(stop)));
	json_object_set_new(o, "planned", json_integer((json_int_t)planned));
	return o;
}

static json_t *bench_json(const struct kb_ab_bench *b)
{
	json_t *o = json_object(), *stages = json_array(), *rounds = json_array();

	if (!o || !stages || !rounds) {
		json_decref(o);
		json_decref(stages);
		json_decref(rounds);
		return NULL;
	}
	json_object_set_new(o, "id", json_string(b->id));
	json_object_set_new(o, "verdict", json_string(kb_verdict_name(b->verdict)));
	json_object_set_new(o, "failure", json_boolean(b->failure));
	json_object_set_new(o, "old", kb_json_num(b->old_ns));
	json_object_set_new(o, "new", kb_json_num(b->new_ns));
	json_object_set_new(o, "ratio", kb_json_num(b->ratio));
	json_object_set_new(o, "change", kb_json_num(b->ratio - 1));
	json_object_set_new(o, "ci_low", kb_json_num(b->ci_low));
	json_object_set_new(o, "ci_high", kb_json_num(b->ci_high));
	json_object_set_new(o, "note", b->note ? json_string(b->note) : json_null());
	for (int s = 0; s < 2; s++)
		if (b->stage[s].n || b->stop[s] != KB_AB_STOP_NONE)
			json_array_append_new(stages, interval_json(&b->stage[s], b->flag[s], b->stop[s],
								    b->planned[s]));
	json_object_set_new(o, "stages", stages);
	json_object_set_new(o, "reported_stage",
			    json_integer(b->nrounds ? b->rounds[b->nrounds - 1].stage : 0));
	json_object_set_new(o, "screen_sd", kb_json_num(b->screen_sd));
	json_object_set_new(o, "stein_rounds", json_integer((json_int_t)b->stein_rounds));
	for (size_t i = 0; i < b->nrounds; i++) {
		const struct kb_ab_round *r = &b->rounds[i];
		json_t *x = json_object();

		if (!x) {
			json_decref(o);
			json_decref(rounds);
			return NULL;
		}
		json_object_set_new(x, "round", json_integer(r->round));
		json_object_set_new(x, "stage", json_integer(r->stage));
		json_object_set_new(x, "old_first", json_boolean(r->old_first));
		json_object_set_new(x, "old_ns", kb_json_num(r->old_ns));
		json_object_set_new(x, "new_ns", kb_json_num(r->new_ns));
		json_object_set_new(x, "log_ratio", kb_json_num(r->log_ratio));
		json_array_append_new(rounds, x);
	}
	json_object_set_new(o, "rounds", rounds);
	return o;
}

int kb_report_ab_json(FILE *f, const struct kb_ab *ab)
{
	json_t *root = json_object(), *opts = json_object(), *warns = json_array();
	json_t *counts = json_object(), *rows = json_array(), *pairs = json_array();
	int rc = 0;

	if (!root || !opts || !warns || !counts || !rows || !pairs) {
		json_decref(root);
		json_decref(opts);
		json_decref(warns);
		json_decref(counts);
		json_decref(rows);
		json_decref(pairs);
		return kb_error(KB_ENOMEM, "out of memory");
	}
	json_object_set_new(root, "tool", json_string("kbench-ab"));
	json_object_set_new(root, "old", json_string(ab->old_name));
	json_object_set_new(root, "new", json_string(ab->new_name));
	json_object_set_new(root, "metric", json_string("time"));
	json_object_set_new(opts, "threshold", kb_json_num(ab->opt.threshold));
	json_object_set_new(opts, "floor", kb_json_num(ab->opt.floor));
	json_object_set_new(opts, "alpha", kb_json_num(ab->opt.alpha));
	json_object_set_new(opts, "stage_alpha", kb_json_num(ab->stage_alpha));
	json_object_set_new(opts, "confirm", json_boolean(ab->opt.confirm));
	json_object_set_new(opts, "estimator", json_string(kb_ab_estimator_name(ab->opt.estimator)));
	json_object_set_new(opts, "target_ci", kb_json_num(ab->opt.target_ci));
	json_object_set_new(opts, "half_width", kb_json_num(expm1(ab->half_width)));
	json_object_set_new(opts, "screen_rounds", json_integer((json_int_t)ab->screen_rounds));
	json_object_set_new(opts, "max_rounds", json_integer((json_int_t)ab->opt.max_rounds));
	json_object_set_new(opts, "max_time_s", kb_json_num(ab->opt.max_time_s));
	json_object_set_new(opts, "seed", json_integer((json_int_t)ab->opt.seed));
	json_object_set_new(opts, "cpu", json_string(ab->cpu));
	json_object_set_new(opts, "threads", json_integer(ab->threads));
	json_object_set_new(opts, "warmup_s", kb_json_num(ab->opt.warmup_s));
	json_object_set_new(opts, "min_time_s", kb_json_num(ab->opt.min_time_s));
	json_object_set_new(opts, "filter", ab->opt.filter ? json_string(ab->opt.filter) : json_null());
	{
		json_t *env = json_array();

		for (size_t i = 0; env && i < ab->opt.nenv; i++) {
			json_t *e = json_object();

			json_object_set_new(e, "arm", json_string(ab->opt.env[i].arm == 0 ? "old" :
								  ab->opt.env[i].arm == 1 ? "new" : "both"));
			json_object_set_new(e, "value", json_string(ab->opt.env[i].kv));
			json_array_append_new(env, e);
		}
		json_object_set_new(opts, "env", env ? env : json_null());
	}
	json_object_set_new(root, "options", opts);
	for (size_t i = 0; i < ab->nwarnings; i++)
		json_array_append_new(warns, json_string(ab->warnings[i]));
	json_object_set_new(root, "warnings", warns);
	for (size_t i = 0; i < KB_VERDICT_COUNT; i++)
		json_object_set_new(counts, kb_verdict_name(i), json_integer((json_int_t)ab->counts[i]));
	json_object_set_new(root, "counts", counts);
	json_object_set_new(root, "exit_status", json_integer(kb_ab_exit_status(ab)));
	json_object_set_new(root, "time_capped", json_boolean(ab->time_capped));
	if (ab->interrupted)
		json_object_set_new(root, "interrupted", json_true());
	json_object_set_new(root, "wall_s", kb_json_num(ab->wall_s));
	for (size_t i = 0; i < ab->nbenches && !rc; i++) {
		json_t *r = bench_json(&ab->benches[i]);

		if (!r || json_array_append_new(rows, r))
			rc = kb_error(KB_ENOMEM, "out of memory");
	}
	json_object_set_new(root, "rows", rows);
	for (size_t i = 0; i < ab->npairs && !rc; i++) {
		const struct kb_ab_pair *p = &ab->pairs[i];
		json_t *x = json_object();

		if (!x) {
			rc = kb_error(KB_ENOMEM, "out of memory");
			break;
		}
		json_object_set_new(x, "round", json_integer(p->round));
		json_object_set_new(x, "seed", json_integer((json_int_t)p->seed));
		json_object_set_new(x, "env_pad", json_integer((json_int_t)p->env_pad));
		json_object_set_new(x, "old_first", json_boolean(p->old_first));
		json_object_set_new(x, "benchmarks", json_integer((json_int_t)p->nbench));
		json_object_set_new(x, "old_wall_s", kb_json_num(p->old_wall_s));
		json_object_set_new(x, "new_wall_s", kb_json_num(p->new_wall_s));
		json_array_append_new(pairs, x);
	}
	json_object_set_new(root, "processes", pairs);
	if (!rc && json_dumpf(root, f, JSON_INDENT(1) | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(12)) != 0)
		rc = kb_error(KB_EIO, "write error");
	if (!rc)
		fputc('\n', f);
	json_decref(root);
	if (!rc && ferror(f))
		rc = kb_error(KB_EIO, "write error");
	return rc;
}
