/*
 * elementwise - streaming kernels, f32 and f64: copy, scale, add, triad,
 * axpy and exp; each as the reference loop, the vectorised kernel on one
 * thread, and the vectorised kernel on --threads.
 *
 * Ids: elementwise/<op>_<dtype>_<backend>/<n>, backend ref, simd or
 * simd_mt.  Default sizes put the arrays of the headline kernels (triad,
 * copy f32 vectorised) far beyond the L3 (8 Mi f32 or 4 Mi f64 elements,
 * 32 MiB per array) and the rest in it (4 MiB per array), plus one
 * L2-sized triad.  Bytes are counted as STREAM does (each array read or
 * written once, no write-allocate traffic), and reported as GB/s (base 10)
 * and % of the "bandwidth" peak: the best triad on every core over arrays
 * 4× the L3.  The "threads" counter is what the kernel runs on
 * (kb_elementwise_threads_used(): one thread below 32 KiB of arrays at
 * --threads=2), not what was asked.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kbench.h"

#include "cpu/kb_cpu.h"
#include "cpu/kb_elementwise_simd.h"
#include "ref/kb_elementwise_ref.h"

enum ew_op { EW_COPY, EW_SCALE, EW_ADD, EW_TRIAD, EW_AXPY, EW_EXP };

/* Arrays touched per element: bytes = arrays · n · sizeof(T).  No flops are
 * reported: these kernels are limited by memory, and GB/s is their rate. */
static const int ew_arrays[] = { 2, 2, 3, 3, 3, 2 };
static const char *const ew_names[] = { "copy", "scale", "add", "triad", "axpy", "exp" };

struct ew_case {
	enum ew_op op;
	bool f64;
	bool simd; /* else the reference loop */
	bool mt;   /* --threads threads instead of 1 */
};

#define EW_SCALAR 1.5

/* The kernels block and choose streaming stores from the detected caches;
 * fall back to a typical 32 KiB / 1 MiB / 32 MiB when detection failed. */
static void configure_cpu(void)
{
	uint64_t l1 = kb_cache_bytes(1), l2 = kb_cache_bytes(2), l3 = kb_cache_bytes(3);
	kb_cpu_set_caches(l1 ? l1 : 32u << 10, l2 ? l2 : 1u << 20, l3 ? l3 : 32u << 20);
}

/*
 * Tolerances, u = unit roundoff (2^-24 f32, 2^-53 f64):
 *  copy, scale, add: one correctly rounded operation in both kernels, so
 *    the results must be identical.
 *  triad, axpy: the vectorised kernels fuse s·c + b (one rounding), the
 *    reference rounds the product first; they differ by at most one
 *    rounding of the product, |s·c| <= 1.5, so atol = 2u and rtol = 2u.
 *  exp: the vectorised polynomial is within 2 ulp of libm's correctly
 *    rounded-or-nearly result; allow 4 ulp relative (rtol = 8u).
 */
static void ew_tolerance(enum ew_op op, bool f64, double *rtol, double *atol)
{
	double u = f64 ? 0x1p-53 : 0x1p-24;
	*rtol = *atol = 0;
	if (op == EW_TRIAD || op == EW_AXPY)
		*rtol = *atol = 2 * u;
	else if (op == EW_EXP)
		*rtol = 8 * u;
}

#define RUN_EW(T, SFX)                                                          \
	static void run_ew_##SFX(struct kb_state *state, const struct ew_case *ec) \
	{                                                                       \
		int64_t arg = kb_arg(state, 0);                                 \
		size_t n = arg > 0 ? (size_t)arg : 0;                           \
		int threads = ec->mt ? kb_threads(state) : 1;                   \
		enum ew_op op = ec->op;                                         \
		const T s = (T)EW_SCALAR;                                       \
		if (n == 0) {                                                   \
			kb_fail(state, "%s: n=%lld, expected a positive element count", \
				ew_names[op], (long long)arg);                  \
			return;                                                 \
		}                                                               \
		configure_cpu();                                                \
		T *x0 = op == EW_EXP ? kb_input_##SFX##_range(state, n, -10, 10) \
				     : kb_input_##SFX(state, n);                \
		T *x1 = op == EW_ADD || op == EW_TRIAD ? kb_input_##SFX(state, n) : NULL; \
		T *y = op == EW_AXPY ? kb_input_##SFX(state, n) : kb_output_##SFX(state, n); \
		if (!x0 || !y || ((op == EW_ADD || op == EW_TRIAD) && !x1))     \
			return;                                                 \
		T *y0 = NULL; /* axpy's y before the validation pass */         \
		if (op == EW_AXPY && kb_validating(state)) {                    \
			if (!(y0 = kb_alloc(state, n * sizeof(T))))             \
				return;                                         \
			memcpy(y0, y, n * sizeof(T));                           \
		}                                                               \
		kb_set_param_str(state, "dtype", #SFX);                         \
		/* what the kernel runs on: fewer than --threads at small n */  \
		kb_set_counter(state, "threads", ec->simd ? kb_elementwise_threads_used( \
				       (size_t)ew_arrays[op] * n * sizeof(T), threads) : 1); \
		if (ec->simd)                                                   \
			kb_set_param_str(state, "simd", kb_cpu_simd_name(kb_cpu_simd())); \
		while (kb_loop(state)) {                                        \
			if (ec->simd) {                                         \
				switch (op) {                                   \
				case EW_COPY: kb_copy_##SFX##_simd(n, y, x0, threads); break; \
				case EW_SCALE: kb_scale_##SFX##_simd(n, y, x0, s, threads); break; \
				case EW_ADD: kb_add_##SFX##_simd(n, y, x0, x1, threads); break; \
				case EW_TRIAD: kb_triad_##SFX##_simd(n, y, x0, x1, s, threads); break; \
				case EW_AXPY: kb_axpy_##SFX##_simd(n, y, x0, s, threads); break; \
				case EW_EXP: kb_exp_##SFX##_simd(n, y, x0, threads); break; \
				}                                               \
			} else {                                                \
				switch (op) {                                   \
				case EW_COPY: kb_copy_##SFX##_ref(n, y, x0); break; \
				case EW_SCALE: kb_scale_##SFX##_ref(n, y, x0, s); break; \
				case EW_ADD: kb_add_##SFX##_ref(n, y, x0, x1); break; \
				case EW_TRIAD: kb_triad_##SFX##_ref(n, y, x0, x1, s); break; \
				case EW_AXPY: kb_axpy_##SFX##_ref(n, y, x0, s); break; \
				case EW_EXP: kb_exp_##SFX##_ref(n, y, x0); break; \
				}                                               \
			}                                                       \
			kb_clobber_memory();                                    \
		}                                                               \
		kb_set_bytes(state, (uint64_t)ew_arrays[op] * n * sizeof(T));   \
		kb_set_memory_peak(state, "bandwidth",                          \
				   (uint64_t)ew_arrays[op] * n * sizeof(T));    \
		if (!kb_validating(state))                                      \
			return;                                                 \
		T *want = op == EW_AXPY ? y0 : kb_alloc(state, n * sizeof(T));  \
		double rtol, atol;                                              \
		if (!want)                                                      \
			return;                                                 \
		switch (op) {                                                   \
		case EW_COPY: kb_copy_##SFX##_ref(n, want, x0); break;          \
		case EW_SCALE: kb_scale_##SFX##_ref(n, want, x0, s); break;     \
		case EW_ADD: kb_add_##SFX##_ref(n, want, x0, x1); break;        \
		case EW_TRIAD: kb_triad_##SFX##_ref(n, want, x0, x1, s); break; \
		case EW_AXPY: kb_axpy_##SFX##_ref(n, want, x0, s); break;       \
		case EW_EXP: kb_exp_##SFX##_ref(n, want, x0); break;            \
		}                                                               \
		ew_tolerance(op, sizeof(T) == 8, &rtol, &atol);                 \
		kb_check_##SFX(state, y, want, n, rtol, atol);                  \
	}
RUN_EW(float, f32)
RUN_EW(double, f64)

static void run_ew(struct kb_state *state, struct ew_case ec)
{
	if (ec.f64)
		run_ew_f64(state, &ec);
	else
		run_ew_f32(state, &ec);
}

/* ---- registrations ------------------------------------------------------------
 * EW(op, dtype, backend, simd, mt, sizes...): elementwise/<op>_<dtype>_<backend>.
 */
#define EW(op, dt, be, OP, F64, SIMD, MT, quick, ...)                           \
	KB_BENCH(elementwise, op##_##dt##_##be)                                 \
	{                                                                       \
		run_ew(state, (struct ew_case){ OP, F64, SIMD, MT });           \
	}                                                                       \
	KB_ARGS(elementwise, op##_##dt##_##be, __VA_ARGS__);                    \
	KB_QUICK(elementwise, op##_##dt##_##be, quick);                         \
	KB_LARGE(elementwise, op##_##dt##_##be, "n=64M");

/* DRAM: 32 MiB per array (triad: 96 MiB, 3x a 32 MiB L3).  Cache: 4 MiB
 * per array, which the L3 holds.  The headline kernels (copy, triad) run at
 * the DRAM size; the others at the cache size, where the run is short and
 * the vector code, not the memory, sets the pace.  (Copy and triad f64
 * run their reference loop at the cache size too, and so do the _mt
 * variants of the cache-size kernels: one DRAM-size benchmark costs about
 * as much as three at the cache size, and `make bench` stays near a
 * minute.) */
#define F32_BIG (8 << 20)
#define F64_BIG (4 << 20)
#define F32_CACHE (1 << 20)
#define F64_CACHE (1 << 19)
#define QUICK_REF "n=4099"
#define QUICK_SIMD "n=1,33,4099"

/* Every op × dtype has the three backends: the reference loop (what
 * vectorising buys where memory does not set the pace), the vectorised
 * kernel on one thread, and on --threads. */
EW(copy, f32, ref, EW_COPY, false, false, false, QUICK_REF, F32_CACHE)
EW(copy, f32, simd, EW_COPY, false, true, false, QUICK_SIMD, F32_BIG)
EW(copy, f32, simd_mt, EW_COPY, false, true, true, QUICK_SIMD, F32_CACHE)
EW(scale, f32, ref, EW_SCALE, false, false, false, QUICK_REF, F32_CACHE)
EW(scale, f32, simd, EW_SCALE, false, true, false, QUICK_SIMD, F32_CACHE)
EW(scale, f32, simd_mt, EW_SCALE, false, true, true, QUICK_SIMD, F32_CACHE)
EW(add, f32, ref, EW_ADD, false, false, false, QUICK_REF, F32_CACHE)
EW(add, f32, simd, EW_ADD, false, true, false, QUICK_SIMD, F32_CACHE)
EW(add, f32, simd_mt, EW_ADD, false, true, true, QUICK_SIMD, F32_CACHE)
EW(triad, f32, ref, EW_TRIAD, false, false, false, QUICK_REF, F32_BIG)
EW(triad, f32, simd, EW_TRIAD, false, true, false, QUICK_SIMD, 64 << 10, F32_BIG)
EW(triad, f32, simd_mt, EW_TRIAD, false, true, true, QUICK_SIMD, F32_BIG)
EW(axpy, f32, ref, EW_AXPY, false, false, false, QUICK_REF, F32_CACHE)
EW(axpy, f32, simd, EW_AXPY, false, true, false, QUICK_SIMD, F32_CACHE)
EW(axpy, f32, simd_mt, EW_AXPY, false, true, true, QUICK_SIMD, F32_CACHE)
EW(exp, f32, ref, EW_EXP, false, false, false, QUICK_REF, F32_CACHE)
EW(exp, f32, simd, EW_EXP, false, true, false, QUICK_SIMD, F32_CACHE)
EW(exp, f32, simd_mt, EW_EXP, false, true, true, QUICK_SIMD, F32_CACHE)

EW(copy, f64, ref, EW_COPY, true, false, false, QUICK_REF, F64_CACHE)
EW(copy, f64, simd, EW_COPY, true, true, false, QUICK_SIMD, F64_CACHE)
EW(copy, f64, simd_mt, EW_COPY, true, true, true, QUICK_SIMD, F64_CACHE)
EW(scale, f64, ref, EW_SCALE, true, false, false, QUICK_REF, F64_CACHE)
EW(scale, f64, simd, EW_SCALE, true, true, false, QUICK_SIMD, F64_CACHE)
EW(scale, f64, simd_mt, EW_SCALE, true, true, true, QUICK_SIMD, F64_CACHE)
EW(add, f64, ref, EW_ADD, true, false, false, QUICK_REF, F64_CACHE)
EW(add, f64, simd, EW_ADD, true, true, false, QUICK_SIMD, F64_CACHE)
EW(add, f64, simd_mt, EW_ADD, true, true, true, QUICK_SIMD, F64_CACHE)
EW(triad, f64, ref, EW_TRIAD, true, false, false, QUICK_REF, F64_CACHE)
EW(triad, f64, simd, EW_TRIAD, true, true, false, QUICK_SIMD, F64_BIG)
EW(triad, f64, simd_mt, EW_TRIAD, true, true, true, QUICK_SIMD, F64_BIG)
EW(axpy, f64, ref, EW_AXPY, true, false, false, QUICK_REF, F64_CACHE)
EW(axpy, f64, simd, EW_AXPY, true, true, false, QUICK_SIMD, F64_CACHE)
EW(axpy, f64, simd_mt, EW_AXPY, true, true, true, QUICK_SIMD, F64_CACHE)
EW(exp, f64, ref, EW_EXP, true, false, false, QUICK_REF, F64_CACHE)
EW(exp, f64, simd, EW_EXP, true, true, false, QUICK_SIMD, F64_CACHE)
EW(exp, f64, simd_mt, EW_EXP, true, true, true, QUICK_SIMD, F64_CACHE)
