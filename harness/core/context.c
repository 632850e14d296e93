/*
 * context.c - the JSON "context" of a run: the machine facts (hw.c), OS,
 * compiler, build, timer, the backends' providers and the fingerprint.
 */
#define _GNU_SOURCE
#include "context.h"

#include <ctype.h>
#include <errno.h>
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

#include "conf.h"
#include "error.h"
#include "hw.h"
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

/* ---- context building ----------------------------------------------------- */

void kb_ctx_add(struct kb_run *run, const char *key, const char *value)
{
	kb_run_add_context(run, key, value, false);
}

void kb_ctx_addf(struct kb_run *run, const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kb_ctx_add(run, key, buf);
}

void kb_ctx_add_num(struct kb_run *run, const char *key, double v)
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

void kb_ctx_add_bool(struct kb_run *run, const char *key, bool v)
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
	kb_ctx_add(c->run, k, value);
}

void kb_ctx_num(struct kb_ctx *c, const char *key, double value)
{
	char k[128];
	ctx_key(c, key, k, sizeof(k));
	kb_ctx_add_num(c->run, k, value);
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
	const struct kb_hw *hw = kb_hw_get();
	static const char *names[4] = { "ram", "l1d", "l2", "l3" };
	char key[64];

	for (int l = 1; l <= 3; l++) {
		snprintf(key, sizeof(key), "caches.%s_bytes", names[l]);
		kb_ctx_add_num(run, key, hw->cache[l].bytes ? (double)hw->cache[l].bytes : NAN);
		snprintf(key, sizeof(key), "caches.%s_source", names[l]);
		kb_ctx_add(run, key, hw->cache[l].source);
		if (hw->cache[l].note[0]) {
			snprintf(key, sizeof(key), "caches.%s_note", names[l]);
			kb_ctx_add(run, key, hw->cache[l].note);
		}
	}
}

static void add_memory(struct kb_run *run)
{
	const struct kb_hw *hw = kb_hw_get();
	double total = (double)hw->cache[0].bytes;

	kb_ctx_add_num(run, "memory.total_bytes", total);
	kb_ctx_add_num(run, "memory.available_bytes", (double)kb_mem_available());
	kb_ctx_add_num(run, "numa.nodes", hw->numa_nodes);
	kb_ctx_add_num(run, "numa.memory_bytes", hw->numa_bytes ? (double)hw->numa_bytes : NAN);
	if (hw->numa_bytes && total > 0 && fabs((double)hw->numa_bytes - total) > 0.1 * total)
		kb_ctx_addf(run, "numa.note",
			 "hwloc reports %.1f GiB in NUMA nodes but /proc/meminfo has %.1f GiB; "
			 "the size checks use /proc/meminfo",
			 (double)hw->numa_bytes / 1073741824.0, total / 1073741824.0);
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
				char *v = kb_conf_trim(line + 12);
				size_t n = strlen(v);
				if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
					v[n - 1] = 0;
					v++;
				}
				snprintf(pretty, sizeof(pretty), "%s", v);
			}
		fclose(f);
	}
	kb_ctx_add(run, "os.name", pretty[0] ? pretty : NULL);
	if (uname(&u) == 0) {
		kb_ctx_add(run, "os.kernel", u.release);
		kb_ctx_add(run, "os.arch", u.machine);
	}
	if (getloadavg(load, 3) < 0)
		load[0] = load[1] = load[2] = NAN;
	kb_ctx_add_num(run, "load.avg_1m", load[0]);
	kb_ctx_add_num(run, "load.avg_5m", load[1]);
	kb_ctx_add_num(run, "load.avg_15m", load[2]);
}

static bool virtualised(void)
{
	char flags[4096];
	kb_hw_cpuinfo_field("flags", flags, sizeof(flags));
	return strstr(flags, " hypervisor") != NULL;
}

int kb_context_build(struct kb_run *run, const struct kb_timer_info *timer)
{
	char buf[256], host[256] = "", mhz[64], gov[64] = "";
	char fp_cpu[128], fp[512];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	const struct kb_hw *hw = kb_hw_get();
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	run->date = strdup(buf);
	run->schema_version = KB_SCHEMA_VERSION;
	run->format = strdup("kbench");
	run->harness_version = strdup(KB_VERSION);
	run->git = strdup(KB_GIT_REV);
	gethostname(host, sizeof(host) - 1);

	kb_ctx_add(run, "date", run->date);
	kb_ctx_add(run, "host", host);
	kb_ctx_add(run, "cpu.model", hw->cpu_model[0] ? hw->cpu_model : NULL);
	kb_ctx_add_num(run, "cpu.cores", hw->cores);
	kb_ctx_add_num(run, "cpu.online", (double)sysconf(_SC_NPROCESSORS_ONLN));
	kb_hw_cpuinfo_field("cpu MHz", mhz, sizeof(mhz));
	kb_ctx_add_num(run, "cpu.mhz", mhz[0] ? atof(mhz) : NAN);
	f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "r");
	if (f) {
		if (fgets(gov, sizeof(gov), f))
			kb_conf_trim(gov);
		fclose(f);
	}
	kb_ctx_add(run, "cpu.governor", gov[0] ? gov : NULL);
	kb_ctx_add_bool(run, "cpu.virtualised", virtualised());
	kb_ctx_add_bool(run, "cpu.avx2", __builtin_cpu_supports("avx2"));
	kb_ctx_add_bool(run, "cpu.avx512f", __builtin_cpu_supports("avx512f"));
	add_caches(run);
	add_memory(run);
	add_os(run);
#ifdef __clang__
	kb_ctx_addf(run, "compiler.name", "clang %s", __clang_version__);
	kb_ctx_add_num(run, "compiler.major", __clang_major__);
#else
	kb_ctx_addf(run, "compiler.name", "gcc %s", __VERSION__);
	kb_ctx_add_num(run, "compiler.major", __GNUC__);
#endif
	kb_ctx_add(run, "compiler.flags", KB_BUILD_CFLAGS);
	kb_ctx_add(run, "build.git", KB_GIT_REV);
	kb_ctx_add_bool(run, "build.git_dirty", KB_GIT_DIRTY);
	kb_ctx_add(run, "timer.source", timer ? timer->source : NULL);
	kb_ctx_add_num(run, "timer.resolution_ns", timer ? timer->resolution_ns : NAN);
	kb_ctx_add_num(run, "timer.granularity_ns", timer ? timer->granularity_ns : NAN);
	kb_ctx_add_num(run, "timer.overhead_ns", timer ? timer->overhead_ns : NAN);
	kb_ctx_add_num(run, "timer.cpu_overhead_ns", timer ? timer->cpu_overhead_ns : NAN);

	/* backends' sections; they may add fingerprint parts (the GPU model) */
	struct kb_ctx c = { .run = run };
	for (size_t i = 0; i < nproviders; i++) {
		c.section = providers[i].section;
		providers[i].fn(&c);
	}

	slug(hw->cpu_model[0] ? hw->cpu_model : "unknown-cpu", fp_cpu, sizeof(fp_cpu));
	kb_ctx_add(run, "fingerprint_parts.cpu_model", hw->cpu_model[0] ? hw->cpu_model : NULL);
	kb_ctx_add_num(run, "fingerprint_parts.cores", hw->cores);
	kb_ctx_add(run, "fingerprint_parts.gpu", c.fingerprint[0] ? c.fingerprint : NULL);
#ifdef __clang__
	kb_ctx_add_num(run, "fingerprint_parts.compiler_major", __clang_major__);
	snprintf(buf, sizeof(buf), "clang%d", __clang_major__);
#else
	kb_ctx_add_num(run, "fingerprint_parts.compiler_major", __GNUC__);
	snprintf(buf, sizeof(buf), "gcc%d", __GNUC__);
#endif
	{
		char gpu[128] = "nogpu";
		if (c.fingerprint[0])
			slug(c.fingerprint, gpu, sizeof(gpu));
		snprintf(fp, sizeof(fp), "%s_%dc_%s_%s", fp_cpu, hw->cores, gpu, buf);
	}
	run->fingerprint = strdup(fp);
	kb_ctx_add(run, "fingerprint", fp);
	return run->date && run->fingerprint ? 0 : kb_error(KB_ENOMEM, "out of memory building context");
}

void kb_context_finish(struct kb_run *run, double wall_s)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return;
	kb_ctx_add_num(run, "process.peak_rss_bytes", (double)ru.ru_maxrss * 1024);
	kb_ctx_add_num(run, "process.wall_s", wall_s);
	kb_ctx_add_num(run, "process.cpu_s", (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
					      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
}
