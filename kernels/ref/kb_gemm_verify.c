/*
 * kb_gemm_verify.c - sampled rows against the reference, then Freivalds'
 * check of every row with a per-row bound (kb_gemm_verify.h has the method).
 */
#include "ref/kb_gemm_verify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ref/kb_gemm_ref.h"

#define KB_VERIFY_PROBES 4
#define KB_VERIFY_LAMBDA 8.0 /* P(false alarm) <= 2·exp(-32) per row and probe */

size_t kb_gemm_sample_row(size_t m, size_t i, size_t *count)
{
	if (m <= 128) {
		*count = m;
		return i;
	}
	*count = 64;
	if (i < 16)
		return i;
	if (i < 32)
		return m - 32 + i;
	return 16 + (i - 32) * (m - 32) / 32;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* ±1: entry j of probe q. */
static double probe(uint64_t seed, size_t q, size_t j)
{
	return mix64(seed ^ mix64(((uint64_t)q << 48) ^ j)) >> 63 ? 1.0 : -1.0;
}

/* t_i = Σ_p A[i][p]²·bsq[p]: the energy of row i's terms. */
static double term_energy(const float *ai, const double *bsq, size_t k)
{
	double t = 0;

	for (size_t p = 0; p < k; p++)
		t += (double)ai[p] * ai[p] * bsq[p];
	return t;
}

/*
 * Step 1 over the sampled rows; adds their squared errors and term energies
 * to *err2, *energy.  False with the first bad element in why.
 */
static bool check_rows(size_t m, size_t n, size_t k, const float *a, const float *b,
		       const float *c, const struct kb_gemm_tol *tol, const double *bsq,
		       float *want, double *err2, double *energy, char *why, size_t why_len)
{
	double atol = 8.0 * tol->u_acc * (double)k + 8.0 * tol->u_in * sqrt((double)k);
	double rtol = 4.0 * (tol->u_acc + tol->u_in);
	size_t rows = 0;

	for (size_t s = 0; s < rows || s == 0; s++) {
		size_t i = kb_gemm_sample_row(m, s, &rows);

		kb_gemm_f32_ref_rows(false, m, n, k, a, b, want, i, i + 1);
		for (size_t j = 0; j < n; j++) {
			double got = c[i * n + j], ref = want[i * n + j], d = fabs(got - ref);

			if (!(d <= atol + rtol * fabs(ref))) {
				snprintf(why, why_len,
					 "C[%zu][%zu] = %.9g, expected %.9g (|error| %.3g > tolerance %.3g)",
					 i, j, got, ref, d, atol + rtol * fabs(ref));
				return false;
			}
			*err2 += d * d;
		}
		*energy += term_energy(a + i * k, bsq, k);
	}
	return true;
}

bool kb_gemm_f32_verify(size_t m, size_t n, size_t k, const float *a, const float *b,
			const float *c, const struct kb_gemm_tol *tol, uint64_t seed, char *why,
			size_t why_len)
{
	const size_t P = KB_VERIFY_PROBES;
	double model = tol->u_acc * tol->u_acc * (double)k / 6.0 + 2.0 * tol->u_in * tol->u_in;
	double err2 = 0, energy = 0, measured, ratio;
	double *bsq = calloc(k ? k : 1, sizeof(*bsq));
	double *bx = calloc(P * (k ? k : 1), sizeof(*bx));
	double *x = malloc(P * (n ? n : 1) * sizeof(*x));
	float *want = malloc((m && n ? m * n : 1) * sizeof(*want));
	bool ok = false;

	if (!bsq || !bx || !x || !want) {
		snprintf(why, why_len, "out of memory verifying a %zux%zux%zu product", m, n, k);
		goto out;
	}
	for (size_t q = 0; q < P; q++)
		for (size_t j = 0; j < n; j++)
			x[q * n + j] = probe(seed, q, j);
	for (size_t p = 0; p < k; p++) {
		const float *bp = b + p * n;
		for (size_t j = 0; j < n; j++) {
			bsq[p] += (double)bp[j] * bp[j];
			for (size_t q = 0; q < P; q++)
				bx[q * k + p] += (double)bp[j] * x[q * n + j];
		}
	}
	if (!check_rows(m, n, k, a, b, c, tol, bsq, want, &err2, &energy, why, why_len))
		goto out;
	measured = energy > 0 ? err2 / energy : 0;
	ratio = 4.0 * (model > measured ? model : measured);

	for (size_t i = 0; i < m; i++) {
		const float *ai = a + i * k, *ci = c + i * n;
		double bound0 = KB_VERIFY_LAMBDA * sqrt(ratio * term_energy(ai, bsq, k));

		for (size_t q = 0; q < P; q++) {
			double cx = 0, abx = 0, mag = 0, r, bound;
			for (size_t j = 0; j < n; j++) {
				cx += (double)ci[j] * x[q * n + j];
				mag += fabs((double)ci[j]);
			}
			for (size_t p = 0; p < k; p++) {
				abx += (double)ai[p] * bx[q * k + p];
				mag += fabs((double)ai[p] * bx[q * k + p]);
			}
			r = cx - abx;
			/* FP64 rounding of the sums, far below the rest */
			bound = bound0 + 0x1p-50 * (double)(n + k) * mag;
			if (!(fabs(r) <= bound)) {
				snprintf(why, why_len,
					 "row %zu of C is wrong: C·x - A·(B·x) = %.3g for probe %zu, "
					 "bound %.3g (Freivalds; rows compared in full passed)",
					 i, r, q, bound);
				goto out;
			}
		}
	}
	ok = true;
out:
	free(want);
	free(x);
	free(bx);
	free(bsq);
	return ok;
}
