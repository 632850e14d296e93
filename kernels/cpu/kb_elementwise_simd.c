/*
 * kb_elementwise_simd.c - vectorised, threaded elementwise kernels
 * (kb_{copy,scale,add,triad,axpy,exp}_{f32,f64}_simd).
 *
 * Maths (i in [0, n)):  copy y = x;  scale y = s·x;  add y = a + b;
 *                       triad y = b + s·c (one FMA);  axpy y = s·x + y (one
 *                       FMA);  exp y = e^x.
 * Layout:  dense vectors of n elements, any alignment.
 * Bytes per element, w = sizeof(T), counted as STREAM does (each array once,
 * no write-allocate):  copy 2w, scale 2w, add 3w, triad 3w, axpy 3w, exp 2w.
 * Flops per element:   copy 0, scale 1, add 1, triad 2, axpy 2, exp -.
 *
 * Each thread takes a contiguous range whose start is a multiple of 64
 * bytes from y.  A range runs a scalar head up to a 64-byte boundary of y
 * when streaming (non-temporal stores need aligned addresses), a vector
 * body, and a scalar tail.  Streaming is chosen when all arrays together
 * exceed kb_cpu_nt_threshold(), and is followed by an sfence.
 *
 * exp: x = k·ln2 + r with k = round(x/ln2), |r| <= ln2/2; e^r from a
 * polynomial (f32: Cephes expf's degree-6 minimax coefficients; f64: the
 * Taylor series to degree 13, whose truncation error 0.35^14/14! < 1e-17 is
 * below half an ulp), then scaled by 2^k (vscalefps on AVX-512, exponent
 * bits on AVX2).  x is clamped first so k stays in the normal range.
 */
#include "cpu/kb_elementwise_simd.h"

#include "cpu/kb_cpu.h"

#include <immintrin.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>

enum ew_op { EW_COPY, EW_SCALE, EW_ADD, EW_TRIAD, EW_AXPY, EW_EXP };

/* Bytes of all arrays per element, in units of w (see the table above). */
static const int ew_arrays[] = { 2, 2, 3, 3, 3, 2 };

#define EXPF_HI 88.3762626647949f
#define EXPF_LO -87.3365447505531f
#define EXP_HI 709.0
#define EXP_LO -708.0
#define LOG2E 1.44269504088896341
#define LN2_HI 0.693359375
#define LN2_LO -2.12194440e-4
#define LN2D_HI 6.93147180369123816490e-01
#define LN2D_LO 1.90821492927058770002e-10

/* Cephes expf polynomial: e^r ≈ 1 + r + r²·P(r). */
#define EXPF_P0 1.9875691500E-4f
#define EXPF_P1 1.3981999507E-3f
#define EXPF_P2 8.3334519073E-3f
#define EXPF_P3 4.1665795894E-2f
#define EXPF_P4 1.6666665459E-1f
#define EXPF_P5 5.0000001201E-1f

/* ---- scalar versions (heads, tails, the portable path) --------------------- */

static float exp_f32_scalar(float x)
{
	if (x > EXPF_HI)
		return INFINITY;
	if (x < EXPF_LO)
		return 0.0f;
	float k = nearbyintf(x * (float)LOG2E);
	float r = x - k * (float)LN2_HI - k * (float)LN2_LO;
	float p = EXPF_P0;
	p = p * r + EXPF_P1;
	p = p * r + EXPF_P2;
	p = p * r + EXPF_P3;
	p = p * r + EXPF_P4;
	p = p * r + EXPF_P5;
	p = p * r * r + r + 1.0f;
	return ldexpf(p, (int)k);
}

static double exp_f64_scalar(double x)
{
	if (x > EXP_HI + 0.78)
		return INFINITY;
	if (x < EXP_LO)
		return 0.0;
	if (x > EXP_HI)
		return exp(x);
	double k = nearbyint(x * LOG2E);
	double r = x - k * LN2D_HI - k * LN2D_LO;
	double p = 1.0 / 6227020800.0; /* 1/13! */
	static const double inv_fact[] = {
		1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
		1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0,
		1.0 / 6.0, 0.5, 1.0, 1.0,
	};
	for (size_t i = 0; i < sizeof(inv_fact) / sizeof(inv_fact[0]); i++)
		p = p * r + inv_fact[i];
	return ldexp(p, (int)k);
}

#define SCALAR_BODY(op, i, FMA, SEXP)                                                    \
	switch (op) {                                                           \
	case EW_COPY: y[i] = x0[i]; break;                                      \
	case EW_SCALE: y[i] = s * x0[i]; break;                                 \
	case EW_ADD: y[i] = x0[i] + x1[i]; break;                               \
	case EW_TRIAD: y[i] = FMA(s, x1[i], x0[i]); break;                      \
	case EW_AXPY: y[i] = FMA(s, x0[i], y[i]); break;                        \
	case EW_EXP: y[i] = SEXP(x0[i]); break;                                 \
	}

/* ---- vector exp ------------------------------------------------------------- */

__attribute__((target("avx512f"))) static inline __m512 exp_ps_avx512(__m512 x)
{
	__m512 hi = _mm512_set1_ps(EXPF_HI), lo = _mm512_set1_ps(EXPF_LO);
	__mmask16 over = _mm512_cmp_ps_mask(x, hi, _CMP_GT_OQ);
	__mmask16 under = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
	x = _mm512_min_ps(_mm512_max_ps(x, lo), hi);
	__m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps((float)LOG2E)),
					_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps((float)LN2_HI), x);
	r = _mm512_fnmadd_ps(k, _mm512_set1_ps((float)LN2_LO), r);
	__m512 p = _mm512_set1_ps(EXPF_P0);
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXPF_P1));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXPF_P2));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXPF_P3));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXPF_P4));
	p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(EXPF_P5));
	p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
	p = _mm512_scalef_ps(p, k);
	p = _mm512_mask_mov_ps(p, over, _mm512_set1_ps(INFINITY));
	return _mm512_mask_mov_ps(p, under, _mm512_setzero_ps());
}

__attribute__((target("avx512f"))) static inline __m512d exp_pd_avx512(__m512d x)
{
	__m512d hi = _mm512_set1_pd(EXP_HI), lo = _mm512_set1_pd(EXP_LO);
	__mmask8 big = _mm512_cmp_pd_mask(x, hi, _CMP_GT_OQ);
	__mmask8 under = _mm512_cmp_pd_mask(x, lo, _CMP_LT_OQ);
	__m512d xc = _mm512_min_pd(_mm512_max_pd(x, lo), hi);
	__m512d k = _mm512_roundscale_pd(_mm512_mul_pd(xc, _mm512_set1_pd(LOG2E)),
					 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(LN2D_HI), xc);
	r = _mm512_fnmadd_pd(k, _mm512_set1_pd(LN2D_LO), r);
	__m512d p = _mm512_set1_pd(1.0 / 6227020800.0);
	static const double c[] = {
		1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
		1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0,
		1.0 / 6.0, 0.5, 1.0, 1.0,
	};
	for (int i = 0; i < 13; i++)
		p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c[i]));
	p = _mm512_scalef_pd(p, k);
	p = _mm512_maskz_mov_pd((__mmask8)~under, p);
	if (big) { /* rare: [709, 709.78] still finite, beyond is +inf */
		double tmp[8];
		_mm512_storeu_pd(tmp, x);
		__m512d e = _mm512_set_pd(exp_f64_scalar(tmp[7]), exp_f64_scalar(tmp[6]),
					  exp_f64_scalar(tmp[5]), exp_f64_scalar(tmp[4]),
					  exp_f64_scalar(tmp[3]), exp_f64_scalar(tmp[2]),
					  exp_f64_scalar(tmp[1]), exp_f64_scalar(tmp[0]));
		p = _mm512_mask_mov_pd(p, big, e);
	}
	return p;
}

__attribute__((target("avx2,fma"))) static inline __m256 exp_ps_avx2(__m256 x)
{
	__m256 hi = _mm256_set1_ps(EXPF_HI), lo = _mm256_set1_ps(EXPF_LO);
	__m256 over = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
	__m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
	x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
	__m256 k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps((float)LOG2E)),
				   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps((float)LN2_HI), x);
	r = _mm256_fnmadd_ps(k, _mm256_set1_ps((float)LN2_LO), r);
	__m256 p = _mm256_set1_ps(EXPF_P0);
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXPF_P1));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXPF_P2));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXPF_P3));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXPF_P4));
	p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(EXPF_P5));
	p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
	/* 2^k split in two factors so k = 128 (x near EXPF_HI) stays representable. */
	__m256i ki = _mm256_cvtps_epi32(k);
	__m256i k1 = _mm256_srai_epi32(ki, 1);
	__m256i k2 = _mm256_sub_epi32(ki, k1);
	__m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k1, _mm256_set1_epi32(127)), 23));
	__m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k2, _mm256_set1_epi32(127)), 23));
	p = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
	p = _mm256_blendv_ps(p, _mm256_set1_ps(INFINITY), over);
	return _mm256_andnot_ps(under, p);
}

__attribute__((target("avx2,fma"))) static inline __m256d exp_pd_avx2(__m256d x)
{
	__m256d hi = _mm256_set1_pd(EXP_HI), lo = _mm256_set1_pd(EXP_LO);
	__m256d big = _mm256_cmp_pd(x, hi, _CMP_GT_OQ);
	__m256d under = _mm256_cmp_pd(x, lo, _CMP_LT_OQ);
	__m256d xc = _mm256_min_pd(_mm256_max_pd(x, lo), hi);
	__m256d k = _mm256_round_pd(_mm256_mul_pd(xc, _mm256_set1_pd(LOG2E)),
				    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	__m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(LN2D_HI), xc);
	r = _mm256_fnmadd_pd(k, _mm256_set1_pd(LN2D_LO), r);
	__m256d p = _mm256_set1_pd(1.0 / 6227020800.0);
	static const double c[] = {
		1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
		1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0,
		1.0 / 6.0, 0.5, 1.0, 1.0,
	};
	for (int i = 0; i < 13; i++)
		p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c[i]));
	/* 2^k from the exponent bits: k + 1023 in the low bits of a double
	 * with the magic 1.5·2^52 added, shifted into place. */
	__m256d kb = _mm256_add_pd(k, _mm256_set1_pd(1023.0 + 6755399441055744.0));
	__m256d scale = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(kb), 52));
	p = _mm256_mul_pd(p, scale);
	p = _mm256_andnot_pd(under, p);
	if (_mm256_movemask_pd(big)) {
		double tmp[4];
		_mm256_storeu_pd(tmp, x);
		__m256d e = _mm256_set_pd(exp_f64_scalar(tmp[3]), exp_f64_scalar(tmp[2]),
					  exp_f64_scalar(tmp[1]), exp_f64_scalar(tmp[0]));
		p = _mm256_blendv_pd(p, e, big);
	}
	return p;
}

/* ---- range kernels, one per (SIMD level, dtype) ------------------------------
 * run(op, n, y, x0, x1, s, nt): the whole range [0, n) of one thread.
 */
#define RANGE_KERNEL(NAME, TGT, T, VT, W, LOADU, STOREU, STREAM, SET1, ADD, MUL,  \
		     VFMA, VEXP, FMA, SEXP)                                     \
	TGT static inline __attribute__((always_inline)) void NAME##_body(      \
		enum ew_op op, size_t n, T *y, const T *x0, const T *x1, T s,   \
		bool nt)                                                        \
	{                                                                       \
		size_t i = 0;                                                   \
		if (nt)                                                         \
			for (; i < n && ((uintptr_t)(y + i) & 63); i++)         \
				SCALAR_BODY(op, i, FMA, SEXP)                   \
		VT vs = SET1(s);                                                \
		for (; i + W <= n; i += W) {                                    \
			VT r;                                                   \
			switch (op) {                                           \
			case EW_COPY: r = LOADU(x0 + i); break;                 \
			case EW_SCALE: r = MUL(vs, LOADU(x0 + i)); break;       \
			case EW_ADD: r = ADD(LOADU(x0 + i), LOADU(x1 + i)); break; \
			case EW_TRIAD: r = VFMA(vs, LOADU(x1 + i), LOADU(x0 + i)); break; \
			case EW_AXPY: r = VFMA(vs, LOADU(x0 + i), LOADU(y + i)); break; \
			default: r = VEXP(LOADU(x0 + i)); break;                \
			}                                                       \
			if (nt)                                                 \
				STREAM(y + i, r);                               \
			else                                                    \
				STOREU(y + i, r);                               \
		}                                                               \
		for (; i < n; i++)                                              \
			SCALAR_BODY(op, i, FMA, SEXP)                           \
		if (nt)                                                         \
			_mm_sfence();                                           \
	}                                                                       \
	TGT static void NAME(enum ew_op op, size_t n, T *y, const T *x0,        \
			     const T *x1, T s, bool nt)                         \
	{                                                                       \
		switch (op) {                                                   \
		case EW_COPY: NAME##_body(EW_COPY, n, y, x0, x1, s, nt); break; \
		case EW_SCALE: NAME##_body(EW_SCALE, n, y, x0, x1, s, nt); break; \
		case EW_ADD: NAME##_body(EW_ADD, n, y, x0, x1, s, nt); break;   \
		case EW_TRIAD: NAME##_body(EW_TRIAD, n, y, x0, x1, s, nt); break; \
		case EW_AXPY: NAME##_body(EW_AXPY, n, y, x0, x1, s, nt); break; \
		case EW_EXP: NAME##_body(EW_EXP, n, y, x0, x1, s, nt); break;   \
		}                                                               \
	}

#define TGT512 __attribute__((target("avx512f")))
#define TGT2 __attribute__((target("avx2,fma")))

/* The body is inlined once per op with a constant op, so each op gets its
 * own tight loop (-O2 does not unswitch loops). */
RANGE_KERNEL(range_f32_avx512, TGT512, float, __m512, 16, _mm512_loadu_ps,
	     _mm512_storeu_ps, _mm512_stream_ps, _mm512_set1_ps, _mm512_add_ps,
	     _mm512_mul_ps, _mm512_fmadd_ps, exp_ps_avx512, fmaf, exp_f32_scalar)
RANGE_KERNEL(range_f64_avx512, TGT512, double, __m512d, 8, _mm512_loadu_pd,
	     _mm512_storeu_pd, _mm512_stream_pd, _mm512_set1_pd, _mm512_add_pd,
	     _mm512_mul_pd, _mm512_fmadd_pd, exp_pd_avx512, fma, exp_f64_scalar)
RANGE_KERNEL(range_f32_avx2, TGT2, float, __m256, 8, _mm256_loadu_ps,
	     _mm256_storeu_ps, _mm256_stream_ps, _mm256_set1_ps, _mm256_add_ps,
	     _mm256_mul_ps, _mm256_fmadd_ps, exp_ps_avx2, fmaf, exp_f32_scalar)
RANGE_KERNEL(range_f64_avx2, TGT2, double, __m256d, 4, _mm256_loadu_pd,
	     _mm256_storeu_pd, _mm256_stream_pd, _mm256_set1_pd, _mm256_add_pd,
	     _mm256_mul_pd, _mm256_fmadd_pd, exp_pd_avx2, fma, exp_f64_scalar)

/* Portable: scalar loops; a*b+c instead of fma() (no FMA unit is assumed),
 * plain loads and stores (no streaming). */
#define PFMA(a, b, c) ((a) * (b) + (c))
#define PORTABLE(NAME, T, SEXP)                                                 \
	static void NAME(enum ew_op op, size_t n, T *y, const T *x0,            \
			 const T *x1, T s, bool nt)                             \
	{                                                                       \
		(void)nt;                                                       \
		switch (op) {                                                   \
		case EW_COPY: for (size_t i = 0; i < n; i++) y[i] = x0[i]; break; \
		case EW_SCALE: for (size_t i = 0; i < n; i++) y[i] = s * x0[i]; break; \
		case EW_ADD: for (size_t i = 0; i < n; i++) y[i] = x0[i] + x1[i]; break; \
		case EW_TRIAD: for (size_t i = 0; i < n; i++) y[i] = PFMA(s, x1[i], x0[i]); break; \
		case EW_AXPY: for (size_t i = 0; i < n; i++) y[i] = PFMA(s, x0[i], y[i]); break; \
		case EW_EXP: for (size_t i = 0; i < n; i++) y[i] = SEXP(x0[i]); break; \
		}                                                               \
	}
PORTABLE(range_f32_portable, float, exp_f32_scalar)
PORTABLE(range_f64_portable, double, exp_f64_scalar)

/* ---- threading ---------------------------------------------------------------- */

struct ew_task {
	enum ew_op op;
	bool f64;
	bool nt;
	size_t n;
	void *y;
	const void *x0, *x1;
	double s;
};

static void ew_run(void *arg, int tid, int nthreads)
{
	const struct ew_task *t = arg;
	size_t w = t->f64 ? 8 : 4;
	size_t lo, hi;
	/* Range starts 64-byte aligned relative to y, so only thread 0 has a head. */
	size_t skew = ((64 - ((uintptr_t)t->y & 63)) & 63) / w;
	if (skew > t->n)
		skew = t->n;
	kb_cpu_split(t->n - skew, nthreads, tid, 64 / w, &lo, &hi);
	if (tid > 0)
		lo += skew;
	hi += skew;
	size_t n = hi - lo;
	enum kb_simd level = kb_cpu_simd();
	if (t->f64) {
		double *y = (double *)t->y + lo;
		const double *x0 = t->x0 ? (const double *)t->x0 + lo : NULL;
		const double *x1 = t->x1 ? (const double *)t->x1 + lo : NULL;
		if (level == KB_SIMD_AVX512)
			range_f64_avx512(t->op, n, y, x0, x1, t->s, t->nt);
		else if (level == KB_SIMD_AVX2)
			range_f64_avx2(t->op, n, y, x0, x1, t->s, t->nt);
		else
			range_f64_portable(t->op, n, y, x0, x1, t->s, t->nt);
	} else {
		float *y = (float *)t->y + lo;
		const float *x0 = t->x0 ? (const float *)t->x0 + lo : NULL;
		const float *x1 = t->x1 ? (const float *)t->x1 + lo : NULL;
		if (level == KB_SIMD_AVX512)
			range_f32_avx512(t->op, n, y, x0, x1, (float)t->s, t->nt);
		else if (level == KB_SIMD_AVX2)
			range_f32_avx2(t->op, n, y, x0, x1, (float)t->s, t->nt);
		else
			range_f32_portable(t->op, n, y, x0, x1, (float)t->s, t->nt);
	}
}

/* Below ~16 KiB per thread, waking threads costs more than it saves. */
#define EW_MIN_THREAD_BYTES 16384

int kb_elementwise_threads_used(size_t bytes, int nthreads)
{
	return kb_cpu_threads_for(bytes, nthreads, EW_MIN_THREAD_BYTES);
}

/* Per calling thread: a benchmark's kernels run on its own thread. */
static __thread int last_threads;

int kb_elementwise_simd_last_threads(void)
{
	return last_threads;
}

static void ew(enum ew_op op, bool f64, size_t n, void *y, const void *x0,
	       const void *x1, double s, int nthreads)
{
	uint64_t bytes = (uint64_t)n * (f64 ? 8 : 4) * (uint64_t)ew_arrays[op];
	struct ew_task t = { op, f64, bytes > kb_cpu_nt_threshold(), n, y, x0, x1, s };
	nthreads = kb_elementwise_threads_used((size_t)bytes, nthreads);
	last_threads = kb_cpu_parallel(nthreads, ew_run, &t);
}

void kb_copy_f32_simd(size_t n, float *y, const float *x, int nthreads)
{
	ew(EW_COPY, false, n, y, x, NULL, 0, nthreads);
}
void kb_scale_f32_simd(size_t n, float *y, const float *x, float s, int nthreads)
{
	ew(EW_SCALE, false, n, y, x, NULL, s, nthreads);
}
void kb_add_f32_simd(size_t n, float *y, const float *a, const float *b, int nthreads)
{
	ew(EW_ADD, false, n, y, a, b, 0, nthreads);
}
void kb_triad_f32_simd(size_t n, float *y, const float *b, const float *c, float s,
		       int nthreads)
{
	ew(EW_TRIAD, false, n, y, b, c, s, nthreads);
}
void kb_axpy_f32_simd(size_t n, float *y, const float *x, float s, int nthreads)
{
	ew(EW_AXPY, false, n, y, x, NULL, s, nthreads);
}
void kb_exp_f32_simd(size_t n, float *y, const float *x, int nthreads)
{
	ew(EW_EXP, false, n, y, x, NULL, 0, nthreads);
}

void kb_copy_f64_simd(size_t n, double *y, const double *x, int nthreads)
{
	ew(EW_COPY, true, n, y, x, NULL, 0, nthreads);
}
void kb_scale_f64_simd(size_t n, double *y, const double *x, double s, int nthreads)
{
	ew(EW_SCALE, true, n, y, x, NULL, s, nthreads);
}
void kb_add_f64_simd(size_t n, double *y, const double *a, const double *b, int nthreads)
{
	ew(EW_ADD, true, n, y, a, b, 0, nthreads);
}
void kb_triad_f64_simd(size_t n, double *y, const double *b, const double *c, double s,
		       int nthreads)
{
	ew(EW_TRIAD, true, n, y, b, c, s, nthreads);
}
void kb_axpy_f64_simd(size_t n, double *y, const double *x, double s, int nthreads)
{
	ew(EW_AXPY, true, n, y, x, NULL, s, nthreads);
}
void kb_exp_f64_simd(size_t n, double *y, const double *x, int nthreads)
{
	ew(EW_EXP, true, n, y, x, NULL, 0, nthreads);
}
