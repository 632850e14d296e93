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
 *
 * _unroll4 variants: each pass of step 1 issues four float4 loads per
 * input, a grid stride apart, before adding any of them (64 bytes per
 * thread in flight instead of 16; see kb_stream_f32_cuda.cu); the sums
 * are the same terms in another order, so results may differ in the last
 * FP64 bits, not in FP32.  The one-load kernels stay registered.
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

static __device__ __forceinline__ double sum4(float4 v)
{
	return ((double)v.x + v.y) + ((double)v.z + v.w);
}

static __device__ __forceinline__ double dot4(float4 v, float4 w)
{
	return (double)v.x * w.x + (double)v.y * w.y + (double)v.z * w.z + (double)v.w * w.w;
}

template <bool DOT, int U>
__global__ void __launch_bounds__(KB_RED_THREADS)
	kb__reduce_f32_kernel(size_t n, const float *__restrict__ x, const float *__restrict__ y,
			      double *partials, unsigned *counter, float *out)
{
	__shared__ bool is_last;
	size_t n4 = n / 4, t = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
	size_t stride = (size_t)gridDim.x * blockDim.x, i = t;
	const float4 *x4 = reinterpret_cast<const float4 *>(x);
	const float4 *y4 = reinterpret_cast<const float4 *>(y);
	double acc = 0;

	if (U > 1) {
		for (; i + (U - 1) * stride < n4; i += U * stride) {
			float4 v[U > 1 ? U : 1], w[U > 1 ? U : 1];
#pragma unroll
			for (int u = 0; u < U; u++) {
				v[u] = x4[i + u * stride];
				if (DOT)
					w[u] = y4[i + u * stride];
			}
#pragma unroll
			for (int u = 0; u < U; u++)
				acc += DOT ? dot4(v[u], w[u]) : sum4(v[u]);
		}
	}
	for (; i < n4; i += stride)
		acc += DOT ? dot4(x4[i], y4[i]) : sum4(x4[i]);
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

template <bool DOT, int U>
static int launch(size_t n, const float *x, const float *y, float *out, void *scratch,
		  cudaStream_t stream)
{
	size_t vecs = n / 4 / U;
	int grid = kb_cuda_grid(vecs ? vecs : 1, KB_RED_THREADS, KB_RED_BLOCKS_PER_SM);
	double *partials = (double *)scratch;
	unsigned *counter = (unsigned *)((char *)scratch + KB_RED_MAX_BLOCKS * sizeof(double));

	if (grid > KB_RED_MAX_BLOCKS)
		grid = KB_RED_MAX_BLOCKS;
	if (((uintptr_t)x & 15) || (DOT && ((uintptr_t)y & 15)) || ((uintptr_t)scratch & 7))
		return kb_error(KB_EINVAL, "kb_%s_f32_cuda: inputs must be 16-byte aligned",
				DOT ? "dot" : "sum");
	kb__reduce_f32_kernel<DOT, U>
		<<<grid, KB_RED_THREADS, 0, stream>>>(n, x, y, partials, counter, out);
	return KB_CUDA_LAUNCH(kb__reduce_f32_kernel);
}

extern "C" int kb_sum_f32_cuda(size_t n, const float *x, float *out, void *scratch,
			       cudaStream_t stream)
{
	return launch<false, 1>(n, x, NULL, out, scratch, stream);
}

extern "C" int kb_dot_f32_cuda(size_t n, const float *x, const float *y, float *out,
			       void *scratch, cudaStream_t stream)
{
	return launch<true, 1>(n, x, y, out, scratch, stream);
}

extern "C" int kb_sum_f32_cuda_unroll4(size_t n, const float *x, float *out, void *scratch,
				       cudaStream_t stream)
{
	return launch<false, 4>(n, x, NULL, out, scratch, stream);
}

extern "C" int kb_dot_f32_cuda_unroll4(size_t n, const float *x, const float *y, float *out,
				       void *scratch, cudaStream_t stream)
{
	return launch<true, 4>(n, x, y, out, scratch, stream);
}
