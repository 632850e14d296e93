#include "registry.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct kb_axis {
	char *name;
	int64_t *values;
	size_t count;
};

struct kb_set {
	bool quick;
	bool large; /* only under --large */
	size_t naxes;
	struct kb_axis axes[KB_MAX_AXES];
};

struct kb__bench_priv {
	struct kb_set *sets;
	size_t nsets;
	char *error; /* first registration problem */
	int64_t *threads; /* KB_THREADS: the team sizes, or NULL */
	size_t nthreads;
	int cx_order;   /* KB_COMPLEXITY: an enum kb_big_o, 0 when not asked */
	char *cx_axis;  /* its axis, NULL for "n" or the only axis */
};

static struct kb_bench **benches;
static size_t nbenches, cap_benches;

static void set_error(struct kb_bench *b, const char *msg)
{
	if (b->priv && !b->priv->error)
		b->priv->error = strdup(msg);
}

static struct kb__bench_priv *priv_of(struct kb_bench *b)
{
	if (!b->priv)
		b->priv = calloc(1, sizeof(*b->priv));
	return b->priv;
}

void kb_register(struct kb_bench *bench)
{
	if (nbenches == cap_benches) {
		size_t cap = cap_benches ? 2 * cap_benches : 64;
		struct kb_bench **v = realloc(benches, cap * sizeof(*v));
		if (!v)
			return; /* reported as a missing benchmark; nothing else to do at load time */
		benches = v;
		cap_benches = cap;
	}
	priv_of(bench);
	benches[nbenches++] = bench;
}

size_t kb_registry_count(void)
{
	return nbenches;
}

static void free_set(struct kb_set *s)
{
	for (size_t a = 0; a < s->naxes; a++) {
		free(s->axes[a].name);
		free(s->axes[a].values);
	}
}

void kb_registry_reset(void)
{
	for (size_t i = 0; i < nbenches; i++) {
		struct kb__bench_priv *p = benches[i]->priv;
		if (!p)
			continue;
		for (size_t s = 0; s < p->nsets; s++)
			free_set(&p->sets[s]);
		free(p->sets);
		free(p->error);
		free(p->cx_axis);
		free(p->threads);
		free(p);
		benches[i]->priv = NULL;
	}
	free(benches);
	benches = NULL;
	nbenches = cap_benches = 0;
}

static struct kb_set *add_set(struct kb_bench *b, bool quick)
{
	struct kb__bench_priv *p = priv_of(b);
	struct kb_set *v;

	if (!p)
		return NULL;
	v = realloc(p->sets, (p->nsets + 1) * sizeof(*v));
	if (!v)
		return NULL;
	p->sets = v;
	memset(&v[p->nsets], 0, sizeof(v[p->nsets]));
	v[p->nsets].quick = quick;
	return &v[p->nsets++];
}

/* ---- spec parsing --------------------------------------------------------- */

static int parse_int(const char **pp, int64_t *out, const char *spec)
{
	const char *p = *pp;
	char *end;
	long long v;

	errno = 0;
	v = strtoll(p, &end, 0);
	if (end == p || errno)
		return kb_error(KB_EINVAL, "parameter spec \"%s\": expected an integer at \"%s\"", spec, p);
	switch (*end) {
	case 'k': case 'K': v *= 1024LL; end++; break;
	case 'M': v *= 1024LL * 1024; end++; break;
	case 'G': v *= 1024LL * 1024 * 1024; end++; break;
	default: break;
	}
	*out = v;
	*pp = end;
	return 0;
}

static int push_value(int64_t **values, size_t *count, int64_t v)
{
	int64_t *nv = realloc(*values, (*count + 1) * sizeof(*nv));
	if (!nv)
		return kb_error(KB_ENOMEM, "out of memory parsing parameters");
	nv[(*count)++] = v;
	*values = nv;
	return 0;
}

static int range_values(int64_t lo, int64_t hi, int64_t mult, int64_t **values, size_t *count,
			const char *what)
{
	int rc;

	if (lo <= 0 || hi < lo || mult < 2)
		return kb_error(KB_EINVAL,
				"parameter range %s: expected 0 < lo <= hi and a factor >= 2, got %" PRId64
				"..%" PRId64 "*%" PRId64, what, lo, hi, mult);
	for (int64_t v = lo; v <= hi; v *= mult) {
		if ((rc = push_value(values, count, v)))
			return rc;
		if (v > INT64_MAX / mult)
			break;
	}
	return 0;
}

/* One axis "name=list" or "name=lo..hi[*mult]". */
static int parse_axis(const char **pp, const char *spec, char **name, int64_t **values,
		      size_t *count)
{
	const char *p = *pp, *start = p;
	int rc;

	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	if (p == start || *p != '=')
		return kb_error(KB_EINVAL, "parameter spec \"%s\": expected name=values at \"%s\"", spec, start);
	*name = strndup(start, (size_t)(p - start));
	if (!*name)
		return kb_error(KB_ENOMEM, "out of memory parsing parameters");
	p++;
	for (;;) {
		int64_t v, hi, mult = 2;
		if ((rc = parse_int(&p, &v, spec)))
			return rc;
		if (p[0] == '.' && p[1] == '.') {
			p += 2;
			if ((rc = parse_int(&p, &hi, spec)))
				return rc;
			if (*p == '*') {
				p++;
				if ((rc = parse_int(&p, &mult, spec)))
					return rc;
			}
			if ((rc = range_values(v, hi, mult, values, count, spec)))
				return rc;
		} else if ((rc = push_value(values, count, v))) {
			return rc;
		}
		if (*p != ',')
			break;
		p++;
	}
	if (*p && !isspace((unsigned char)*p) && *p != ';')
		return kb_error(KB_EINVAL, "parameter spec \"%s\": unexpected \"%s\"", spec, p);
	*pp = p;
	return 0;
}

int kb_registry_parse_spec(const char *spec, size_t *naxes, char **names, int64_t **values,
			   size_t *counts)
{
	const char *p = spec;
	int rc = 0;

	*naxes = 0;
	for (;;) {
		while (isspace((unsigned char)*p) || *p == ';')
			p++;
		if (!*p)
			break;
		if (*naxes == KB_MAX_AXES)
			return kb_error(KB_EINVAL, "parameter spec \"%s\": more than %d axes", spec, KB_MAX_AXES);
		names[*naxes] = NULL;
		values[*naxes] = NULL;
		counts[*naxes] = 0;
		rc = parse_axis(&p, spec, &names[*naxes], &values[*naxes], &counts[*naxes]);
		(*naxes)++;
		if (rc)
			return rc;
	}
	if (*naxes == 0)
		return kb_error(KB_EINVAL, "parameter spec \"%s\": no axis", spec);
	return 0;
}

void kb_bench_add_space(struct kb_bench *bench, bool quick, const char *spec)
{
	char *names[KB_MAX_AXES];
	int64_t *values[KB_MAX_AXES];
	size_t counts[KB_MAX_AXES], naxes = 0;
	struct kb_set *s;
	int rc;

	priv_of(bench);
	rc = kb_registry_parse_spec(spec, &naxes, names, values, counts);
	s = rc ? NULL : add_set(bench, quick);
	if (!s) {
		set_error(bench, rc ? kb_last_error() : "out of memory adding parameters");
		for (size_t a = 0; a < naxes; a++) {
			free(names[a]);
			free(values[a]);
		}
		return;
	}
	s->naxes = naxes;
	for (size_t a = 0; a < naxes; a++)
		s->axes[a] = (struct kb_axis){ names[a], values[a], counts[a] };
}

void kb_bench_add_large(struct kb_bench *bench, const char *spec)
{
	struct kb__bench_priv *p = priv_of(bench);
	size_t before = p ? p->nsets : 0;

	kb_bench_add_space(bench, false, spec);
	if (p && p->nsets > before)
		p->sets[p->nsets - 1].large = true;
}

static void add_single_axis(struct kb_bench *bench, bool quick, const char *name,
			    int64_t *values, size_t count)
{
	struct kb_set *s = add_set(bench, quick);
	char *n = strdup(name);

	if (!s || !n || count == 0) {
		set_error(bench, count ? "out of memory adding parameters" : "empty parameter list");
		free(n);
		free(values);
		return;
	}
	s->naxes = 1;
	s->axes[0] = (struct kb_axis){ n, values, count };
}

void kb_bench_add_values(struct kb_bench *bench, bool quick, const char *name,
			 const int64_t *values, size_t count)
{
	int64_t *copy = malloc((count ? count : 1) * sizeof(*copy));

	priv_of(bench);
	if (copy)
		memcpy(copy, values, count * sizeof(*copy));
	add_single_axis(bench, quick, name, copy, copy ? count : 0);
}

void kb_bench_add_range(struct kb_bench *bench, bool quick, const char *name, int64_t lo,
			int64_t hi, int64_t mult)
{
	int64_t *values = NULL;
	size_t count = 0;
	char what[96];

	priv_of(bench);
	snprintf(what, sizeof(what), "for %s/%s", bench->suite, bench->name);
	if (range_values(lo, hi, mult, &values, &count, what)) {
		set_error(bench, kb_last_error());
		free(values);
		return;
	}
	add_single_axis(bench, quick, name, values, count);
}

/* ---- threads --------------------------------------------------------------- */

#define KB_MAX_TEAM 256

void kb_bench_add_threads(struct kb_bench *bench, const int64_t *counts, size_t n)
{
	struct kb__bench_priv *p = priv_of(bench);
	int64_t *v;
	char msg[160];

	if (!p)
		return;
	for (size_t i = 0; i < n; i++)
		if (counts[i] < 1 || counts[i] > KB_MAX_TEAM) {
			snprintf(msg, sizeof(msg), "KB_THREADS: %" PRId64 " threads: expected 1 to %d",
				 counts[i], KB_MAX_TEAM);
			set_error(bench, msg);
			return;
		}
	v = realloc(p->threads, (p->nthreads + n) * sizeof(*v));
	if (!v) {
		set_error(bench, "out of memory registering KB_THREADS");
		return;
	}
	memcpy(v + p->nthreads, counts, n * sizeof(*v));
	p->threads = v;
	p->nthreads += n;
}

/* ---- complexity ----------------------------------------------------------- */

void kb_bench_set_complexity(struct kb_bench *bench, const char *axis, enum kb_big_o order)
{
	struct kb__bench_priv *p = priv_of(bench);
	char msg[160];

	if (!p)
		return;
	if ((int)order < KB_O1 || (int)order > KB_AUTO) {
		snprintf(msg, sizeof(msg), "KB_COMPLEXITY: %d is not an order (expected KB_O1, KB_OLOGN, "
			 "KB_ON, KB_ONLOGN, KB_ON2, KB_ON3 or KB_AUTO)", (int)order);
		set_error(bench, msg);
		return;
	}
	if (p->cx_order) {
		set_error(bench, "KB_COMPLEXITY is given twice");
		return;
	}
	free(p->cx_axis);
	p->cx_axis = axis ? strdup(axis) : NULL;
	if (axis && !p->cx_axis) {
		set_error(bench, "out of memory registering KB_COMPLEXITY");
		return;
	}
	p->cx_order = (int)order;
}

/* The axis index of a set's complexity axis, or -1 when it has none. */
static int cx_axis_of(const char *axis, size_t naxes, const char *const *names)
{
	for (size_t a = 0; a < naxes; a++)
		if (strcmp(names[a], axis ? axis : "n") == 0)
			return (int)a;
	return !axis && naxes == 1 ? 0 : -1;
}

bool kb_instance_complexity(const struct kb_instance *inst, size_t *axis, int *order)
{
	const struct kb__bench_priv *p = inst->bench->priv;
	int a;

	if (!p || !p->cx_order || inst->error)
		return false;
	a = cx_axis_of(p->cx_axis, inst->nparams, inst->param_names);
	if (a < 0)
		return false;
	*axis = (size_t)a;
	*order = p->cx_order;
	return true;
}

/* A complexity axis every parameter set must have. */
static void check_complexity(struct kb_bench *b)
{
	struct kb__bench_priv *p = b->priv;
	char msg[256];

	if (!p || !p->cx_order || p->error)
		return;
	for (size_t s = 0; s < p->nsets; s++) {
		const char *names[KB_MAX_AXES];

		for (size_t a = 0; a < p->sets[s].naxes; a++)
			names[a] = p->sets[s].axes[a].name;
		if (cx_axis_of(p->cx_axis, p->sets[s].naxes, names) >= 0)
			continue;
		if (p->cx_axis)
			snprintf(msg, sizeof(msg), "KB_COMPLEXITY_AXIS names the axis \"%s\", which a "
				 "parameter set of %s/%s does not have", p->cx_axis, b->suite, b->name);
		else
			snprintf(msg, sizeof(msg), "KB_COMPLEXITY: a parameter set of %s/%s has no axis "
				 "\"n\" and more than one axis (name one with KB_COMPLEXITY_AXIS)",
				 b->suite, b->name);
		set_error(b, msg);
		return;
	}
	if (p->nsets == 0)
		set_error(b, "KB_COMPLEXITY needs parameters: a benchmark without KB_ARGS, KB_RANGE or "
			  "KB_SPACE has nothing to fit");
}

/* ---- expansion ------------------------------------------------------------ */

static int push_instance(struct kb_instance_list *out, struct kb_instance *inst)
{
	struct kb_instance *v = realloc(out->v, (out->n + 1) * sizeof(*v));
	if (!v)
		return kb_error(KB_ENOMEM, "out of memory expanding benchmarks");
	out->v = v;
	out->v[out->n++] = *inst;
	return 0;
}

static bool id_taken(const struct kb_instance_list *out, const char *id)
{
	for (size_t i = 0; i < out->n; i++)
		if (strcmp(out->v[i].id, id) == 0)
			return true;
	return false;
}

/* An axis named "bytes" or "*_bytes" reads better as 4KiB, 64MiB, 1GiB. */
static bool is_bytes_axis(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return n >= 5 && strcmp(name + n - 5, "bytes") == 0 && (n == 5 || name[n - 6] == '_');
}

static int format_param(char *buf, size_t len, const char *name, int64_t v)
{
	static const char *units[] = { "KiB", "MiB", "GiB", "TiB" };
	int u = -1;

	if (is_bytes_axis(name))
		while (u < 3 && v >= 1024 && v % 1024 == 0) {
			v /= 1024;
			u++;
		}
	return snprintf(buf, len, "/%" PRId64 "%s", v, u >= 0 ? units[u] : "");
}

static char *make_id(const struct kb_bench *b, const char *const *names, const int64_t *params,
		     size_t n, int threads)
{
	char buf[512];
	int len = snprintf(buf, sizeof(buf), "%s/%s", b->suite, b->name);

	for (size_t i = 0; i < n && len > 0 && (size_t)len < sizeof(buf); i++)
		len += format_param(buf + len, sizeof(buf) - (size_t)len, names[i], params[i]);
	if (threads && len > 0 && (size_t)len < sizeof(buf))
		snprintf(buf + len, sizeof(buf) - (size_t)len, "/threads:%d", threads);
	return strdup(buf);
}

static int expand_set(struct kb_bench *b, const struct kb_set *s, struct kb_instance_list *out)
{
	size_t idx[KB_MAX_AXES] = { 0 };

	const struct kb__bench_priv *p = b->priv;
	size_t nt = p && p->nthreads ? p->nthreads : 1;

	for (;;) {
		for (size_t t = 0; t < nt; t++) {
			struct kb_instance inst = { .bench = b, .nparams = s->naxes };
			for (size_t a = 0; a < s->naxes; a++) {
				inst.param_names[a] = s->axes[a].name;
				inst.params[a] = s->axes[a].values[idx[a]];
			}
			inst.threads = p && p->nthreads ? (int)p->threads[t] : 0;
			inst.id = make_id(b, inst.param_names, inst.params, inst.nparams, inst.threads);
			if (!inst.id)
				return kb_error(KB_ENOMEM, "out of memory expanding benchmarks");
			if (id_taken(out, inst.id))
				free(inst.id);
			else if (push_instance(out, &inst))
				return free(inst.id), -KB_ENOMEM;
		}
		/* odometer: the last axis moves fastest */
		size_t a = s->naxes;
		while (a > 0) {
			a--;
			if (++idx[a] < s->axes[a].count)
				break;
			idx[a] = 0;
			if (a == 0)
				return 0;
		}
		if (s->naxes == 0)
			return 0;
	}
}

int kb_registry_expand(bool quick, bool large, struct kb_instance_list *out)
{
	int rc;

	out->v = NULL;
	out->n = 0;
	for (size_t i = 0; i < nbenches; i++) {
		struct kb_bench *b = benches[i];
		struct kb__bench_priv *p = b->priv;
		bool have_quick = false, any = false;
		char dup[512];

		for (size_t j = 0; j < i; j++)
			if (!strcmp(benches[j]->suite, b->suite) && !strcmp(benches[j]->name, b->name)) {
				snprintf(dup, sizeof(dup), "%s/%s is registered twice (%s:%d and %s:%d)",
					 b->suite, b->name, benches[j]->file, benches[j]->line, b->file, b->line);
				set_error(b, dup);
			}
		check_complexity(b);
		if (p && p->error) {
			struct kb_instance inst = { .bench = b };
			inst.id = make_id(b, NULL, NULL, 0, 0);
			inst.error = strdup(p->error);
			if (!inst.id || !inst.error || id_taken(out, inst.id)) {
				free(inst.id);
				free(inst.error);
				continue;
			}
			if ((rc = push_instance(out, &inst)))
				return rc;
			continue;
		}
		for (size_t s = 0; p && s < p->nsets; s++)
			have_quick |= p->sets[s].quick;
		for (size_t s = 0; p && s < p->nsets; s++) {
			if (p->sets[s].quick != (quick && have_quick))
				continue;
			if (p->sets[s].large && (quick || !large))
				continue;
			any = true;
			if ((rc = expand_set(b, &p->sets[s], out)))
				return rc;
		}
		if (!any) {
			struct kb_set none = { 0 };
			if ((rc = expand_set(b, &none, out)))
				return rc;
		}
	}
	return 0;
}

void kb_instance_list_clear(struct kb_instance_list *list)
{
	for (size_t i = 0; i < list->n; i++) {
		free(list->v[i].id);
		free(list->v[i].error);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* ---- filter --------------------------------------------------------------- */

struct kb_filter {
	bool negate;
	bool all;
	regex_t re;
};

int kb_filter_new(const char *pattern, struct kb_filter **out)
{
	struct kb_filter *f = calloc(1, sizeof(*f));
	int rc;

	*out = NULL;
	if (!f)
		return kb_error(KB_ENOMEM, "out of memory compiling the filter");
	if (!pattern)
		pattern = "";
	if (*pattern == '-') {
		f->negate = true;
		pattern++;
	}
	if (!*pattern || strcmp(pattern, "all") == 0 || strcmp(pattern, ".") == 0) {
		f->all = true;
	} else if ((rc = regcomp(&f->re, pattern, REG_EXTENDED | REG_NOSUB)) != 0) {
		char msg[256];
		regerror(rc, &f->re, msg, sizeof(msg));
		free(f);
		return kb_error(KB_EINVAL, "--filter=%s: not a valid regular expression: %s", pattern, msg);
	}
	*out = f;
	return 0;
}

bool kb_filter_match(const struct kb_filter *f, const char *id)
{
	bool m = f->all || regexec(&f->re, id, 0, NULL, 0) == 0;
	return f->negate ? !m : m;
}

void kb_filter_free(struct kb_filter *f)
{
	if (!f)
		return;
	if (!f->all)
		regfree(&f->re);
	free(f);
}
