/*
 * kb_reduce_f32_cuda.cu - one-pass sum and dot with warp shuffles.
 *
 * Maths:   sum: s = sum_i x[i]           4n bytes, n flops
 *          dot: s = sum_i x[i] * y[i]    8n bytes, 2n flops
 *          (FP32 in and out; FP64 accumulation, so s is the exact sum
 *          rounded about once; the product of two floats is exact in FP64)
 *
 * One kernel launch:
 *  1. a grid of one wave (8 blocks of 256 per SM) reads float4s in a
 *     grid-stride loop, each thread adding into an FP64 register;
 *  2. each warp adds its 32 values with __shfl_down_sync, warp 0 adds the
 *     8 warp sums the same way, and thread 0 stores the block's partial;
 *  3. thread 0 fences and bumps an atomic counter; the block that brings
 *     it to gridDim.x is the last, reads every partial (L2, not L1),
 *     adds them in a fixed order, writes the result and resets the counter
 *     for the next launch.
 * The partials are always added in the same order, whichever block is
 * last, so the result is deterministic run to run.  FP64 adds are far from
 * the limit on data-centre GPUs (H100: 1 DADD per 4 bytes read needs ~0.8
 * TFLOP/s of its 34); on GPUs with 1/64-rate FP64 this kernel is
 * compute-bound.
 */
#include <stdint.h>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/kernels.h"

#define KB_RED_THREADS 256
#define KB_RED_BLOCKS_PER_SM 8
#define KB_RED_MAX_BLOCKS 4096 /* scratch capacity: more SMs than any GPU */

/* scratch: [partials: KB_RED_MAX_BLOCKS doubles][counter: unsigned] */
size_t kb_reduce_f32_cuda_scratch_bytes(void)
{
	return KB_RED_MAX_BLOCKS * sizeof(double) + 256;
}

static __device__ __forceinline__ double warp_sum(double v)
{
#pragma unroll
	for (int off = 16; off > 0; off >>= 1)
		v += __shfl_down_sync(0xffffffffu, v, off);
	return v;
}

/* Sum of `v` over the block; the total is valid in thread 0. */
static __device__ __forceinline__ double block_sum(double v)
{
	__shared__ double warp_sums[KB_RED_THREADS / 32];
	int lane = threadIdx.x % 32, warp = threadIdx.x / 32;

	v = warp_sum(v);
	if (lane == 0)
		warp_sums[warp] = v;
	__syncthreads();
	v = 0;
	if (warp == 0) {
		v = lane < KB_RED_THREADS / 32 ? warp_sums[lane] : 0.0;
		v = warp_sum(v);
	}
	__syncthreads(); /* warp_sums may be reused by a second call */
	return v;
}

template <bool DOT>
__global__ void __launch_bounds__(KB_RED_THREADS)
	kb__reduce_f32_kernel(size_t n, const float *__restrict__ x, const float *__restrict__ y,
			      double *partials, unsigned *counter, float *out)
{
	__shared__ bool is_last;
	size_t n4 = n / 4, t = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
	size_t stride = (size_t)gridDim.x * blockDim.x;
	double acc = 0;

	for (size_t i = t; i < n4; i += stride) {
		float4 v = reinterpret_cast<const float4 *>(x)[i];
		if (DOT) {
			float4 w = reinterpret_cast<const float4 *>(y)[i];
			acc += (double)v.x * w.x + (double)v.y * w.y + (double)v.z * w.z +
			       (double)v.w * w.w;
		} else {
			acc += ((double)v.x + v.y) + ((double)v.z + v.w);
		}
	}
	if (4 * n4 + t < n)
		acc += DOT ? (double)x[4 * n4 + t] * y[4 * n4 + t] : (double)x[4 * n4 + t];

	acc = block_sum(acc);
	if (threadIdx.x == 0) {
		partials[blockIdx.x] = acc;
		__threadfence(); /* the partial is visible before the count says so */
		is_last = atomicAdd(counter, 1u) == gridDim.x - 1;
	}
	__syncthreads();
	if (!is_last)
		return;
	__threadfence();
	acc = 0;
	for (unsigned i = threadIdx.x; i < gridDim.x; i += blockDim.x)
		acc += __ldcg(&partials[i]);
	acc = block_sum(acc);
	if (threadIdx.x == 0) {
		*out = (float)acc;
		*counter = 0;
	}
}

static int launch(bool dot, size_t n, const float *x, const float *y, float *out, void *scratch,
		  cudaStream_t stream)
{
	int grid = kb_cuda_grid(n / 4 ? n / 4 : 1, KB_RED_THREADS, KB_RED_BLOCKS_PER_SM);
	double *partials = (double *)scratch;
	unsigned *counter = (unsigned *)((char *)scratch + KB_RED_MAX_BLOCKS * sizeof(double));

	if (grid > KB_RED_MAX_BLOCKS)
		grid = KB_RED_MAX_BLOCKS;
	if (((uintptr_t)x & 15) || (dot && ((uintptr_t)y & 15)) || ((uintptr_t)scratch & 7))
		return kb_error(KB_EINVAL, "kb_%s_f32_cuda: inputs must be 16-byte aligned",
				dot ? "dot" : "sum");
	if (dot) {
		kb__reduce_f32_kernel<true>
			<<<grid, KB_RED_THREADS, 0, stream>>>(n, x, y, partials, counter, out);
		return KB_CUDA_LAUNCH(kb__reduce_f32_kernel<true>);
	}
	kb__reduce_f32_kernel<false>
		<<<grid, KB_RED_THREADS, 0, stream>>>(n, x, NULL, partials, counter, out);
	return KB_CUDA_LAUNCH(kb__reduce_f32_kernel<false>);
}

extern "C" int kb_sum_f32_cuda(size_t n, const float *x, float *out, void *scratch,
			       cudaStream_t stream)
{
	return launch(false, n, x, NULL, out, scratch, stream);
}

extern "C" int kb_dot_f32_cuda(size_t n, const float *x, const float *y, float *out,
			       void *scratch, cudaStream_t stream)
{
	return launch(true, n, x, y, out, scratch, stream);
}
