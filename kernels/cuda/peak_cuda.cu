/*
 * peak_cuda.cu - calibration kernels behind the GPU peaks, beside the
 * figures from the device properties (device.cu): what the GPU does with
 * kernels that do nothing else (as the Empirical Roofline Toolkit does).
 *
 * FMA (FP32):  KB_PEAK_GPU_CHAINS independent chains x <- fma(x, m, a) per
 *              thread, m = 1 - 2^-10, a = 2^-12 (values stay near 0.25);
 *              one full wave (8 blocks of 256 threads per SM); 2 flops per
 *              FMA.
 * Read:        a grid-stride float4 sum over `bytes`, repeated `reps` times
 *              in one launch (bytes x reps read); half the L2 stays in L2
 *              (the gpu_bandwidth_l2 peak), 8x the L2 (at least 1 GiB,
 *              capped by free memory) streams from HBM (a note on
 *              gpu_bandwidth).
 * Each figure is the best of three launches timed with CUDA events on the
 * device's stream, after one untimed launch.
 */
#include <math.h>

#include "cuda/check.h"
#include "cuda/device.h"

#define KB_PEAK_GPU_CHAINS 8
#define KB_PEAK_GPU_THREADS 256
#define KB_PEAK_GPU_ITERS 4096

__global__ void __launch_bounds__(KB_PEAK_GPU_THREADS) kb_peak_fma_f32_kernel(float *out, int iters)
{
	const float m = 1.0f - 0x1p-10f, a = 0x1p-12f;
	float x[KB_PEAK_GPU_CHAINS];
	float s = 0;

#pragma unroll
	for (int k = 0; k < KB_PEAK_GPU_CHAINS; k++)
		x[k] = 1.0f + 0.125f * k + 1e-7f * threadIdx.x;
	for (int i = 0; i < iters; i++) {
#pragma unroll
		for (int k = 0; k < KB_PEAK_GPU_CHAINS; k++)
			x[k] = fmaf(x[k], m, a);
	}
#pragma unroll
	for (int k = 0; k < KB_PEAK_GPU_CHAINS; k++)
		s += x[k];
	out[blockIdx.x * (size_t)blockDim.x + threadIdx.x] = s;
}

__global__ void __launch_bounds__(KB_PEAK_GPU_THREADS)
	kb_peak_read_kernel(const float4 *x, size_t n4, int reps, float *out)
{
	size_t t = blockIdx.x * (size_t)blockDim.x + threadIdx.x, stride = (size_t)gridDim.x * blockDim.x;
	float s = 0;

	for (int r = 0; r < reps; r++)
		for (size_t i = t; i < n4; i += stride) {
			float4 v = x[i];
			s += v.x + v.y + v.z + v.w;
		}
	out[t] = s;
}

/* Best seconds of three timed launches of `launch` (after one untimed); < 0 on error. */
template <typename F> static double best_launch(const struct kb_cuda_device *d, F launch)
{
	cudaEvent_t e0 = NULL, e1 = NULL;
	double best = -1;
	float ms;

	if (KB_CUDA(cudaEventCreate(&e0)) || KB_CUDA(cudaEventCreate(&e1)))
		goto out;
	launch();
	if (KB_CUDA_LAUNCH(kb_peak_kernel) || KB_CUDA(cudaStreamSynchronize(d->stream)))
		goto out;
	for (int i = 0; i < 3; i++) {
		if (KB_CUDA(cudaEventRecord(e0, d->stream)))
			goto out;
		launch();
		if (KB_CUDA_LAUNCH(kb_peak_kernel) || KB_CUDA(cudaEventRecord(e1, d->stream)) ||
		    KB_CUDA(cudaEventSynchronize(e1)) || KB_CUDA(cudaEventElapsedTime(&ms, e0, e1)))
			goto out;
		if (ms > 0 && (best < 0 || ms / 1e3 < best))
			best = ms / 1e3;
	}
out:
	if (e0)
		cudaEventDestroy(e0);
	if (e1)
		cudaEventDestroy(e1);
	return best;
}

double kb__cuda_peak_fma_f32_gflops(const struct kb_cuda_device *d)
{
	int blocks = d->sms * 8;
	float *out = NULL;
	double s = -1;

	if (KB_CUDA(cudaMalloc(&out, (size_t)blocks * KB_PEAK_GPU_THREADS * sizeof(float))))
		return 0;
	s = best_launch(d, [&] {
		kb_peak_fma_f32_kernel<<<blocks, KB_PEAK_GPU_THREADS, 0, d->stream>>>(out, KB_PEAK_GPU_ITERS);
	});
	cudaFree(out);
	return s > 0 ? 2.0 * KB_PEAK_GPU_CHAINS * KB_PEAK_GPU_ITERS * (double)blocks *
			       KB_PEAK_GPU_THREADS / s * 1e-9
		     : 0;
}

double kb__cuda_peak_read_gbps(const struct kb_cuda_device *d, size_t bytes, int reps)
{
	int blocks = d->sms * 8;
	size_t n4 = bytes / 16;
	void *x = NULL;
	float *out = NULL;
	double s = -1;

	if (n4 == 0 || reps < 1)
		return 0;
	if (KB_CUDA(cudaMalloc(&x, n4 * 16)) ||
	    KB_CUDA(cudaMalloc(&out, (size_t)blocks * KB_PEAK_GPU_THREADS * sizeof(float))) ||
	    KB_CUDA(cudaMemsetAsync(x, 0, n4 * 16, d->stream)))
		goto out;
	s = best_launch(d, [&] {
		kb_peak_read_kernel<<<blocks, KB_PEAK_GPU_THREADS, 0, d->stream>>>((const float4 *)x, n4, reps,
										      out);
	});
out:
	cudaFree(x);
	cudaFree(out);
	return s > 0 ? 16.0 * (double)n4 * reps / s * 1e-9 : 0;
}

KB_PEAK(gpu_bandwidth_l2, "GB/s", "calibration: a float4 read of half the L2, 200 times in one launch, "
				  "one full wave (best of 3)")
{
	const struct kb_cuda_device *d = kb_cuda_device(NULL);

	if (!d || d->l2_bytes <= 0)
		return 0;
	return kb__cuda_peak_read_gbps(d, (size_t)d->l2_bytes / 2, 200);
}
