/*
 * reduction_cuda - sum and dot of FP32 vectors on the GPU:
 *   sum_cuda, dot_cuda   one pass, warp shuffles, FP64 accumulation
 *                        (kernels/cuda/kb_reduce_f32_cuda.cu)
 *   sum_cuda_cold        sum_cuda with the L2 evicted before every launch
 *   sum_cuda_unroll4, dot_cuda_unroll4
 *                        four float4 loads per input in flight per thread
 *   sum_cub, dot_cub     cub::DeviceReduce (FP32 accumulation), for comparison
 * Ids: reduction/<kernel>/<n>.  Bytes: 4n (sum), 8n (dot); flops n, 2n.
 * GB/s against gpu_bandwidth, for cold runs and hot working sets of 3x the
 * L2 and more (below, hot batches partly read the L2; see
 * elementwise_cuda.cu): in practice the 64M instances.
 *
 * Validation against kernels/ref (long double sums of the inputs copied
 * back), with the scale S = sum |x_i| (or |x_i·y_i|) from kb_asum/kb_adot:
 *   one-pass kernels: FP64 partial sums then one rounding to FP32:
 *       |err| <= 2^-23·|ref| + 2^-40·S (the FP64 part is ~2^-53·S·log n);
 *   CUB, FP32 throughout, order unknown: rounding errors of random sign add
 *       up to about u·σ·√(n·L/2) for chains of L sequential adds (σ the rms
 *       term, about 1.2·S/n here); with L <= 16384 and a factor 8 of margin
 *       the bound is 8·2^-24·(1.2·S/n)·√(n·min(n,16384)/2) + 2^-23·|ref|:
 *       far looser (0.2 at n = 64M, where |sum| ~ 4700), said so, and still
 *       far below a dropped block of elements.
 */
#include <math.h>

#include "kbench.h"

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/kernels.h"
#include "cuda/timer.h"
extern "C" {
#include "ref/kb_reduce_ref.h"
}

enum red_kind { SUM_ONEPASS, DOT_ONEPASS, SUM_CUB, DOT_CUB, SUM_U4, DOT_U4 };

static bool is_dot(enum red_kind k)
{
	return k == DOT_ONEPASS || k == DOT_CUB || k == DOT_U4;
}

/* The one-pass kernels (FP64 accumulation), unrolled or not. */
static bool is_onepass(enum red_kind k)
{
	return k == SUM_ONEPASS || k == DOT_ONEPASS || k == SUM_U4 || k == DOT_U4;
}

static int launch(enum red_kind kind, size_t n, const float *x, const float *y, float *out,
		  void *scratch, size_t scratch_bytes, cudaStream_t s)
{
	switch (kind) {
	case SUM_ONEPASS:
		return kb_sum_f32_cuda(n, x, out, scratch, s);
	case DOT_ONEPASS:
		return kb_dot_f32_cuda(n, x, y, out, scratch, s);
	case SUM_CUB:
		return kb_sum_f32_cub(n, x, out, scratch, scratch_bytes, s);
	case DOT_CUB:
		return kb_dot_f32_cub(n, x, y, out, scratch, scratch_bytes, s);
	case SUM_U4:
		return kb_sum_f32_cuda_unroll4(n, x, out, scratch, s);
	case DOT_U4:
		return kb_dot_f32_cuda_unroll4(n, x, y, out, scratch, s);
	}
	return kb_error(KB_EINVAL, "unknown reduction %d", (int)kind);
}

static int validate(struct kb_state *state, enum red_kind kind, size_t n, const float *dx,
		    const float *dy, const float *dout)
{
	float *x = (float *)kb_alloc(state, n * sizeof(float));
	float *y = is_dot(kind) ? (float *)kb_alloc(state, n * sizeof(float)) : NULL;
	float got;
	double want, scale, atol, rtol = 0x1p-23;
	int rc;

	if (!x || (is_dot(kind) && !y))
		return 0;
	rc = KB_CUDA(cudaMemcpy(x, dx, n * sizeof(float), cudaMemcpyDeviceToHost));
	if (!rc && y)
		rc = KB_CUDA(cudaMemcpy(y, dy, n * sizeof(float), cudaMemcpyDeviceToHost));
	if (!rc)
		rc = KB_CUDA(cudaMemcpy(&got, dout, sizeof(got), cudaMemcpyDeviceToHost));
	if (rc)
		return rc;
	want = (double)(y ? kb_dot_f32_ref(x, y, n) : kb_sum_f32_ref(x, n));
	scale = (double)(y ? kb_adot_f32_ref(x, y, n) : kb_asum_f32_ref(x, n));
	if (is_onepass(kind)) {
		atol = 0x1p-40 * scale;
	} else {
		double sigma = 1.2 * scale / (double)n;
		double chain = n < 16384 ? (double)n : 16384.0;
		atol = 8.0 * 0x1p-24 * sigma * sqrt((double)n * chain / 2.0);
	}
	double gotd = got;
	kb_check_f64(state, &gotd, &want, 1, rtol, atol);
	return 0;
}

static void run_reduce(struct kb_state *state, enum red_kind kind, enum kb_cuda_cache mode)
{
	const struct kb_cuda_device *dev;
	struct kb_cuda_mem mem = {};
	int64_t n = kb_arg(state, 0);
	float *x, *y = NULL, *out;
	void *scratch;
	size_t scratch_bytes;
	int rc = 0;

	kb_set_param_str(state, "dtype", "f32");
	kb_set_param_str(state, "accumulate",
			 is_onepass(kind) ? "f64" : "f32");
	dev = kb_cuda_begin(state);
	if (!dev)
		return;
	if (n < 1 || n > ((int64_t)1 << 40)) {
		kb_fail(state, "vector length n=%lld: expected 1..2^40", (long long)n);
		return;
	}
	kb_set_bytes(state, (is_dot(kind) ? 8u : 4u) * (uint64_t)n);
	kb_set_flops(state, (is_dot(kind) ? 2.0 : 1.0) * (double)n);
	/* the DRAM peak only cold, or for 3x the L2 and more */
	if (mode == KB_CUDA_COLD ||
	    (is_dot(kind) ? 8u : 4u) * (uint64_t)n >= 3 * (uint64_t)dev->l2_bytes)
		kb_set_peak(state, "gpu_bandwidth");
	else if ((is_dot(kind) ? 8u : 4u) * (uint64_t)n <= (uint64_t)dev->l2_bytes / 2)
		kb_set_peak(state, "gpu_bandwidth_l2"); /* hot and within half the L2 */

	switch (kind) {
	case SUM_CUB:
		scratch_bytes = kb_sum_f32_cub_temp_bytes((size_t)n);
		break;
	case DOT_CUB:
		scratch_bytes = kb_dot_f32_cub_temp_bytes((size_t)n);
		break;
	default:
		scratch_bytes = kb_reduce_f32_cuda_scratch_bytes();
		break;
	}
	if (!scratch_bytes) {
		kb_fail(state, "cannot size the reduction's temporary storage");
		return;
	}
	x = (float *)kb_cuda_alloc(state, &mem, (size_t)n * sizeof(float));
	if (x && is_dot(kind))
		y = (float *)kb_cuda_alloc(state, &mem, (size_t)n * sizeof(float));
	out = x && (y || !is_dot(kind)) ? (float *)kb_cuda_alloc(state, &mem, sizeof(float)) : NULL;
	scratch = out ? kb_cuda_alloc(state, &mem, scratch_bytes) : NULL;
	if (!scratch)
		goto out;
	rc = KB_CUDA(cudaMemsetAsync(scratch, 0, scratch_bytes, dev->stream));
	if (!rc)
		rc = kb_fill_f32_cuda(x, (size_t)n, kb_seed(state) ^ 1, -1.0f, 1.0f, dev->stream);
	if (!rc && y)
		rc = kb_fill_f32_cuda(y, (size_t)n, kb_seed(state) ^ 2, -1.0f, 1.0f, dev->stream);
	if (!rc && kb_cuda_first_call(state)) {
		rc = launch(kind, (size_t)n, x, y, out, scratch, scratch_bytes, dev->stream);
		if (!rc)
			rc = KB_CUDA(cudaStreamSynchronize(dev->stream));
	}
	if (!rc && kb_validating(state))
		rc = KB_CUDA(cudaMemsetAsync(out, 0xff, sizeof(float), dev->stream));
	if (rc)
		goto fail;
	if (kb_cuda_time(state, mode))
		goto out;
	while (kb_loop(state)) {
		kb_cuda_iter_begin();
		rc = launch(kind, (size_t)n, x, y, out, scratch, scratch_bytes, dev->stream);
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
			rc = validate(state, kind, (size_t)n, x, y, out);
		if (rc)
			goto fail;
	}
	goto out;
fail:
	kb_cuda_fail(state, rc);
out:
	kb_cuda_mem_release(&mem);
}

#define RED_SIZES "n=1M,16M,64M"
#define RED_QUICK "n=1000,4099"

KB_BENCH(reduction, sum_cuda) { run_reduce(state, SUM_ONEPASS, KB_CUDA_HOT); }
KB_SPACE(reduction, sum_cuda, RED_SIZES);
KB_QUICK(reduction, sum_cuda, RED_QUICK);

KB_BENCH(reduction, sum_cuda_cold) { run_reduce(state, SUM_ONEPASS, KB_CUDA_COLD); }
KB_SPACE(reduction, sum_cuda_cold, RED_SIZES);
KB_QUICK(reduction, sum_cuda_cold, RED_QUICK);

KB_BENCH(reduction, dot_cuda) { run_reduce(state, DOT_ONEPASS, KB_CUDA_HOT); }
KB_SPACE(reduction, dot_cuda, RED_SIZES);
KB_QUICK(reduction, dot_cuda, RED_QUICK);

KB_BENCH(reduction, sum_cub) { run_reduce(state, SUM_CUB, KB_CUDA_HOT); }
KB_SPACE(reduction, sum_cub, RED_SIZES);
KB_QUICK(reduction, sum_cub, RED_QUICK);

KB_BENCH(reduction, dot_cub) { run_reduce(state, DOT_CUB, KB_CUDA_HOT); }
KB_SPACE(reduction, dot_cub, RED_SIZES);
KB_QUICK(reduction, dot_cub, RED_QUICK);

KB_BENCH(reduction, sum_cuda_unroll4) { run_reduce(state, SUM_U4, KB_CUDA_HOT); }
KB_SPACE(reduction, sum_cuda_unroll4, RED_SIZES);
KB_QUICK(reduction, sum_cuda_unroll4, RED_QUICK);

KB_BENCH(reduction, dot_cuda_unroll4) { run_reduce(state, DOT_U4, KB_CUDA_HOT); }
KB_SPACE(reduction, dot_cuda_unroll4, RED_SIZES);
KB_QUICK(reduction, dot_cuda_unroll4, RED_QUICK);
