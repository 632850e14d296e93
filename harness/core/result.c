/*
 * result.c - lifecycle and lookup helpers for struct kb_run / kb_result.
 */
#include "result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static const char *const status_names[] = {
	[KB_STATUS_OK] = "ok",
	[KB_STATUS_SKIPPED] = "skipped",
	[KB_STATUS_ERROR] = "error",
	[KB_STATUS_INTERRUPTED] = "interrupted",
};

const char *kb_status_name(enum kb_status status)
{
	if ((unsigned)status < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[status];
	return "unknown";
}

int kb_status_parse(const char *name)
{
	size_t i;

	if (!name)
		return -1;
	for (i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(name, status_names[i]) == 0)
			return (int)i;
	return -1;
}

static void kv_free(struct kb_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void kb_result_clear(struct kb_result *r)
{
	size_t i;

	if (!r)
		return;
	free(r->id);
	free(r->suite);
	free(r->kernel);
	for (i = 0; i < r->nparams; i++) {
		free(r->params[i].name);
		free(r->params[i].str);
	}
	free(r->params);
	free(r->unit);
	free(r->message);
	free(r->label);
	free(r->samples_ns);
	free(r->cpu_samples_ns);
	free(r->sample_round);
	free(r->sample_process);
	free(r->proc.medians_ns);
	free(r->proc.disturbed);
	free(r->proc.drift_entry);
	for (i = 0; i < r->ncounters; i++)
		free(r->counters[i].name);
	free(r->counters);
	free(r->timer);
	memset(r, 0, sizeof(*r));
}

void kb_run_clear(struct kb_run *run)
{
	size_t i;

	if (!run)
		return;
	free(run->format);
	free(run->harness_version);
	free(run->git);
	free(run->fingerprint);
	free(run->date);
	kv_free(run->context, run->ncontext);
	kv_free(run->config, run->nconfig);
	for (i = 0; i < run->nresults; i++)
		kb_result_clear(&run->results[i]);
	free(run->results);
	for (i = 0; i < run->nfits; i++)
		kb_fit_clear(&run->fits[i]);
	free(run->fits);
	memset(run, 0, sizeof(*run));
}

void kb_fit_clear(struct kb_fit *fit)
{
	if (!fit)
		return;
	free(fit->name);
	free(fit->axis);
	free(fit->requested);
	free(fit->big_o);
	free(fit->note);
	memset(fit, 0, sizeof(*fit));
}

const struct kb_counter *kb_result_counter(const struct kb_result *r, const char *name)
{
	size_t i;

	if (!r || !name)
		return NULL;
	for (i = 0; i < r->ncounters; i++)
		if (r->counters[i].name && strcmp(r->counters[i].name, name) == 0)
			return &r->counters[i];
	return NULL;
}

int kb_result_set_counter(struct kb_result *r, const char *name, double value)
{
	struct kb_counter *c;
	char *copy;

	if (!r || !name)
		return kb_error(KB_EINVAL, "kb_result_set_counter: no result or name");
	c = (struct kb_counter *)kb_result_counter(r, name);
	if (c) {
		c->value = value;
		return 0;
	}
	copy = strdup(name);
	if (!copy)
		return kb_error(KB_ENOMEM, "out of memory adding counter %s", name);
	c = realloc(r->counters, (r->ncounters + 1) * sizeof(*c));
	if (!c) {
		free(copy);
		return kb_error(KB_ENOMEM, "out of memory adding counter %s", name);
	}
	r->counters = c;
	c[r->ncounters].name = copy;
	c[r->ncounters].value = value;
	r->ncounters++;
	return 0;
}

static const char *kv_find(const struct kb_kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (kv[i].key && strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return NULL;
}

const char *kb_run_context(const struct kb_run *run, const char *key)
{
	const char *v;

	if (!run || !key)
		return NULL;
	v = kv_find(run->context, run->ncontext, key);
	if (!v)
		v = kv_find(run->config, run->nconfig, key);
	return v;
}

double kb_run_context_num(const struct kb_run *run, const char *key)
{
	const char *v = kb_run_context(run, key);
	char *end;
	double x;

	if (!v)
		return NAN;
	x = strtod(v, &end);
	return end == v || *end ? NAN : x;
}

static int kv_append(struct kb_kv **arr, size_t *n, const char *what, const char *key,
		     const char *value, bool is_num)
{
	struct kb_kv *kv;
	char *k, *v = NULL;

	if (!key)
		return kb_error(KB_EINVAL, "adding %s: no key", what);
	k = strdup(key);
	if (!k)
		goto out_nomem;
	if (value) {
		v = strdup(value);
		if (!v)
			goto out_free_key;
	}
	kv = realloc(*arr, (*n + 1) * sizeof(*kv));
	if (!kv)
		goto out_free_value;
	*arr = kv;
	kv[*n].key = k;
	kv[*n].value = v;
	kv[*n].is_num = is_num;
	(*n)++;
	return 0;

out_free_value:
	free(v);
out_free_key:
	free(k);
out_nomem:
	return kb_error(KB_ENOMEM, "out of memory adding %s %s", what, key);
}

int kb_run_add_context(struct kb_run *run, const char *key, const char *value, bool is_num)
{
	if (!run)
		return kb_error(KB_EINVAL, "kb_run_add_context: no run");
	return kv_append(&run->context, &run->ncontext, "context", key, value, is_num);
}

int kb_run_add_config(struct kb_run *run, const char *key, const char *value, bool is_num)
{
	if (!run)
		return kb_error(KB_EINVAL, "kb_run_add_config: no run");
	return kv_append(&run->config, &run->nconfig, "config", key, value, is_num);
}

const struct kb_result *kb_run_find(const struct kb_run *run, const char *id)
{
	size_t i;

	if (!run || !id)
		return NULL;
	for (i = 0; i < run->nresults; i++)
		if (run->results[i].id && strcmp(run->results[i].id, id) == 0)
			return &run->results[i];
	return NULL;
}
