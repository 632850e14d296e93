/*
 * json_read.c - strict reader for kbench JSON (schema 1) and Google
 * Benchmark JSON into struct kb_run.
 *
 * Strict means: every value the checker relies on is present, of the right
 * type and in range (times finite and > 0), ids are unique, the schema
 * version is one we understand.  Unknown fields are ignored, so a newer
 * writer of the same schema version still reads.  Every refusal names the
 * file, the place and what was expected.
 */
#include "json_read.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <jansson.h>

#include "error.h"
#include "stats.h"

/* Results files are a few MB; anything this large is a mistake or an attack. */
#define KB_JSON_MAX_BYTES ((size_t)256 << 20)

/* Where we are, for messages: the file and the benchmark being read. */
struct where {
	const char *name;   /* file name */
	size_t index;       /* benchmark index, or SIZE_MAX */
	const char *id;     /* benchmark id when known */
	const char *item;   /* "benchmark" (kbench) or "row" (Google Benchmark) */
	char buf[512];
};

static const char *where_str(struct where *w)
{
	if (w->index == SIZE_MAX)
		snprintf(w->buf, sizeof(w->buf), "%s", w->name);
	else if (w->id)
		snprintf(w->buf, sizeof(w->buf), "%s: %s %zu (\"%.200s\")", w->name, w->item,
			 w->index, w->id);
	else
		snprintf(w->buf, sizeof(w->buf), "%s: %s %zu", w->name, w->item, w->index);
	return w->buf;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_NULL:
		return "null";
	}
	return "something else";
}

static int schema_err(struct where *w, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "FILE: benchmark I ("ID"): field "F": <what>" */
static int schema_err(struct where *w, const char *field, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (field)
		return kb_error(KB_ESCHEMA, "%s: field \"%s\": %s", where_str(w), field, what);
	return kb_error(KB_ESCHEMA, "%s: %s", where_str(w), what);
}

static int dup_str(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	if (!*out)
		return kb_error(KB_ENOMEM, "out of memory");
	return 0;
}

/* ---- typed field access ---------------------------------------------- */

static int get_required(struct where *w, const json_t *obj, const char *key, json_t **out)
{
	*out = json_object_get(obj, key);
	if (!*out)
		return schema_err(w, key, "missing");
	return 0;
}

/* A string or null (when nullable); absent is allowed when !required. */
static int get_str(struct where *w, const json_t *obj, const char *key, bool required,
		   bool nullable, char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v) {
		if (required)
			return schema_err(w, key, "missing (expected a string)");
		return 0;
	}
	if (json_is_null(v) && nullable)
		return 0;
	if (!json_is_string(v))
		return schema_err(w, key, "expected a string%s, found %s",
				  nullable ? " or null" : "", type_name(v));
	return dup_str(json_string_value(v), out);
}

/* A number (integer or real) or null -> NAN; absent -> NAN unless required. */
static int get_num(struct where *w, const json_t *obj, const char *key, bool required,
		   double *out)
{
	json_t *v = json_object_get(obj, key);

	*out = NAN;
	if (!v) {
		if (required)
			return schema_err(w, key, "missing (expected a number)");
		return 0;
	}
	if (json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return schema_err(w, key, "expected a number or null, found %s", type_name(v));
	*out = json_number_value(v);
	return 0;
}

/* Like get_num, but the value, when present, must be finite and >= 0. */
static int get_nonneg(struct where *w, const json_t *obj, const char *key, bool required,
		      double *out)
{
	int rc = get_num(w, obj, key, required, out);

	if (rc)
		return rc;
	if (!isnan(*out) && !(isfinite(*out) && *out >= 0))
		return schema_err(w, key, "expected a finite number >= 0, found %g", *out);
	return 0;
}

/* A non-negative integer; absent -> dflt unless required. */
static int get_count(struct where *w, const json_t *obj, const char *key, bool required,
		     uint64_t dflt, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);

	*out = dflt;
	if (!v) {
		if (required)
			return schema_err(w, key, "missing (expected an integer >= 0)");
		return 0;
	}
	if (!json_is_integer(v))
		return schema_err(w, key, "expected an integer >= 0, found %s", type_name(v));
	if (json_integer_value(v) < 0)
		return schema_err(w, key, "expected an integer >= 0, found %" JSON_INTEGER_FORMAT,
				  json_integer_value(v));
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_bool(struct where *w, const json_t *obj, const char *key, bool dflt, bool *out)
{
	json_t *v = json_object_get(obj, key);

	*out = dflt;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return schema_err(w, key, "expected true or false, found %s", type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* ---- flattening nested objects into key/value lists ------------------- */

struct kv_list {
	struct kb_kv *v;
	size_t n;
};

static int kv_push(struct kv_list *l, const char *key, const char *value, bool is_num)
{
	struct kb_kv *nv;
	char *k = NULL, *val = NULL;

	if (dup_str(key, &k) || dup_str(value, &val))
		goto out_nomem;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		goto out_nomem;
	l->v = nv;
	nv[l->n].key = k;
	nv[l->n].value = val;
	nv[l->n].is_num = is_num;
	l->n++;
	return 0;
out_nomem:
	free(k);
	free(val);
	return kb_error(KB_ENOMEM, "out of memory");
}

/* Scalars become text; arrays are kept as compact JSON text. */
static int flatten(struct kv_list *l, const char *prefix, const json_t *obj, int depth)
{
	const char *key;
	json_t *v;
	int rc = 0;

	if (depth > 16)
		return kb_error(KB_ESCHEMA, "context nested more than 16 levels deep at \"%.200s\"",
				prefix);
	json_object_foreach((json_t *)obj, key, v) {
		size_t len = strlen(prefix) + strlen(key) + 2;
		char *full = malloc(len);
		char num[64];

		if (!full)
			return kb_error(KB_ENOMEM, "out of memory");
		snprintf(full, len, "%s%s%s", prefix, *prefix ? "." : "", key);
		switch (json_typeof(v)) {
		case JSON_OBJECT:
			rc = flatten(l, full, v, depth + 1);
			break;
		case JSON_STRING:
			rc = kv_push(l, full, json_string_value(v), false);
			break;
		case JSON_INTEGER:
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			rc = kv_push(l, full, num, true);
			break;
		case JSON_REAL:
			snprintf(num, sizeof(num), "%.17g", json_real_value(v));
			rc = kv_push(l, full, num, true);
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			rc = kv_push(l, full, json_is_true(v) ? "true" : "false", false);
			break;
		case JSON_NULL:
			rc = kv_push(l, full, NULL, false);
			break;
		case JSON_ARRAY: {
			char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			if (!text) {
				rc = kb_error(KB_ENOMEM, "out of memory");
				break;
			}
			rc = kv_push(l, full, text, false);
			free(text);
			break;
		}
		}
		free(full);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- an index of ids, so duplicate checks and grouping stay linear ------ */

struct id_index {
	size_t *slot; /* value + 1; 0 = empty */
	size_t mask;
};

static uint64_t id_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int id_index_init(struct id_index *ix, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	ix->slot = calloc(cap, sizeof(*ix->slot));
	ix->mask = cap - 1;
	return ix->slot ? 0 : kb_error(KB_ENOMEM, "out of memory");
}

/*
 * Finds `id` among names[] through the index; when absent, inserts `value`
 * under it and returns SIZE_MAX.  names(ctx, v) gives the id of value v.
 */
static size_t id_index_find_or_add(struct id_index *ix, const char *id, size_t value,
				   const char *(*names)(const void *ctx, size_t v), const void *ctx)
{
	size_t i = (size_t)id_hash(id) & ix->mask;

	while (ix->slot[i]) {
		if (strcmp(names(ctx, ix->slot[i] - 1), id) == 0)
			return ix->slot[i] - 1;
		i = (i + 1) & ix->mask;
	}
	ix->slot[i] = value + 1;
	return SIZE_MAX;
}

/* ---- kbench schema 1 ---------------------------------------------------- */

/*
 * Times no measurement can give: below a tenth of a picosecond per
 * iteration (the empty loop costs ~0.3 ns) or above 10^15 ns (11.6 days).
 * Such a file is corrupt or in the wrong unit, and its figures would only
 * print as 0.000 ns or 300-digit numbers.
 */
#define KB_TIME_MIN_NS 1e-4
#define KB_TIME_MAX_NS 1e15

static const char *implausible(double ns, bool allow_zero)
{
	if (ns == 0 && allow_zero)
		return NULL;
	if (ns > 0 && ns < KB_TIME_MIN_NS)
		return "below 1e-4 ns, no measurement gives that (wrong unit?)";
	if (ns > KB_TIME_MAX_NS)
		return "above 1e15 ns (11.6 days), no measurement gives that (wrong unit?)";
	return NULL;
}

/* An array of positive finite sample times (or >= 0 when allow_zero). */
static int read_times(struct where *w, const json_t *arr, const char *field, bool allow_zero,
		      double **out, size_t *n)
{
	size_t i, len;
	double *x;
	const char *why;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr))
		return schema_err(w, field, "expected an array of numbers, found %s",
				  type_name(arr));
	len = json_array_size(arr);
	if (len == 0)
		return 0;
	x = malloc(len * sizeof(*x));
	if (!x)
		return kb_error(KB_ENOMEM, "out of memory reading %s", field);
	for (i = 0; i < len; i++) {
		json_t *e = json_array_get(arr, i);
		double v;

		if (!json_is_number(e)) {
			free(x);
			return schema_err(w, field, "element %zu: expected a %s time in ns, found %s",
					  i, allow_zero ? "finite non-negative" : "positive finite",
					  json_is_null(e) ? "null (a non-finite value)" : type_name(e));
		}
		v = json_number_value(e);
		if (!isfinite(v) || v < 0 || (v == 0 && !allow_zero)) {
			free(x);
			return schema_err(w, field, "element %zu: time %g ns is %s", i, v,
					  v == 0 ? "zero" : "negative");
		}
		if ((why = implausible(v, allow_zero))) {
			free(x);
			return schema_err(w, field, "element %zu: time %g ns is %s", i, v, why);
		}
		x[i] = v;
	}
	*out = x;
	*n = len;
	return 0;
}

/* The process-level fields (absent in files from before them: one process). */
static int read_process_info(struct where *w, const json_t *b, struct kb_result *r)
{
	struct kb_process_info *p = &r->proc;
	const json_t *iv = json_object_get(b, "interval"), *v;
	double procs = NAN;
	int rc;

	p->log_se = p->df = p->within_ci_low = p->within_ci_high = NAN;
	p->process_log_se = p->process_df = p->drift_log_var = p->drift_df = NAN;
	p->var_within_round = p->var_between_rounds = p->var_between_processes = NAN;
	if ((rc = get_nonneg(w, b, "processes", false, &procs)))
		return rc;
	p->processes = isnan(procs) ? 0 : (size_t)procs;
	if (iv && json_is_object(iv)) {
		const json_t *wp = json_object_get(iv, "within_process");

		const json_t *dr = json_object_get(iv, "drift");

		if ((rc = get_nonneg(w, iv, "log_se", false, &p->log_se)) ||
		    (rc = get_nonneg(w, iv, "df", false, &p->df)) ||
		    (rc = get_nonneg(w, iv, "process_log_se", false, &p->process_log_se)) ||
		    (rc = get_nonneg(w, iv, "process_df", false, &p->process_df)))
			return rc;
		/* files from before the drift: the process-level figures are the totals */
		if (!json_object_get(iv, "process_log_se")) {
			p->process_log_se = p->log_se;
			p->process_df = p->df;
		}
		if (dr && json_is_object(dr) &&
		    ((rc = get_nonneg(w, dr, "log_var", true, &p->drift_log_var)) ||
		     (rc = get_nonneg(w, dr, "df", true, &p->drift_df)) ||
		     (rc = get_str(w, dr, "entry", true, false, &p->drift_entry))))
			return rc;
		if (dr && !json_is_object(dr) && !json_is_null(dr))
			return schema_err(w, "interval.drift", "expected an object or null, found %s",
					  type_name(dr));
		if (wp && json_is_object(wp) &&
		    ((rc = get_nonneg(w, wp, "low", false, &p->within_ci_low)) ||
		     (rc = get_nonneg(w, wp, "high", false, &p->within_ci_high))))
			return rc;
	}
	v = json_object_get(b, "process_medians_ns");
	if (v && json_is_array(v) && json_array_size(v) > 0) {
		size_t n = json_array_size(v);

		p->medians_ns = malloc(n * sizeof(*p->medians_ns));
		if (!p->medians_ns)
			return kb_error(KB_ENOMEM, "out of memory");
		p->nmedians = n;
		for (size_t i = 0; i < n; i++) {
			const json_t *e = json_array_get(v, i);

			if (json_is_null(e)) {
				p->medians_ns[i] = NAN;
			} else if (json_is_number(e) && json_number_value(e) > 0) {
				p->medians_ns[i] = json_number_value(e);
			} else {
				return schema_err(w, "process_medians_ns", "element %zu: expected a positive "
						  "time or null, found %s", i, type_name(e));
			}
		}
	}
	return get_str(w, b, "disturbed", false, true, &p->disturbed);
}

static int read_indexes(struct where *w, const char *key, const json_t *arr, size_t n,
			uint32_t **out)
{
	size_t i;
	uint32_t *r;

	*out = NULL;
	if (!json_is_array(arr))
		return schema_err(w, key, "expected an array of integers, found %s",
				  type_name(arr));
	if (json_array_size(arr) != n)
		return schema_err(w, key, "has %zu elements, samples_ns has %zu",
				  json_array_size(arr), n);
	if (n == 0)
		return 0;
	r = malloc(n * sizeof(*r));
	if (!r)
		return kb_error(KB_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);

		if (!json_is_integer(e) || json_integer_value(e) < 0 ||
		    json_integer_value(e) > UINT32_MAX) {
			free(r);
			return schema_err(w, key, "element %zu: expected an index, found %s",
					  i, type_name(e));
		}
		r[i] = (uint32_t)json_integer_value(e);
	}
	*out = r;
	return 0;
}

static int read_params(struct where *w, const json_t *obj, struct kb_result *r)
{
	const char *key;
	json_t *v;

	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return schema_err(w, "params", "expected an object, found %s", type_name(obj));
	r->params = calloc(json_object_size(obj) ? json_object_size(obj) : 1, sizeof(*r->params));
	if (!r->params)
		return kb_error(KB_ENOMEM, "out of memory");
	json_object_foreach((json_t *)obj, key, v) {
		struct kb_param *p = &r->params[r->nparams];

		if (json_is_integer(v)) {
			p->value = json_integer_value(v);
		} else if (json_is_string(v)) {
			p->is_str = true;
			if (dup_str(json_string_value(v), &p->str))
				return -KB_ENOMEM;
		} else {
			return schema_err(w, "params", "\"%.100s\": expected an integer or a string, found %s",
					  key, type_name(v));
		}
		r->nparams++; /* counted before name so clear() frees str on failure */
		if (dup_str(key, &p->name))
			return -KB_ENOMEM;
	}
	return 0;
}

static int read_counters(struct where *w, const json_t *obj, struct kb_result *r)
{
	const char *key;
	json_t *v;

	if (!obj || json_is_null(obj))
		return 0;
	if (!json_is_object(obj))
		return schema_err(w, "counters", "expected an object, found %s", type_name(obj));
	json_object_foreach((json_t *)obj, key, v) {
		double value = NAN;
		int rc;

		if (json_is_number(v))
			value = json_number_value(v);
		else if (!json_is_null(v))
			return schema_err(w, "counters", "\"%.100s\": expected a number or null, found %s",
					  key, type_name(v));
		if (kb_result_counter(r, key))
			return schema_err(w, "counters", "\"%.100s\" appears twice", key);
		rc = kb_result_set_counter(r, key, value);
		if (rc)
			return rc;
	}
	return 0;
}

static int read_summary(struct where *w, const json_t *obj, struct kb_result *r)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
#define F(name) { #name, offsetof(struct kb_summary, name) }
		F(median), F(ci_low), F(ci_high), F(ci_level), F(mean), F(sd), F(cv),
		F(min), F(max), F(q1), F(q3), F(p90), F(p99),
#undef F
	};
	struct kb_summary *s = &r->summary;
	json_t *out;
	uint64_t n;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(obj, fields[i].key);
		double *dst = (double *)((char *)s + fields[i].off);
		char field[64];

		snprintf(field, sizeof(field), "summary.%s", fields[i].key);
		*dst = NAN;
		if (v && json_is_number(v))
			*dst = json_number_value(v);
		else if (v && !json_is_null(v))
			return schema_err(w, field, "expected a number or null, found %s", type_name(v));
	}
	if ((rc = get_count(w, obj, "n", false, r->nsamples, &n)))
		return rc;
	s->n = (size_t)n;
	if ((rc = get_bool(w, obj, "converged", false, &s->converged)))
		return rc;
	out = json_object_get(obj, "outliers");
	if (out && !json_is_null(out)) {
		uint64_t mild, severe;

		if (!json_is_object(out))
			return schema_err(w, "summary.outliers", "expected an object, found %s",
					  type_name(out));
		if ((rc = get_count(w, out, "mild", false, 0, &mild)) ||
		    (rc = get_count(w, out, "severe", false, 0, &severe)))
			return rc;
		s->outliers_mild = (size_t)mild;
		s->outliers_severe = (size_t)severe;
	}
	if (r->status == KB_STATUS_OK) {
		if (isnan(s->median) && r->nsamples == 0)
			return schema_err(w, "summary.median", "missing or null, and there are no samples");
		if (!isnan(s->median) && !(isfinite(s->median) && s->median > 0))
			return schema_err(w, "summary.median", "expected a positive finite time in ns, found %g",
					  s->median);
		if (r->nsamples && s->n != r->nsamples)
			return schema_err(w, "summary.n", "is %zu but samples_ns has %zu values", s->n,
					  r->nsamples);
	}
	return 0;
}

/* "memory" (docs/json.md); absent or null: not measured. */
static int read_memory(struct where *w, const json_t *m, struct kb_result *r)
{
	const json_t *v;
	double peak, growth, dreq, duse;
	uint64_t req;
	int rc;

	if (!m || json_is_null(m))
		return 0;
	if (!json_is_object(m))
		return schema_err(w, "memory", "expected an object or null, found %s", type_name(m));
	if ((rc = get_count(w, m, "requested_bytes", true, 0, &req)) ||
	    (rc = get_nonneg(w, m, "peak_rss_bytes", false, &peak)) ||
	    (rc = get_nonneg(w, m, "rss_growth_bytes", false, &growth)) ||
	    (rc = get_nonneg(w, m, "device_requested_bytes", false, &dreq)) ||
	    (rc = get_nonneg(w, m, "device_in_use_bytes", false, &duse)))
		return rc;
	v = json_object_get(m, "rss_method");
	r->mem.have = true;
	r->mem.requested = req;
	r->mem.rss_reset = -1;
	if (json_is_string(v) && isfinite(peak) && isfinite(growth)) {
		if (strcmp(json_string_value(v), "reset") != 0 && strcmp(json_string_value(v), "delta") != 0)
			return schema_err(w, "memory.rss_method", "expected \"reset\" or \"delta\", found \"%.40s\"",
					  json_string_value(v));
		r->mem.rss_reset = strcmp(json_string_value(v), "reset") == 0;
		r->mem.peak_rss = (uint64_t)peak;
		r->mem.rss_growth = (uint64_t)growth;
	} else if (v && !json_is_null(v) && !json_is_string(v)) {
		return schema_err(w, "memory.rss_method", "expected a string or null, found %s", type_name(v));
	}
	r->mem.device_requested = isfinite(dreq) ? (uint64_t)dreq : 0;
	r->mem.device_in_use = isfinite(duse) ? (uint64_t)duse : 0;
	return 0;
}

static void init_result(struct kb_result *r)
{
	memset(r, 0, sizeof(*r));
	r->summary.median = r->summary.ci_low = r->summary.ci_high = NAN;
	r->summary.ci_level = r->summary.mean = r->summary.sd = r->summary.cv = NAN;
	r->summary.min = r->summary.max = r->summary.q1 = r->summary.q3 = NAN;
	r->summary.p90 = r->summary.p99 = NAN;
	r->instructions = NAN;
	r->noise = NAN;
	r->warmup_s = NAN;
	r->elapsed_s = NAN;
	r->gb_cpu_time_ns = NAN;
	r->validated = -1;
}

/* suite and kernel from "suite/kernel/..." when the file does not give them. */
static int split_id(const char *id, char **suite, char **kernel)
{
	const char *slash = strchr(id, '/');
	const char *k, *end;

	if (!*suite) {
		*suite = slash ? strndup(id, (size_t)(slash - id)) : strdup(id);
		if (!*suite)
			return kb_error(KB_ENOMEM, "out of memory");
	}
	if (!*kernel) {
		k = slash ? slash + 1 : "";
		end = strchr(k, '/');
		*kernel = end ? strndup(k, (size_t)(end - k)) : strdup(k);
		if (!*kernel)
			return kb_error(KB_ENOMEM, "out of memory");
	}
	return 0;
}

static int read_kb_benchmark(struct where *w, const json_t *b, struct kb_result *r)
{
	json_t *v;
	char *status = NULL;
	bool validated;
	uint64_t u;
	int rc, st;

	init_result(r);
	if (!json_is_object(b))
		return schema_err(w, NULL, "expected an object, found %s", type_name(b));
	if ((rc = get_str(w, b, "id", true, false, &r->id)))
		return rc;
	if (!*r->id)
		return schema_err(w, "id", "is empty");
	w->id = r->id;
	if ((rc = get_str(w, b, "suite", false, false, &r->suite)) ||
	    (rc = get_str(w, b, "kernel", false, false, &r->kernel)) ||
	    (rc = split_id(r->id, &r->suite, &r->kernel)))
		return rc;
	if ((rc = read_params(w, json_object_get(b, "params"), r)))
		return rc;
	if ((rc = get_str(w, b, "status", true, false, &status)))
		return rc;
	st = kb_status_parse(status);
	if (st < 0) {
		rc = schema_err(w, "status", "\"%.100s\" is not one of ok, skipped, error, interrupted", status);
		free(status);
		return rc;
	}
	free(status);
	r->status = (enum kb_status)st;
	if ((rc = get_str(w, b, "unit", true, false, &r->unit)))
		return rc;
	if (strcmp(r->unit, "ns") != 0)
		return schema_err(w, "unit", "\"%.100s\": kbench files store times in ns", r->unit);
	if ((rc = get_str(w, b, "message", false, true, &r->message)) ||
	    (rc = get_str(w, b, "label", false, true, &r->label)) ||
	    (rc = get_str(w, b, "timer", false, true, &r->timer)))
		return rc;
	if ((rc = get_count(w, b, "iterations_per_sample", false, 0, &r->iterations_per_sample)) ||
	    (rc = get_count(w, b, "rounds", false, 0, &u)))
		return rc;
	r->rounds = (size_t)u;

	if ((rc = get_required(w, b, "samples_ns", &v)))
		return rc;
	if ((rc = read_times(w, v, "samples_ns", false, &r->samples_ns, &r->nsamples)))
		return rc;
	v = json_object_get(b, "cpu_samples_ns");
	if (v && !json_is_null(v)) {
		size_t ncpu;

		if ((rc = read_times(w, v, "cpu_samples_ns", true, &r->cpu_samples_ns, &ncpu)))
			return rc;
		if (ncpu != r->nsamples)
			return schema_err(w, "cpu_samples_ns", "has %zu elements, samples_ns has %zu",
					  ncpu, r->nsamples);
	}
	v = json_object_get(b, "sample_round");
	if (v && !json_is_null(v) && (rc = read_indexes(w, "sample_round", v, r->nsamples, &r->sample_round)))
		return rc;

	v = json_object_get(b, "sample_process");
	if (v && !json_is_null(v) &&
	    (rc = read_indexes(w, "sample_process", v, r->nsamples, &r->sample_process)))
		return rc;
	if ((rc = read_process_info(w, b, r)))
		return rc;

	v = json_object_get(b, "summary");
	if (!v)
		return schema_err(w, "summary", "missing (expected an object, or null when not ok)");
	if (json_is_object(v)) {
		if ((rc = read_summary(w, v, r)))
			return rc;
	} else if (!json_is_null(v)) {
		return schema_err(w, "summary", "expected an object or null, found %s", type_name(v));
	} else if (r->status == KB_STATUS_OK) {
		if (r->nsamples == 0)
			return schema_err(w, "summary", "is null and there are no samples");
		if ((rc = kb_stats_summarize(r->samples_ns, r->nsamples, 0.95, &r->summary)))
			return rc;
	}
	if (r->status == KB_STATUS_OK && r->nsamples == 0 && isnan(r->summary.median))
		return schema_err(w, "samples_ns", "is empty for a benchmark with status ok");

	if ((rc = read_memory(w, json_object_get(b, "memory"), r)))
		return rc;
	{
		uint64_t threads;

		if ((rc = get_count(w, b, "threads", false, 0, &threads)))
			return rc;
		if (threads > 256)
			return schema_err(w, "threads", "expected 1 to 256, found %" PRIu64, threads);
		r->threads = (int)threads;
	}
	if ((rc = read_counters(w, json_object_get(b, "counters"), r)))
		return rc;
	v = json_object_get(b, "validated");
	if (v && !json_is_null(v)) {
		if ((rc = get_bool(w, b, "validated", false, &validated)))
			return rc;
		r->validated = validated ? 1 : 0;
	}
	if ((rc = get_nonneg(w, b, "instructions", false, &r->instructions)) ||
	    (rc = get_nonneg(w, b, "warmup_s", false, &r->warmup_s)) ||
	    (rc = get_nonneg(w, b, "elapsed_s", false, &r->elapsed_s)) ||
	    (rc = get_nonneg(w, b, "noise", false, &r->noise)))
		return rc;
	/* noise is a fraction (0.057 = 5.7 %); above 10 it would raise the
	 * gate's threshold past 1000 % and pass anything */
	if (!isnan(r->noise) && r->noise > 10)
		return schema_err(w, "noise", "%g is a between-run spread of %g %%; expected a "
				  "fraction from 0 to 10", r->noise, 100 * r->noise);
	if (r->status == KB_STATUS_OK && r->iterations_per_sample == 0 &&
	    json_object_get(b, "iterations_per_sample"))
		return schema_err(w, "iterations_per_sample", "is 0 for a benchmark with status ok "
				  "(expected an integer >= 1)");
	return 0;
}

static const char *result_id(const void *ctx, size_t v)
{
	return ((const struct kb_run *)ctx)->results[v].id;
}

/* Refuses a second benchmark with an id already seen. */
static int check_unique(struct where *w, const struct kb_run *run)
{
	struct id_index ix;
	size_t i, j;
	int rc = 0;

	if ((rc = id_index_init(&ix, run->nresults)))
		return rc;
	for (i = 0; i < run->nresults; i++) {
		j = id_index_find_or_add(&ix, run->results[i].id, i, result_id, run);
		if (j != SIZE_MAX) {
			w->index = i;
			w->id = run->results[i].id;
			rc = schema_err(w, "id", "duplicate: benchmark %zu has the same id", j);
			break;
		}
	}
	free(ix.slot);
	return rc;
}

/* The "complexity" array (KB_COMPLEXITY fits); absent in most files. */
static int read_fits(struct where *w, const json_t *arr, struct kb_run *run)
{
	size_t n;
	int rc = 0;

	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr))
		return schema_err(w, "complexity", "expected an array, found %s", type_name(arr));
	n = json_array_size(arr);
	if (!n)
		return 0;
	run->fits = calloc(n, sizeof(*run->fits));
	if (!run->fits)
		return kb_error(KB_ENOMEM, "out of memory for %zu complexity fits", n);
	w->item = "complexity fit";
	for (size_t i = 0; i < n && !rc; i++) {
		const json_t *x = json_array_get(arr, i), *iv;
		struct kb_fit *f = &run->fits[i];
		uint64_t points;

		run->nfits = i + 1;
		w->index = i;
		w->id = NULL;
		if (!json_is_object(x))
			return schema_err(w, NULL, "expected an object, found %s", type_name(x));
		if ((rc = get_str(w, x, "name", true, false, &f->name)))
			break;
		w->id = f->name;
		iv = json_object_get(x, "interval");
		if (iv && !json_is_object(iv) && !json_is_null(iv))
			return schema_err(w, "interval", "expected an object, found %s", type_name(iv));
		f->coef_low = f->coef_high = f->level = NAN;
		if ((rc = get_str(w, x, "axis", true, false, &f->axis)) ||
		    (rc = get_str(w, x, "requested", true, false, &f->requested)) ||
		    (rc = get_str(w, x, "big_o", true, true, &f->big_o)) ||
		    (rc = get_num(w, x, "coefficient_ns", f->big_o != NULL, &f->coef)) ||
		    (rc = get_num(w, x, "rms", false, &f->rms)) ||
		    (rc = get_num(w, x, "cpu_coefficient_ns", false, &f->cpu_coef)) ||
		    (rc = get_num(w, x, "cpu_rms", false, &f->cpu_rms)) ||
		    (rc = get_count(w, x, "points", false, 0, &points)) ||
		    (rc = get_str(w, x, "note", false, true, &f->note)))
			break;
		f->npoints = (size_t)points;
		if (iv && json_is_object(iv) &&
		    ((rc = get_num(w, iv, "level", false, &f->level)) ||
		     (rc = get_num(w, iv, "low", false, &f->coef_low)) ||
		     (rc = get_num(w, iv, "high", false, &f->coef_high))))
			break;
	}
	w->index = SIZE_MAX;
	w->id = NULL;
	w->item = "benchmark";
	return rc;
}

static int read_kbench(struct where *w, const json_t *root, struct kb_run *run)
{
	json_t *sv, *harness, *context, *config, *benchmarks, *seed;
	bool interrupted;
	struct kv_list ctx = { 0 }, cfg = { 0 };
	size_t i, n;
	int rc;

	sv = json_object_get(root, "schema_version");
	if (!json_is_integer(sv))
		return schema_err(w, "schema_version", "expected an integer, found %s", type_name(sv));
	if (json_integer_value(sv) > KB_SCHEMA_VERSION)
		return kb_error(KB_ESCHEMA,
				"%s: schema_version %" JSON_INTEGER_FORMAT
				" is newer than this kbench understands (%d); use a newer kbench-compare",
				w->name, json_integer_value(sv), KB_SCHEMA_VERSION);
	if (json_integer_value(sv) < 1)
		return schema_err(w, "schema_version", "%" JSON_INTEGER_FORMAT " is not a known version",
				  json_integer_value(sv));
	run->schema_version = (int)json_integer_value(sv);
	if ((rc = dup_str("kbench", &run->format)))
		return rc;

	if ((rc = get_bool(w, root, "interrupted", false, &interrupted)))
		return rc;
	run->interrupted = interrupted ? 2 /* SIGINT or SIGTERM; the file does not say which */ : 0;
	if ((rc = get_required(w, root, "harness", &harness)))
		return rc;
	if (!json_is_object(harness))
		return schema_err(w, "harness", "expected an object, found %s", type_name(harness));
	if ((rc = get_str(w, harness, "version", false, true, &run->harness_version)) ||
	    (rc = get_str(w, harness, "git", false, true, &run->git)))
		return rc;

	if ((rc = get_required(w, root, "context", &context)))
		return rc;
	if (!json_is_object(context))
		return schema_err(w, "context", "expected an object, found %s", type_name(context));
	if ((rc = get_str(w, context, "date", false, true, &run->date)) ||
	    (rc = get_str(w, context, "fingerprint", false, true, &run->fingerprint)))
		return rc;
	rc = flatten(&ctx, "", context, 0);
	run->context = ctx.v;
	run->ncontext = ctx.n;
	if (rc)
		return rc;

	config = json_object_get(root, "config");
	if (config && !json_is_null(config)) {
		if (!json_is_object(config))
			return schema_err(w, "config", "expected an object, found %s", type_name(config));
		rc = flatten(&cfg, "", config, 0);
		run->config = cfg.v;
		run->nconfig = cfg.n;
		if (rc)
			return rc;
		seed = json_object_get(config, "seed");
		if (seed && !json_is_null(seed)) {
			if (!json_is_integer(seed) || json_integer_value(seed) < 0)
				return schema_err(w, "config.seed", "expected an integer >= 0, found %s",
						  type_name(seed));
			run->seed = (uint64_t)json_integer_value(seed);
		}
	}

	if ((rc = get_required(w, root, "benchmarks", &benchmarks)))
		return rc;
	if (!json_is_array(benchmarks))
		return schema_err(w, "benchmarks", "expected an array, found %s", type_name(benchmarks));
	n = json_array_size(benchmarks);
	if (n == 0)
		return schema_err(w, "benchmarks", "the list is empty: nothing to compare");
	run->results = calloc(n, sizeof(*run->results));
	if (!run->results)
		return kb_error(KB_ENOMEM, "out of memory for %zu benchmarks", n);
	for (i = 0; i < n; i++) {
		w->index = i;
		w->id = NULL;
		rc = read_kb_benchmark(w, json_array_get(benchmarks, i), &run->results[i]);
		run->nresults = i + 1;
		if (rc)
			return rc;
	}
	w->index = SIZE_MAX;
	if ((rc = check_unique(w, run)))
		return rc;
	return read_fits(w, json_object_get(root, "complexity"), run);
}

/* ---- Google Benchmark JSON ---------------------------------------------- */

/* Keys of a benchmark row that are not counters. */
static bool gb_known_key(const char *key)
{
	static const char *const known[] = {
		"name", "family_index", "per_family_instance_index", "run_name", "run_type",
		"repetitions", "repetition_index", "threads", "aggregate_name",
		"aggregate_unit", "error_occurred", "error_message", "skipped",
		"skip_message", "iterations", "real_time", "cpu_time", "time_unit",
		"label", "cpu_coefficient", "real_coefficient", "big_o", "rms",
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(key, known[i]) == 0)
			return true;
	return false;
}

static int gb_unit_scale(struct where *w, const json_t *row, double *scale, const char **unit)
{
	json_t *v = json_object_get(row, "time_unit");
	const char *u;

	*unit = "ns";
	*scale = 1;
	if (!v)
		return 0; /* Google Benchmark's default unit */
	if (!json_is_string(v))
		return schema_err(w, "time_unit", "expected a string, found %s", type_name(v));
	u = json_string_value(v);
	*unit = u;
	if (strcmp(u, "ns") == 0)
		*scale = 1;
	else if (strcmp(u, "us") == 0)
		*scale = 1e3;
	else if (strcmp(u, "ms") == 0)
		*scale = 1e6;
	else if (strcmp(u, "s") == 0)
		*scale = 1e9;
	else
		return schema_err(w, "time_unit", "\"%.50s\" is not one of ns, us, ms, s", u);
	return 0;
}

/*
 * The id of a row: run_name (name for old files, minus "_<aggregate>" on
 * aggregate rows), without the suffixes Google Benchmark adds for run
 * settings (/repeats:N, /min_time:T, /min_warmup_time:T): in kbench the id
 * never carries run settings, so the same benchmark matches across runs.
 */
static char *gb_row_id(const json_t *row, bool aggregate)
{
	static const char *const settings[] = { "/repeats:", "/min_time:", "/min_warmup_time:" };
	const char *name = json_string_value(json_object_get(row, "run_name"));
	char *id;
	size_t i;

	if (name) {
		id = strdup(name);
	} else {
		const char *agg = json_string_value(json_object_get(row, "aggregate_name"));

		name = json_string_value(json_object_get(row, "name"));
		id = strdup(name);
		if (id && aggregate && agg) {
			size_t ln = strlen(id), la = strlen(agg);

			if (ln > la + 1 && id[ln - la - 1] == '_' && strcmp(id + ln - la, agg) == 0)
				id[ln - la - 1] = '\0';
		}
	}
	if (!id)
		return NULL;
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		char *p = strstr(id, settings[i]);

		if (p) {
			char *end = strchr(p + 1, '/');

			memmove(p, end ? end : p + strlen(p), strlen(end ? end : p + strlen(p)) + 1);
		}
	}
	return id;
}

/* One benchmark being assembled from its rows. */
struct gb_group {
	char *id;
	size_t first_row;
	size_t nrows;                /* iteration rows */
	size_t cap;
	double *real, *cpu;          /* per repetition, ns (cpu NAN when absent) */
	int64_t *rep;                /* repetition_index, -1 when absent */
	const json_t **rows;         /* the iteration rows */
	const json_t *median_row, *mean_row, *stddev_row;
	size_t nagg_reps;            /* "iterations" of an aggregate row = repetitions */
	bool error, skipped;
	const char *message;
	const char *unit;            /* time_unit of the first timing row */
};

static void gb_groups_free(struct gb_group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(g[i].id);
		free(g[i].real);
		free(g[i].cpu);
		free(g[i].rep);
		free(g[i].rows);
	}
	free(g);
}

static const char *group_id(const void *ctx, size_t v)
{
	return ((const struct gb_group *)ctx)[v].id;
}

/* Counters: the median of each over the repetitions that have it. */
static int gb_counters(const struct gb_group *g, struct kb_result *r)
{
	const char *key;
	json_t *v;
	double *vals;
	size_t i, n;
	int rc = 0;

	vals = malloc(g->nrows * sizeof(*vals));
	if (!vals)
		return kb_error(KB_ENOMEM, "out of memory");
	json_object_foreach((json_t *)g->rows[0], key, v) {
		if (gb_known_key(key) || !json_is_number(v))
			continue;
		for (i = 0, n = 0; i < g->nrows; i++) {
			json_t *c = json_object_get(g->rows[i], key);

			if (json_is_number(c) && isfinite(json_number_value(c)))
				vals[n++] = json_number_value(c);
		}
		rc = kb_result_set_counter(r, key, n ? kb_stats_median(vals, n) : NAN);
		if (rc)
			break;
	}
	free(vals);
	return rc;
}

static int gb_add_sample(struct gb_group *g, const json_t *row, double real, double cpu,
			 int64_t rep)
{
	if (g->nrows == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 4;
		double *nr, *nc;
		int64_t *np;
		const json_t **nrw;

		nr = realloc(g->real, cap * sizeof(*nr));
		if (nr)
			g->real = nr;
		nc = realloc(g->cpu, cap * sizeof(*nc));
		if (nc)
			g->cpu = nc;
		np = realloc(g->rep, cap * sizeof(*np));
		if (np)
			g->rep = np;
		nrw = realloc(g->rows, cap * sizeof(*nrw));
		if (nrw)
			g->rows = nrw;
		if (!nr || !nc || !np || !nrw)
			return kb_error(KB_ENOMEM, "out of memory");
		g->cap = cap;
	}
	g->real[g->nrows] = real;
	g->cpu[g->nrows] = cpu;
	g->rep[g->nrows] = rep;
	g->rows[g->nrows] = row;
	g->nrows++;
	return 0;
}

/* A time field of a row in ns: finite and > 0 (>= 0 when allow_zero). */
static int gb_time(struct where *w, const json_t *row, const char *key, double scale,
		   bool allow_zero, double *out)
{
	json_t *v = json_object_get(row, key);
	const char *why;
	double t;

	if (!v)
		return schema_err(w, key, "missing (expected a time)");
	if (!json_is_number(v))
		return schema_err(w, key, "expected a number, found %s%s", type_name(v),
				  json_is_null(v) ? " (a non-finite value)" : "");
	t = json_number_value(v) * scale;
	if (!isfinite(t) || t < 0 || (t == 0 && !allow_zero))
		return schema_err(w, key, "%g is %s", json_number_value(v),
				  !isfinite(t) ? "not finite in ns" : t == 0 ? "zero" : "negative");
	if ((why = implausible(t, allow_zero)))
		return schema_err(w, key, "%g (%g ns) is %s", json_number_value(v), t, why);
	*out = t;
	return 0;
}

/* An optional time of an aggregate row in ns; NAN when absent or unusable. */
static double gb_time_opt(const json_t *row, const char *key, double scale)
{
	json_t *v = row ? json_object_get(row, key) : NULL;
	double t;

	if (!json_is_number(v))
		return NAN;
	t = json_number_value(v) * scale;
	return isfinite(t) && t >= 0 ? t : NAN;
}

static int gb_check_unit(struct where *w, const json_t *row, struct gb_group *g, double *scale)
{
	const char *unit;
	int rc;

	if ((rc = gb_unit_scale(w, row, scale, &unit)))
		return rc;
	if (!g->unit)
		g->unit = unit;
	else if (strcmp(g->unit, unit) != 0)
		return schema_err(w, "time_unit", "\"%s\" here but \"%s\" on earlier rows of this benchmark",
				  unit, g->unit);
	return 0;
}

static int gb_read_aggregate(struct where *w, const json_t *row, struct gb_group *g)
{
	const char *agg = json_string_value(json_object_get(row, "aggregate_name"));
	const char *aunit = json_string_value(json_object_get(row, "aggregate_unit"));
	double scale;
	uint64_t reps;
	int rc;

	if (!agg)
		return schema_err(w, "aggregate_name", "missing or not a string on an aggregate row");
	if ((rc = get_count(w, row, "iterations", false, 0, &reps)))
		return rc;
	if (aunit && strcmp(aunit, "time") != 0)
		return 0; /* cv and other percentages */
	if (strcmp(agg, "median") == 0)
		g->median_row = row;
	else if (strcmp(agg, "mean") == 0)
		g->mean_row = row;
	else if (strcmp(agg, "stddev") == 0)
		g->stddev_row = row;
	else
		return 0; /* cv, BigO, RMS, user statistics */
	if ((rc = gb_check_unit(w, row, g, &scale)))
		return rc;
	if (reps > g->nagg_reps)
		g->nagg_reps = (size_t)reps;
	return 0;
}

static int gb_read_row(struct where *w, const json_t *row, struct gb_group *g)
{
	const char *rt = json_string_value(json_object_get(row, "run_type"));
	bool err = false, skipped = false;
	double scale, real, cpu = NAN;
	uint64_t rep;
	json_t *v;
	size_t i;
	int rc;

	if ((rc = get_bool(w, row, "error_occurred", false, &err)) ||
	    (rc = get_bool(w, row, "skipped", false, &skipped)))
		return rc;
	if (err || skipped) {
		const char *key = err ? "error_message" : "skip_message";

		g->error |= err;
		g->skipped |= skipped;
		if (!g->message)
			g->message = json_string_value(json_object_get(row, key));
		return 0; /* the timing fields of such rows are meaningless */
	}
	if (rt && strcmp(rt, "aggregate") == 0)
		return gb_read_aggregate(w, row, g);
	if (rt && strcmp(rt, "iteration") != 0)
		return schema_err(w, "run_type", "\"%.50s\" is not iteration or aggregate", rt);
	if ((rc = gb_check_unit(w, row, g, &scale)) ||
	    (rc = gb_time(w, row, "real_time", scale, false, &real)))
		return rc;
	if (json_object_get(row, "cpu_time") &&
	    (rc = gb_time(w, row, "cpu_time", scale, true, &cpu)))
		return rc;
	v = json_object_get(row, "iterations");
	if (!v)
		return schema_err(w, "iterations", "missing (expected an integer > 0)");
	if (!json_is_integer(v))
		return schema_err(w, "iterations", "expected an integer > 0, found %s", type_name(v));
	if (json_integer_value(v) <= 0)
		return schema_err(w, "iterations", "expected an integer > 0, found %" JSON_INTEGER_FORMAT,
				  json_integer_value(v));
	if ((rc = get_count(w, row, "repetition_index", false, UINT64_MAX, &rep)))
		return rc;
	if (rep != UINT64_MAX && rep > INT64_MAX)
		return schema_err(w, "repetition_index", "out of range");
	/* Two rows of one benchmark must be distinct repetitions. */
	if (g->nrows && (rep == UINT64_MAX || g->rep[0] < 0))
		return schema_err(w, "name",
				  "duplicate benchmark: an earlier row has the same name and they are not numbered repetitions");
	for (i = 0; i < g->nrows; i++)
		if (g->rep[i] == (int64_t)rep)
			return schema_err(w, "repetition_index",
					  "duplicate: repetition %" PRIu64 " appears twice", rep);
	return gb_add_sample(g, row, real, cpu, rep == UINT64_MAX ? -1 : (int64_t)rep);
}

static int gb_fill_samples(struct gb_group *g, struct kb_result *r)
{
	const json_t *first = g->rows[0];
	json_t *label = json_object_get(first, "label");
	size_t i;
	int rc;

	r->samples_ns = g->real;
	g->real = NULL;
	r->nsamples = g->nrows;
	r->rounds = g->nrows;
	r->iterations_per_sample = (uint64_t)json_integer_value(json_object_get(first, "iterations"));
	if (json_is_string(label) && (rc = dup_str(json_string_value(label), &r->label)))
		return rc;
	for (i = 0; i < g->nrows && !isnan(g->cpu[i]); i++)
		;
	if (i == g->nrows) {
		r->cpu_samples_ns = g->cpu;
		g->cpu = NULL;
		r->gb_cpu_time_ns = kb_stats_median(r->cpu_samples_ns, r->nsamples);
	}
	if ((rc = kb_stats_summarize(r->samples_ns, r->nsamples, 0.95, &r->summary)))
		return rc;
	return gb_counters(g, r);
}

/* Aggregates only (--benchmark_report_aggregates_only): a summary, no samples. */
static int gb_fill_aggregates(struct where *w, struct gb_group *g, struct kb_result *r)
{
	const json_t *row = g->median_row ? g->median_row : g->mean_row;
	const char *key, *unit;
	double scale;
	json_t *v;
	int rc;

	if (!row)
		return schema_err(w, NULL,
				  "no iteration rows and no median or mean aggregate: no time to compare");
	if ((rc = gb_unit_scale(w, row, &scale, &unit)) ||
	    (rc = gb_time(w, row, "real_time", scale, false, &r->summary.median)))
		return rc;
	r->summary.n = g->nagg_reps;
	r->rounds = g->nagg_reps;
	r->summary.mean = gb_time_opt(g->mean_row, "real_time", scale);
	r->summary.sd = gb_time_opt(g->stddev_row, "real_time", scale);
	r->gb_cpu_time_ns = gb_time_opt(row, "cpu_time", scale);
	json_object_foreach((json_t *)row, key, v) {
		if (gb_known_key(key) || !json_is_number(v))
			continue;
		if ((rc = kb_result_set_counter(r, key, json_number_value(v))))
			return rc;
	}
	return 0;
}

static int gb_fill_result(struct where *w, struct gb_group *g, struct kb_result *r)
{
	int rc;

	init_result(r);
	r->id = g->id;
	g->id = NULL;
	w->id = r->id;
	if ((rc = split_id(r->id, &r->suite, &r->kernel)) || (rc = dup_str("ns", &r->unit)) ||
	    (rc = dup_str("wall", &r->timer)))
		return rc;
	if (g->error || g->skipped) {
		const char *msg = g->message ? g->message : g->error ? "error" : "skipped";

		r->status = g->error ? KB_STATUS_ERROR : KB_STATUS_SKIPPED;
		return dup_str(msg, &r->message);
	}
	r->status = KB_STATUS_OK;
	if (g->nrows)
		return gb_fill_samples(g, r);
	return gb_fill_aggregates(w, g, r);
}

static int gb_check_row(struct where *w, const json_t *row, const char **rt)
{
	json_t *name, *run_name, *run_type;

	if (!json_is_object(row))
		return schema_err(w, NULL, "expected an object, found %s", type_name(row));
	name = json_object_get(row, "name");
	if (!name)
		return schema_err(w, "name", "missing (expected a string)");
	if (!json_is_string(name))
		return schema_err(w, "name", "expected a string, found %s", type_name(name));
	run_name = json_object_get(row, "run_name");
	if (run_name && !json_is_string(run_name))
		return schema_err(w, "run_name", "expected a string, found %s", type_name(run_name));
	run_type = json_object_get(row, "run_type");
	if (run_type && !json_is_string(run_type))
		return schema_err(w, "run_type", "expected a string, found %s", type_name(run_type));
	*rt = json_string_value(run_type);
	return 0;
}

static int gb_read_context(struct where *w, const json_t *root, struct kb_run *run)
{
	json_t *context = json_object_get(root, "context"), *sv;
	struct kv_list ctx = { 0 };
	int rc;

	if (!context || json_is_null(context))
		return 0;
	if (!json_is_object(context))
		return schema_err(w, "context", "expected an object, found %s", type_name(context));
	sv = json_object_get(context, "json_schema_version");
	if (sv && !json_is_integer(sv))
		return schema_err(w, "context.json_schema_version", "expected an integer, found %s",
				  type_name(sv));
	if (sv && json_integer_value(sv) != 1)
		return schema_err(w, "context.json_schema_version",
				  "Google Benchmark JSON schema %" JSON_INTEGER_FORMAT
				  " is not supported (only 1)", json_integer_value(sv));
	/* kbench's gbench writer records the machine fingerprint as a custom
	 * context key, so its files are checked like kbench JSON. */
	if ((rc = get_str(w, context, "date", false, true, &run->date)) ||
	    (rc = get_str(w, context, "library_version", false, true, &run->harness_version)) ||
	    (rc = get_str(w, context, "kbench_fingerprint", false, true, &run->fingerprint)))
		return rc;
	rc = flatten(&ctx, "", context, 0);
	run->context = ctx.v;
	run->ncontext = ctx.n;
	return rc;
}

/* Google Benchmark's complexity rows: aggregate_name "BigO" or "RMS". */
static bool gb_fit_row(const json_t *row, const char *rt)
{
	const char *agg = json_string_value(json_object_get(row, "aggregate_name"));

	return rt && strcmp(rt, "aggregate") == 0 && agg &&
	       (strcmp(agg, "BigO") == 0 || strcmp(agg, "RMS") == 0);
}

static int read_gbench(struct where *w, const json_t *root, struct kb_run *run)
{
	struct gb_group *groups = NULL;
	struct id_index ix = { 0 };
	size_t ngroups = 0, i, j, nrows;
	json_t *rows;
	int rc;

	if ((rc = dup_str("gbench", &run->format)) || (rc = gb_read_context(w, root, run)))
		return rc;
	w->item = "row";
	run->schema_version = 0;
	rows = json_object_get(root, "benchmarks");
	if (!json_is_array(rows))
		return schema_err(w, "benchmarks", "expected an array, found %s", type_name(rows));
	nrows = json_array_size(rows);
	if (nrows == 0)
		return schema_err(w, "benchmarks", "the list is empty: nothing to compare");
	groups = calloc(nrows, sizeof(*groups));
	if (!groups)
		return kb_error(KB_ENOMEM, "out of memory");
	if ((rc = id_index_init(&ix, nrows)))
		goto out;

	for (i = 0; i < nrows; i++) {
		const json_t *row = json_array_get(rows, i);
		const char *rt = NULL;
		char *id;

		w->index = i;
		w->id = NULL;
		if ((rc = gb_check_row(w, row, &rt)))
			goto out;
		w->id = json_string_value(json_object_get(row, "name"));
		if (gb_fit_row(row, rt))
			continue; /* a complexity fit (BigO, RMS) is about a family, not a benchmark */
		id = gb_row_id(row, rt && strcmp(rt, "aggregate") == 0);
		if (!id) {
			rc = kb_error(KB_ENOMEM, "out of memory");
			goto out;
		}
		if (!*id) {
			free(id);
			rc = schema_err(w, "name", "is empty");
			goto out;
		}
		groups[ngroups].id = id;
		j = id_index_find_or_add(&ix, id, ngroups, group_id, groups);
		if (j == SIZE_MAX) {
			j = ngroups++;
			groups[j].first_row = i;
		} else {
			free(id);
			groups[ngroups].id = NULL;
		}
		if ((rc = gb_read_row(w, row, &groups[j])))
			goto out;
	}

	run->results = calloc(ngroups, sizeof(*run->results));
	if (!run->results) {
		rc = kb_error(KB_ENOMEM, "out of memory");
		goto out;
	}
	for (j = 0; j < ngroups; j++) {
		w->index = groups[j].first_row;
		rc = gb_fill_result(w, &groups[j], &run->results[j]);
		run->nresults = j + 1;
		if (rc)
			goto out;
	}
	w->index = SIZE_MAX;
out:
	free(ix.slot);
	gb_groups_free(groups, ngroups);
	return rc;
}

/* ---- entry points ------------------------------------------------------- */

int kb_run_parse(const char *text, size_t len, const char *name, struct kb_run *out)
{
	struct where w = { .name = name ? name : "<input>", .index = SIZE_MAX, .item = "benchmark" };
	const char *nul;
	json_error_t jerr;
	json_t *root;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > KB_JSON_MAX_BYTES)
		return kb_error(KB_EINVAL, "%s: %zu bytes is larger than the %zu MiB limit for a results file",
				w.name, len, KB_JSON_MAX_BYTES >> 20);
	for (i = 0; i < len; i++)
		if (!strchr(" \t\r\n", text[i]))
			break;
	if (i == len)
		return kb_error(KB_EPARSE, "%s: empty file (expected a kbench or Google Benchmark JSON object)",
				w.name);
	nul = memchr(text, '\0', len);
	if (nul)
		return kb_error(KB_EPARSE, "%s: a NUL byte at offset %zu: not a JSON text file", w.name,
				(size_t)(nul - text));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	/*
	 * Google Benchmark writes user counters as keys of the row, so a counter
	 * named like a field ("threads") duplicates a key; its readers keep the
	 * last.  Tolerate that in Google Benchmark JSON only.
	 */
	if (!root && strstr(jerr.text, "duplicate object key")) {
		json_error_t again;
		json_t *lax = json_loadb(text, len, JSON_DECODE_ANY, &again);

		if (json_is_object(lax) && !json_object_get(lax, "schema_version") &&
		    json_object_get(lax, "benchmarks"))
			root = lax;
		else
			json_decref(lax);
	}
	if (!root) {
		const char *hint = "";

		if (strstr(jerr.text, "NaN") || strstr(jerr.text, "Infinity") ||
		    strstr(jerr.text, "overflow"))
			hint = " (NaN and infinities are not JSON numbers; write null)";
		return kb_error(KB_EPARSE, "%s:%d:%d: malformed JSON: %s%s", w.name, jerr.line,
				jerr.column, jerr.text, hint);
	}
	if (!json_is_object(root)) {
		rc = kb_error(KB_ESCHEMA, "%s: expected a JSON object at the top level, found %s",
			      w.name, type_name(root));
		goto out;
	}
	if (json_object_get(root, "schema_version"))
		rc = read_kbench(&w, root, out);
	else if (json_object_get(root, "benchmarks"))
		rc = read_gbench(&w, root, out);
	else
		rc = kb_error(KB_ESCHEMA,
			      "%s: neither kbench JSON (no \"schema_version\") nor Google Benchmark JSON (no \"benchmarks\")",
			      w.name);
out:
	json_decref(root);
	if (rc)
		kb_run_clear(out);
	return rc;
}

int kb_run_load(const char *path, struct kb_run *out)
{
	struct stat st;
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "rb");
	if (!f)
		return kb_error(errno == ENOENT ? KB_ENOTFOUND : KB_EIO, "%s: cannot open: %s", path,
				strerror(errno));
	if (fstat(fileno(f), &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			rc = kb_error(KB_EIO, "%s: is a directory, not a results file", path);
			goto out_close;
		}
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > KB_JSON_MAX_BYTES) {
			rc = kb_error(KB_EINVAL, "%s: %" PRIu64 " bytes is larger than the %zu MiB limit for a results file",
				      path, (uint64_t)st.st_size, KB_JSON_MAX_BYTES >> 20);
			goto out_close;
		}
	}
	/* Read in chunks: pipes and /proc files have no useful size. */
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb;

			if (cap > KB_JSON_MAX_BYTES) {
				rc = kb_error(KB_EINVAL, "%s: larger than the %zu MiB limit for a results file",
					      path, KB_JSON_MAX_BYTES >> 20);
				goto out_free;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = kb_error(KB_ENOMEM, "%s: out of memory reading the file", path);
				goto out_free;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = kb_error(KB_EIO, "%s: read error: %s", path, strerror(errno));
		goto out_free;
	}
	rc = kb_run_parse(buf ? buf : "", len, path, out);
out_free:
	free(buf);
out_close:
	fclose(f);
	return rc;
}

/* ---- baseline directories ------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Moves the results of `from` to the end of `into`; refuses duplicate ids. */
static int append_results(struct kb_run *into, struct kb_run *from, const char *path)
{
	struct kb_result *nr;
	size_t i;

	for (i = 0; i < from->nresults; i++)
		if (kb_run_find(into, from->results[i].id))
			return kb_error(KB_ESCHEMA, "%s: benchmark \"%s\" is also in another file of the directory",
					path, from->results[i].id);
	nr = realloc(into->results, (into->nresults + from->nresults + 1) * sizeof(*nr));
	if (!nr)
		return kb_error(KB_ENOMEM, "out of memory");
	into->results = nr;
	memcpy(nr + into->nresults, from->results, from->nresults * sizeof(*nr));
	into->nresults += from->nresults;
	free(from->results);
	from->results = NULL;
	from->nresults = 0;
	return 0;
}

int kb_run_load_dir(const char *dir, struct kb_run *out)
{
	char **names = NULL, path[4096];
	size_t n = 0, i;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	d = opendir(dir);
	if (!d)
		return kb_error(errno == ENOENT ? KB_ENOTFOUND : KB_EIO, "%s: cannot open directory: %s",
				dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **nn;

		if (len < 6 || e->d_name[0] == '.' || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = strdup(e->d_name))) {
			names = nn ? nn : names;
			rc = kb_error(KB_ENOMEM, "out of memory");
			goto out;
		}
		names = nn;
		n++;
	}
	if (n == 0) {
		rc = kb_error(KB_ENOTFOUND, "%s: no *.json results in the directory", dir);
		goto out;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		struct kb_run part;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((rc = kb_run_load(path, i == 0 ? out : &part)))
			goto out;
		if (i == 0)
			continue;
		if ((out->fingerprint || part.fingerprint) &&
		    (!out->fingerprint || !part.fingerprint || strcmp(out->fingerprint, part.fingerprint) != 0))
			rc = kb_error(KB_EMISMATCH, "%s: fingerprint \"%s\" differs from \"%s\" of %s/%s", path,
				      part.fingerprint ? part.fingerprint : "(none)",
				      out->fingerprint ? out->fingerprint : "(none)", dir, names[0]);
		else
			rc = append_results(out, &part, path);
		kb_run_clear(&part);
		if (rc)
			goto out;
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	if (rc)
		kb_run_clear(out);
	return rc;
}

int kb_run_load_any(const char *path, struct kb_run *out)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return kb_run_load_dir(path, out);
	return kb_run_load(path, out);
}
