/*
 * kernels.h - the CUDA and cuBLAS kernels kbench measures.
 *
 * Every launcher enqueues its work on `stream` (cuBLAS calls on the
 * handle's stream, the device stream) and returns 0 or a negative KB_E*
 * code after checking the launch (KB_CUDA_LAUNCH) or the call (KB_CUBLAS);
 * nothing here synchronises.  Faults inside a kernel surface at the next
 * synchronisation (the timer's stop, or the validation copy).
 *
 * Layouts are row-major and dense, as in kernels/ref/: A is m x k, B is
 * k x n, C is m x n.  Each kernel file starts with its maths and the flop
 * and byte counts it is credited with.
 */
#ifndef KB_CUDA_KERNELS_H
#define KB_CUDA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- GEMM: C = A * B --------------------------------------------------- */

/* One thread per element of C, reading A and B from global memory. */
int kb_gemm_f32_cuda_naive(int m, int n, int k, const float *a, const float *b, float *c,
			   cudaStream_t stream);
/* 32x32 tiles of A and B staged in shared memory; one element per thread. */
int kb_gemm_f32_cuda_tiled(int m, int n, int k, const float *a, const float *b, float *c,
			   cudaStream_t stream);
/* 128x128 block tile, 8x8 outputs per thread in registers, float4 loads,
 * the next k-slice prefetched into registers while the current one is used. */
int kb_gemm_f32_cuda_regblock(int m, int n, int k, const float *a, const float *b, float *c,
			      cudaStream_t stream);
/* cublasSgemm with CUBLAS_PEDANTIC_MATH: IEEE FP32 throughout, no TF32. */
int kb_gemm_f32_cublas(cublasHandle_t h, int m, int n, int k, const float *a, const float *b,
		       float *c);
/* cublasSgemm with CUBLAS_DEFAULT_MATH: FP32 products and sums still (no
 * TF32 without CUBLAS_TF32_TENSOR_OP_MATH), but cuBLAS may pick kernels
 * pedantic mode rules out, e.g. faster ones: the "cuBLAS FP32" to beat. */
int kb_gemm_f32_cublas_default(cublasHandle_t h, int m, int n, int k, const float *a,
			       const float *b, float *c);
/* cublasGemmEx, FP32 data, CUBLAS_COMPUTE_32F_FAST_TF32 (tensor cores round
 * the inputs to TF32: 10-bit mantissa), FP32 accumulate and output. */
int kb_gemm_tf32_cublas(cublasHandle_t h, int m, int n, int k, const float *a, const float *b,
			float *c);
/* cublasGemmEx, BF16 A and B, CUBLAS_COMPUTE_32F (FP32 accumulate), FP32 C. */
int kb_gemm_bf16_cublas(cublasHandle_t h, int m, int n, int k, const __nv_bfloat16 *a,
			const __nv_bfloat16 *b, float *c);

/* ---- STREAM-style elementwise (BabelStream's four) ---------------------- */
/* 16-byte (float4) loads and stores in a grid-stride loop; pointers must be
 * 16-byte aligned (cudaMalloc's are), any n. */

/* c[i] = a[i]                    8n bytes, 0 flops */
int kb_copy_f32_cuda(size_t n, const float *a, float *c, cudaStream_t stream);
/* b[i] = q * c[i]                8n bytes, n flops */
int kb_scale_f32_cuda(size_t n, float q, const float *c, float *b, cudaStream_t stream);
/* c[i] = a[i] + b[i]            12n bytes, n flops */
int kb_add_f32_cuda(size_t n, const float *a, const float *b, float *c, cudaStream_t stream);
/* a[i] = b[i] + q * c[i]        12n bytes, 2n flops */
int kb_triad_f32_cuda(size_t n, float q, const float *b, const float *c, float *a,
		      cudaStream_t stream);
/* The same with four float4 loads per input issued before any store. */
int kb_copy_f32_cuda_unroll4(size_t n, const float *a, float *c, cudaStream_t stream);
int kb_triad_f32_cuda_unroll4(size_t n, float q, const float *b, const float *c, float *a,
			      cudaStream_t stream);

/* ---- reductions --------------------------------------------------------- */

/*
 * One pass: float4 loads, per-thread FP64 accumulation, warp shuffles, one
 * partial per block; the last block to finish (an atomic counter) adds the
 * partials in a fixed order and writes *out, so the result is deterministic.
 * `scratch` holds kb_reduce_f32_cuda_scratch_bytes() bytes, zeroed once
 * before first use (the kernel leaves its counter at zero again).
 */
size_t kb_reduce_f32_cuda_scratch_bytes(void);
/* *out = sum x[i]                4n bytes, n flops */
int kb_sum_f32_cuda(size_t n, const float *x, float *out, void *scratch, cudaStream_t stream);
/* *out = sum x[i] * y[i]         8n bytes, 2n flops */
int kb_dot_f32_cuda(size_t n, const float *x, const float *y, float *out, void *scratch,
		    cudaStream_t stream);
/* The same with four float4 loads per input issued before they are added. */
int kb_sum_f32_cuda_unroll4(size_t n, const float *x, float *out, void *scratch,
			    cudaStream_t stream);
int kb_dot_f32_cuda_unroll4(size_t n, const float *x, const float *y, float *out, void *scratch,
			    cudaStream_t stream);
/* The same through cub::DeviceReduce (FP32 accumulation, CUB's tree);
 * temp storage sized by the _temp_bytes query. */
size_t kb_sum_f32_cub_temp_bytes(size_t n);
int kb_sum_f32_cub(size_t n, const float *x, float *out, void *temp, size_t temp_bytes,
		   cudaStream_t stream);
size_t kb_dot_f32_cub_temp_bytes(size_t n);
int kb_dot_f32_cub(size_t n, const float *x, const float *y, float *out, void *temp,
		   size_t temp_bytes, cudaStream_t stream);

/* ---- inputs ------------------------------------------------------------- */

/* x[i] uniform in [lo, hi), never 0, from a hash of (seed, i): the same
 * values on every run with the same seed, made on the device. */
int kb_fill_f32_cuda(float *x, size_t n, uint64_t seed, float lo, float hi, cudaStream_t stream);
/* y[i] = x[i] rounded to nearest BF16. */
int kb_f32_to_bf16_cuda(const float *x, __nv_bfloat16 *y, size_t n, cudaStream_t stream);
/* Fills `bytes` with kb_cuda_pattern(seed, word index) (64-bit words; a
 * partial last word is truncated). */
int kb_fill_pattern_cuda(void *p, size_t bytes, uint64_t seed, cudaStream_t stream);

#ifdef __cplusplus
}
#endif

/* splitmix64: the hash behind the inputs and the transfer pattern. */
static inline __host__ __device__ uint64_t kb_cuda_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline __host__ __device__ uint64_t kb_cuda_pattern(uint64_t seed, uint64_t i)
{
	return kb_cuda_mix64(seed ^ kb_cuda_mix64(i));
}

#endif /* KB_CUDA_KERNELS_H */
