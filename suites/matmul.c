/*
 * matmul - dense matrix multiply, C = A·B (and A·Bᵀ), f32 and f64:
 * the reference triple loop, the packed cache-blocked vectorised kernel on
 * one thread and on --threads, and OpenBLAS on one thread and on --threads.
 *
 * Ids: matmul/<s|d>gemm[_nt]_<backend>[_mt]/<n> for square n×n×n products
 * (_nt: B is stored transposed).  Every benchmark reports GFLOP/s from
 * 2·m·n·k flops and % of the flops_f32 / flops_f64 peak, bytes as the
 * compulsory traffic 3·n²·sizeof(T) (so its arithmetic intensity places it
 * on the roofline), and is validated after timing (see check_gemm_*).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kbench.h"

#include "cpu/kb_gemm_blocked.h"
#include "cpu/kb_gemm_openblas.h"
#include "cpu/kb_peak_cpu.h"
#include "ref/kb_gemm_ref.h"

enum gemm_backend { GEMM_REF, GEMM_BLOCKED, GEMM_OPENBLAS };

struct gemm_case {
	enum gemm_backend backend;
	bool f64;
	bool b_trans;
	bool mt; /* --threads threads instead of 1 */
};

/*
 * Tolerance: an element of C is a dot product of k terms in [-1, 1).  Its
 * rounding errors add up like a random walk over partial sums of size
 * O(√k), about u·k/3 in total (u = 2^-24 for f32, 2^-53 for f64); the
 * blocked kernel and OpenBLAS add in other orders and with FMAs, which
 * changes the error but not its size.  atol = 8·u·k leaves a wide margin
 * (2.4e-4 for f32 at k = 1024), yet a dropped or doubled term, |a·b| ≈ 0.25
 * on average, is about a thousand times larger.
 */
static double gemm_atol(bool f64, size_t k)
{
	double u = f64 ? 0x1p-53 : 0x1p-24;
	return 8.0 * u * (double)(k ? k : 1);
}

/* Rows of C compared element by element: all of them up to 128 rows, else
 * the first 16, the last 16 (the edge micro-tiles) and 32 spread between. */
static size_t sample_row(size_t m, size_t j, size_t *count)
{
	if (m <= 128) {
		*count = m;
		return j;
	}
	*count = 64;
	if (j < 16)
		return j;
	if (j < 32)
		return m - 32 + j;
	return 16 + (j - 32) * (m - 32) / 32;
}

/* ±1, fixed: the probe vector of the Freivalds check. */
static double probe(size_t j)
{
	return ((j * 2654435761u) >> 7) & 1 ? 1.0 : -1.0;
}

/*
 * Validation: sampled rows against kb_gemm_*_ref, then every row through a
 * Freivalds check, C·x against A·(B·x) for a ±1 vector x in double: a wrong
 * or unwritten (NaN) element anywhere shows up in its row's sum.  Each
 * element may be off by atol, so a row sum by n·atol.
 */
#define CHECK_GEMM(T, SFX)                                                      \
	static void check_gemm_##SFX(struct kb_state *state, bool bt, size_t m,  \
				     size_t n, size_t k, const T *a,            \
				     const T *b, const T *c)                    \
	{                                                                       \
		double atol = gemm_atol(sizeof(T) == 8, k);                     \
		T *want = kb_alloc(state, m * n * sizeof(T));                   \
		double *bx = kb_alloc(state, k * sizeof(double));               \
		double *cx = kb_alloc(state, m * sizeof(double));               \
		double *abx = kb_alloc(state, m * sizeof(double));              \
		size_t rows = 0;                                                \
		if (!want || !bx || !cx || !abx)                                \
			return;                                                 \
		for (size_t j = 0; j < rows || j == 0; j++) {                   \
			size_t i = sample_row(m, j, &rows);                     \
			if (rows == 0)                                          \
				break;                                          \
			kb_gemm_##SFX##_ref_rows(bt, m, n, k, a, b, want, i, i + 1); \
			if (!kb_check_##SFX(state, c + i * n, want + i * n, n,  \
					    sizeof(T) == 8 ? 0x1p-50 : 0x1p-21, atol)) \
				return;                                         \
		}                                                               \
		for (size_t p = 0; p < k; p++) {                                \
			double s = 0;                                           \
			for (size_t j = 0; j < n; j++)                          \
				s += (double)(bt ? b[j * k + p] : b[p * n + j]) * probe(j); \
			bx[p] = s;                                              \
		}                                                               \
		for (size_t i = 0; i < m; i++) {                                \
			double s = 0, t = 0;                                    \
			for (size_t j = 0; j < n; j++)                          \
				s += (double)c[i * n + j] * probe(j);           \
			for (size_t p = 0; p < k; p++)                          \
				t += (double)a[i * k + p] * bx[p];              \
			cx[i] = s;                                              \
			abx[i] = t;                                             \
		}                                                               \
		kb_check_f64(state, cx, abx, m, 0, (double)n * atol + 1e-9);    \
	}
CHECK_GEMM(float, f32)
CHECK_GEMM(double, f64)

static int gemm_threads(struct kb_state *state, const struct gemm_case *gc)
{
	return gc->mt ? kb_threads(state) : 1;
}

static bool gemm_setup(struct kb_state *state, const struct gemm_case *gc, size_t n)
{
	int threads = gemm_threads(state, gc);

	if (n == 0 || n > 65536) {
		kb_fail(state, "matrix size n=%zu: expected 1..65536", n);
		return false;
	}
	kb_set_param_str(state, "dtype", gc->f64 ? "f64" : "f32");
	kb_set_param_str(state, "layout", gc->b_trans ? "row-major, B transposed" : "row-major");
	kb_set_counter(state, "threads", threads);
	switch (gc->backend) {
	case GEMM_REF:
		break;
	case GEMM_BLOCKED:
		kb_set_param_str(state, "tile", gc->f64 ? kb_gemm_f64_blocked_tile()
							: kb_gemm_f32_blocked_tile());
		break;
	case GEMM_OPENBLAS:
		if (!kb_openblas_available()) {
			kb_skip(state, "built without OpenBLAS (pkg-config openblas not found)");
			return false;
		}
		kb_set_counter(state, "openblas_threads", kb_openblas_set_threads(threads));
		kb_set_param_str(state, "openblas_config", kb_openblas_config());
		break;
	}
	kb_set_flops(state, 2.0 * (double)n * (double)n * (double)n);
	/* the compulsory traffic (A and B read, C written once): the roofline's bytes */
	kb_set_bytes(state, 3 * (uint64_t)n * n * (gc->f64 ? sizeof(double) : sizeof(float)));
	kb_set_peak(state, gc->f64 ? "flops_f64" : "flops_f32");
	return true;
}

#define RUN_GEMM(T, SFX)                                                        \
	static void run_gemm_##SFX(struct kb_state *state, const struct gemm_case *gc) \
	{                                                                       \
		size_t n = (size_t)kb_arg(state, 0);                            \
		int threads = gemm_threads(state, gc);                          \
		if (!gemm_setup(state, gc, n))                                  \
			return;                                                 \
		T *a = kb_input_##SFX(state, n * n);                            \
		T *b = kb_input_##SFX(state, n * n);                            \
		T *c = kb_output_##SFX(state, n * n);                           \
		if (!a || !b || !c)                                             \
			return;                                                 \
		while (kb_loop(state)) {                                        \
			int rc = 0;                                             \
			switch (gc->backend) {                                  \
			case GEMM_REF:                                          \
				kb_gemm_##SFX##_ref(gc->b_trans, n, n, n, a, b, c); \
				break;                                          \
			case GEMM_BLOCKED:                                      \
				rc = kb_gemm_##SFX##_blocked(gc->b_trans, n, n, n, a, b, \
							     c, threads);       \
				break;                                          \
			case GEMM_OPENBLAS:                                     \
				rc = kb_gemm_##SFX##_openblas(gc->b_trans, n, n, n, a, b, c); \
				break;                                          \
			}                                                       \
			if (rc) {                                               \
				kb_fail(state, "gemm n=%zu: cannot allocate packing buffers", n); \
				return;                                         \
			}                                                       \
			kb_clobber_memory();                                    \
		}                                                               \
		if (kb_validating(state))                                       \
			check_gemm_##SFX(state, gc->b_trans, n, n, n, a, b, c); \
	}
RUN_GEMM(float, f32)
RUN_GEMM(double, f64)

static void run_gemm(struct kb_state *state, struct gemm_case gc)
{
	if (gc.f64)
		run_gemm_f64(state, &gc);
	else
		run_gemm_f32(state, &gc);
}

/* ---- registrations ---------------------------------------------------------- */

KB_BENCH(matmul, sgemm_ref) { run_gemm(state, (struct gemm_case){ GEMM_REF, false, false, false }); }
KB_ARGS(matmul, sgemm_ref, 64, 128, 256);
KB_QUICK(matmul, sgemm_ref, "n=16,33,64,128");
/* Is the reference still O(n^3)?  Fitted over its sizes, the order chosen by the data. */
KB_COMPLEXITY(matmul, sgemm_ref, KB_AUTO);

KB_BENCH(matmul, sgemm_blocked) { run_gemm(state, (struct gemm_case){ GEMM_BLOCKED, false, false, false }); }
KB_ARGS(matmul, sgemm_blocked, 256, 1024);
KB_QUICK(matmul, sgemm_blocked, "n=1,33,64");
KB_LARGE(matmul, sgemm_blocked, "n=2048,4096");

KB_BENCH(matmul, sgemm_blocked_mt) { run_gemm(state, (struct gemm_case){ GEMM_BLOCKED, false, false, true }); }
KB_ARGS(matmul, sgemm_blocked_mt, 1024);
KB_QUICK(matmul, sgemm_blocked_mt, "n=33,64");
KB_LARGE(matmul, sgemm_blocked_mt, "n=2048,4096");

KB_BENCH(matmul, sgemm_openblas) { run_gemm(state, (struct gemm_case){ GEMM_OPENBLAS, false, false, false }); }
KB_ARGS(matmul, sgemm_openblas, 256, 1024);
KB_QUICK(matmul, sgemm_openblas, "n=33");
KB_LARGE(matmul, sgemm_openblas, "n=2048,4096");

KB_BENCH(matmul, sgemm_openblas_mt) { run_gemm(state, (struct gemm_case){ GEMM_OPENBLAS, false, false, true }); }
KB_ARGS(matmul, sgemm_openblas_mt, 1024);
KB_QUICK(matmul, sgemm_openblas_mt, "n=33");
KB_LARGE(matmul, sgemm_openblas_mt, "n=2048,4096");

KB_BENCH(matmul, sgemm_nt_ref) { run_gemm(state, (struct gemm_case){ GEMM_REF, false, true, false }); }
KB_ARGS(matmul, sgemm_nt_ref, 128);
KB_QUICK(matmul, sgemm_nt_ref, "n=33");

KB_BENCH(matmul, sgemm_nt_blocked) { run_gemm(state, (struct gemm_case){ GEMM_BLOCKED, false, true, false }); }
KB_ARGS(matmul, sgemm_nt_blocked, 512);
KB_QUICK(matmul, sgemm_nt_blocked, "n=33");

KB_BENCH(matmul, sgemm_nt_openblas) { run_gemm(state, (struct gemm_case){ GEMM_OPENBLAS, false, true, false }); }
KB_ARGS(matmul, sgemm_nt_openblas, 512);
KB_QUICK(matmul, sgemm_nt_openblas, "n=33");

KB_BENCH(matmul, dgemm_ref) { run_gemm(state, (struct gemm_case){ GEMM_REF, true, false, false }); }
KB_ARGS(matmul, dgemm_ref, 128);
KB_QUICK(matmul, dgemm_ref, "n=33");

KB_BENCH(matmul, dgemm_blocked) { run_gemm(state, (struct gemm_case){ GEMM_BLOCKED, true, false, false }); }
KB_ARGS(matmul, dgemm_blocked, 512);
KB_QUICK(matmul, dgemm_blocked, "n=1,33,64");
KB_LARGE(matmul, dgemm_blocked, "n=1024,2048");

KB_BENCH(matmul, dgemm_blocked_mt) { run_gemm(state, (struct gemm_case){ GEMM_BLOCKED, true, false, true }); }
KB_ARGS(matmul, dgemm_blocked_mt, 512);
KB_QUICK(matmul, dgemm_blocked_mt, "n=33");
KB_LARGE(matmul, dgemm_blocked_mt, "n=1024,2048");

KB_BENCH(matmul, dgemm_openblas) { run_gemm(state, (struct gemm_case){ GEMM_OPENBLAS, true, false, false }); }
KB_ARGS(matmul, dgemm_openblas, 512);
KB_QUICK(matmul, dgemm_openblas, "n=33");
KB_LARGE(matmul, dgemm_openblas, "n=1024,2048");

KB_BENCH(matmul, dgemm_openblas_mt) { run_gemm(state, (struct gemm_case){ GEMM_OPENBLAS, true, false, true }); }
KB_ARGS(matmul, dgemm_openblas_mt, 512);
KB_QUICK(matmul, dgemm_openblas_mt, "n=33");
KB_LARGE(matmul, dgemm_openblas_mt, "n=1024,2048");

KB_BENCH(matmul, dgemm_nt_blocked) { run_gemm(state, (struct gemm_case){ GEMM_BLOCKED, true, true, false }); }
KB_ARGS(matmul, dgemm_nt_blocked, 512);
KB_QUICK(matmul, dgemm_nt_blocked, "n=33");

/* ---- peaks ------------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/*
 * The flops peak: the best of the FMA calibration kernel (every ISA the CPU
 * has, all cores; kb_peak_cpu.h), kbench's blocked GEMM and OpenBLAS, 1024^3
 * on all cores over ~0.15 s each.  A library's GEMM alone is a floor (an
 * OpenBLAS built for an older core runs its AVX2 kernel on an AVX-512 one);
 * each figure is a peak note, with the one-core calibration and the
 * theoretical peak where the frequency is known.
 */
#define PEAK_GEMM(T, SFX)                                                       \
	static double peak_gemm_##SFX(bool blas)                                \
	{                                                                       \
		const size_t n = 1024;                                          \
		int cores = kb_cores();                                         \
		T *a = malloc(n * n * sizeof(T));                               \
		T *b = malloc(n * n * sizeof(T));                               \
		T *c = malloc(n * n * sizeof(T));                               \
		double best = 0;                                                \
		if (a && b && c) {                                              \
			for (size_t i = 0; i < n * n; i++) {                    \
				a[i] = (T)((double)(i % 97) / 97.0 - 0.5);      \
				b[i] = (T)((double)(i % 89) / 89.0 - 0.5);      \
			}                                                       \
			if (blas)                                               \
				kb_openblas_set_threads(cores);                 \
			double end = now_s() + 0.15;                            \
			for (int it = 0; it < 3 || now_s() < end; it++) {       \
				double t0 = now_s();                            \
				if (blas)                                       \
					kb_gemm_##SFX##_openblas(false, n, n, n, a, b, c); \
				else if (kb_gemm_##SFX##_blocked(false, n, n, n, a, b, c, cores)) \
					break;                                  \
				double t = now_s() - t0;                        \
				if (t > 0 && 2.0 * n * n * n / t * 1e-9 > best) \
					best = 2.0 * n * n * n / t * 1e-9;      \
				if (it > 100)                                   \
					break;                                  \
			}                                                       \
		}                                                               \
		free(a);                                                        \
		free(b);                                                        \
		free(c);                                                        \
		return best;                                                    \
	}
PEAK_GEMM(float, f32)
PEAK_GEMM(double, f64)

static double peak_flops(bool f64)
{
	static const char *const isa_key[3] = { "scalar", "avx2", "avx512" };
	int cores = kb_cores();
	double best = 0, cal = 0, one = 0, theory = NAN, v;
	char key[64];

	for (int isa = KB_SIMD_NONE; isa <= KB_SIMD_AVX512; isa++) {
		v = kb_peak_fma_gflops((enum kb_simd)isa, f64, cores, 0.06, 3);
		if (v <= 0)
			continue;
		snprintf(key, sizeof(key), "calibration_%s", isa_key[isa]);
		kb_peak_note(key, v);
		if (v > cal) {
			cal = v;
			one = kb_peak_fma_gflops((enum kb_simd)isa, f64, 1, 0.06, 3);
			theory = kb_peak_fma_theoretical((enum kb_simd)isa, f64, cores);
		}
	}
	kb_peak_note("calibration", cal);
	kb_peak_note("calibration_1core", one);
	kb_peak_note("theoretical", theory);
	best = cal;
	v = f64 ? peak_gemm_f64(false) : peak_gemm_f32(false);
	kb_peak_note("gemm_blocked", v);
	best = v > best ? v : best;
	if (kb_openblas_available()) {
		v = f64 ? peak_gemm_f64(true) : peak_gemm_f32(true);
		kb_peak_note("gemm_openblas", v);
		best = v > best ? v : best;
	}
	return best;
}

KB_PEAK(flops_f32, "GFLOP/s", "best of: FMA calibration kernel (best ISA, all cores), blocked sgemm and "
			      "OpenBLAS sgemm 1024^3 on all cores")
{
	return peak_flops(false);
}

KB_PEAK(flops_f64, "GFLOP/s", "best of: FMA calibration kernel (best ISA, all cores), blocked dgemm and "
			      "OpenBLAS dgemm 1024^3 on all cores")
{
	return peak_flops(true);
}
