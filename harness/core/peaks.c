/*
 * peaks.c - machine peaks (GFLOP/s, GB/s) that results are judged
 * against: from kbench.conf, else from the per-machine peak cache, else
 * measured once by a registered function (and cached); each result's
 * pct_peak counter and the context's peaks section.
 *
 * The peak cache is one small "key = value" file per machine fingerprint
 * (default $KBENCH_CACHE_DIR/peaks-<fingerprint>.conf, else
 * $XDG_CACHE_HOME/kbench/peaks-<fingerprint>.conf, else
 * ~/.cache/kbench/...; --peak-cache=FILE or none), written atomically, so
 * %peak is the same between runs and the calibration costs one run.  A
 * malformed file is reported and measured again; --remeasure-peaks
 * measures again and rewrites it.
 *
 * A peak below a rate measured against it is too low: the run notes it on
 * the row (its label), in the context (peaks.<name>_note), and takes the
 * highest rate as that peak for the rest of the run, so no %peak exceeds 100.
 */
#include "context.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "error.h"
#include "fileio.h"
#include "hw.h"
#include "kbench.h"

/* ---- peaks ---------------------------------------------------------------- */

#define KB_PEAK_NOTES 12

struct peak_note {
	char key[48];
	double value;
};

struct peak {
	const char *name, *unit, *method;
	kb_peak_fn fn;
	double value;       /* measured, cached or configured, NAN until known */
	const char *source; /* "kbench.conf", "measured", "cache" */
	struct peak_note notes[KB_PEAK_NOTES];
	size_t nnotes;
	bool tried, recorded;
};
static struct peak peaks[32];
static size_t npeaks;
static bool measure_peaks = true;
static struct peak *measuring; /* the peak whose function runs: kb_peak_note's target */

/* The results of this run judged against a peak: for the rate check. */
struct use {
	size_t result;
	struct peak *peak;
};
static struct use *uses;
static size_t nuses, cap_uses;

/* The cache: path, the file read once, its entries (name or name.note). */
struct cache_entry {
	char key[96];
	double value;
};
static char *cache_path;          /* NULL: the default; "none": no cache */
static bool cache_remeasure;
static bool cache_loaded;
static struct cache_entry *cache;
static size_t ncache;
static char cache_used[1024];     /* the file read or written, "" for none */
static bool cache_recorded;       /* peaks.cache is in the context */

void kb_context_measure_peaks(bool measure)
{
	measure_peaks = measure;
}

void kb_context_peak_cache(const char *path, bool remeasure)
{
	free(cache_path);
	cache_path = path ? strdup(path) : NULL;
	cache_remeasure = remeasure;
	cache_loaded = false;
	cache_recorded = false;
	cache_used[0] = 0;
	free(cache);
	cache = NULL;
	ncache = 0;
}

void kb__context_peaks_reset(void)
{
	npeaks = 0;
	nuses = 0;
	free(uses);
	uses = NULL;
	cap_uses = 0;
	kb_context_peak_cache(NULL, false);
	free(cache_path);
	cache_path = NULL;
}

void kb_register_peak(const char *name, const char *unit, const char *method, kb_peak_fn fn)
{
	if (npeaks < sizeof(peaks) / sizeof(peaks[0]))
		peaks[npeaks++] = (struct peak){ .name = name, .unit = unit, .method = method,
						 .fn = fn, .value = NAN };
}

void kb_peak_note(const char *key, double value)
{
	if (!measuring || measuring->nnotes == KB_PEAK_NOTES)
		return;
	snprintf(measuring->notes[measuring->nnotes].key, sizeof(measuring->notes[0].key), "%s", key);
	measuring->notes[measuring->nnotes++].value = value;
}

static struct peak *find_peak(const char *name)
{
	for (size_t i = 0; i < npeaks; i++)
		if (strcmp(peaks[i].name, name) == 0)
			return &peaks[i];
	return NULL;
}

bool kb__peak_known(const char *name)
{
	char key[128];

	snprintf(key, sizeof(key), "peak.%s", name);
	return find_peak(name) || kb_conf_get(key);
}

int kb__peak_level(uint64_t working_set_bytes)
{
	if (kb_cache_bytes(3) && working_set_bytes > kb_cache_bytes(3))
		return 4; /* beyond the last-level cache, whatever the levels below say */
	for (int l = 1; l <= 3; l++) {
		uint64_t c = kb_cache_bytes(l);
		if (c && working_set_bytes <= c)
			return l;
	}
	return 0;
}

/* ---- the cache file --------------------------------------------------------- */

static void cache_default_path(const char *fingerprint, char *buf, size_t len)
{
	char *p = kb_cache_path("peaks-", fingerprint, ".conf");

	snprintf(buf, len, "%s", p ? p : "");
	free(p);
}

/* Parses the cache; returns 0, or the line number of the first bad line
 * (its complaint in *why). */
static unsigned cache_parse(FILE *f, const char *fingerprint, const char **why)
{
	char line[512];
	unsigned lineno = 0;
	bool fp_ok = false;

	while (fgets(line, sizeof(line), f)) {
		char *eq, *key, *val, *end;
		struct cache_entry *grown;

		lineno++;
		if (!strchr(line, '\n') && !feof(f))
			return *why = "a line longer than 511 characters", lineno;
		key = kb_conf_trim(line);
		if (!*key || *key == '#')
			continue;
		if (!(eq = strchr(key, '=')))
			return *why = "expected 'key = value'", lineno;
		*eq = 0;
		key = kb_conf_trim(key);
		val = kb_conf_trim(eq + 1);
		if (strcmp(key, "fingerprint") == 0) {
			if (strcmp(val, fingerprint) != 0)
				return *why = "written for another machine fingerprint", lineno;
			fp_ok = true;
			continue;
		}
		if (strcmp(key, "date") == 0)
			continue;
		errno = 0;
		double v = strtod(val, &end);
		if (!*key || strlen(key) >= sizeof(cache->key) || end == val || *end || errno ||
		    !isfinite(v) || v < 0)
			return *why = "expected '<peak>[.<note>] = <finite number >= 0>'", lineno;
		grown = realloc(cache, (ncache + 1) * sizeof(*cache));
		if (!grown)
			return *why = "out of memory", lineno;
		cache = grown;
		snprintf(cache[ncache].key, sizeof(cache->key), "%s", key);
		cache[ncache++].value = v;
	}
	if (!fp_ok)
		return *why = "no 'fingerprint = ...' line", lineno ? lineno : 1;
	return 0;
}

static void cache_load(struct kb_run *run)
{
	char path[1024];
	const char *why = NULL;
	unsigned bad;
	FILE *f;

	if (cache_loaded)
		return;
	cache_loaded = true;
	if (cache_path && strcmp(cache_path, "none") == 0)
		return;
	if (cache_path)
		snprintf(path, sizeof(path), "%s", cache_path);
	else
		cache_default_path(run->fingerprint ? run->fingerprint : "unknown", path, sizeof(path));
	if (!path[0])
		return;
	snprintf(cache_used, sizeof(cache_used), "%s", path);
	if (cache_remeasure || !(f = fopen(path, "r")))
		return;
	bad = cache_parse(f, run->fingerprint ? run->fingerprint : "unknown", &why);
	fclose(f);
	if (bad) {
		fprintf(stderr, "kbench: peak cache %s, line %u: %s; measuring the peaks again\n", path,
			bad, why);
		kb_ctx_addf(run, "peaks.cache_note", "%s, line %u: %s; measured again", path, bad, why);
		free(cache);
		cache = NULL;
		ncache = 0;
	}
}

static bool cache_get(const char *key, double *v)
{
	for (size_t i = 0; i < ncache; i++)
		if (strcmp(cache[i].key, key) == 0) {
			*v = cache[i].value;
			return true;
		}
	return false;
}

static void cache_put(const char *key, double v)
{
	struct cache_entry *grown;

	for (size_t i = 0; i < ncache; i++)
		if (strcmp(cache[i].key, key) == 0) {
			cache[i].value = v;
			return;
		}
	grown = realloc(cache, (ncache + 1) * sizeof(*cache));
	if (!grown)
		return;
	cache = grown;
	snprintf(cache[ncache].key, sizeof(cache->key), "%s", key);
	cache[ncache++].value = v;
}

struct cache_write {
	const struct kb_run *run;
};

static int cache_write_cb(FILE *f, const void *ctx)
{
	const struct cache_write *w = ctx;

	fprintf(f, "# kbench machine peaks (GFLOP/s, GB/s), measured once for this machine.\n"
		   "# Delete this file or run kbench --remeasure-peaks to measure them again.\n");
	fprintf(f, "fingerprint = %s\n", w->run->fingerprint ? w->run->fingerprint : "unknown");
	fprintf(f, "date = %s\n", w->run->date ? w->run->date : "");
	for (size_t i = 0; i < ncache; i++)
		fprintf(f, "%s = %.9g\n", cache[i].key, cache[i].value);
	return ferror(f) ? -1 : 0;
}

static void cache_store(struct kb_run *run, const struct peak *p)
{
	char key[160], dir[1024], *slash;
	struct cache_write w = { run };

	if (!cache_used[0])
		return;
	cache_put(p->name, p->value);
	for (size_t i = 0; i < p->nnotes; i++)
		if (isfinite(p->notes[i].value)) {
			snprintf(key, sizeof(key), "%s.%s", p->name, p->notes[i].key);
			cache_put(key, p->notes[i].value);
		}
	snprintf(dir, sizeof(dir), "%s", cache_used);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = 0;
		kb_mkdir_p(dir);
	}
	if (kb_file_write_atomic(cache_used, cache_write_cb, &w) != 0) {
		fprintf(stderr, "kbench: cannot write the peak cache %s: %s (peaks are measured again "
			"next run)\n", cache_used, kb_last_error());
		cache_used[0] = 0;
	}
}

/* Fills p->notes from the cache entries "<name>.<note>". */
static void cache_notes(struct peak *p)
{
	size_t len = strlen(p->name);

	for (size_t i = 0; i < ncache && p->nnotes < KB_PEAK_NOTES; i++)
		if (strncmp(cache[i].key, p->name, len) == 0 && cache[i].key[len] == '.') {
			snprintf(p->notes[p->nnotes].key, sizeof(p->notes[0].key), "%s",
				 cache[i].key + len + 1);
			p->notes[p->nnotes++].value = cache[i].value;
		}
}

/* ---- using a peak ------------------------------------------------------------ */

static void peak_obtain(struct kb_run *run, struct peak *p)
{
	char conf_key[128];
	double v = NAN;

	p->tried = true;
	snprintf(conf_key, sizeof(conf_key), "peak.%s", p->name);
	v = kb_conf_number(conf_key);
	if (!isnan(v)) {
		p->value = v;
		p->method = p->source = "kbench.conf";
		return;
	}
	if (!p->fn)
		return;
	if (!measure_peaks) {
		p->method = "not measured (--no-peaks)";
		return;
	}
	cache_load(run);
	if (cache_get(p->name, &v)) {
		p->value = v;
		p->source = "cache";
		cache_notes(p);
		return;
	}
	/* the best of three, as STREAM reports its best time: on a shared
	 * machine interference only ever lowers a peak */
	measuring = p;
	for (int trial = 0; trial < 3; trial++) {
		struct peak_note kept[KB_PEAK_NOTES];
		size_t nkept = p->nnotes;

		memcpy(kept, p->notes, sizeof(kept));
		p->nnotes = 0;
		v = p->fn();
		if (v > 0 && isfinite(v) && !(v <= p->value)) {
			p->value = v; /* and the notes of this, the best trial */
		} else {
			memcpy(p->notes, kept, sizeof(kept));
			p->nnotes = nkept;
		}
	}
	measuring = NULL;
	if (isnan(p->value))
		return;
	p->source = "measured";
	cache_store(run, p);
}

static void peak_record(struct kb_run *run, struct peak *p)
{
	char key[160];

	p->recorded = true;
	snprintf(key, sizeof(key), "peaks.%s", p->name);
	kb_ctx_add_num(run, key, p->value);
	snprintf(key, sizeof(key), "peaks.%s_unit", p->name);
	kb_ctx_add(run, key, p->unit);
	snprintf(key, sizeof(key), "peaks.%s_method", p->name);
	kb_ctx_add(run, key, !isnan(p->value) || (p->fn && !measure_peaks)
				  ? p->method
				  : "unavailable (no kbench.conf value, no measuring function)");
	snprintf(key, sizeof(key), "peaks.%s_source", p->name);
	kb_ctx_add(run, key, p->source);
	if (p->source && strcmp(p->source, "kbench.conf") != 0 && cache_used[0] && !cache_recorded) {
		cache_recorded = true;
		kb_ctx_add(run, "peaks.cache", cache_used);
	}
	for (size_t i = 0; i < p->nnotes; i++) {
		snprintf(key, sizeof(key), "peaks.%s_%s", p->name, p->notes[i].key);
		kb_ctx_add_num(run, key, p->notes[i].value);
	}
}

/* The rate of a result in the peak's unit, or NULL. */
static const struct kb_counter *rate_of(const struct kb_result *r, const struct peak *p)
{
	const struct kb_counter *rate =
		kb_result_counter(r, p->unit && strstr(p->unit, "GB") ? "gbps" : "gflops");

	if (!rate)
		rate = kb_result_counter(r, "gbps");
	return rate && isfinite(rate->value) ? rate : NULL;
}

void kb__context_use_peak(struct kb_run *run, struct kb_result *r, const char *name)
{
	struct peak *p = find_peak(name);
	const struct kb_counter *rate;

	if (!p) {
		if (npeaks == sizeof(peaks) / sizeof(peaks[0]))
			return;
		peaks[npeaks] = (struct peak){ .name = name, .value = NAN };
		p = &peaks[npeaks++];
	}
	if (!p->tried)
		peak_obtain(run, p);
	if (!p->recorded)
		peak_record(run, p);
	if (isnan(p->value) || !(rate = rate_of(r, p)))
		return;
	kb_result_set_counter(r, "pct_peak", 100.0 * rate->value / p->value);
	if (r >= run->results && r < run->results + run->nresults) {
		if (nuses == cap_uses) {
			size_t cap = cap_uses ? 2 * cap_uses : 64;
			struct use *grown = realloc(uses, cap * sizeof(*uses));
			if (!grown)
				return;
			uses = grown;
			cap_uses = cap;
		}
		uses[nuses++] = (struct use){ (size_t)(r - run->results), p };
	}
}

/* Replaces the number under `key` in the context (added when absent). */
static void ctx_replace_num(struct kb_run *run, const char *key, double v)
{
	char buf[64];

	for (size_t i = 0; i < run->ncontext; i++)
		if (strcmp(run->context[i].key, key) == 0) {
			char *dup;
			snprintf(buf, sizeof(buf), "%.6g", v);
			if (!(dup = strdup(buf)))
				return;
			free(run->context[i].value);
			run->context[i].value = dup;
			run->context[i].is_num = true;
			return;
		}
	kb_ctx_add_num(run, key, v);
}

/* Appends "; text" (or text) to a result's label. */
static void label_append(struct kb_result *r, const char *text)
{
	size_t old = r->label ? strlen(r->label) : 0;
	char *s = malloc(old + strlen(text) + 3);

	if (!s)
		return;
	snprintf(s, old + strlen(text) + 3, "%s%s%s", r->label ? r->label : "", old ? "; " : "", text);
	free(r->label);
	r->label = s;
}

void kb__context_settle_peaks(struct kb_run *run)
{
	char key[160], text[256];

	for (size_t i = 0; i < npeaks; i++) {
		struct peak *p = &peaks[i];
		double old = p->value, best = p->value;
		const char *who = NULL;

		for (size_t u = 0; u < nuses; u++) {
			const struct kb_counter *rate;
			if (uses[u].peak != p || uses[u].result >= run->nresults)
				continue;
			rate = rate_of(&run->results[uses[u].result], p);
			if (rate && rate->value > best) {
				best = rate->value;
				who = run->results[uses[u].result].id;
			}
		}
		if (!who)
			continue;
		for (size_t u = 0; u < nuses; u++) {
			struct kb_result *r;
			const struct kb_counter *rate;
			if (uses[u].peak != p || uses[u].result >= run->nresults)
				continue;
			r = &run->results[uses[u].result];
			rate = rate_of(r, p);
			if (!rate)
				continue;
			if (rate->value > old) {
				snprintf(text, sizeof(text), "rate above peak %s (%.4g %s): that peak is too "
					 "low, %.4g taken as the peak for this run", p->name, old,
					 p->unit ? p->unit : "", best);
				label_append(r, text);
			}
			kb_result_set_counter(r, "pct_peak", 100.0 * rate->value / best);
		}
		snprintf(key, sizeof(key), "peaks.%s", p->name);
		ctx_replace_num(run, key, best);
		snprintf(key, sizeof(key), "peaks.%s_below_rate", p->name);
		kb_ctx_add_num(run, key, old);
		snprintf(key, sizeof(key), "peaks.%s_note", p->name);
		kb_ctx_addf(run, key, "%.6g %s was below the rate of %s; the run took %.6g as the peak",
			    old, p->unit ? p->unit : "", who, best);
	}
	nuses = 0;
}
