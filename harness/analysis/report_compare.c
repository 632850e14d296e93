/*
 * report_compare.c - console, Markdown and JSON output of the checker.
 */
#include "report_compare.h"

#include <math.h>
#include <string.h>

#include <jansson.h>

#include "error.h"
#include "writer.h"
#include "json_num.h"

/* Display order: what needs attention first. */
const enum kb_verdict kb_report_verdict_order[] = {
	KB_VERDICT_REGRESSED, KB_VERDICT_ERROR, KB_VERDICT_INCONCLUSIVE, KB_VERDICT_IMPROVED,
	KB_VERDICT_NEW,     KB_VERDICT_MISSING,   KB_VERDICT_SKIPPED,      KB_VERDICT_UNCHANGED,
};
const size_t kb_report_verdict_norder =
	sizeof(kb_report_verdict_order) / sizeof(kb_report_verdict_order[0]);

static void fmt_value(const struct kb_compare *c, double v, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else if (strcmp(c->metric, "time") != 0)
		snprintf(buf, len, "%.4g", v);
	else
		kb_format_time(v, buf, len);
}

static double change_pct(double ratio)
{
	return (ratio - 1) * 100;
}

void kb_report_compare_change(const struct kb_compare_row *row, char *buf, size_t len)
{
	if (!isfinite(row->ratio))
		snprintf(buf, len, "%s", "");
	else if (isfinite(row->ci_low) && isfinite(row->ci_high))
		snprintf(buf, len, "%+.1f %% [%+.1f %%, %+.1f %%]", change_pct(row->ratio),
			 change_pct(row->ci_low), change_pct(row->ci_high));
	else
		snprintf(buf, len, "%+.1f %%", change_pct(row->ratio));
}

static const char *status_line(const struct kb_compare *c)
{
	size_t errors = 0, unconfirmed = 0;

	for (size_t i = 0; i < c->nrows; i++) {
		errors += c->rows[i].failure && c->rows[i].verdict == KB_VERDICT_ERROR;
		unconfirmed += c->rows[i].failure && c->rows[i].verdict == KB_VERDICT_INCONCLUSIVE;
	}
	if (c->counts[KB_VERDICT_REGRESSED] && errors)
		return "FAIL: regressions and errors";
	if (c->counts[KB_VERDICT_REGRESSED])
		return "FAIL: regression";
	if (errors)
		return "FAIL: errors in the current run";
	if (unconfirmed)
		return "FAIL: inconclusive past the threshold (--fail-on=inconclusive)";
	return "PASS: no regression";
}

void kb_report_verdict_counts(const size_t *counts, char *buf, size_t len)
{
	size_t used = 0, i;

	buf[0] = '\0';
	for (i = 0; i < kb_report_verdict_norder; i++) {
		enum kb_verdict v = kb_report_verdict_order[i];

		if (!counts[v] && v != KB_VERDICT_REGRESSED && v != KB_VERDICT_UNCHANGED)
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%zu %s",
					 used ? ", " : "", counts[v], kb_verdict_name(v));
		if (used >= len)
			return;
	}
}

static void settings_text(const struct kb_compare *c, char *buf, size_t len)
{
	snprintf(buf, len, "metric %s%s, threshold %.1f %%, floor %.1f %%, alpha %.3g (Holm), %.0f %% CI",
		 c->metric,
		 strcmp(c->metric, "time") == 0 || strcmp(c->metric, "instructions") == 0 ? "" :
		 c->higher_is_better ? " (higher is better)" : " (lower is better)",
		 c->opt.threshold * 100, c->opt.floor * 100, c->opt.alpha, c->opt.ci_level * 100);
}

/* ---- console ------------------------------------------------------------- */

/*
 * Rows are listed by verdict (kb_report_verdict_order) in two passes: the
 * inconclusive rows whose estimate is past the threshold in the first, the
 * other inconclusive rows in the second, so the rows that might be
 * regressions come first; other verdicts in the first pass only.
 */
static bool in_pass(const struct kb_compare_row *row, enum kb_verdict v, bool second)
{
	if (row->verdict != v)
		return false;
	if (v != KB_VERDICT_INCONCLUSIVE)
		return !second;
	return second != row->past_threshold;
}

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
	case KB_VERDICT_NEW:
	case KB_VERDICT_MISSING:
		return "\033[36m";
	default:
		return "";
	}
}

int kb_report_compare_console(FILE *f, const struct kb_compare *c, bool color)
{
	const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
	char base[32], cur[32], change[96], counts[512], settings[256];
	int wid = 9, wval = 8, wchg = 16;
	size_t i, k;

	for (i = 0; i < c->nrows; i++) {
		const struct kb_compare_row *row = &c->rows[i];
		int l = (int)strlen(row->id);

		wid = l > wid ? l : wid;
		fmt_value(c, row->baseline, base, sizeof(base));
		fmt_value(c, row->current, cur, sizeof(cur));
		kb_report_compare_change(row, change, sizeof(change));
		wval = (int)strlen(base) > wval ? (int)strlen(base) : wval;
		wval = (int)strlen(cur) > wval ? (int)strlen(cur) : wval;
		wchg = (int)strlen(change) > wchg ? (int)strlen(change) : wchg;
	}
	settings_text(c, settings, sizeof(settings));
	fprintf(f, "%skbench-compare%s %s (baseline) vs %s (current)\n", bold, reset, c->baseline_name,
		c->current_name);
	fprintf(f, "%s\n", settings);
	for (i = 0; i < c->nwarnings; i++)
		fprintf(f, "%sWARNING:%s %s\n", color ? "\033[1;33m" : "", reset, c->warnings[i]);
	fprintf(f, "\n%s%-*s  %*s  %*s  %-*s  %-12s  %s%s\n", bold, wid, "benchmark", wval, "baseline",
		wval, "current", wchg, "change [CI]", "verdict", "note", reset);
	for (k = 0; k < kb_report_verdict_norder; k++)
		for (i = 0; i < 2 * c->nrows; i++) {
			const struct kb_compare_row *row = &c->rows[i % c->nrows];
			const char *col = color ? verdict_color(row->verdict) : "";

			if (!in_pass(row, kb_report_verdict_order[k], i >= c->nrows))
				continue;
			fmt_value(c, row->baseline, base, sizeof(base));
			fmt_value(c, row->current, cur, sizeof(cur));
			kb_report_compare_change(row, change, sizeof(change));
			fprintf(f, "%-*s  %*s  %*s  %-*s  %s%-12s%s  %s\n", wid, row->id, wval, base, wval,
				cur, wchg, change, col, kb_verdict_name(row->verdict), *col ? reset : "",
				row->note ? row->note : "");
		}
	kb_report_verdict_counts(c->counts, counts, sizeof(counts));
	fprintf(f, "\n%s  ->  %s%s%s (exit %d)\n", counts,
		color ? (c->failures ? "\033[1;31m" : "\033[1;32m") : "", status_line(c), reset,
		kb_compare_exit_status(c));
	return ferror(f) ? kb_error(KB_EIO, "write error") : 0;
}

/* ---- Markdown ------------------------------------------------------------- */

/* Table cells: '|' would end the cell, newlines the row. */
void kb_report_md_cell(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else if (*s == '<')
			fputs("&lt;", f);
		else
			fputc(*s, f);
	}
}

const char *kb_report_verdict_icon(enum kb_verdict v)
{
	switch (v) {
	case KB_VERDICT_REGRESSED:
	case KB_VERDICT_ERROR:
		return ":x: ";
	case KB_VERDICT_IMPROVED:
		return ":rocket: ";
	case KB_VERDICT_INCONCLUSIVE:
		return ":grey_question: ";
	case KB_VERDICT_NEW:
		return ":new: ";
	case KB_VERDICT_MISSING:
		return ":warning: ";
	default:
		return "";
	}
}

static void md_row(FILE *f, const struct kb_compare *c, const struct kb_compare_row *row)
{
	char base[32], cur[32], change[96];

	fmt_value(c, row->baseline, base, sizeof(base));
	fmt_value(c, row->current, cur, sizeof(cur));
	kb_report_compare_change(row, change, sizeof(change));
	fputs("| `", f);
	kb_report_md_cell(f, row->id);
	fprintf(f, "` | %s | %s | %s | %s%s | ", base, cur, change, kb_report_verdict_icon(row->verdict),
		kb_verdict_name(row->verdict));
	kb_report_md_cell(f, row->note);
	fputs(" |\n", f);
}

static void md_header(FILE *f)
{
	fputs("| Benchmark | Baseline | Current | Change [CI] | Verdict | Note |\n", f);
	fputs("|---|---:|---:|---|---|---|\n", f);
}

int kb_report_compare_markdown(FILE *f, const struct kb_compare *c)
{
	char counts[512], settings[256];
	size_t i, k, shown = 0;

	kb_report_verdict_counts(c->counts, counts, sizeof(counts));
	settings_text(c, settings, sizeof(settings));
	fprintf(f, "### kbench-compare: %s %s\n\n", c->failures ? ":x:" : ":white_check_mark:",
		status_line(c));
	fputs("Baseline `", f);
	kb_report_md_cell(f, c->baseline_name);
	fputs("` vs current `", f);
	kb_report_md_cell(f, c->current_name);
	fprintf(f, "`: %s.  \n%s.\n\n", counts, settings);
	for (i = 0; i < c->nwarnings; i++) {
		fputs("> [!WARNING]\n> ", f);
		kb_report_md_cell(f, c->warnings[i]);
		fputs("\n\n", f);
	}
	for (k = 0; k < kb_report_verdict_norder; k++) {
		if (kb_report_verdict_order[k] == KB_VERDICT_UNCHANGED)
			continue;
		for (i = 0; i < 2 * c->nrows; i++) {
			if (!in_pass(&c->rows[i % c->nrows], kb_report_verdict_order[k], i >= c->nrows))
				continue;
			if (!shown++)
				md_header(f);
			md_row(f, c, &c->rows[i % c->nrows]);
		}
	}
	if (c->counts[KB_VERDICT_UNCHANGED]) {
		if (shown)
			fputc('\n', f);
		fprintf(f, "<details><summary>%zu unchanged</summary>\n\n", c->counts[KB_VERDICT_UNCHANGED]);
		md_header(f);
		for (i = 0; i < c->nrows; i++)
			if (c->rows[i].verdict == KB_VERDICT_UNCHANGED)
				md_row(f, c, &c->rows[i]);
		fputs("\n</details>\n", f);
	}
	fputc('\n', f);
	return ferror(f) ? kb_error(KB_EIO, "write error") : 0;
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *row_json(const struct kb_compare_row *row)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_string(row->id));
	json_object_set_new(o, "verdict", json_string(kb_verdict_name(row->verdict)));
	json_object_set_new(o, "failure", json_boolean(row->failure));
	json_object_set_new(o, "baseline", kb_json_num(row->baseline));
	json_object_set_new(o, "current", kb_json_num(row->current));
	json_object_set_new(o, "ratio", kb_json_num(row->ratio));
	json_object_set_new(o, "change", kb_json_num(row->ratio - 1));
	json_object_set_new(o, "ci_low", kb_json_num(row->ci_low));
	json_object_set_new(o, "ci_high", kb_json_num(row->ci_high));
	json_object_set_new(o, "p_value", kb_json_num(row->p));
	json_object_set_new(o, "p_adjusted", kb_json_num(row->p_adjusted));
	json_object_set_new(o, "threshold", kb_json_num(row->threshold));
	json_object_set_new(o, "threshold_source",
			    json_string(kb_threshold_source_name(row->threshold_source)));
	json_object_set_new(o, "floor", kb_json_num(row->floor));
	json_object_set_new(o, "method", json_string(kb_compare_method_name(row->method)));
	json_object_set_new(o, "df", kb_json_num(row->df));
	json_object_set_new(o, "drift_log_var", kb_json_num(row->drift_log_var));
	json_object_set_new(o, "past_threshold", json_boolean(row->past_threshold));
	json_object_set_new(o, "baseline_n", json_integer((json_int_t)row->baseline_n));
	json_object_set_new(o, "current_n", json_integer((json_int_t)row->current_n));
	json_object_set_new(o, "baseline_rel_ci", kb_json_num(row->baseline_rel_ci));
	json_object_set_new(o, "current_rel_ci", kb_json_num(row->current_rel_ci));
	json_object_set_new(o, "note", row->note ? json_string(row->note) : json_null());
	return o;
}

int kb_report_compare_json(FILE *f, const struct kb_compare *c)
{
	json_t *root = json_object(), *opts = json_object(), *warns = json_array();
	json_t *counts = json_object(), *rows = json_array();
	size_t i;
	int rc = 0;

	if (!root || !opts || !warns || !counts || !rows) {
		json_decref(root);
		json_decref(opts);
		json_decref(warns);
		json_decref(counts);
		json_decref(rows);
		return kb_error(KB_ENOMEM, "out of memory");
	}
	json_object_set_new(root, "tool", json_string("kbench-compare"));
	json_object_set_new(root, "baseline", json_string(c->baseline_name));
	json_object_set_new(root, "current", json_string(c->current_name));
	json_object_set_new(root, "metric", json_string(c->metric));
	json_object_set_new(root, "higher_is_better", json_boolean(c->higher_is_better));
	json_object_set_new(opts, "threshold", kb_json_num(c->opt.threshold));
	json_object_set_new(opts, "floor", kb_json_num(c->opt.floor));
	json_object_set_new(opts, "alpha", kb_json_num(c->opt.alpha));
	json_object_set_new(opts, "ci_level", kb_json_num(c->opt.ci_level));
	json_object_set_new(opts, "resamples", json_integer((json_int_t)c->opt.resamples));
	json_object_set_new(opts, "seed", json_integer((json_int_t)c->opt.seed));
	json_object_set_new(opts, "allow_mismatch", json_boolean(c->opt.allow_mismatch));
	json_object_set_new(opts, "mismatch_widen", kb_json_num(c->opt.mismatch_widen));
	json_object_set_new(opts, "reference_check", json_boolean(!c->opt.no_reference_check));
	json_object_set_new(root, "options", opts);
	if (c->baseline_fingerprint) {
		json_t *m = json_object();

		json_object_set_new(m, "baseline_fingerprint", json_string(c->baseline_fingerprint));
		json_object_set_new(m, "current_fingerprint", json_string(c->current_fingerprint));
		json_object_set_new(m, "widen", kb_json_num(c->widen));
		json_object_set_new(m, "threshold_from", kb_json_num(c->threshold_from));
		json_object_set_new(m, "threshold_to", kb_json_num(c->threshold_to));
		json_object_set_new(root, "machine_mismatch", m);
	} else {
		json_object_set_new(root, "machine_mismatch", json_null());
	}
	if (c->moved_probe) {
		json_t *m = json_object();

		json_object_set_new(m, "probe", json_string(c->moved_probe));
		json_object_set_new(m, "change", kb_json_num(c->moved_change));
		json_object_set_new(m, "bound", kb_json_num(c->moved_bound));
		json_object_set_new(m, "held", json_integer((json_int_t)c->held));
		json_object_set_new(root, "machine_moved", m);
	} else {
		json_object_set_new(root, "machine_moved", json_null());
	}
	for (i = 0; i < c->nwarnings; i++)
		json_array_append_new(warns, json_string(c->warnings[i]));
	json_object_set_new(root, "warnings", warns);
	for (i = 0; i < KB_VERDICT_COUNT; i++)
		json_object_set_new(counts, kb_verdict_name(i), json_integer((json_int_t)c->counts[i]));
	json_object_set_new(root, "counts", counts);
	json_object_set_new(root, "exit_status", json_integer(kb_compare_exit_status(c)));
	for (i = 0; i < c->nrows; i++) {
		json_t *r = row_json(&c->rows[i]);

		if (!r || json_array_append_new(rows, r)) {
			rc = kb_error(KB_ENOMEM, "out of memory");
			break;
		}
	}
	json_object_set_new(root, "rows", rows);
	if (!rc && json_dumpf(root, f, JSON_INDENT(1) | JSON_ENSURE_ASCII) != 0)
		rc = kb_error(KB_EIO, "write error");
	if (!rc)
		fputc('\n', f);
	json_decref(root);
	if (!rc && ferror(f))
		rc = kb_error(KB_EIO, "write error");
	return rc;
}
