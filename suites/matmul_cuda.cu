/*
 * matmul_cuda - C = A·B on the GPU, square n×n×n, row-major:
 *   sgemm_cuda_naive     one thread per element           FP32
 *   sgemm_cuda_tiled     32x32 shared-memory tiles        FP32
 *   sgemm_cuda_regblock  128x128 tiles, 8x8 per thread    FP32
 *   sgemm_cublas         cublasSgemm, pedantic math       FP32
 *   sgemm_cublas_default cublasSgemm, default math        FP32 (cuBLAS may pick faster kernels)
 *   sgemm_cublas_tf32    cublasGemmEx, TF32 tensor cores  FP32 data, TF32 products
 *   gemm_bf16_cublas     cublasGemmEx, BF16 tensor cores  BF16 data, FP32 accumulate
 * Ids: matmul/<kernel>/<n>.  GFLOP/s from 2·n³ flops; % of the peak of the
 * precision (gpu_flops_f32, _tf32, _bf16; see kernels/cuda/device.cu).
 * Params: dtype, math (the cuBLAS math mode or "fp32 cuda cores"), l2.
 *
 * Timing: hot batches of back-to-back GEMMs between CUDA events (see
 * kernels/cuda/timer.h); one untimed launch of every kernel and shape
 * before the first sample (lazy module loading, cuBLAS heuristics).
 *
 * Validation (after timing, on outputs poisoned with NaN), by
 * kb_gemm_f32_verify (kernels/ref/kb_gemm_verify.h): 64 sampled rows of C
 * element by element against kb_gemm_f32_ref (FP64 accumulation), then
 * every row by Freivalds' check with four random ±1 probes and a per-row
 * bound from the rounding model and the sampled rows' measured error, so
 * an unwritten or wrong element anywhere is seen.  How each kernel rounds,
 * for an element that sums k products of values in [-1, 1):
 *   FP32: accumulation u = 2^-24 (element tolerance 8·u·k, as the CPU suite);
 *   TF32: inputs rounded to a 10-bit mantissa inside the tensor cores
 *         (relative error up to 2^-10 if truncated), accumulation taken as
 *         2^-22: far looser, on purpose;
 *   BF16: compared with the reference fed the same BF16-rounded inputs (so
 *         input rounding, 2^-8, is not the kernel's error), leaving FP32
 *         accumulation on the tensor cores, whose adds NVIDIA does not
 *         specify as IEEE: 2^-22, four times the FP32 unit.
 * Freivalds' row bound at n = 4096 (model, typical row): about 0.034 for
 * FP32 and 0.14 for BF16, against 0.25 and 1.0 for the single-probe
 * 2·√n·atol it replaces, so one element off by an average product term
 * (0.25) fails in any row; for TF32 it is about 30 (input rounding): the
 * row checks catch tiles and indexing, single terms only in sampled rows.
 */
#include <math.h>
#include <stdlib.h>

#include "kbench.h"

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/kernels.h"
#include "cuda/timer.h"
extern "C" {
#include "ref/kb_gemm_verify.h"
}

enum gemm_kind { NAIVE, TILED, REGBLOCK, CUBLAS_F32, CUBLAS_F32_DEFAULT, CUBLAS_TF32, CUBLAS_BF16 };

struct gemm_info {
	const char *dtype;
	const char *math;
	const char *peak;
	double u_in;  /* relative rounding of the inputs inside the kernel */
	double u_acc; /* unit roundoff of the accumulation */
};

static const struct gemm_info gemm_infos[] = {
	[NAIVE] = { "f32", "fp32 cuda cores", "gpu_flops_f32", 0, 0x1p-24 },
	[TILED] = { "f32", "fp32 cuda cores", "gpu_flops_f32", 0, 0x1p-24 },
	[REGBLOCK] = { "f32", "fp32 cuda cores", "gpu_flops_f32", 0, 0x1p-24 },
	[CUBLAS_F32] = { "f32", "CUBLAS_PEDANTIC_MATH", "gpu_flops_f32", 0, 0x1p-24 },
	[CUBLAS_F32_DEFAULT] = { "f32", "CUBLAS_DEFAULT_MATH", "gpu_flops_f32", 0, 0x1p-24 },
	[CUBLAS_TF32] = { "f32", "CUBLAS_COMPUTE_32F_FAST_TF32", "gpu_flops_tf32", 0x1p-10,
			  0x1p-22 },
	[CUBLAS_BF16] = { "bf16", "CUBLAS_COMPUTE_32F (bf16 in, fp32 accumulate and out)",
			  "gpu_flops_bf16", 0, 0x1p-22 },
};

/* a, b: the inputs as the kernel saw them (BF16 widened); c: its output. */
static void check_gemm(struct kb_state *state, const struct gemm_info *gi, size_t n,
		       const float *a, const float *b, const float *c)
{
	struct kb_gemm_tol tol = { gi->u_acc, gi->u_in };
	char why[512];

	if (kb_gemm_f32_verify(n, n, n, a, b, c, &tol, kb_seed(state), why, sizeof(why)))
		kb_set_validated(state);
	else
		kb_fail(state, "%s", why);
}

static int launch(enum gemm_kind kind, cublasHandle_t h, cudaStream_t s, int n, const float *a,
		  const float *b, const __nv_bfloat16 *a16, const __nv_bfloat16 *b16, float *c)
{
	switch (kind) {
	case NAIVE:
		return kb_gemm_f32_cuda_naive(n, n, n, a, b, c, s);
	case TILED:
		return kb_gemm_f32_cuda_tiled(n, n, n, a, b, c, s);
	case REGBLOCK:
		return kb_gemm_f32_cuda_regblock(n, n, n, a, b, c, s);
	case CUBLAS_F32:
		return kb_gemm_f32_cublas(h, n, n, n, a, b, c);
	case CUBLAS_F32_DEFAULT:
		return kb_gemm_f32_cublas_default(h, n, n, n, a, b, c);
	case CUBLAS_TF32:
		return kb_gemm_tf32_cublas(h, n, n, n, a, b, c);
	case CUBLAS_BF16:
		return kb_gemm_bf16_cublas(h, n, n, n, a16, b16, c);
	}
	return kb_error(KB_EINVAL, "unknown GEMM kind %d", (int)kind);
}

/* Copies the inputs the kernel used and its output to the host and checks. */
static int validate(struct kb_state *state, enum gemm_kind kind, size_t n, const float *da,
		    const float *db, const __nv_bfloat16 *da16, const __nv_bfloat16 *db16,
		    const float *dc)
{
	size_t nn = n * n;
	float *a = (float *)kb_alloc(state, nn * sizeof(float));
	float *b = (float *)kb_alloc(state, nn * sizeof(float));
	float *c = (float *)kb_alloc(state, nn * sizeof(float));
	int rc;

	if (!a || !b || !c)
		return 0;
	rc = KB_CUDA(cudaMemcpy(c, dc, nn * sizeof(float), cudaMemcpyDeviceToHost));
	if (!rc && kind == CUBLAS_BF16) {
		__nv_bfloat16 *h16 = (__nv_bfloat16 *)kb_alloc(state, nn * sizeof(*h16));
		if (!h16)
			return 0;
		rc = KB_CUDA(cudaMemcpy(h16, da16, nn * sizeof(*h16), cudaMemcpyDeviceToHost));
		for (size_t i = 0; !rc && i < nn; i++)
			a[i] = __bfloat162float(h16[i]);
		if (!rc)
			rc = KB_CUDA(cudaMemcpy(h16, db16, nn * sizeof(*h16),
						cudaMemcpyDeviceToHost));
		for (size_t i = 0; !rc && i < nn; i++)
			b[i] = __bfloat162float(h16[i]);
	} else if (!rc) {
		rc = KB_CUDA(cudaMemcpy(a, da, nn * sizeof(float), cudaMemcpyDeviceToHost));
		if (!rc)
			rc = KB_CUDA(cudaMemcpy(b, db, nn * sizeof(float), cudaMemcpyDeviceToHost));
	}
	if (!rc)
		check_gemm(state, &gemm_infos[kind], n, a, b, c);
	return rc;
}

static void run_gemm(struct kb_state *state, enum gemm_kind kind)
{
	const struct gemm_info *gi = &gemm_infos[kind];
	const struct kb_cuda_device *dev;
	struct kb_cuda_mem mem = {};
	int64_t n = kb_arg(state, 0);
	cublasHandle_t h = NULL;
	float *a, *b, *c;
	__nv_bfloat16 *a16 = NULL, *b16 = NULL;
	size_t nn;
	int rc = 0;

	/* what the benchmark is, recorded even when it is skipped */
	kb_set_param_str(state, "dtype", gi->dtype);
	kb_set_param_str(state, "math", gi->math);
	kb_set_param_str(state, "layout", "row-major");
	dev = kb_cuda_begin(state);
	if (!dev)
		return;
	if (n < 1 || n > 32768) {
		kb_fail(state, "matrix size n=%lld: expected 1..32768", (long long)n);
		return;
	}
	nn = (size_t)n * (size_t)n;
	kb_set_flops(state, 2.0 * (double)n * (double)n * (double)n);
	kb_set_peak(state, gi->peak);

	a = (float *)kb_cuda_alloc(state, &mem, nn * sizeof(float));
	b = a ? (float *)kb_cuda_alloc(state, &mem, nn * sizeof(float)) : NULL;
	c = b ? (float *)kb_cuda_alloc(state, &mem, nn * sizeof(float)) : NULL;
	if (!c)
		goto out;
	rc = kb_fill_f32_cuda(a, nn, kb_seed(state) ^ 0xa, -1.0f, 1.0f, dev->stream);
	if (!rc)
		rc = kb_fill_f32_cuda(b, nn, kb_seed(state) ^ 0xb, -1.0f, 1.0f, dev->stream);
	if (!rc && kind == CUBLAS_BF16) {
		a16 = (__nv_bfloat16 *)kb_cuda_alloc(state, &mem, nn * sizeof(*a16));
		b16 = a16 ? (__nv_bfloat16 *)kb_cuda_alloc(state, &mem, nn * sizeof(*b16)) : NULL;
		if (!b16)
			goto out;
		rc = kb_f32_to_bf16_cuda(a, a16, nn, dev->stream);
		if (!rc)
			rc = kb_f32_to_bf16_cuda(b, b16, nn, dev->stream);
	}
	if (rc)
		goto fail;
	if (kind == CUBLAS_F32 || kind == CUBLAS_F32_DEFAULT || kind == CUBLAS_TF32 ||
	    kind == CUBLAS_BF16) {
		h = kb_cuda_blas(state);
		if (!h)
			goto out;
	}
	if (kb_cuda_first_call(state)) {
		rc = launch(kind, h, dev->stream, (int)n, a, b, a16, b16, c);
		if (!rc)
			rc = KB_CUDA(cudaStreamSynchronize(dev->stream));
		if (rc)
			goto fail;
	}
	if (kb_validating(state)) {
		rc = KB_CUDA(cudaMemsetAsync(c, 0xff, nn * sizeof(float), dev->stream)); /* NaN */
		if (rc)
			goto fail;
	}
	if (kb_cuda_time(state, KB_CUDA_HOT))
		goto out;
	while (kb_loop(state)) {
		kb_cuda_iter_begin();
		rc = launch(kind, h, dev->stream, (int)n, a, b, a16, b16, c);
		kb_cuda_iter_end();
		if (rc)
			break;
	}
	if (rc)
		goto fail;
	kb_cuda_note_clocks(state);
	if (kb_validating(state)) {
		rc = KB_CUDA(cudaStreamSynchronize(dev->stream));
		if (!rc)
			rc = validate(state, kind, (size_t)n, a, b, a16, b16, c);
		if (rc)
			goto fail;
	}
	goto out;
fail:
	kb_cuda_fail(state, rc);
out:
	kb_cuda_mem_release(&mem);
}

KB_BENCH(matmul, sgemm_cuda_naive) { run_gemm(state, NAIVE); }
KB_SPACE(matmul, sgemm_cuda_naive, "n=256,1000,1024,4096");
KB_QUICK(matmul, sgemm_cuda_naive, "n=64,77");

KB_BENCH(matmul, sgemm_cuda_tiled) { run_gemm(state, TILED); }
KB_SPACE(matmul, sgemm_cuda_tiled, "n=256,1000,1024,4096");
KB_QUICK(matmul, sgemm_cuda_tiled, "n=64,77");

KB_BENCH(matmul, sgemm_cuda_regblock) { run_gemm(state, REGBLOCK); }
KB_SPACE(matmul, sgemm_cuda_regblock, "n=256,1000,1024,2048,4096");
KB_QUICK(matmul, sgemm_cuda_regblock, "n=64,77,130");

KB_BENCH(matmul, sgemm_cublas) { run_gemm(state, CUBLAS_F32); }
KB_SPACE(matmul, sgemm_cublas, "n=256,1000,1024,2048,4096");
KB_QUICK(matmul, sgemm_cublas, "n=64,77");

KB_BENCH(matmul, sgemm_cublas_default) { run_gemm(state, CUBLAS_F32_DEFAULT); }
KB_SPACE(matmul, sgemm_cublas_default, "n=256,1000,1024,2048,4096");
KB_QUICK(matmul, sgemm_cublas_default, "n=64,77");

KB_BENCH(matmul, sgemm_cublas_tf32) { run_gemm(state, CUBLAS_TF32); }
KB_SPACE(matmul, sgemm_cublas_tf32, "n=256,1000,1024,2048,4096");
KB_QUICK(matmul, sgemm_cublas_tf32, "n=64,77");

KB_BENCH(matmul, gemm_bf16_cublas) { run_gemm(state, CUBLAS_BF16); }
KB_SPACE(matmul, gemm_bf16_cublas, "n=256,1000,1024,2048,4096");
KB_QUICK(matmul, gemm_bf16_cublas, "n=64,77");
