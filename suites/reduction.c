/*
 * reduction - sum, dot and max, f32 and f64: naive (one sequential
 * accumulator), pairwise, Kahan-compensated, vectorised with 8 vector
 * accumulators on one thread and on --threads.
 *
 * Ids: reduction/<op>_<dtype>_<algorithm>[_mt]/<n>.  Bytes: each input
 * element read once (sum, max: n·w; dot: 2·n·w), reported as GB/s (base
 * 10) and % of the "bandwidth" peak.  Sums and dots run on inputs in
 * [0, 1), so Σ|x| = |Σx| and the relative error is meaningful; every
 * result reports "rel_err" = |got - ref| / |ref| against a long double
 * reference, because speed bought with wrong sums is not speed.  The
 * "threads" counter is what the kernel runs on (kb_reduce_threads_used():
 * one thread below 64 KiB of input at --threads=2), not what was asked.
 */
#include <math.h>

#include "kbench.h"

#include "cpu/kb_cpu.h"
#include "cpu/kb_reduce_scalar.h"
#include "cpu/kb_reduce_simd.h"
#include "ref/kb_reduce_ref.h"

enum red_op { RED_SUM, RED_DOT, RED_MAX };
enum red_algo { ALG_NAIVE, ALG_PAIRWISE, ALG_KAHAN, ALG_SIMD };
static const char *const red_names[] = { "sum", "dot", "max" };

struct red_case {
	enum red_op op;
	bool f64;
	enum red_algo algo;
	bool mt; /* --threads threads instead of 1 (ALG_SIMD only) */
};

/*
 * Validation tolerance: the worst-case error bound of the algorithm (see
 * kb_reduce_scalar.h and kb_reduce_simd.h, after Higham, "Accuracy and
 * Stability of Numerical Algorithms", §4), in units of u·Σ|x| (dot: u·Σ|x·y|
 * and one more u for the products), plus one u for rounding the long double
 * reference to double.  max is exact: zero tolerance.
 */
static double red_bound_factor(const struct red_case *rc, size_t n, int threads)
{
	double f;
	switch (rc->algo) {
	case ALG_NAIVE:
		f = n > 0 ? (double)(n - 1) : 0;
		break;
	case ALG_PAIRWISE:
		f = KB_PAIRWISE_BLOCK + ceil(log2((double)n + 1));
		break;
	case ALG_KAHAN:
		f = 2 + (double)n * (rc->f64 ? 0x1p-53 : 0x1p-24);
		break;
	default: {
		double lanes = (double)kb_reduce_simd_lanes(rc->f64);
		f = ceil((double)n / (lanes * threads)) + log2(lanes) + threads + 1;
	}
	}
	return f + (rc->op == RED_DOT ? 1 : 0) + 1;
}

#define RUN_RED(T, SFX)                                                         \
	static T red_call_##SFX(const struct red_case *rc, const T *x,          \
				const T *y, size_t n, int threads)              \
	{                                                                       \
		switch (rc->op) {                                               \
		case RED_SUM:                                                   \
			switch (rc->algo) {                                     \
			case ALG_NAIVE: return kb_sum_##SFX##_naive(x, n);      \
			case ALG_PAIRWISE: return kb_sum_##SFX##_pairwise(x, n); \
			case ALG_KAHAN: return kb_sum_##SFX##_kahan(x, n);      \
			default: return kb_sum_##SFX##_simd(x, n, threads);     \
			}                                                       \
		case RED_DOT:                                                   \
			switch (rc->algo) {                                     \
			case ALG_KAHAN: return kb_dot_##SFX##_kahan(x, y, n);   \
			case ALG_SIMD: return kb_dot_##SFX##_simd(x, y, n, threads); \
			default: return kb_dot_##SFX##_naive(x, y, n);          \
			}                                                       \
		default:                                                        \
			if (rc->algo == ALG_SIMD)                               \
				return kb_max_##SFX##_simd(x, n, threads);      \
			return kb_max_##SFX##_naive(x, n);                      \
		}                                                               \
	}                                                                       \
                                                                                \
	static void run_red_##SFX(struct kb_state *state, const struct red_case *rc) \
	{                                                                       \
		int64_t arg = kb_arg(state, 0);                                 \
		size_t n = arg > 0 ? (size_t)arg : 0;                           \
		size_t bytes = n * sizeof(T) * (rc->op == RED_DOT ? 2 : 1);     \
		/* what the kernel runs on: fewer than --threads at small n */  \
		int threads = rc->mt ? kb_reduce_threads_used(bytes, kb_threads(state)) : 1; \
		bool positive = rc->op != RED_MAX;                              \
		if (n == 0) {                                                   \
			kb_fail(state, "%s: n=%lld, expected a positive element count", \
				red_names[rc->op], (long long)arg);             \
			return;                                                 \
		}                                                               \
		T *x = positive ? kb_input_##SFX##_range(state, n, 0, 1)        \
				: kb_input_##SFX(state, n);                     \
		T *y = rc->op == RED_DOT ? kb_input_##SFX##_range(state, n, 0, 1) : NULL; \
		if (!x || (rc->op == RED_DOT && !y))                            \
			return;                                                 \
		kb_set_param_str(state, "dtype", #SFX);                         \
		kb_set_counter(state, "threads", threads);                      \
		if (rc->algo == ALG_SIMD)                                       \
			kb_set_param_str(state, "simd", kb_cpu_simd_name(kb_cpu_simd())); \
		T got = 0;                                                      \
		while (kb_loop(state)) {                                        \
			got = red_call_##SFX(rc, x, y, n, threads);             \
			kb_do_not_optimize(got);                                \
		}                                                               \
		kb_set_bytes(state, bytes);                                     \
		kb_set_memory_peak(state, "bandwidth", bytes);                  \
		if (!kb_validating(state))                                      \
			return;                                                 \
		long double want, scale;                                        \
		switch (rc->op) {                                               \
		case RED_SUM:                                                   \
			want = kb_sum_##SFX##_ref(x, n);                        \
			scale = kb_asum_##SFX##_ref(x, n);                      \
			break;                                                  \
		case RED_DOT:                                                   \
			want = kb_dot_##SFX##_ref(x, y, n);                     \
			scale = kb_adot_##SFX##_ref(x, y, n);                   \
			break;                                                  \
		default:                                                        \
			want = kb_max_##SFX##_ref(x, n);                        \
			scale = 0;                                              \
		}                                                               \
		long double err = fabsl((long double)got - want);               \
		kb_set_counter(state, "rel_err",                                \
			       want != 0 ? (double)(err / fabsl(want)) : (double)err); \
		double u = sizeof(T) == 8 ? 0x1p-53 : 0x1p-24;                  \
		double atol = rc->op == RED_MAX ? 0                             \
			    : red_bound_factor(rc, n, threads) * u * (double)scale; \
		double g = (double)got, w = (double)want;                       \
		kb_check_f64(state, &g, &w, 1, 0, atol);                        \
	}
RUN_RED(float, f32)
RUN_RED(double, f64)

static void run_red(struct kb_state *state, struct red_case rc)
{
	if (rc.f64)
		run_red_f64(state, &rc);
	else
		run_red_f32(state, &rc);
}

/* ---- registrations ---------------------------------------------------------- */

#define RED(op, dt, alg, OP, F64, ALG, MT, ...)                                 \
	KB_BENCH(reduction, op##_##dt##_##alg)                                  \
	{                                                                       \
		run_red(state, (struct red_case){ OP, F64, ALG, MT });          \
	}                                                                       \
	KB_ARGS(reduction, op##_##dt##_##alg, __VA_ARGS__);                     \
	KB_QUICK(reduction, op##_##dt##_##alg, "n=1,33,4099");                  \
	KB_LARGE(reduction, op##_##dt##_##alg, "n=64M");

/* sum f32 with the vectorised kernel also at 16 Mi elements (64 MiB, twice
 * the L3): the bandwidth target.  Every algorithm runs sum f32 at 4 Mi
 * elements, so their errors compare at equal n; the rest runs at 1 Mi
 * elements, which keeps the slow scalar loops and the per-round input
 * setup short. */
#define SUM_N (4 << 20)
#define SUM_BIG (16 << 20)
#define RED_N (1 << 20)

RED(sum, f32, naive, RED_SUM, false, ALG_NAIVE, false, SUM_N)
RED(sum, f32, pairwise, RED_SUM, false, ALG_PAIRWISE, false, SUM_N)
RED(sum, f32, kahan, RED_SUM, false, ALG_KAHAN, false, SUM_N)
RED(sum, f32, simd, RED_SUM, false, ALG_SIMD, false, SUM_N, SUM_BIG)
RED(sum, f32, simd_mt, RED_SUM, false, ALG_SIMD, true, SUM_BIG)
RED(sum, f64, naive, RED_SUM, true, ALG_NAIVE, false, RED_N)
RED(sum, f64, pairwise, RED_SUM, true, ALG_PAIRWISE, false, RED_N)
RED(sum, f64, kahan, RED_SUM, true, ALG_KAHAN, false, RED_N)
RED(sum, f64, simd, RED_SUM, true, ALG_SIMD, false, RED_N)
RED(sum, f64, simd_mt, RED_SUM, true, ALG_SIMD, true, RED_N)
RED(dot, f32, naive, RED_DOT, false, ALG_NAIVE, false, RED_N)
RED(dot, f32, kahan, RED_DOT, false, ALG_KAHAN, false, RED_N)
RED(dot, f32, simd, RED_DOT, false, ALG_SIMD, false, RED_N)
RED(dot, f32, simd_mt, RED_DOT, false, ALG_SIMD, true, RED_N)
RED(dot, f64, naive, RED_DOT, true, ALG_NAIVE, false, RED_N)
RED(dot, f64, kahan, RED_DOT, true, ALG_KAHAN, false, RED_N)
RED(dot, f64, simd, RED_DOT, true, ALG_SIMD, false, RED_N)
RED(dot, f64, simd_mt, RED_DOT, true, ALG_SIMD, true, RED_N)
RED(max, f32, naive, RED_MAX, false, ALG_NAIVE, false, RED_N)
RED(max, f32, simd, RED_MAX, false, ALG_SIMD, false, RED_N)
RED(max, f32, simd_mt, RED_MAX, false, ALG_SIMD, true, RED_N)
RED(max, f64, naive, RED_MAX, true, ALG_NAIVE, false, RED_N)
RED(max, f64, simd, RED_MAX, true, ALG_SIMD, false, RED_N)
RED(max, f64, simd_mt, RED_MAX, true, ALG_SIMD, true, RED_N)
