/*
 * report_input.c - reads kbench-compare / kbench-ab JSON results back into
 * a struct kb_compare (see report_input.h).
 */
#include "report_input.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "error.h"

static double get_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static char *get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static int parse_verdict(const char *name)
{
	for (int i = 0; name && i < KB_VERDICT_COUNT; i++)
		if (strcmp(kb_verdict_name((enum kb_verdict)i), name) == 0)
			return i;
	return -1;
}

static int load_row(const char *path, size_t i, json_t *o, struct kb_compare_row *r)
{
	json_t *v;
	int verdict;

	if (!json_is_object(o))
		return kb_error(KB_ESCHEMA, "%s: rows[%zu] is not an object", path, i);
	v = json_object_get(o, "id");
	if (!json_is_string(v))
		return kb_error(KB_ESCHEMA, "%s: rows[%zu]: \"id\" must be a string", path, i);
	verdict = parse_verdict(json_string_value(json_object_get(o, "verdict")));
	if (verdict < 0)
		return kb_error(KB_ESCHEMA, "%s: rows[%zu] (%s): \"verdict\" must be one of unchanged,"
				" improved, regressed, inconclusive, new, missing, error, skipped",
				path, i, json_string_value(v));
	r->id = strdup(json_string_value(v));
	r->note = get_str(o, "note");
	if (!r->id)
		return kb_error(KB_ENOMEM, "out of memory reading %s", path);
	r->verdict = (enum kb_verdict)verdict;
	r->failure = json_is_true(json_object_get(o, "failure"));
	/* kbench-ab names the sides old and new */
	r->baseline = json_object_get(o, "baseline") ? get_num(o, "baseline") : get_num(o, "old");
	r->current = json_object_get(o, "current") ? get_num(o, "current") : get_num(o, "new");
	r->ratio = get_num(o, "ratio");
	r->ci_low = get_num(o, "ci_low");
	r->ci_high = get_num(o, "ci_high");
	r->p = get_num(o, "p_value");
	r->p_adjusted = get_num(o, "p_adjusted");
	r->threshold = get_num(o, "threshold");
	r->floor = get_num(o, "floor");
	r->baseline_rel_ci = get_num(o, "baseline_rel_ci");
	r->current_rel_ci = get_num(o, "current_rel_ci");
	v = json_object_get(o, "baseline_n");
	r->baseline_n = json_is_integer(v) && json_integer_value(v) > 0 ? (size_t)json_integer_value(v) : 0;
	v = json_object_get(o, "current_n");
	r->current_n = json_is_integer(v) && json_integer_value(v) > 0 ? (size_t)json_integer_value(v) : 0;
	for (int m = KB_METHOD_NONE; m <= KB_METHOD_POINT; m++) {
		const char *name = json_string_value(json_object_get(o, "method"));

		if (name && strcmp(name, kb_compare_method_name((enum kb_compare_method)m)) == 0)
			r->method = (enum kb_compare_method)m;
	}
	if (json_object_get(o, "ratio") && !json_is_number(json_object_get(o, "ratio")) &&
	    !json_is_null(json_object_get(o, "ratio")))
		return kb_error(KB_ESCHEMA, "%s: rows[%zu] (%s): \"ratio\" must be a number or null",
				path, i, r->id);
	return 0;
}

int kb_report_load_compare(const char *path, struct kb_compare *out)
{
	json_error_t err;
	json_t *root, *rows, *opts, *warns;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
	if (!root) {
		if (err.line < 0)
			return kb_error(KB_EIO, "cannot read %s: %s", path, err.text);
		return kb_error(KB_EPARSE, "%s:%d:%d: %s", path, err.line, err.column, err.text);
	}
	if (!json_is_object(root)) {
		rc = kb_error(KB_ESCHEMA, "%s: expected a kbench-compare JSON object", path);
		goto out;
	}
	rows = json_object_get(root, "rows");
	if (!json_is_array(rows)) {
		rc = kb_error(KB_ESCHEMA,
			      "%s: no \"rows\" array; expected the output of kbench-compare"
			      " --format=json or kbench-ab --format=json",
			      path);
		goto out;
	}
	kb_compare_options_init(&out->opt);
	out->baseline_name = get_str(root, json_object_get(root, "baseline") ? "baseline" : "old");
	out->current_name = get_str(root, json_object_get(root, "current") ? "current" : "new");
	out->metric = get_str(root, "metric");
	out->higher_is_better = json_is_true(json_object_get(root, "higher_is_better"));
	opts = json_object_get(root, "options");
	if (json_is_object(opts)) {
		double t = get_num(opts, "threshold"), fl = get_num(opts, "floor");
		double lv = get_num(opts, "ci_level");

		if (isfinite(t))
			out->opt.threshold = t;
		if (isfinite(fl))
			out->opt.floor = fl;
		if (isfinite(lv))
			out->opt.ci_level = lv;
	}
	warns = json_object_get(root, "warnings");
	if (json_is_array(warns) && json_array_size(warns)) {
		out->warnings = calloc(json_array_size(warns), sizeof(*out->warnings));
		if (!out->warnings) {
			rc = kb_error(KB_ENOMEM, "out of memory reading %s", path);
			goto out;
		}
		for (size_t i = 0; i < json_array_size(warns); i++)
			if (json_is_string(json_array_get(warns, i)))
				out->warnings[out->nwarnings++] =
					strdup(json_string_value(json_array_get(warns, i)));
	}
	out->rows = calloc(json_array_size(rows) + 1, sizeof(*out->rows));
	if (!out->rows) {
		rc = kb_error(KB_ENOMEM, "out of memory reading %s", path);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(rows); i++) {
		struct kb_compare_row *r = &out->rows[out->nrows];

		if ((rc = load_row(path, i, json_array_get(rows, i), r))) {
			free(r->id);
			free(r->note);
			memset(r, 0, sizeof(*r));
			goto out;
		}
		if (isnan(r->threshold))
			r->threshold = out->opt.threshold;
		out->nrows++;
		out->counts[r->verdict]++;
		out->failures += r->failure;
	}
out:
	json_decref(root);
	if (rc)
		kb_compare_release(out);
	return rc;
}
