/*
 * elementwise_cuda - BabelStream's four kernels on the GPU, FP32:
 *   copy_cuda   c = a          8n bytes        scale_cuda  b = q·c   8n bytes, n flops
 *   add_cuda    c = a + b     12n bytes, n      triad_cuda  a = b + q·c  12n bytes, 2n flops
 *   triad_cuda_cold: triad with the L2 evicted before every timed launch.
 *   copy_cuda_unroll4, triad_cuda_unroll4: four float4 loads per input in
 *   flight per thread (kernels/cuda/kb_stream_f32_cuda.cu), beside the
 *   one-load kernels, to show what the loads in flight are worth.
 * Ids: elementwise/<kernel>/<n>.  GB/s = bytes read + written / GPU time
 * (base 10), % of gpu_bandwidth (2 x memory clock x bus width, or
 * peak.gpu_bandwidth in kbench.conf).  q = 0.4 as in BabelStream.
 *
 * The kernels (kernels/cuda/kb_stream_f32_cuda.cu) move float4s in a
 * grid-stride loop over one full wave of blocks.  A hot batch whose
 * working set is under 3x the L2 (H100: 50 MB, H200: 60 MB) gets no % of
 * gpu_bandwidth, a DRAM peak: at 1x-3x the L2 part of each launch's reads
 * still hit lines the previous launch left (the L2 keeps what it can of a
 * set it cannot hold), so the rate can exceed HBM's; 1M elements (4 MiB
 * per array) measure L2 bandwidth, 16M (64 MiB per array) is in between on
 * most GPUs, and 64M (256 MiB per array, 512-768 MiB in all) is the DRAM
 * figure.  The _cold variant evicts the L2 before each launch, so its %
 * holds at every size.
 *
 * Validation: the inputs are copied back and the outputs compared with
 * kernels/ref's kb_*_f32_ref.  copy, scale and add round exactly once in
 * both, so they must match bit for bit; triad is one FMA on the GPU and
 * may be a multiply and an add in the reference, 1 ulp apart: tolerance
 * 2^-22 relative plus 2^-23·(1 + |q|) absolute (|b|, |c| < 1).
 */
#include "kbench.h"

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/kernels.h"
#include "cuda/timer.h"
extern "C" {
#include "ref/kb_elementwise_ref.h"
}

enum stream_op { COPY, SCALE, ADD, TRIAD, COPY_U4, TRIAD_U4 };

static const float kb_q = 0.4f;

/* in0, in1: inputs; out: output (names as in the kernels' maths) */
static int launch(enum stream_op op, size_t n, const float *in0, const float *in1, float *out,
		  cudaStream_t s)
{
	switch (op) {
	case COPY:
		return kb_copy_f32_cuda(n, in0, out, s);
	case SCALE:
		return kb_scale_f32_cuda(n, kb_q, in0, out, s);
	case ADD:
		return kb_add_f32_cuda(n, in0, in1, out, s);
	case TRIAD:
		return kb_triad_f32_cuda(n, kb_q, in0, in1, out, s);
	case COPY_U4:
		return kb_copy_f32_cuda_unroll4(n, in0, out, s);
	case TRIAD_U4:
		return kb_triad_f32_cuda_unroll4(n, kb_q, in0, in1, out, s);
	}
	return kb_error(KB_EINVAL, "unknown stream op %d", (int)op);
}

static int validate(struct kb_state *state, enum stream_op op, size_t n, const float *d0,
		    const float *d1, const float *dout)
{
	float *x0 = (float *)kb_alloc(state, n * sizeof(float));
	float *x1 = (float *)kb_alloc(state, n * sizeof(float));
	float *got = (float *)kb_alloc(state, n * sizeof(float));
	float *want = (float *)kb_alloc(state, n * sizeof(float));
	int rc;

	if (!x0 || !x1 || !got || !want)
		return 0;
	rc = KB_CUDA(cudaMemcpy(x0, d0, n * sizeof(float), cudaMemcpyDeviceToHost));
	if (!rc)
		rc = KB_CUDA(cudaMemcpy(x1, d1, n * sizeof(float), cudaMemcpyDeviceToHost));
	if (!rc)
		rc = KB_CUDA(cudaMemcpy(got, dout, n * sizeof(float), cudaMemcpyDeviceToHost));
	if (rc)
		return rc;
	switch (op) {
	case COPY:
	case COPY_U4:
		kb_copy_f32_ref(n, want, x0);
		kb_check_f32(state, got, want, n, 0, 0);
		break;
	case SCALE:
		kb_scale_f32_ref(n, want, x0, kb_q);
		kb_check_f32(state, got, want, n, 0, 0);
		break;
	case ADD:
		kb_add_f32_ref(n, want, x0, x1);
		kb_check_f32(state, got, want, n, 0, 0);
		break;
	case TRIAD:
	case TRIAD_U4:
		kb_triad_f32_ref(n, want, x0, x1, kb_q);
		kb_check_f32(state, got, want, n, 0x1p-22, 0x1p-23 * (1.0 + kb_q));
		break;
	}
	return 0;
}

static void run_stream(struct kb_state *state, enum stream_op op, enum kb_cuda_cache mode)
{
	static const unsigned words[] = { [COPY] = 2, [SCALE] = 2, [ADD] = 3, [TRIAD] = 3,
					  [COPY_U4] = 2, [TRIAD_U4] = 3 };
	static const unsigned flops[] = { [COPY] = 0, [SCALE] = 1, [ADD] = 1, [TRIAD] = 2,
					  [COPY_U4] = 0, [TRIAD_U4] = 2 };
	const struct kb_cuda_device *dev;
	struct kb_cuda_mem mem = {};
	int64_t n = kb_arg(state, 0);
	float *in0, *in1, *out;
	int rc = 0;

	kb_set_param_str(state, "dtype", "f32");
	dev = kb_cuda_begin(state);
	if (!dev)
		return;
	if (n < 1) {
		kb_fail(state, "array length n=%lld: expected at least 1", (long long)n);
		return;
	}
	kb_set_bytes(state, (uint64_t)words[op] * sizeof(float) * (uint64_t)n);
	if (flops[op])
		kb_set_flops(state, (double)flops[op] * (double)n);
	/* the DRAM peak only cold, or for a working set of 3x the L2 and more
	 * (see the top of the file) */
	if (mode == KB_CUDA_COLD ||
	    (uint64_t)words[op] * sizeof(float) * (uint64_t)n >= 3 * (uint64_t)dev->l2_bytes)
		kb_set_peak(state, "gpu_bandwidth");
	else if ((uint64_t)words[op] * sizeof(float) * (uint64_t)n <= (uint64_t)dev->l2_bytes / 2)
		kb_set_peak(state, "gpu_bandwidth_l2"); /* hot and within half the L2 */

	in0 = (float *)kb_cuda_alloc(state, &mem, (size_t)n * sizeof(float));
	in1 = in0 ? (float *)kb_cuda_alloc(state, &mem, (size_t)n * sizeof(float)) : NULL;
	out = in1 ? (float *)kb_cuda_alloc(state, &mem, (size_t)n * sizeof(float)) : NULL;
	if (!out)
		goto out;
	rc = kb_fill_f32_cuda(in0, (size_t)n, kb_seed(state) ^ 1, -1.0f, 1.0f, dev->stream);
	if (!rc)
		rc = kb_fill_f32_cuda(in1, (size_t)n, kb_seed(state) ^ 2, -1.0f, 1.0f, dev->stream);
	if (!rc && kb_cuda_first_call(state)) {
		rc = launch(op, (size_t)n, in0, in1, out, dev->stream);
		if (!rc)
			rc = KB_CUDA(cudaStreamSynchronize(dev->stream));
	}
	if (!rc && kb_validating(state))
		rc = KB_CUDA(cudaMemsetAsync(out, 0xff, (size_t)n * sizeof(float), dev->stream));
	if (rc)
		goto fail;
	if (kb_cuda_time(state, mode))
		goto out;
	while (kb_loop(state)) {
		kb_cuda_iter_begin();
		rc = launch(op, (size_t)n, in0, in1, out, dev->stream);
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
			rc = validate(state, op, (size_t)n, in0, in1, out);
		if (rc)
			goto fail;
	}
	goto out;
fail:
	kb_cuda_fail(state, rc);
out:
	kb_cuda_mem_release(&mem);
}

#define STREAM_SIZES "n=1M,16M,64M"
#define STREAM_QUICK "n=1000,4099"

KB_BENCH(elementwise, copy_cuda) { run_stream(state, COPY, KB_CUDA_HOT); }
KB_SPACE(elementwise, copy_cuda, STREAM_SIZES);
KB_QUICK(elementwise, copy_cuda, STREAM_QUICK);

KB_BENCH(elementwise, scale_cuda) { run_stream(state, SCALE, KB_CUDA_HOT); }
KB_SPACE(elementwise, scale_cuda, STREAM_SIZES);
KB_QUICK(elementwise, scale_cuda, STREAM_QUICK);

KB_BENCH(elementwise, add_cuda) { run_stream(state, ADD, KB_CUDA_HOT); }
KB_SPACE(elementwise, add_cuda, STREAM_SIZES);
KB_QUICK(elementwise, add_cuda, STREAM_QUICK);

KB_BENCH(elementwise, triad_cuda) { run_stream(state, TRIAD, KB_CUDA_HOT); }
KB_SPACE(elementwise, triad_cuda, STREAM_SIZES);
KB_QUICK(elementwise, triad_cuda, STREAM_QUICK);

KB_BENCH(elementwise, triad_cuda_cold) { run_stream(state, TRIAD, KB_CUDA_COLD); }
KB_SPACE(elementwise, triad_cuda_cold, STREAM_SIZES);
KB_QUICK(elementwise, triad_cuda_cold, STREAM_QUICK);

KB_BENCH(elementwise, copy_cuda_unroll4) { run_stream(state, COPY_U4, KB_CUDA_HOT); }
KB_SPACE(elementwise, copy_cuda_unroll4, STREAM_SIZES);
KB_QUICK(elementwise, copy_cuda_unroll4, STREAM_QUICK);

KB_BENCH(elementwise, triad_cuda_unroll4) { run_stream(state, TRIAD_U4, KB_CUDA_HOT); }
KB_SPACE(elementwise, triad_cuda_unroll4, STREAM_SIZES);
KB_QUICK(elementwise, triad_cuda_unroll4, STREAM_QUICK);
