/*
 * kb_stream_f32_cuda.cu - BabelStream's copy, scale, add and triad.
 *
 * Maths and counts (n elements, FP32; bytes = read + written, base 10):
 *   copy   c[i] = a[i]              8n bytes   0 flops
 *   scale  b[i] = q * c[i]          8n bytes   n flops
 *   add    c[i] = a[i] + b[i]      12n bytes   n flops
 *   triad  a[i] = b[i] + q * c[i]  12n bytes  2n flops  (one FMA, rounded once)
 *
 * Each thread moves float4s (16-byte loads and stores) in a grid-stride
 * loop over n/4 vectors; the grid is one full wave (8 blocks of 256 threads
 * per SM, 2048 threads: the most an SM holds), which keeps enough loads in
 * flight to saturate HBM without a tail of half-empty waves.  The n % 4
 * elements left over are done by the first threads of the grid.
 *
 * _unroll4 variants (copy, triad): each pass of the loop issues the loads
 * of four float4s, a grid stride apart, before any store, so a thread has
 * 64 bytes per input in flight instead of 16: 96 KB per SM and input at
 * 1536 threads, where one load each (32 KB at 2048 threads) is at the edge
 * of what HBM3e needs in flight (bandwidth x latency: 4.8 TB/s x ~600 ns
 * over 132 SMs is ~22 KB per SM, with nothing to spare for stalls).  The plain kernels stay registered,
 * so a run shows what the unrolling is worth.
 */
#include <stdint.h>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/kernels.h"

#define KB_STREAM_THREADS 256
#define KB_STREAM_BLOCKS_PER_SM 8

#define KB_STREAM_KERNEL(NAME, PARAMS, VEC_BODY, SCALAR_BODY)                          \
	__global__ void __launch_bounds__(KB_STREAM_THREADS) NAME PARAMS                \
	{                                                                               \
		size_t n4 = n / 4, t = blockIdx.x * (size_t)blockDim.x + threadIdx.x;   \
		size_t stride = (size_t)gridDim.x * blockDim.x;                         \
		for (size_t i = t; i < n4; i += stride) {                               \
			VEC_BODY;                                                       \
		}                                                                       \
		size_t i = 4 * n4 + t;                                                  \
		if (i < n) {                                                            \
			SCALAR_BODY;                                                    \
		}                                                                       \
	}

#define V4(p) (reinterpret_cast<const float4 *>(p))
#define W4(p) (reinterpret_cast<float4 *>(p))

KB_STREAM_KERNEL(kb__copy_f32_kernel,
		 (size_t n, const float *__restrict__ a, float *__restrict__ c),
		 W4(c)[i] = V4(a)[i], c[i] = a[i])

KB_STREAM_KERNEL(kb__scale_f32_kernel,
		 (size_t n, float q, const float *__restrict__ c, float *__restrict__ b),
		 float4 x = V4(c)[i];
		 W4(b)[i] = make_float4(q * x.x, q * x.y, q * x.z, q * x.w), b[i] = q * c[i])

KB_STREAM_KERNEL(kb__add_f32_kernel,
		 (size_t n, const float *__restrict__ a, const float *__restrict__ b,
		  float *__restrict__ c),
		 float4 x = V4(a)[i];
		 float4 y = V4(b)[i];
		 W4(c)[i] = make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w),
		 c[i] = a[i] + b[i])

KB_STREAM_KERNEL(kb__triad_f32_kernel,
		 (size_t n, float q, const float *__restrict__ b, const float *__restrict__ c,
		  float *__restrict__ a),
		 float4 x = V4(b)[i];
		 float4 y = V4(c)[i];
		 W4(a)[i] = make_float4(fmaf(q, y.x, x.x), fmaf(q, y.y, x.y), fmaf(q, y.z, x.z),
					fmaf(q, y.w, x.w)),
		 a[i] = fmaf(q, c[i], b[i]))

#define KB_STREAM_UNROLL 4
#define KB_STREAM_UNROLL_BLOCKS_PER_SM 6

/* Loads of U float4s of each input a stride apart, then the U stores; the
 * vectors a full pass does not cover go one at a time.  The grid is one
 * wave of 6 blocks per SM (1536 threads; 42 registers each at most, where
 * the triad needs 34 unspilled), still 96 KB per input in flight per SM. */
#define KB_STREAM_UNROLLED(NAME, PARAMS, LOAD, STORE, SCALAR_BODY)                     \
	__global__ void __launch_bounds__(KB_STREAM_THREADS, KB_STREAM_UNROLL_BLOCKS_PER_SM) \
		NAME PARAMS                                                             \
	{                                                                               \
		const int U = KB_STREAM_UNROLL;                                         \
		size_t n4 = n / 4, t = blockIdx.x * (size_t)blockDim.x + threadIdx.x;   \
		size_t stride = (size_t)gridDim.x * blockDim.x, i = t;                  \
		float4 x[KB_STREAM_UNROLL], y[KB_STREAM_UNROLL];                        \
		for (; i + (U - 1) * stride < n4; i += U * stride) {                    \
			_Pragma("unroll") for (int u = 0; u < U; u++)                   \
			{                                                               \
				size_t v = i + u * stride;                              \
				LOAD;                                                   \
			}                                                               \
			_Pragma("unroll") for (int u = 0; u < U; u++)                   \
			{                                                               \
				size_t v = i + u * stride;                              \
				STORE;                                                  \
			}                                                               \
		}                                                                       \
		for (; i < n4; i += stride) {                                           \
			const int u = 0;                                                \
			size_t v = i;                                                   \
			LOAD;                                                           \
			STORE;                                                          \
		}                                                                       \
		(void)y;                                                                \
		size_t e = 4 * n4 + t;                                                  \
		if (e < n) {                                                            \
			SCALAR_BODY;                                                    \
		}                                                                       \
	}

KB_STREAM_UNROLLED(kb__copy_f32_unroll4_kernel,
		   (size_t n, const float *__restrict__ a, float *__restrict__ c),
		   x[u] = V4(a)[v], W4(c)[v] = x[u], c[e] = a[e])

KB_STREAM_UNROLLED(kb__triad_f32_unroll4_kernel,
		   (size_t n, float q, const float *__restrict__ b, const float *__restrict__ c,
		    float *__restrict__ a),
		   (x[u] = V4(b)[v], y[u] = V4(c)[v]),
		   W4(a)[v] = make_float4(fmaf(q, y[u].x, x[u].x), fmaf(q, y[u].y, x[u].y),
					  fmaf(q, y[u].z, x[u].z), fmaf(q, y[u].w, x[u].w)),
		   a[e] = fmaf(q, c[e], b[e]))

static bool aligned16(const void *p)
{
	return ((uintptr_t)p & 15) == 0;
}

static int grid_for(size_t n)
{
	return kb_cuda_grid(n / 4 ? n / 4 : 1, KB_STREAM_THREADS, KB_STREAM_BLOCKS_PER_SM);
}

#define KB_CHECK_ALIGNED(fn, ...)                                                       \
	do {                                                                            \
		const void *ptrs_[] = { __VA_ARGS__ };                                  \
		for (size_t i_ = 0; i_ < sizeof(ptrs_) / sizeof(ptrs_[0]); i_++)        \
			if (!aligned16(ptrs_[i_]))                                      \
				return kb_error(KB_EINVAL, fn ": pointer %p is not "    \
							   "16-byte aligned", ptrs_[i_]); \
	} while (0)

extern "C" int kb_copy_f32_cuda(size_t n, const float *a, float *c, cudaStream_t stream)
{
	KB_CHECK_ALIGNED("kb_copy_f32_cuda", a, c);
	kb__copy_f32_kernel<<<grid_for(n), KB_STREAM_THREADS, 0, stream>>>(n, a, c);
	return KB_CUDA_LAUNCH(kb__copy_f32_kernel);
}

extern "C" int kb_scale_f32_cuda(size_t n, float q, const float *c, float *b, cudaStream_t stream)
{
	KB_CHECK_ALIGNED("kb_scale_f32_cuda", c, b);
	kb__scale_f32_kernel<<<grid_for(n), KB_STREAM_THREADS, 0, stream>>>(n, q, c, b);
	return KB_CUDA_LAUNCH(kb__scale_f32_kernel);
}

extern "C" int kb_add_f32_cuda(size_t n, const float *a, const float *b, float *c,
			       cudaStream_t stream)
{
	KB_CHECK_ALIGNED("kb_add_f32_cuda", a, b, c);
	kb__add_f32_kernel<<<grid_for(n), KB_STREAM_THREADS, 0, stream>>>(n, a, b, c);
	return KB_CUDA_LAUNCH(kb__add_f32_kernel);
}

extern "C" int kb_triad_f32_cuda(size_t n, float q, const float *b, const float *c, float *a,
				 cudaStream_t stream)
{
	KB_CHECK_ALIGNED("kb_triad_f32_cuda", b, c, a);
	kb__triad_f32_kernel<<<grid_for(n), KB_STREAM_THREADS, 0, stream>>>(n, q, b, c, a);
	return KB_CUDA_LAUNCH(kb__triad_f32_kernel);
}

/* The unrolled kernels fill whole passes of U vectors per thread, so the
 * grid is sized for n/4/U threads (still at most one wave). */
static int grid_for_unrolled(size_t n)
{
	size_t v = n / 4 / KB_STREAM_UNROLL;

	return kb_cuda_grid(v ? v : 1, KB_STREAM_THREADS, KB_STREAM_UNROLL_BLOCKS_PER_SM);
}

extern "C" int kb_copy_f32_cuda_unroll4(size_t n, const float *a, float *c, cudaStream_t stream)
{
	KB_CHECK_ALIGNED("kb_copy_f32_cuda_unroll4", a, c);
	kb__copy_f32_unroll4_kernel<<<grid_for_unrolled(n), KB_STREAM_THREADS, 0, stream>>>(n, a, c);
	return KB_CUDA_LAUNCH(kb__copy_f32_unroll4_kernel);
}

extern "C" int kb_triad_f32_cuda_unroll4(size_t n, float q, const float *b, const float *c,
					 float *a, cudaStream_t stream)
{
	KB_CHECK_ALIGNED("kb_triad_f32_cuda_unroll4", b, c, a);
	kb__triad_f32_unroll4_kernel<<<grid_for_unrolled(n), KB_STREAM_THREADS, 0, stream>>>(
		n, q, b, c, a);
	return KB_CUDA_LAUNCH(kb__triad_f32_unroll4_kernel);
}
