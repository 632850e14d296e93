/*
 * kb_reduce_simd.c - vectorised, threaded sum, dot and max
 * (kb_{sum,dot,max}_{f32,f64}_simd).
 *
 * Maths:   sum = Σ x[i];  dot = Σ x[i]·y[i];  max = max_i x[i].
 * Layout:  dense vectors of n elements, any alignment.
 * Flops:   sum n, dot 2n, max n (compares).
 * Bytes:   sum and max w·n, dot 2·w·n, w = sizeof(T): each element read once.
 *
 * Per thread: 8 independent vector accumulators over blocks of 8 vectors
 * (enough to cover the add/FMA latency at two loads per cycle), then whole
 * vectors into accumulator 0, then a masked (AVX-512) or scalar tail; the
 * 8 accumulators are combined as a balanced tree and then across lanes.
 * Threads write partials to their own slot; the caller adds them in order.
 */
#include "cpu/kb_reduce_simd.h"

#include "cpu/kb_cpu.h"

#include <immintrin.h>
#include <math.h>

enum red_op { RED_SUM, RED_DOT, RED_MAX };

#define TGT512 __attribute__((target("avx512f")))
#define TGT2 __attribute__((target("avx2,fma")))

/*
 * Software prefetch into L2, 4 KiB ahead, for arrays larger than L2: one
 * core's hardware prefetchers alone keep too few DRAM reads in flight
 * (measured here: ~27 GB/s without, ~33-39 GB/s with).  Prefetching never
 * faults, so running past the end is harmless.  Only on the AVX-512 path.
 */
#define PF_DIST 4096
#define PF_MIN_BYTES (512u << 10)
#define PREFETCH_L2(p) _mm_prefetch((const char *)(p), _MM_HINT_T1)

/* ---- AVX-512 ------------------------------------------------------------------- */

#define RED512(NAME, T, VT, W, MASK_T, LOADU, MASKZ_LOADU, MASK_LOADU, SET1, ZERO, \
	       ADD, FMA, MAX, RADD, RMAX)                                        \
	TGT512 static inline __attribute__((always_inline)) T NAME##_body(      \
		enum red_op op, bool pf, const T *x, const T *y, size_t n)      \
	{                                                                       \
		VT init = op == RED_MAX ? SET1(-INFINITY) : ZERO;               \
		VT a0 = init, a1 = init, a2 = init, a3 = init;                  \
		VT a4 = init, a5 = init, a6 = init, a7 = init;                  \
		size_t i = 0;                                                   \
		for (; i + 8 * W <= n; i += 8 * W) {                            \
			if (pf)                                                 \
				for (int l = 0; l < 8; l++) {                   \
					PREFETCH_L2(x + i + PF_DIST / sizeof(T) + l * W); \
					if (op == RED_DOT)                      \
						PREFETCH_L2(y + i + PF_DIST / sizeof(T) + l * W); \
				}                                               \
			switch (op) {                                           \
			case RED_SUM:                                           \
				a0 = ADD(a0, LOADU(x + i));                     \
				a1 = ADD(a1, LOADU(x + i + W));                 \
				a2 = ADD(a2, LOADU(x + i + 2 * W));             \
				a3 = ADD(a3, LOADU(x + i + 3 * W));             \
				a4 = ADD(a4, LOADU(x + i + 4 * W));             \
				a5 = ADD(a5, LOADU(x + i + 5 * W));             \
				a6 = ADD(a6, LOADU(x + i + 6 * W));             \
				a7 = ADD(a7, LOADU(x + i + 7 * W));             \
				break;                                          \
			case RED_DOT:                                           \
				a0 = FMA(LOADU(x + i), LOADU(y + i), a0);       \
				a1 = FMA(LOADU(x + i + W), LOADU(y + i + W), a1); \
				a2 = FMA(LOADU(x + i + 2 * W), LOADU(y + i + 2 * W), a2); \
				a3 = FMA(LOADU(x + i + 3 * W), LOADU(y + i + 3 * W), a3); \
				a4 = FMA(LOADU(x + i + 4 * W), LOADU(y + i + 4 * W), a4); \
				a5 = FMA(LOADU(x + i + 5 * W), LOADU(y + i + 5 * W), a5); \
				a6 = FMA(LOADU(x + i + 6 * W), LOADU(y + i + 6 * W), a6); \
				a7 = FMA(LOADU(x + i + 7 * W), LOADU(y + i + 7 * W), a7); \
				break;                                          \
			case RED_MAX:                                           \
				a0 = MAX(a0, LOADU(x + i));                     \
				a1 = MAX(a1, LOADU(x + i + W));                 \
				a2 = MAX(a2, LOADU(x + i + 2 * W));             \
				a3 = MAX(a3, LOADU(x + i + 3 * W));             \
				a4 = MAX(a4, LOADU(x + i + 4 * W));             \
				a5 = MAX(a5, LOADU(x + i + 5 * W));             \
				a6 = MAX(a6, LOADU(x + i + 6 * W));             \
				a7 = MAX(a7, LOADU(x + i + 7 * W));             \
				break;                                          \
			}                                                       \
		}                                                               \
		for (; i < n; i += W) {                                         \
			MASK_T m = n - i >= W ? (MASK_T)~0 : (MASK_T)((1u << (n - i)) - 1); \
			switch (op) {                                           \
			case RED_SUM: a0 = ADD(a0, MASKZ_LOADU(m, x + i)); break; \
			case RED_DOT:                                           \
				a0 = FMA(MASKZ_LOADU(m, x + i), MASKZ_LOADU(m, y + i), a0); \
				break;                                          \
			case RED_MAX: a0 = MAX(a0, MASK_LOADU(init, m, x + i)); break; \
			}                                                       \
		}                                                               \
		if (op == RED_MAX) {                                            \
			a0 = MAX(MAX(MAX(a0, a1), MAX(a2, a3)),                 \
				 MAX(MAX(a4, a5), MAX(a6, a7)));                \
			return RMAX(a0);                                        \
		}                                                               \
		a0 = ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7))); \
		return RADD(a0);                                                \
	}                                                                       \
	TGT512 static T NAME(enum red_op op, const T *x, const T *y, size_t n)  \
	{                                                                       \
		bool pf = n * sizeof(T) > PF_MIN_BYTES;                         \
		switch (op) {                                                   \
		case RED_SUM:                                                   \
			return pf ? NAME##_body(RED_SUM, true, x, y, n)         \
				  : NAME##_body(RED_SUM, false, x, y, n);       \
		case RED_DOT:                                                   \
			return pf ? NAME##_body(RED_DOT, true, x, y, n)         \
				  : NAME##_body(RED_DOT, false, x, y, n);       \
		default:                                                        \
			return pf ? NAME##_body(RED_MAX, true, x, y, n)         \
				  : NAME##_body(RED_MAX, false, x, y, n);       \
		}                                                               \
	}

RED512(red_f32_avx512, float, __m512, 16, __mmask16, _mm512_loadu_ps,
       _mm512_maskz_loadu_ps, _mm512_mask_loadu_ps, _mm512_set1_ps,
       _mm512_setzero_ps(), _mm512_add_ps, _mm512_fmadd_ps, _mm512_max_ps,
       _mm512_reduce_add_ps, _mm512_reduce_max_ps)
RED512(red_f64_avx512, double, __m512d, 8, __mmask8, _mm512_loadu_pd,
       _mm512_maskz_loadu_pd, _mm512_mask_loadu_pd, _mm512_set1_pd,
       _mm512_setzero_pd(), _mm512_add_pd, _mm512_fmadd_pd, _mm512_max_pd,
       _mm512_reduce_add_pd, _mm512_reduce_max_pd)

/* ---- AVX2 --------------------------------------------------------------------- */

TGT2 static inline float hadd_ps_avx2(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}
TGT2 static inline float hmax_ps_avx2(__m256 v)
{
	__m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_max_ps(s, _mm_movehl_ps(s, s));
	s = _mm_max_ss(s, _mm_movehdup_ps(s));
	return _mm_cvtss_f32(s);
}
TGT2 static inline double hadd_pd_avx2(__m256d v)
{
	__m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
	return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}
TGT2 static inline double hmax_pd_avx2(__m256d v)
{
	__m128d s = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
	return _mm_cvtsd_f64(_mm_max_sd(s, _mm_unpackhi_pd(s, s)));
}

#define RED2(NAME, T, VT, W, LOADU, SET1, ZERO, ADD, FMA, MAX, RADD, RMAX, SFMA)  \
	TGT2 static inline __attribute__((always_inline)) T NAME##_body(        \
		enum red_op op, const T *x, const T *y, size_t n)               \
	{                                                                       \
		VT init = op == RED_MAX ? SET1(-INFINITY) : ZERO;               \
		VT a[8] = { init, init, init, init, init, init, init, init };   \
		size_t i = 0;                                                   \
		for (; i + 8 * W <= n; i += 8 * W) {                            \
			_Pragma("GCC unroll 8")                                 \
			for (int u = 0; u < 8; u++) {                           \
				VT v = LOADU(x + i + u * W);                    \
				if (op == RED_SUM)                              \
					a[u] = ADD(a[u], v);                    \
				else if (op == RED_DOT)                         \
					a[u] = FMA(v, LOADU(y + i + u * W), a[u]); \
				else                                            \
					a[u] = MAX(a[u], v);                    \
			}                                                       \
		}                                                               \
		for (; i + W <= n; i += W) {                                    \
			VT v = LOADU(x + i);                                    \
			if (op == RED_SUM)                                      \
				a[0] = ADD(a[0], v);                            \
			else if (op == RED_DOT)                                 \
				a[0] = FMA(v, LOADU(y + i), a[0]);              \
			else                                                    \
				a[0] = MAX(a[0], v);                            \
		}                                                               \
		if (op == RED_MAX) {                                            \
			VT m = MAX(MAX(MAX(a[0], a[1]), MAX(a[2], a[3])),       \
				   MAX(MAX(a[4], a[5]), MAX(a[6], a[7])));      \
			T r = RMAX(m);                                          \
			for (; i < n; i++)                                      \
				r = x[i] > r ? x[i] : r;                        \
			return r;                                               \
		}                                                               \
		VT s = ADD(ADD(ADD(a[0], a[1]), ADD(a[2], a[3])),               \
			   ADD(ADD(a[4], a[5]), ADD(a[6], a[7])));              \
		T t = 0;                                                        \
		for (; i < n; i++)                                              \
			t = op == RED_SUM ? t + x[i] : SFMA(x[i], y[i], t);     \
		return RADD(s) + t;                                             \
	}                                                                       \
	TGT2 static T NAME(enum red_op op, const T *x, const T *y, size_t n)    \
	{                                                                       \
		switch (op) {                                                   \
		case RED_SUM: return NAME##_body(RED_SUM, x, y, n);             \
		case RED_DOT: return NAME##_body(RED_DOT, x, y, n);             \
		default: return NAME##_body(RED_MAX, x, y, n);                  \
		}                                                               \
	}

RED2(red_f32_avx2, float, __m256, 8, _mm256_loadu_ps, _mm256_set1_ps,
     _mm256_setzero_ps(), _mm256_add_ps, _mm256_fmadd_ps, _mm256_max_ps,
     hadd_ps_avx2, hmax_ps_avx2, fmaf)
RED2(red_f64_avx2, double, __m256d, 4, _mm256_loadu_pd, _mm256_set1_pd,
     _mm256_setzero_pd(), _mm256_add_pd, _mm256_fmadd_pd, _mm256_max_pd,
     hadd_pd_avx2, hmax_pd_avx2, fma)

/* ---- portable: 8 scalar accumulators ------------------------------------------------ */

#define REDP(NAME, T)                                                           \
	static T NAME(enum red_op op, const T *x, const T *y, size_t n)         \
	{                                                                       \
		T init = op == RED_MAX ? -INFINITY : 0;                         \
		T a[8] = { init, init, init, init, init, init, init, init };    \
		size_t i = 0;                                                   \
		for (; i + 8 <= n; i += 8)                                      \
			for (int u = 0; u < 8; u++) {                           \
				if (op == RED_SUM)                              \
					a[u] += x[i + u];                       \
				else if (op == RED_DOT)                         \
					a[u] += x[i + u] * y[i + u];            \
				else if (x[i + u] > a[u])                       \
					a[u] = x[i + u];                        \
			}                                                       \
		for (; i < n; i++) {                                            \
			if (op == RED_SUM)                                      \
				a[0] += x[i];                                   \
			else if (op == RED_DOT)                                 \
				a[0] += x[i] * y[i];                            \
			else if (x[i] > a[0])                                   \
				a[0] = x[i];                                    \
		}                                                               \
		for (int w = 4; w >= 1; w /= 2)                                 \
			for (int u = 0; u < w; u++)                             \
				a[u] = op == RED_MAX ? (a[u + w] > a[u] ? a[u + w] : a[u]) \
						     : a[u] + a[u + w];         \
		return a[0];                                                    \
	}
REDP(red_f32_portable, float)
REDP(red_f64_portable, double)

/* ---- threading ------------------------------------------------------------------------ */

struct red_task {
	enum red_op op;
	bool f64;
	size_t n;
	const void *x, *y;
	double part[KB_CPU_MAX_THREADS];
};

static void red_run(void *arg, int tid, int nthreads)
{
	struct red_task *t = arg;
	size_t lo, hi;
	kb_cpu_split(t->n, nthreads, tid, 64, &lo, &hi);
	enum kb_simd level = kb_cpu_simd();
	if (t->f64) {
		const double *x = (const double *)t->x + lo;
		const double *y = t->y ? (const double *)t->y + lo : NULL;
		double r = level == KB_SIMD_AVX512 ? red_f64_avx512(t->op, x, y, hi - lo)
			 : level == KB_SIMD_AVX2   ? red_f64_avx2(t->op, x, y, hi - lo)
						   : red_f64_portable(t->op, x, y, hi - lo);
		t->part[tid] = r;
	} else {
		const float *x = (const float *)t->x + lo;
		const float *y = t->y ? (const float *)t->y + lo : NULL;
		float r = level == KB_SIMD_AVX512 ? red_f32_avx512(t->op, x, y, hi - lo)
			: level == KB_SIMD_AVX2   ? red_f32_avx2(t->op, x, y, hi - lo)
						  : red_f32_portable(t->op, x, y, hi - lo);
		t->part[tid] = r;
	}
}

/* Below ~32 KiB per thread, waking threads costs more than it saves. */
#define RED_MIN_THREAD_BYTES 32768

int kb_reduce_threads_used(size_t bytes, int nthreads)
{
	return kb_cpu_threads_for(bytes, nthreads, RED_MIN_THREAD_BYTES);
}

/* Per calling thread: a benchmark's kernels run on its own thread. */
static __thread int last_threads;

int kb_reduce_simd_last_threads(void)
{
	return last_threads;
}

/* Partials are stored as double (exact for f32 values) and combined in the
 * input's precision, in thread order. */
static double red(enum red_op op, bool f64, size_t n, const void *x, const void *y,
		  int nthreads)
{
	struct red_task t = { .op = op, .f64 = f64, .n = n, .x = x, .y = y };
	size_t bytes = n * (f64 ? 8 : 4) * (y ? 2 : 1);
	int used = kb_cpu_parallel(kb_reduce_threads_used(bytes, nthreads), red_run, &t);
	last_threads = used;
	if (f64) {
		double r = t.part[0];
		for (int i = 1; i < used; i++)
			r = op == RED_MAX ? (t.part[i] > r ? t.part[i] : r) : r + t.part[i];
		return r;
	}
	float r = (float)t.part[0];
	for (int i = 1; i < used; i++) {
		float p = (float)t.part[i];
		r = op == RED_MAX ? (p > r ? p : r) : r + p;
	}
	return r;
}

float kb_sum_f32_simd(const float *x, size_t n, int nthreads)
{
	return (float)red(RED_SUM, false, n, x, NULL, nthreads);
}
double kb_sum_f64_simd(const double *x, size_t n, int nthreads)
{
	return red(RED_SUM, true, n, x, NULL, nthreads);
}
float kb_dot_f32_simd(const float *x, const float *y, size_t n, int nthreads)
{
	return (float)red(RED_DOT, false, n, x, y, nthreads);
}
double kb_dot_f64_simd(const double *x, const double *y, size_t n, int nthreads)
{
	return red(RED_DOT, true, n, x, y, nthreads);
}
float kb_max_f32_simd(const float *x, size_t n, int nthreads)
{
	return (float)red(RED_MAX, false, n, x, NULL, nthreads);
}
double kb_max_f64_simd(const double *x, size_t n, int nthreads)
{
	return red(RED_MAX, true, n, x, NULL, nthreads);
}

size_t kb_reduce_simd_lanes(bool f64)
{
	switch (kb_cpu_simd()) {
	case KB_SIMD_AVX512: return f64 ? 64 : 128;
	case KB_SIMD_AVX2: return f64 ? 32 : 64;
	default: return 8;
	}
}
