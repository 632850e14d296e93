/*
 * conf.c - kbench.conf: "key = value" lines, each key checked when the
 * file is read, so a typo is an error rather than a value silently ignored.
 */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fileio.h"

#include <unistd.h>

/* ---- kbench.conf ------------------------------------------------------------ */

struct conf_entry {
	char *key, *value;
};
static struct conf_entry *conf;
static size_t nconf;
static char conf_path_buf[4096];

void kb_conf_clear(void)
{
	for (size_t i = 0; i < nconf; i++) {
		free(conf[i].key);
		free(conf[i].value);
	}
	free(conf);
	conf = NULL;
	nconf = 0;
}

const char *kb_conf_get(const char *key)
{
	for (size_t i = nconf; i > 0; i--)
		if (strcmp(conf[i - 1].key, key) == 0)
			return conf[i - 1].value;
	return NULL;
}

char *kb_conf_trim(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

/* A number with an optional k/M/G binary suffix, > 0 and finite; NAN if not. */
static double parse_conf_number(const char *v, bool suffix)
{
	char *end;
	double x = strtod(v, &end);

	if (end == v)
		return NAN;
	if (suffix)
		switch (*end) {
		case 'k': case 'K': x *= 1024; end++; break;
		case 'M': x *= 1024 * 1024; end++; break;
		case 'G': x *= 1024.0 * 1024 * 1024; end++; break;
		}
	return (*end == 0 && x > 0 && isfinite(x)) ? x : NAN;
}

/* The keys kbench.conf knows, each value checked when the file is read, so a
 * typo is an error rather than a detected value silently kept. */
static int conf_check(const char *path, unsigned lineno, const char *key, const char *value)
{
	const char *name;

	if (strcmp(key, "cpu.model") == 0)
		return 0;
	if (strcmp(key, "cache.l1d") == 0 || strcmp(key, "cache.l2") == 0 ||
	    strcmp(key, "cache.l3") == 0) {
		if (isnan(parse_conf_number(value, true)))
			return kb_error(KB_EPARSE, "%s, line %u: %s = %s: expected a size in bytes "
				"> 0, with an optional k, M or G suffix (32k, 1M, 32M)", path, lineno, key, value);
		return 0;
	}
	if (strncmp(key, "peak.", 5) == 0) {
		name = key + 5;
		if (!*name || name[strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_")])
			return kb_error(KB_EPARSE, "%s, line %u: %s: expected peak.<name> with a name of "
				"a-z, 0-9 and _ (peak.flops_f32, peak.bandwidth)", path, lineno, key);
		if (isnan(parse_conf_number(value, false)))
			return kb_error(KB_EPARSE, "%s, line %u: %s = %s: expected a number > 0 (the "
				"peak in its unit: GFLOP/s or GB/s)", path, lineno, key, value);
		return 0;
	}
	return kb_error(KB_EPARSE, "%s, line %u: unknown key \"%s\" (known: cpu.model, cache.l1d, "
			"cache.l2, cache.l3, peak.<name>)", path, lineno, key);
}

int kb_conf_load(const char *path, const char **used)
{
	char line[1024];
	unsigned lineno = 0;
	FILE *f;
	int rc = 0;

	*used = NULL;
	if (!path)
		path = getenv("KBENCH_CONFIG");
	if (!path) {
		if (access("kbench.conf", R_OK) != 0)
			return 0;
		path = "kbench.conf";
	}
	f = fopen(path, "r");
	if (!f)
		return kb_error(KB_EIO, "cannot read config file %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *eq, *key, *value, *hash;
		struct conf_entry *v;

		lineno++;
		if ((hash = strchr(line, '#')))
			*hash = 0;
		key = kb_conf_trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			rc = kb_error(KB_EPARSE, "%s, line %u: expected \"key = value\", got \"%s\"", path, lineno, key);
			break;
		}
		*eq = 0;
		key = kb_conf_trim(key);
		value = kb_conf_trim(eq + 1);
		if (!*key || !*value) {
			rc = kb_error(KB_EPARSE, "%s, line %u: empty key or value", path, lineno);
			break;
		}
		if ((rc = conf_check(path, lineno, key, value)))
			break;
		v = realloc(conf, (nconf + 1) * sizeof(*v));
		if (!v) {
			rc = kb_error(KB_ENOMEM, "out of memory reading %s", path);
			break;
		}
		conf = v;
		conf[nconf].key = strdup(key);
		conf[nconf].value = strdup(value);
		nconf++;
	}
	fclose(f);
	if (rc == 0) {
		snprintf(conf_path_buf, sizeof(conf_path_buf), "%s", path);
		*used = conf_path_buf;
	}
	return rc;
}

/* A conf number (checked when read); NAN if absent.  Cache sizes take a
 * k/M/G suffix, peaks do not. */
double kb_conf_number(const char *key)
{
	const char *v = kb_conf_get(key);

	return v ? parse_conf_number(v, strncmp(key, "cache.", 6) == 0) : NAN;
}
