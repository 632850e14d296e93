/*
 * kb_gemm_blocked.c - packed, cache-blocked, vectorised, threaded gemm
 * (kb_gemm_f32_blocked, kb_gemm_f64_blocked).
 *
 * Maths:   C = A·B, or C = A·Bᵀ with b_trans; C[i][j] = sum_p A[i][p]·B[p][j].
 * Layout:  row-major and dense: A m×k, B k×n (n×k transposed), C m×n.
 * Flops:   2·m·n·k.  Bytes: at least 4·(m·k + k·n + m·n) for f32 (8· for
 *          f64); the blocking makes the real traffic a small multiple.
 *
 * The structure is BLIS's (Van Zee & van de Geijn, "BLIS: A Framework for
 * Rapidly Instantiating BLAS Functionality", 2015), seen from row-major C:
 *
 *   for jc in n by NC:          B block KC×NC, packed, lives in L2
 *     for pc in k by KC:
 *       pack B[pc.., jc..] into NR-wide panels (p-major: NR values per p)
 *       for ic in m by MC:
 *         pack A[ic.., pc..] into MR-tall panels (MR values per p)
 *         for ir by MR:         the A sliver (MR×KC) stays in L1
 *           for jr by NR:       B slivers stream from L2
 *             micro-kernel: C[MR×NR] (+)= A sliver · B sliver
 *
 * The micro-kernel keeps the MR×NR tile of C in vector registers: per p it
 * loads NR/width vectors of B and, for each of the MR rows, broadcasts one
 * A value and issues NR/width FMAs.  Tiles: AVX-512 14×32 (f32) and 14×16
 * (f64), 28 accumulators of 32 registers; AVX2 6×16 and 6×8, 12 of 16;
 * portable C 4×8.  Edge tiles are computed into a scratch tile (packing
 * pads with zeros) and the valid part is copied.  The first KC block
 * stores into C, later blocks add to it, so C is never read before it is
 * written (outputs may be poisoned with NaN).
 *
 * Threads split the rows of C (in multiples of MR) when there are enough,
 * otherwise its columns; each thread packs its own panels into
 * thread-local buffers that are kept between calls.
 */
#include "cpu/kb_gemm_blocked.h"

#include "cpu/kb_cpu.h"

#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REP4(X) X(0) X(1) X(2) X(3)
#define REP6(X) REP4(X) X(4) X(5)
#define REP14(X) REP6(X) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13)

/* ---- micro-kernels --------------------------------------------------------
 * uk(kc, ap, bp, c, ldc, accumulate): C[0..MR)[0..NR) (+)= Ap·Bp where Ap
 * holds MR values per p and Bp NR values per p.
 */

#define UK_DECL(i, Z) Z c##i##a = ZERO, c##i##b = ZERO;
#define UK_STORE(i, LOAD, STORE, ADD, W)                                        \
	{                                                                       \
		T *r = c + (size_t)(i) * ldc;                                   \
		if (accumulate) {                                               \
			c##i##a = ADD(c##i##a, LOAD(r));                        \
			c##i##b = ADD(c##i##b, LOAD(r + W));                    \
		}                                                               \
		STORE(r, c##i##a);                                              \
		STORE(r + W, c##i##b);                                          \
	}

/* AVX-512 f32, 14×32 */
#define T float
#define ZERO _mm512_setzero_ps()
#define D(i) UK_DECL(i, __m512)
#define F(i)                                                                    \
	{                                                                       \
		__m512 t = _mm512_set1_ps(ap[i]);                               \
		c##i##a = _mm512_fmadd_ps(t, b0, c##i##a);                      \
		c##i##b = _mm512_fmadd_ps(t, b1, c##i##b);                      \
	}
#define S(i) UK_STORE(i, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_add_ps, 16)
__attribute__((target("avx512f"))) static void
uk_f32_avx512(size_t kc, const float *ap, const float *bp, float *c, size_t ldc,
	      bool accumulate)
{
	REP14(D)
	for (size_t p = 0; p < kc; p++) {
		__m512 b0 = _mm512_load_ps(bp);
		__m512 b1 = _mm512_load_ps(bp + 16);
		REP14(F)
		ap += 14;
		bp += 32;
	}
	REP14(S)
}
#undef T
#undef ZERO
#undef D
#undef F
#undef S

/* AVX-512 f64, 14×16 */
#define T double
#define ZERO _mm512_setzero_pd()
#define D(i) UK_DECL(i, __m512d)
#define F(i)                                                                    \
	{                                                                       \
		__m512d t = _mm512_set1_pd(ap[i]);                              \
		c##i##a = _mm512_fmadd_pd(t, b0, c##i##a);                      \
		c##i##b = _mm512_fmadd_pd(t, b1, c##i##b);                      \
	}
#define S(i) UK_STORE(i, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_add_pd, 8)
__attribute__((target("avx512f"))) static void
uk_f64_avx512(size_t kc, const double *ap, const double *bp, double *c, size_t ldc,
	      bool accumulate)
{
	REP14(D)
	for (size_t p = 0; p < kc; p++) {
		__m512d b0 = _mm512_load_pd(bp);
		__m512d b1 = _mm512_load_pd(bp + 8);
		REP14(F)
		ap += 14;
		bp += 16;
	}
	REP14(S)
}
#undef T
#undef ZERO
#undef D
#undef F
#undef S

/* AVX2 f32, 6×16 */
#define T float
#define ZERO _mm256_setzero_ps()
#define D(i) UK_DECL(i, __m256)
#define F(i)                                                                    \
	{                                                                       \
		__m256 t = _mm256_broadcast_ss(ap + (i));                       \
		c##i##a = _mm256_fmadd_ps(t, b0, c##i##a);                      \
		c##i##b = _mm256_fmadd_ps(t, b1, c##i##b);                      \
	}
#define S(i) UK_STORE(i, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_add_ps, 8)
__attribute__((target("avx2,fma"))) static void
uk_f32_avx2(size_t kc, const float *ap, const float *bp, float *c, size_t ldc,
	    bool accumulate)
{
	REP6(D)
	for (size_t p = 0; p < kc; p++) {
		__m256 b0 = _mm256_load_ps(bp);
		__m256 b1 = _mm256_load_ps(bp + 8);
		REP6(F)
		ap += 6;
		bp += 16;
	}
	REP6(S)
}
#undef T
#undef ZERO
#undef D
#undef F
#undef S

/* AVX2 f64, 6×8 */
#define T double
#define ZERO _mm256_setzero_pd()
#define D(i) UK_DECL(i, __m256d)
#define F(i)                                                                    \
	{                                                                       \
		__m256d t = _mm256_broadcast_sd(ap + (i));                      \
		c##i##a = _mm256_fmadd_pd(t, b0, c##i##a);                      \
		c##i##b = _mm256_fmadd_pd(t, b1, c##i##b);                      \
	}
#define S(i) UK_STORE(i, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_add_pd, 4)
__attribute__((target("avx2,fma"))) static void
uk_f64_avx2(size_t kc, const double *ap, const double *bp, double *c, size_t ldc,
	    bool accumulate)
{
	REP6(D)
	for (size_t p = 0; p < kc; p++) {
		__m256d b0 = _mm256_load_pd(bp);
		__m256d b1 = _mm256_load_pd(bp + 4);
		REP6(F)
		ap += 6;
		bp += 8;
	}
	REP6(S)
}
#undef T
#undef ZERO
#undef D
#undef F
#undef S

/* Portable, 4×8: plain C the compiler may vectorise with SSE2. */
#define UK_PORTABLE(NAME, T)                                                    \
	static void NAME(size_t kc, const T *ap, const T *bp, T *c, size_t ldc, \
			 bool accumulate)                                       \
	{                                                                       \
		T acc[4][8] = { { 0 } };                                        \
		for (size_t p = 0; p < kc; p++) {                               \
			for (int i = 0; i < 4; i++)                             \
				for (int j = 0; j < 8; j++)                     \
					acc[i][j] += ap[i] * bp[j];             \
			ap += 4;                                                \
			bp += 8;                                                \
		}                                                               \
		for (int i = 0; i < 4; i++)                                     \
			for (int j = 0; j < 8; j++)                             \
				c[(size_t)i * ldc + j] =                        \
					(accumulate ? c[(size_t)i * ldc + j] : 0) + \
					acc[i][j];                              \
	}
UK_PORTABLE(uk_f32_portable, float)
UK_PORTABLE(uk_f64_portable, double)

/* ---- blocking parameters per path ----------------------------------------- */

/*
 * KC: the A sliver (MR·KC values) must sit in a 32 KiB L1 with room for
 * the streaming B sliver.  NC: the packed B block (KC·NC values) fits in
 * half of a 1 MiB L2.  MC: A blocks are packed once per (jc, pc); large MC
 * only amortises loop overhead, the block lives in L3.
 */
#define MR_MAX 14
#define NR_MAX 32

#define GEMM_PATH(T)                                                            \
	struct path_##T {                                                       \
		int mr, nr;                                                     \
		size_t kc, mc, nc;                                              \
		void (*uk)(size_t, const T *, const T *, T *, size_t, bool);    \
		const char *tile;                                               \
	}
GEMM_PATH(float);
GEMM_PATH(double);

static const struct path_float paths_f32[] = {
	[KB_SIMD_NONE] = { 4, 8, 256, 1024, 512, uk_f32_portable, "4x8 portable" },
	[KB_SIMD_AVX2] = { 6, 16, 256, 1020, 512, uk_f32_avx2, "6x16 avx2" },
	[KB_SIMD_AVX512] = { 14, 32, 256, 1008, 512, uk_f32_avx512, "14x32 avx512" },
};
static const struct path_double paths_f64[] = {
	[KB_SIMD_NONE] = { 4, 8, 192, 1024, 256, uk_f64_portable, "4x8 portable" },
	[KB_SIMD_AVX2] = { 6, 8, 256, 1020, 256, uk_f64_avx2, "6x8 avx2" },
	[KB_SIMD_AVX512] = { 14, 16, 192, 1008, 256, uk_f64_avx512, "14x16 avx512" },
};

const char *kb_gemm_f32_blocked_tile(void)
{
	return paths_f32[kb_cpu_simd()].tile;
}

const char *kb_gemm_f64_blocked_tile(void)
{
	return paths_f64[kb_cpu_simd()].tile;
}

/* ---- packing buffers: thread-local, grown on demand, kept ------------------ */

static __thread void *tls_buf;
static __thread size_t tls_bytes;

static void *scratch(size_t bytes)
{
	if (bytes <= tls_bytes)
		return tls_buf;
	bytes = (bytes + 4095) & ~(size_t)4095;
	void *p = aligned_alloc(64, bytes);
	if (!p)
		return NULL;
	free(tls_buf);
	tls_buf = p;
	tls_bytes = bytes;
	return p;
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t round_up(size_t x, size_t m)
{
	return (x + m - 1) / m * m;
}

/* ---- the driver, for one dtype ----------------------------------------------
 * Works on a sub-matrix: lda, ldb, ldc are row strides in elements.
 */
#define GEMM_DRIVER(T)                                                          \
	static void pack_a_##T(const T *a, size_t lda, size_t mc, size_t kc,    \
			       int mr, T *ap)                                   \
	{                                                                       \
		for (size_t ir = 0; ir < mc; ir += mr) {                        \
			size_t mrr = min_sz(mr, mc - ir);                       \
			T *d = ap + ir * kc;                                    \
			for (size_t i = 0; i < mrr; i++) {                      \
				const T *s = a + (ir + i) * lda;                \
				for (size_t p = 0; p < kc; p++)                 \
					d[p * mr + i] = s[p];                   \
			}                                                       \
			for (size_t i = mrr; i < (size_t)mr; i++)               \
				for (size_t p = 0; p < kc; p++)                 \
					d[p * mr + i] = 0;                      \
		}                                                               \
	}                                                                       \
                                                                                \
	/* b points at B[pc][jc] (or Bᵀ's (jc, pc) element when transposed). */ \
	static void pack_b_##T(bool bt, const T *b, size_t ldb, size_t kc,      \
			       size_t nc, int nr, T *bp)                        \
	{                                                                       \
		for (size_t jr = 0; jr < nc; jr += nr) {                        \
			size_t nrr = min_sz(nr, nc - jr);                       \
			T *d = bp + jr * kc;                                    \
			if (!bt) {                                              \
				for (size_t p = 0; p < kc; p++) {               \
					const T *s = b + p * ldb + jr;          \
					for (size_t j = 0; j < nrr; j++)        \
						d[p * nr + j] = s[j];           \
					for (size_t j = nrr; j < (size_t)nr; j++) \
						d[p * nr + j] = 0;              \
				}                                               \
				continue;                                       \
			}                                                       \
			for (size_t j = 0; j < nrr; j++) {                      \
				const T *s = b + (jr + j) * ldb;                \
				for (size_t p = 0; p < kc; p++)                 \
					d[p * nr + j] = s[p];                   \
			}                                                       \
			for (size_t j = nrr; j < (size_t)nr; j++)               \
				for (size_t p = 0; p < kc; p++)                 \
					d[p * nr + j] = 0;                      \
		}                                                               \
	}                                                                       \
                                                                                \
	static int drive_##T(const struct path_##T *pp, bool bt, size_t m,      \
			     size_t n, size_t k, const T *a, size_t lda,        \
			     const T *b, size_t ldb, T *c, size_t ldc)          \
	{                                                                       \
		if (m == 0 || n == 0)                                           \
			return 0;                                               \
		if (k == 0) {                                                   \
			for (size_t i = 0; i < m; i++)                          \
				memset(c + i * ldc, 0, n * sizeof(T));          \
			return 0;                                               \
		}                                                               \
		const size_t mr = pp->mr, nr = pp->nr;                          \
		size_t kcb = min_sz(k, pp->kc);                                 \
		size_t asz = round_up(round_up(min_sz(m, pp->mc), mr) * kcb, 16); \
		size_t bsz = round_up(min_sz(n, pp->nc), nr) * kcb;             \
		T *ap = scratch((asz + bsz) * sizeof(T));                       \
		if (!ap)                                                        \
			return -1;                                              \
		T *bp = ap + asz;                                               \
		T tile[MR_MAX * NR_MAX] __attribute__((aligned(64)));           \
		for (size_t jc = 0; jc < n; jc += pp->nc) {                     \
			size_t nc = min_sz(pp->nc, n - jc);                     \
			for (size_t pc = 0; pc < k; pc += pp->kc) {             \
				size_t kc = min_sz(pp->kc, k - pc);             \
				bool acc = pc > 0;                              \
				pack_b_##T(bt, bt ? b + jc * ldb + pc           \
						  : b + pc * ldb + jc,          \
					   ldb, kc, nc, nr, bp);                \
				for (size_t ic = 0; ic < m; ic += pp->mc) {     \
					size_t mc = min_sz(pp->mc, m - ic);     \
					pack_a_##T(a + ic * lda + pc, lda, mc,  \
						   kc, mr, ap);                 \
					for (size_t ir = 0; ir < mc; ir += mr) { \
						size_t mrr = min_sz(mr, mc - ir); \
						for (size_t jr = 0; jr < nc; jr += nr) { \
							size_t nrr = min_sz(nr, nc - jr); \
							T *cc = c + (ic + ir) * ldc + jc + jr; \
							const T *as = ap + ir * kc; \
							const T *bs = bp + jr * kc; \
							if (mrr == mr && nrr == nr) { \
								pp->uk(kc, as, bs, cc, ldc, acc); \
								continue; \
							} \
							pp->uk(kc, as, bs, tile, nr, false); \
							for (size_t i = 0; i < mrr; i++) \
								for (size_t j = 0; j < nrr; j++) \
									cc[i * ldc + j] = \
										(acc ? cc[i * ldc + j] : 0) + \
										tile[i * nr + j]; \
						} \
					} \
				} \
			} \
		} \
		return 0; \
	} \
 \
	struct task_##T { \
		const struct path_##T *pp; \
		bool bt; \
		size_t m, n, k; \
		const T *a, *b; \
		T *c; \
		int err; \
	}; \
 \
	static void task_run_##T(void *arg, int tid, int nthreads) \
	{ \
		struct task_##T *t = arg; \
		size_t lo, hi; \
		int rc; \
		if (t->m >= (size_t)nthreads * t->pp->mr || t->n < (size_t)nthreads * t->pp->nr) { \
			kb_cpu_split(t->m, nthreads, tid, t->pp->mr, &lo, &hi); \
			rc = drive_##T(t->pp, t->bt, hi - lo, t->n, t->k, t->a + lo * t->k, \
				       t->k, t->b, t->bt ? t->k : t->n, t->c + lo * t->n, t->n); \
		} else { \
			kb_cpu_split(t->n, nthreads, tid, t->pp->nr, &lo, &hi); \
			rc = drive_##T(t->pp, t->bt, t->m, hi - lo, t->k, t->a, t->k, \
				       t->bt ? t->b + lo * t->k : t->b + lo, \
				       t->bt ? t->k : t->n, t->c + lo, t->n); \
		} \
		if (rc) \
			__atomic_store_n(&t->err, rc, __ATOMIC_RELAXED); \
	}

GEMM_DRIVER(float)
GEMM_DRIVER(double)

/* Waking a worker costs tens of microseconds on a VM; below ~4 MFLOP per
 * thread it is not worth it. */
static int useful_threads(size_t m, size_t n, size_t k, int nthreads)
{
	double per = 4e6;
	double flops = 2.0 * (double)m * (double)n * (double)k;
	if (nthreads > 1 && flops < per * nthreads)
		nthreads = flops / per > 1 ? (int)(flops / per) : 1;
	return nthreads;
}

int kb_gemm_f32_blocked(bool b_trans, size_t m, size_t n, size_t k,
			const float *a, const float *b, float *c, int nthreads)
{
	nthreads = useful_threads(m, n, k, nthreads);
	struct task_float t = { &paths_f32[kb_cpu_simd()], b_trans, m, n, k, a, b, c, 0 };
	kb_cpu_parallel(nthreads, task_run_float, &t);
	return t.err;
}

int kb_gemm_f64_blocked(bool b_trans, size_t m, size_t n, size_t k,
			const double *a, const double *b, double *c, int nthreads)
{
	nthreads = useful_threads(m, n, k, nthreads);
	struct task_double t = { &paths_f64[kb_cpu_simd()], b_trans, m, n, k, a, b, c, 0 };
	kb_cpu_parallel(nthreads, task_run_double, &t);
	return t.err;
}
