/*
 * kb_gemm_verify.h - verifies a whole f32 product C = A·B made by a kernel
 * that rounds differently from the reference (GPU kernels, cuBLAS, tensor
 * cores), at a cost of O(n²) per row checked in full and O(n) per row
 * otherwise.
 *
 * Method.  Inputs are expected in [-1, 1) (the suites' inputs).
 *  1. Sampled rows, element by element, against kb_gemm_f32_ref (FP64
 *     accumulation): every row up to m = 128, else the first 16, the last
 *     16 and 32 spread between (edge tiles and interior), each element
 *     within atol + rtol·|ref|, atol = 8·u_acc·k + 8·u_in·√k, rtol =
 *     4·(u_acc + u_in) (u_acc: the kernel's unit roundoff of accumulation,
 *     u_in: its relative rounding of the inputs; see the callers).
 *  2. Every row by Freivalds' check with P = 4 random ±1 probe vectors x
 *     (seeded): r_i = (C·x)_i - (A·(B·x))_i, in FP64.  With e_ij the
 *     kernel's error in C[i][j] and x independent of it, r_i = Σ_j e_ij·x_j
 *     is a Rademacher sum: P(|r_i| >= λ·‖e_i‖) <= 2·exp(-λ²/2) (Hoeffding),
 *     whatever the errors' structure.  With λ = 8 that is 2.5e-14 per row
 *     and probe.  ‖e_i‖² is bounded per row by
 *         E_i = 4 · max(model, measured) · t_i,   t_i = Σ_p A[i][p]²·‖B[p][:]‖²
 *     (t_i = Σ_j Σ_p (A[i][p]·B[p][j])², the energy of the row's terms):
 *       model:    u_acc²·k/6 + 2·u_in²: round-to-nearest accumulation in
 *                 order, whose add errors (up to u_acc·|s_p| for partial
 *                 sums s_p with E s_p² = p·r²) total u_acc²·k²r²/6 per
 *                 element, plus input rounding (bias and spread, <= 2·u_in²
 *                 per unit of term energy);
 *       measured: Σ e² / Σ t over the sampled rows of step 1, so a kernel
 *                 whose legitimate errors exceed the model (another order,
 *                 truncating adders) is judged by its own noise;
 *     and the factor 4 covers the spread of a row's energy around it.  The
 *     bound is λ·√E_i plus the FP64 rounding of the two sums.
 * A wrong element shifts r_i by its whole error for every probe; several
 * probes keep two wrong elements of a row from cancelling.  For FP32 at
 * n = k = 4096 the row bound is about 0.034 (an average product term |a·b|
 * is 0.25), where a single ±1 probe with the bound 2·√n·atol was 0.25.
 * For TF32 the input rounding (about 0.02 per element at k = 4096) makes
 * it about 30: whole tiles and indexing, not single terms.
 */
#ifndef KB_GEMM_VERIFY_H
#define KB_GEMM_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How the kernel under test rounds. */
struct kb_gemm_tol {
	double u_acc; /* unit roundoff of its accumulation (FP32: 2^-24) */
	double u_in;  /* relative rounding of each input inside it (TF32: 2^-10), or 0 */
};

/*
 * Checks row-major C (m×n) = A (m×k) · B (k×n) as above, the probes drawn
 * from `seed`.  True when C passes; false with the first failure (the
 * element, or the row and its residual against the bound), or "out of
 * memory", in why[why_len].
 */
bool kb_gemm_f32_verify(size_t m, size_t n, size_t k, const float *a, const float *b,
			const float *c, const struct kb_gemm_tol *tol, uint64_t seed, char *why,
			size_t why_len);

/* The i-th sampled row of an m-row product and, in *count, how many. */
size_t kb_gemm_sample_row(size_t m, size_t i, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* KB_GEMM_VERIFY_H */
