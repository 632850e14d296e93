/*
 * Cache sizes and machine peaks: the cache-size fallbacks (hwloc, CPUID,
 * sysfs, sysconf) fed fake claims, among them the ones of the VM the issue
 * was found on (hwloc 532 MB and sysconf 508 MB for the L3, CPUID 32 MiB);
 * the CPUID subleaf decoding; a sysfs tree in a temporary folder; the rule
 * that a rate above its peak raises the peak with a note; and the peak
 * cache (written, read back, a malformed file measured again).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"
#include "cpu/kb_peak_cpu.h"
#include "context.h"
#include "hw.h"
#include "kbench.h"
#include "result.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)

/* ---- cache sizes ---------------------------------------------------------- */

static void turin_vm_l3_from_cpuid(void **st)
{
	/* "Oxide Virtual Turin-like Processor": hwloc and sysconf claim a
	 * 508-532 MB L3; CPUID leaf 0x8000001D and sysfs say 32 MiB */
	struct kb_cache_fact c[4];
	const struct kb_cache_claims claims[] = {
		{ "hwloc", { 0, 48 * KiB, 1 * MiB, 532 * MiB } },
		{ "cpuid", { 0, 48 * KiB, 1 * MiB, 32 * MiB } },
		{ "sysfs", { 0, 48 * KiB, 1 * MiB, 32 * MiB } },
		{ "sysconf", { 0, 48 * KiB, 1 * MiB, 508 * MiB } },
	};
	(void)st;
	memset(c, 0, sizeof(c));
	kb_hw_choose_caches(c, claims, 4);
	assert_int_equal(c[1].bytes, 48 * KiB);
	assert_string_equal(c[1].source, "hwloc");
	assert_int_equal(c[2].bytes, 1 * MiB);
	assert_int_equal(c[3].bytes, 32 * MiB);
	assert_string_equal(c[3].source, "cpuid");
	assert_non_null(strstr(c[3].note, "hwloc claims 557842432 bytes for L3"));
	assert_null(strstr(c[3].note, "sysconf")); /* decided before sysconf was asked */
}

static void sysfs_when_hwloc_and_cpuid_implausible(void **st)
{
	struct kb_cache_fact c[4];
	const struct kb_cache_claims claims[] = {
		{ "hwloc", { 0, 0, 512 * MiB, 0 } },       /* an L2 beyond 64 MiB */
		{ "cpuid", { 0, 32 * KiB, 16 * KiB, 0 } }, /* an L2 below the L1 */
		{ "sysfs", { 0, 32 * KiB, 512 * KiB, 16 * MiB } },
	};
	(void)st;
	memset(c, 0, sizeof(c));
	kb_hw_choose_caches(c, claims, 3);
	assert_int_equal(c[1].bytes, 32 * KiB);
	assert_string_equal(c[1].source, "cpuid");
	assert_int_equal(c[2].bytes, 512 * KiB);
	assert_string_equal(c[2].source, "sysfs");
	assert_non_null(strstr(c[2].note, "hwloc claims"));
	assert_non_null(strstr(c[2].note, "cpuid claims 16384 bytes for L2"));
	assert_int_equal(c[3].bytes, 16 * MiB);
	assert_string_equal(c[3].source, "sysfs");
}

static void all_implausible_stays_unknown(void **st)
{
	struct kb_cache_fact c[4];
	const struct kb_cache_claims claims[] = {
		{ "hwloc", { 0, 32 * KiB, 1 * MiB, 532 * MiB } },
		{ "cpuid", { 0, 32 * KiB, 1 * MiB, 300 * MiB } },
		{ "sysconf", { 0, 32 * KiB, 1 * MiB, 512 * KiB } }, /* not above the L2 */
	};
	(void)st;
	memset(c, 0, sizeof(c));
	kb_hw_choose_caches(c, claims, 3);
	assert_int_equal(c[3].bytes, 0);
	assert_null(c[3].source);
	assert_non_null(strstr(c[3].note, "hwloc"));
	assert_non_null(strstr(c[3].note, "cpuid"));
	assert_non_null(strstr(c[3].note, "sysconf"));
}

static void conf_value_is_kept(void **st)
{
	struct kb_cache_fact c[4];
	const struct kb_cache_claims claims[] = { { "hwloc", { 0, 32 * KiB, 1 * MiB, 32 * MiB } } };
	(void)st;
	memset(c, 0, sizeof(c));
	c[3].bytes = 96 * MiB; /* what detect_hw sets from kbench.conf first */
	c[3].source = "kbench.conf";
	kb_hw_choose_caches(c, claims, 1);
	assert_int_equal(c[3].bytes, 96 * MiB);
	assert_string_equal(c[3].source, "kbench.conf");
}

static void cpuid_decoding(void **st)
{
	int level = 0;
	(void)st;
	/* a 32 MiB L3: unified (3), level 3, 16 ways, 1 partition, 64 B lines, 32768 sets */
	assert_int_equal(kb_hw_cpuid_decode(0x63, (15u << 22) | (0u << 12) | 63u, 32767, &level),
			 32 * MiB);
	assert_int_equal(level, 3);
	/* a 48 KiB L1d: data (1), level 1, 12 ways, 64 B lines, 64 sets */
	assert_int_equal(kb_hw_cpuid_decode(0x21, (11u << 22) | 63u, 63, &level), 48 * KiB);
	assert_int_equal(level, 1);
	/* an instruction cache (2) is not a data cache */
	assert_int_equal(kb_hw_cpuid_decode(0x22, (7u << 22) | 63u, 63, &level), 0);
}

static void put(const char *dir, int index, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cache/index%d", dir, index);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/cache/index%d/%s", dir, index, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void sysfs_tree(void **st)
{
	char dir[] = "/tmp/kb-test-sysfs.XXXXXX", path[600];
	uint64_t out[4];
	(void)st;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cache", dir);
	mkdir(path, 0700);
	put(dir, 0, "level", "1\n"), put(dir, 0, "type", "Data\n"), put(dir, 0, "size", "32K\n");
	put(dir, 1, "level", "1\n"), put(dir, 1, "type", "Instruction\n"), put(dir, 1, "size", "64K\n");
	put(dir, 2, "level", "2\n"), put(dir, 2, "type", "Unified\n"), put(dir, 2, "size", "512K\n");
	put(dir, 3, "level", "3\n"), put(dir, 3, "type", "Unified\n"), put(dir, 3, "size", "32768K\n");
	kb_hw_sysfs_caches(dir, out);
	assert_int_equal(out[1], 32 * KiB);
	assert_int_equal(out[2], 512 * KiB);
	assert_int_equal(out[3], 32 * MiB);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	kb_hw_sysfs_caches("/nonexistent-kbench-dir", out);
	assert_int_equal(out[1] | out[2] | out[3], 0);
}

/* ---- peaks ----------------------------------------------------------------- */

static void run_with_rates(struct kb_run *run, const double *gbps, size_t n)
{
	memset(run, 0, sizeof(*run));
	run->fingerprint = strdup("test-machine_2c_nogpu_gcc12");
	run->date = strdup("2026-12-06T00:00:00Z");
	run->results = calloc(n, sizeof(*run->results));
	assert_non_null(run->results);
	run->nresults = n;
	for (size_t i = 0; i < n; i++) {
		char id[32];
		snprintf(id, sizeof(id), "t/bw/%zu", i);
		run->results[i].id = strdup(id);
		run->results[i].status = KB_STATUS_OK;
		kb_result_set_counter(&run->results[i], "gbps", gbps[i]);
	}
}

static double pct(const struct kb_run *run, size_t i)
{
	const struct kb_counter *c = kb_result_counter(&run->results[i], "pct_peak");
	return c ? c->value : NAN;
}

static char conf_path[] = "/tmp/kb-test-peaks-conf.XXXXXX";

static void rate_above_peak_raises_it(void **st)
{
	const double rates[] = { 15, 5, 12 };
	struct kb_run run;
	const char *v, *used;
	int fd = mkstemp(conf_path);
	(void)st;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "peak.test_bw = 10\n", 18), 18);
	close(fd);
	kb__context_peaks_reset();
	assert_int_equal(kb_conf_load(conf_path, &used), 0);
	run_with_rates(&run, rates, 3);
	for (size_t i = 0; i < 3; i++)
		kb__context_use_peak(&run, &run.results[i], "test_bw");
	assert_true(fabs(pct(&run, 0) - 150) < 1e-9); /* before: against the configured 10 */
	kb__context_settle_peaks(&run);
	assert_true(fabs(pct(&run, 0) - 100) < 1e-9);
	assert_true(fabs(pct(&run, 1) - 100.0 * 5 / 15) < 1e-9);
	assert_true(fabs(pct(&run, 2) - 80) < 1e-9);
	assert_non_null(run.results[0].label);
	assert_non_null(strstr(run.results[0].label, "rate above peak test_bw (10"));
	assert_non_null(strstr(run.results[2].label, "peak is too low"));
	assert_null(run.results[1].label);
	v = kb_run_context(&run, "peaks.test_bw");
	assert_non_null(v);
	assert_true(fabs(atof(v) - 15) < 1e-9);
	assert_non_null(kb_run_context(&run, "peaks.test_bw_note"));
	v = kb_run_context(&run, "peaks.test_bw_below_rate");
	assert_non_null(v);
	assert_true(fabs(atof(v) - 10) < 1e-9);
	kb_run_clear(&run);
	kb_conf_clear();
	unlink(conf_path);
}

static void rates_below_peak_unchanged(void **st)
{
	const double rates[] = { 4, 8 };
	struct kb_run run;
	const char *used;
	int fd;
	(void)st;
	strcpy(conf_path, "/tmp/kb-test-peaks-conf.XXXXXX");
	fd = mkstemp(conf_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "peak.test_bw = 10\n", 18), 18);
	close(fd);
	kb__context_peaks_reset();
	assert_int_equal(kb_conf_load(conf_path, &used), 0);
	run_with_rates(&run, rates, 2);
	for (size_t i = 0; i < 2; i++)
		kb__context_use_peak(&run, &run.results[i], "test_bw");
	kb__context_settle_peaks(&run);
	assert_true(fabs(pct(&run, 0) - 40) < 1e-9);
	assert_true(fabs(pct(&run, 1) - 80) < 1e-9);
	assert_null(run.results[1].label);
	assert_null(kb_run_context(&run, "peaks.test_bw_note"));
	kb_run_clear(&run);
	kb_conf_clear();
	unlink(conf_path);
}

static int calls;
static double fake_peak(void)
{
	calls++;
	kb_peak_note("calibration", 40 + calls); /* the best trial's note is kept */
	return 40 + calls;
}

static void use_once(const char *cache, bool remeasure, double *peak, const char **source)
{
	const double rates[] = { 1 };
	struct kb_run run;
	const char *v;

	kb__context_peaks_reset();
	kb_register_peak("test_flops", "GFLOP/s", "a fake", fake_peak);
	kb_context_peak_cache(cache, remeasure);
	run_with_rates(&run, rates, 1);
	kb_result_set_counter(&run.results[0], "gflops", 1);
	kb__context_use_peak(&run, &run.results[0], "test_flops");
	kb__context_settle_peaks(&run);
	v = kb_run_context(&run, "peaks.test_flops");
	*peak = v ? atof(v) : NAN;
	v = kb_run_context(&run, "peaks.test_flops_source");
	*source = v && strcmp(v, "cache") == 0 ? "cache" : v && strcmp(v, "measured") == 0 ? "measured" : "?";
	v = kb_run_context(&run, "peaks.test_flops_calibration");
	assert_non_null(v);
	assert_true(fabs(atof(v) - *peak) < 1e-9);
	kb_run_clear(&run);
}

static void peak_cache(void **st)
{
	char dir[] = "/tmp/kb-test-peakcache.XXXXXX", path[600], line[256];
	const char *source;
	double peak;
	bool found = false;
	FILE *f;
	(void)st;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/peaks.conf", dir); /* the folder is made */
	calls = 0;
	use_once(path, false, &peak, &source);
	assert_int_equal(calls, 3); /* best of three */
	assert_true(fabs(peak - 43) < 1e-9);
	assert_string_equal(source, "measured");
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		found |= strcmp(line, "test_flops = 43\n") == 0;
	fclose(f);
	assert_true(found);

	use_once(path, false, &peak, &source); /* read back: not measured */
	assert_int_equal(calls, 3);
	assert_true(fabs(peak - 43) < 1e-9);
	assert_string_equal(source, "cache");

	use_once(path, true, &peak, &source); /* --remeasure-peaks */
	assert_int_equal(calls, 6);
	assert_true(fabs(peak - 46) < 1e-9);
	assert_string_equal(source, "measured");

	f = fopen(path, "w"); /* malformed: measured again, then rewritten */
	assert_non_null(f);
	fputs("fingerprint = test-machine_2c_nogpu_gcc12\ntest_flops = fast\n", f);
	fclose(f);
	use_once(path, false, &peak, &source);
	assert_int_equal(calls, 9);
	assert_string_equal(source, "measured");
	use_once(path, false, &peak, &source);
	assert_int_equal(calls, 9);
	assert_string_equal(source, "cache");

	f = fopen(path, "w"); /* another machine's file: measured again */
	assert_non_null(f);
	fputs("fingerprint = other-machine\ntest_flops = 1000\n", f);
	fclose(f);
	use_once(path, false, &peak, &source);
	assert_int_equal(calls, 12);
	assert_true(peak < 1000);

	use_once("none", false, &peak, &source); /* no cache */
	use_once("none", false, &peak, &source);
	assert_int_equal(calls, 18);
	snprintf(line, sizeof(line), "rm -rf '%s'", dir);
	assert_int_equal(system(line), 0);
	kb__context_peaks_reset();
}

/* ---- calibration kernels ------------------------------------------------- */

/* The FMA kernels compute what their flop count says: each lane of chain k
 * is x <- x·m + a from 1 + k/8, m = 1 - 2^-10, a = 2^-12. */
static void fma_kernels_compute_their_count(void **st)
{
	const size_t iters = 1000;
	(void)st;
	for (int isa = KB_SIMD_NONE; isa <= KB_SIMD_AVX512; isa++)
		for (int f64 = 0; f64 < 2; f64++) {
			double got = kb_peak_fma_run((enum kb_simd)isa, f64, iters), want = 0;
			size_t lanes = (size_t)(kb_peak_fma_flops((enum kb_simd)isa, f64, 1) / 2 /
						KB_PEAK_CHAINS);

			if (isnan(got)) /* the CPU lacks the ISA */
				continue;
			assert_int_equal(lanes, isa == KB_SIMD_AVX512 ? (f64 ? 8 : 16)
						: isa == KB_SIMD_AVX2 ? (f64 ? 4 : 8) : 1);
			for (int k = 0; k < KB_PEAK_CHAINS; k++) {
				double x = 1 + 0.125 * k;
				for (size_t i = 0; i < iters; i++)
					x = x * (1 - 0x1p-10) + 0x1p-12;
				want += x * (double)lanes;
			}
			assert_true(fabs(got - want) <= 1e-4 * want);
		}
	assert_true(kb_peak_fma_gflops(KB_SIMD_NONE, false, 1, 0.01, 1) > 0);
	assert_true(kb_peak_bandwidth_gbps(KB_PEAK_TRIAD, 64 * KiB, 1, 0.01, 1) > 0);
	assert_true(kb_peak_bandwidth_gbps(KB_PEAK_READ, 64 * KiB, 2, 0.01, 1) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(turin_vm_l3_from_cpuid),
		cmocka_unit_test(sysfs_when_hwloc_and_cpuid_implausible),
		cmocka_unit_test(all_implausible_stays_unknown),
		cmocka_unit_test(conf_value_is_kept),
		cmocka_unit_test(cpuid_decoding),
		cmocka_unit_test(sysfs_tree),
		cmocka_unit_test(rate_above_peak_raises_it),
		cmocka_unit_test(rates_below_peak_unchanged),
		cmocka_unit_test(peak_cache),
		cmocka_unit_test(fma_kernels_compute_their_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
