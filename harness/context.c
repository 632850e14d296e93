/*
 * context.c - machine facts (hwloc, /proc, uname), their sanity checks and
 * kbench.conf fallbacks, the fingerprint, peaks and context providers.
 *
 * Detected values are claims: a VM may report a NUMA node of 4 GB on a
 * 24 GB machine, or a 320 MB L3.  Each value is checked against plausible
 * bounds; an implausible one is recorded as null with the reason, and
 * kbench.conf can supply the right value.
 */
#define _GNU_SOURCE
#include "context.h"

#include <ctype.h>
#include <errno.h>
#include <hwloc.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "kbench.h"

#ifndef KB_GIT_REV
#define KB_GIT_REV "unknown"
#endif
#ifndef KB_GIT_DIRTY
#define KB_GIT_DIRTY 0
#endif
#ifndef KB_BUILD_CFLAGS
#define KB_BUILD_CFLAGS ""
#endif

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

static char *trim(char *s)
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
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			rc = kb_error(KB_EPARSE, "%s, line %u: expected \"key = value\", got \"%s\"", path, lineno, key);
			break;
		}
		*eq = 0;
		key = trim(key);
		value = trim(eq + 1);
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
static double conf_number(const char *key)
{
	const char *v = kb_conf_get(key);

	return v ? parse_conf_number(v, strncmp(key, "cache.", 6) == 0) : NAN;
}

/* ---- hardware facts ------------------------------------------------------- */

struct cache_fact {
	uint64_t bytes;     /* 0 when unknown */
	const char *source; /* "hwloc", "sysconf", "kbench.conf" */
	char note[192];     /* why a claim was refused */
};

static struct {
	bool done;
	struct cache_fact cache[4]; /* [0] = RAM, [1..3] = L1d, L2, L3 */
	int cores;
	int numa_nodes;
	uint64_t numa_bytes;
	char cpu_model[128];
} hw;

static uint64_t meminfo_kb(const char *field)
{
	char line[256];
	size_t len = strlen(field);
	uint64_t v = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, len) == 0 && line[len] == ':') {
			v = strtoull(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

uint64_t kb_mem_available(void)
{
	return meminfo_kb("MemAvailable") * 1024;
}

static void cpuinfo_field(const char *field, char *out, size_t len)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon || strncmp(line, field, strlen(field)) != 0)
			continue;
		snprintf(out, len, "%s", trim(colon + 1));
		break;
	}
	fclose(f);
}

/* Plausible sizes of one cache of each level, bytes. */
static const uint64_t cache_min[4] = { 0, 4u << 10, 64u << 10, 1u << 20 };
static const uint64_t cache_max[4] = { 0, 1u << 20, 64u << 20, 256u << 20 };

static void judge_cache(int level, uint64_t claim, const char *source)
{
	struct cache_fact *c = &hw.cache[level];
	uint64_t below = level > 1 ? hw.cache[level - 1].bytes : 0;

	if (c->bytes || !claim)
		return;
	if (claim < cache_min[level] || claim > cache_max[level] || claim <= below) {
		size_t used = strlen(c->note);
		snprintf(c->note + used, sizeof(c->note) - used,
			 "%s%s claims %llu bytes for L%d, outside [%llu, %llu] or not above L%d",
			 used ? "; " : "", source, (unsigned long long)claim, level,
			 (unsigned long long)cache_min[level], (unsigned long long)cache_max[level],
			 level - 1);
		return;
	}
	c->bytes = claim;
	c->source = source;
}

static void detect_hw(void)
{
	static const char *conf_keys[4] = { NULL, "cache.l1d", "cache.l2", "cache.l3" };
	static const int sysconf_keys[4] = { 0, _SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL2_CACHE_SIZE,
					     _SC_LEVEL3_CACHE_SIZE };
	uint64_t hwloc_cache[4] = { 0 };
	hwloc_topology_t topo;
	cpu_set_t set;

	if (hw.done)
		return;
	hw.done = true;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		hw.cores = CPU_COUNT(&set);
	if (hw.cores <= 0)
		hw.cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (hwloc_topology_init(&topo) == 0 && hwloc_topology_load(topo) == 0) {
		static const hwloc_obj_type_t types[4] = { HWLOC_OBJ_MACHINE, HWLOC_OBJ_L1CACHE,
							   HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE };
		hwloc_obj_t obj;
		const char *model;

		for (int l = 1; l <= 3; l++) {
			obj = hwloc_get_obj_by_type(topo, types[l], 0);
			if (obj && obj->attr)
				hwloc_cache[l] = obj->attr->cache.size;
		}
		hw.numa_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
		for (int i = 0; i < hw.numa_nodes; i++) {
			obj = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, (unsigned)i);
			if (obj && obj->attr)
				hw.numa_bytes += obj->attr->numanode.local_memory;
		}
		obj = hwloc_get_root_obj(topo);
		model = hwloc_obj_get_info_by_name(obj, "CPUModel");
		if (!model) {
			obj = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
			model = obj ? hwloc_obj_get_info_by_name(obj, "CPUModel") : NULL;
		}
		if (model)
			snprintf(hw.cpu_model, sizeof(hw.cpu_model), "%s", model);
		hwloc_topology_destroy(topo);
	}
	if (!hw.cpu_model[0])
		cpuinfo_field("model name", hw.cpu_model, sizeof(hw.cpu_model));
	if (kb_conf_get("cpu.model"))
		snprintf(hw.cpu_model, sizeof(hw.cpu_model), "%s", kb_conf_get("cpu.model"));
	for (int l = 1; l <= 3; l++) {
		double c = conf_number(conf_keys[l]);
		if (!isnan(c)) {
			hw.cache[l].bytes = (uint64_t)c;
			hw.cache[l].source = "kbench.conf";
			continue;
		}
		judge_cache(l, hwloc_cache[l], "hwloc");
		judge_cache(l, (uint64_t)(sysconf(sysconf_keys[l]) > 0 ? sysconf(sysconf_keys[l]) : 0),
			    "sysconf");
	}
	hw.cache[0].bytes = meminfo_kb("MemTotal") * 1024;
	hw.cache[0].source = "/proc/meminfo";
}

uint64_t kb_cache_bytes(int level)
{
	detect_hw();
	return level >= 0 && level <= 3 ? hw.cache[level].bytes : 0;
}

int kb_cores(void)
{
	detect_hw();
	return hw.cores > 0 ? hw.cores : 1;
}

/* ---- context building ----------------------------------------------------- */

static void ctx_add(struct kb_run *run, const char *key, const char *value)
{
	kb_run_add_context(run, key, value, false);
}

static void ctx_addf(struct kb_run *run, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void ctx_addf(struct kb_run *run, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctx_add(run, key, buf);
}

static void ctx_num(struct kb_run *run, const char *key, double v)
{
	char buf[64];

	if (!isfinite(v)) {
		kb_run_add_context(run, key, NULL, true);
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, sizeof(buf), "%.0f", v);
	else
		snprintf(buf, sizeof(buf), "%.6g", v);
	kb_run_add_context(run, key, buf, true);
}

static void ctx_bool(struct kb_run *run, const char *key, bool v)
{
	kb_run_add_context(run, key, v ? "true" : "false", true);
}

/* Lower-case letters, digits and '-' only. */
static void slug(const char *in, char *out, size_t len)
{
	size_t j = 0;
	bool dash = false;

	for (; *in && j + 1 < len; in++) {
		unsigned char c = (unsigned char)*in;
		if (isalnum(c)) {
			out[j++] = (char)tolower(c);
			dash = false;
		} else if (!dash && j > 0) {
			out[j++] = '-';
			dash = true;
		}
	}
	while (j > 0 && out[j - 1] == '-')
		j--;
	out[j] = 0;
}

/* Context providers and peaks registered by backends and suites. */
struct provider {
	const char *section;
	kb_context_fn fn;
};
static struct provider providers[16];
static size_t nproviders;

void kb_register_context(const char *section, kb_context_fn fn)
{
	if (nproviders < sizeof(providers) / sizeof(providers[0]))
		providers[nproviders++] = (struct provider){ section, fn };
}

struct kb_ctx {
	struct kb_run *run;
	const char *section;
	char fingerprint[256];
};

static void ctx_key(const struct kb_ctx *c, const char *key, char *out, size_t len)
{
	snprintf(out, len, "%s.%s", c->section, key);
}

void kb_ctx_str(struct kb_ctx *c, const char *key, const char *value)
{
	char k[128];
	ctx_key(c, key, k, sizeof(k));
	ctx_add(c->run, k, value);
}

void kb_ctx_num(struct kb_ctx *c, const char *key, double value)
{
	char k[128];
	ctx_key(c, key, k, sizeof(k));
	ctx_num(c->run, k, value);
}

void kb_ctx_fingerprint(struct kb_ctx *c, const char *part)
{
	size_t used = strlen(c->fingerprint);
	if (part && *part)
		snprintf(c->fingerprint + used, sizeof(c->fingerprint) - used, "%s%s",
			 used ? " " : "", part);
}

static void add_caches(struct kb_run *run)
{
	static const char *names[4] = { "ram", "l1d", "l2", "l3" };
	char key[64];

	for (int l = 1; l <= 3; l++) {
		snprintf(key, sizeof(key), "caches.%s_bytes", names[l]);
		ctx_num(run, key, hw.cache[l].bytes ? (double)hw.cache[l].bytes : NAN);
		snprintf(key, sizeof(key), "caches.%s_source", names[l]);
		ctx_add(run, key, hw.cache[l].source);
		if (hw.cache[l].note[0]) {
			snprintf(key, sizeof(key), "caches.%s_note", names[l]);
			ctx_add(run, key, hw.cache[l].note);
		}
	}
}

static void add_memory(struct kb_run *run)
{
	double total = (double)hw.cache[0].bytes;

	ctx_num(run, "memory.total_bytes", total);
	ctx_num(run, "memory.available_bytes", (double)kb_mem_available());
	ctx_num(run, "numa.nodes", hw.numa_nodes);
	ctx_num(run, "numa.memory_bytes", hw.numa_bytes ? (double)hw.numa_bytes : NAN);
	if (hw.numa_bytes && total > 0 && fabs((double)hw.numa_bytes - total) > 0.1 * total)
		ctx_addf(run, "numa.note",
			 "hwloc reports %.1f GiB in NUMA nodes but /proc/meminfo has %.1f GiB; "
			 "the size checks use /proc/meminfo",
			 (double)hw.numa_bytes / 1073741824.0, total / 1073741824.0);
}

static void add_os(struct kb_run *run)
{
	struct utsname u;
	char line[256], pretty[200] = "";
	FILE *f = fopen("/etc/os-release", "r");
	double load[3] = { NAN, NAN, NAN };

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
				char *v = trim(line + 12);
				size_t n = strlen(v);
				if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
					v[n - 1] = 0;
					v++;
				}
				snprintf(pretty, sizeof(pretty), "%s", v);
			}
		fclose(f);
	}
	ctx_add(run, "os.name", pretty[0] ? pretty : NULL);
	if (uname(&u) == 0) {
		ctx_add(run, "os.kernel", u.release);
		ctx_add(run, "os.arch", u.machine);
	}
	if (getloadavg(load, 3) < 0)
		load[0] = load[1] = load[2] = NAN;
	ctx_num(run, "load.avg_1m", load[0]);
	ctx_num(run, "load.avg_5m", load[1]);
	ctx_num(run, "load.avg_15m", load[2]);
}

static bool virtualised(void)
{
	char flags[4096];
	cpuinfo_field("flags", flags, sizeof(flags));
	return strstr(flags, " hypervisor") != NULL;
}

int kb_context_build(struct kb_run *run, const struct kb_config *cfg,
		     const struct kb_timer_info *timer)
{
	char buf[256], host[256] = "", mhz[64], gov[64] = "";
	char fp_cpu[128], fp[512];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	(void)cfg;
	detect_hw();
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	run->date = strdup(buf);
	run->schema_version = KB_SCHEMA_VERSION;
	run->format = strdup("kbench");
	run->harness_version = strdup(KB_VERSION);
	run->git = strdup(KB_GIT_REV);
	gethostname(host, sizeof(host) - 1);

	ctx_add(run, "date", run->date);
	ctx_add(run, "host", host);
	ctx_add(run, "cpu.model", hw.cpu_model[0] ? hw.cpu_model : NULL);
	ctx_num(run, "cpu.cores", hw.cores);
	ctx_num(run, "cpu.online", (double)sysconf(_SC_NPROCESSORS_ONLN));
	cpuinfo_field("cpu MHz", mhz, sizeof(mhz));
	ctx_num(run, "cpu.mhz", mhz[0] ? atof(mhz) : NAN);
	f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "r");
	if (f) {
		if (fgets(gov, sizeof(gov), f))
			trim(gov);
		fclose(f);
	}
	ctx_add(run, "cpu.governor", gov[0] ? gov : NULL);
	ctx_bool(run, "cpu.virtualised", virtualised());
	ctx_bool(run, "cpu.avx2", __builtin_cpu_supports("avx2"));
	ctx_bool(run, "cpu.avx512f", __builtin_cpu_supports("avx512f"));
	add_caches(run);
	add_memory(run);
	add_os(run);
#ifdef __clang__
	ctx_addf(run, "compiler.name", "clang %s", __clang_version__);
	ctx_num(run, "compiler.major", __clang_major__);
#else
	ctx_addf(run, "compiler.name", "gcc %s", __VERSION__);
	ctx_num(run, "compiler.major", __GNUC__);
#endif
	ctx_add(run, "compiler.flags", KB_BUILD_CFLAGS);
	ctx_add(run, "build.git", KB_GIT_REV);
	ctx_bool(run, "build.git_dirty", KB_GIT_DIRTY);
	ctx_add(run, "timer.source", timer ? timer->source : NULL);
	ctx_num(run, "timer.resolution_ns", timer ? timer->resolution_ns : NAN);
	ctx_num(run, "timer.granularity_ns", timer ? timer->granularity_ns : NAN);
	ctx_num(run, "timer.overhead_ns", timer ? timer->overhead_ns : NAN);
	ctx_num(run, "timer.cpu_overhead_ns", timer ? timer->cpu_overhead_ns : NAN);

	/* backends' sections; they may add fingerprint parts (the GPU model) */
	struct kb_ctx c = { .run = run };
	for (size_t i = 0; i < nproviders; i++) {
		c.section = providers[i].section;
		providers[i].fn(&c);
	}

	slug(hw.cpu_model[0] ? hw.cpu_model : "unknown-cpu", fp_cpu, sizeof(fp_cpu));
	ctx_add(run, "fingerprint_parts.cpu_model", hw.cpu_model[0] ? hw.cpu_model : NULL);
	ctx_num(run, "fingerprint_parts.cores", hw.cores);
	ctx_add(run, "fingerprint_parts.gpu", c.fingerprint[0] ? c.fingerprint : NULL);
#ifdef __clang__
	ctx_num(run, "fingerprint_parts.compiler_major", __clang_major__);
	snprintf(buf, sizeof(buf), "clang%d", __clang_major__);
#else
	ctx_num(run, "fingerprint_parts.compiler_major", __GNUC__);
	snprintf(buf, sizeof(buf), "gcc%d", __GNUC__);
#endif
	{
		char gpu[128] = "nogpu";
		if (c.fingerprint[0])
			slug(c.fingerprint, gpu, sizeof(gpu));
		snprintf(fp, sizeof(fp), "%s_%dc_%s_%s", fp_cpu, hw.cores, gpu, buf);
	}
	run->fingerprint = strdup(fp);
	ctx_add(run, "fingerprint", fp);
	return run->date && run->fingerprint ? 0 : kb_error(KB_ENOMEM, "out of memory building context");
}

void kb_context_finish(struct kb_run *run, double wall_s)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return;
	ctx_num(run, "process.peak_rss_bytes", (double)ru.ru_maxrss * 1024);
	ctx_num(run, "process.wall_s", wall_s);
	ctx_num(run, "process.cpu_s", (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
					      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
}

/* ---- peaks ---------------------------------------------------------------- */

struct peak {
	const char *name, *unit, *method;
	kb_peak_fn fn;
	double value;       /* measured or configured, NAN until known */
	bool tried, recorded;
};
static struct peak peaks[16];
static size_t npeaks;
static bool measure_peaks = true;

void kb_context_measure_peaks(bool measure)
{
	measure_peaks = measure;
}

void kb_register_peak(const char *name, const char *unit, const char *method, kb_peak_fn fn)
{
	if (npeaks < sizeof(peaks) / sizeof(peaks[0]))
		peaks[npeaks++] = (struct peak){ name, unit, method, fn, NAN, false, false };
}

void kb__context_use_peak(struct kb_run *run, struct kb_result *r, const char *name)
{
	struct peak *p = NULL;
	const struct kb_counter *rate;
	char key[160], conf_key[128];
	double v;

	for (size_t i = 0; i < npeaks; i++)
		if (strcmp(peaks[i].name, name) == 0)
			p = &peaks[i];
	if (!p) {
		if (npeaks == sizeof(peaks) / sizeof(peaks[0]))
			return;
		peaks[npeaks] = (struct peak){ name, NULL, NULL, NULL, NAN, false, false };
		p = &peaks[npeaks++];
	}
	if (!p->tried) {
		p->tried = true;
		snprintf(conf_key, sizeof(conf_key), "peak.%s", name);
		v = conf_number(conf_key);
		if (!isnan(v)) {
			p->value = v;
			p->method = "kbench.conf";
		} else if (p->fn && !measure_peaks) {
			p->method = "not measured (--no-peaks)";
		} else if (p->fn) {
			/* the best of three, as STREAM reports its best time: on a
			 * shared machine interference only ever lowers a peak */
			for (int trial = 0; trial < 3; trial++) {
				v = p->fn();
				if (v > 0 && isfinite(v) && !(v <= p->value))
					p->value = v;
			}
		}
	}
	if (!p->recorded) {
		p->recorded = true;
		snprintf(key, sizeof(key), "peaks.%s", name);
		ctx_num(run, key, p->value);
		snprintf(key, sizeof(key), "peaks.%s_unit", name);
		ctx_add(run, key, p->unit);
		snprintf(key, sizeof(key), "peaks.%s_method", name);
		ctx_add(run, key, !isnan(p->value) || (p->fn && !measure_peaks)
					  ? p->method
					  : "unavailable (no kbench.conf value, no measuring function)");
	}
	if (isnan(p->value))
		return;
	rate = kb_result_counter(r, p->unit && strstr(p->unit, "GB") ? "gbps" : "gflops");
	if (!rate)
		rate = kb_result_counter(r, "gbps");
	if (rate && isfinite(rate->value))
		kb_result_set_counter(r, "pct_peak", 100.0 * rate->value / p->value);
}

/* ---- pinning -------------------------------------------------------------- */

int kb_pin_apply(const char *pin, int threads, char *what, size_t what_len)
{
	cpu_set_t avail, want;
	int count = 0;

	what[0] = 0;
	if (!pin || strcmp(pin, "none") == 0) {
		snprintf(what, what_len, "none");
		return 0;
	}
	if (sched_getaffinity(0, sizeof(avail), &avail) != 0)
		return kb_error(KB_EUNSUPPORTED, "--pin: cannot read the CPU affinity: %s", strerror(errno));
	CPU_ZERO(&want);
	if (strcmp(pin, "auto") == 0) {
		int navail = CPU_COUNT(&avail);
		if (threads <= 0 || threads >= navail) {
			snprintf(what, what_len, "auto: all %d CPUs (threads=%d)", navail,
				 threads > 0 ? threads : navail);
			return 0;
		}
		/* the last CPUs: CPU 0 takes most interrupts */
		for (int cpu = CPU_SETSIZE - 1; cpu >= 0 && count < threads; cpu--)
			if (CPU_ISSET(cpu, &avail)) {
				CPU_SET(cpu, &want);
				count++;
			}
	} else {
		const char *p = pin;
		while (*p) {
			char *end;
			long cpu = strtol(p, &end, 10);
			if (end == p || cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &avail))
				return kb_error(KB_EINVAL,
						"--pin=%s: expected auto, none or a list of available CPUs "
						"such as 1 or 0,1 (CPUs available: %d)",
						pin, CPU_COUNT(&avail));
			CPU_SET(cpu, &want);
			count++;
			p = end;
			if (*p == ',')
				p++;
			else if (*p)
				return kb_error(KB_EINVAL, "--pin=%s: expected a comma-separated CPU list", pin);
		}
	}
	{
		/* hwloc binds the whole process, threads made later included */
		hwloc_topology_t topo;
		hwloc_bitmap_t set = hwloc_bitmap_alloc();
		int rc = -1;
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
			if (CPU_ISSET(cpu, &want))
				hwloc_bitmap_set(set, (unsigned)cpu);
		if (hwloc_topology_init(&topo) == 0) {
			if (hwloc_topology_load(topo) == 0)
				rc = hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS);
			hwloc_topology_destroy(topo);
		}
		if (rc != 0)
			rc = sched_setaffinity(0, sizeof(want), &want);
		hwloc_bitmap_free(set);
		if (rc != 0)
			return kb_error(KB_EUNSUPPORTED, "--pin=%s: cannot bind: %s", pin, strerror(errno));
	}
	{
		size_t used = (size_t)snprintf(what, what_len, "%s: CPU", pin);
		for (int cpu = 0; cpu < CPU_SETSIZE && used < what_len; cpu++)
			if (CPU_ISSET(cpu, &want))
				used += (size_t)snprintf(what + used, what_len - used, " %d", cpu);
	}
	return 0;
}
