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
