/*
 * kb_peak_cpu.h - calibration kernels for the machine peaks, in the manner
 * of likwid-bench peakflops and the Empirical Roofline Toolkit: what the
 * cores can do, measured with kernels that do nothing else.
 *
 * FLOP/s: KB_PEAK_CHAINS independent FMA chains per thread (acc = acc·m + a
 * on whole vectors, m < 1 so the values stay normal), enough to cover the
 * FMA latency on two pipes; each FMA counts 2 flops per lane.  The scalar
 * path has no FMA: a multiply and an add, 2 flops.
 *
 * Bandwidth: every thread streams its own arrays of `bytes_per_thread`
 * (read: a vectorised sum, bytes = array; triad: y = b + s·c, bytes = 3
 * arrays), repeated, timed as one parallel region.
 */
#ifndef KB_PEAK_CPU_H
#define KB_PEAK_CPU_H

#include <stdbool.h>
#include <stddef.h>

#include "cpu/kb_cpu.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_PEAK_CHAINS 12

/*
 * Runs the FMA kernel of ISA `isa` (f32 or f64) on `threads` threads for
 * about `seconds` and returns the best GFLOP/s of `trials` timed regions,
 * or 0 when the CPU lacks the ISA.
 */
double kb_peak_fma_gflops(enum kb_simd isa, bool f64, int threads, double seconds, int trials);

/* Flops one call of the kernel does per thread for `iters` iterations (for
 * the unit test that checks the count against the kernel's result). */
double kb_peak_fma_flops(enum kb_simd isa, bool f64, size_t iters);
/* The kernel once, on the caller: `iters` iterations; returns the sum of
 * the chains (the unit test compares it with a scalar model). */
double kb_peak_fma_run(enum kb_simd isa, bool f64, size_t iters);

enum kb_peak_bw { KB_PEAK_READ, KB_PEAK_TRIAD };

/*
 * Best GB/s of `trials` regions of about `seconds`, each thread streaming
 * its own f32 arrays totalling `bytes_per_thread`; 0 when memory is short.
 */
double kb_peak_bandwidth_gbps(enum kb_peak_bw kind, size_t bytes_per_thread, int threads,
			      double seconds, int trials);

/* Theoretical GFLOP/s: cores × GHz × lanes × 2 (FMA) × 2 (FMA pipes, as on
 * Zen 2+ and Intel since Haswell; an assumption); NAN when the maximum
 * frequency is unknown (no /sys/devices/system/cpu/cpu0/cpufreq). */
double kb_peak_fma_theoretical(enum kb_simd isa, bool f64, int cores);

#ifdef __cplusplus
}
#endif

#endif /* KB_PEAK_CPU_H */
