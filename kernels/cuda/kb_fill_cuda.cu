/*
 * kb_fill_cuda.cu - inputs made on the device: seeded uniform floats, BF16
 * copies, and the byte pattern of the transfer benchmarks.
 *
 * Making inputs on the GPU keeps the untimed setup of every round short
 * (hundreds of MB in well under a millisecond instead of seconds of host
 * RNG plus a copy).  The values depend only on (seed, index): the seed is
 * kb_seed(state), a hash of the master seed and the benchmark id, so runs
 * are reproducible.  Validation copies inputs back to the host and feeds
 * the CPU references with exactly what the GPU saw.
 */
#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/kernels.h"

#define KB_FILL_THREADS 256

static __device__ __forceinline__ float uniform_nonzero(uint64_t seed, size_t i, float lo,
							 float hi)
{
	/* 24 random bits: exactly representable steps of 2^-24 in [0, 1) */
	float u = (float)(kb_cuda_pattern(seed, i) >> 40) * 0x1p-24f;
	float v = lo + (hi - lo) * u;

	return v != 0.0f ? v : lo + (hi - lo) * 0.25f + (hi - lo) * 0x1p-24f;
}

__global__ void kb__fill_f32_kernel(float *x, size_t n, uint64_t seed, float lo, float hi)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		x[i] = uniform_nonzero(seed, i, lo, hi);
}

__global__ void kb__f32_to_bf16_kernel(const float *x, __nv_bfloat16 *y, size_t n)
{
	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x)
		y[i] = __float2bfloat16_rn(x[i]);
}

__global__ void kb__fill_pattern_kernel(unsigned char *p, size_t bytes, uint64_t seed)
{
	size_t words = bytes / 8;

	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i <= words;
	     i += (size_t)gridDim.x * blockDim.x) {
		uint64_t w = kb_cuda_pattern(seed, i);
		if (i < words) {
			reinterpret_cast<uint64_t *>(p)[i] = w;
		} else {
			for (size_t b = 0; b < bytes % 8; b++)
				p[8 * words + b] = (unsigned char)(w >> (8 * b));
		}
	}
}

extern "C" int kb_fill_f32_cuda(float *x, size_t n, uint64_t seed, float lo, float hi,
				cudaStream_t stream)
{
	kb__fill_f32_kernel<<<kb_cuda_grid(n, KB_FILL_THREADS, 8), KB_FILL_THREADS, 0, stream>>>(
		x, n, seed, lo, hi);
	return KB_CUDA_LAUNCH(kb__fill_f32_kernel);
}

extern "C" int kb_f32_to_bf16_cuda(const float *x, __nv_bfloat16 *y, size_t n, cudaStream_t stream)
{
	kb__f32_to_bf16_kernel<<<kb_cuda_grid(n, KB_FILL_THREADS, 8), KB_FILL_THREADS, 0,
				 stream>>>(x, y, n);
	return KB_CUDA_LAUNCH(kb__f32_to_bf16_kernel);
}

extern "C" int kb_fill_pattern_cuda(void *p, size_t bytes, uint64_t seed, cudaStream_t stream)
{
	if ((uintptr_t)p & 7)
		return kb_error(KB_EINVAL, "kb_fill_pattern_cuda: pointer not 8-byte aligned");
	kb__fill_pattern_kernel<<<kb_cuda_grid(bytes / 8 + 1, KB_FILL_THREADS, 8),
				  KB_FILL_THREADS, 0, stream>>>((unsigned char *)p, bytes, seed);
	return KB_CUDA_LAUNCH(kb__fill_pattern_kernel);
}
