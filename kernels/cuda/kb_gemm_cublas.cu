/*
 * kb_gemm_cublas.cu - GEMM through cuBLAS in three precisions.
 *
 * Maths:   C = A * B, row-major; A m x k, B k x n, C m x n (overwritten).
 * Flops:   2·m·n·k for each (the same count whatever the precision).
 *
 * cuBLAS is column-major: a row-major matrix is the column-major view of
 * its transpose, so row-major C = A·B is computed as column-major
 * Cᵀ = Bᵀ·Aᵀ, i.e. gemm(n, m, k, B, ldb = n, A, lda = k, C, ldc = n),
 * with no transposition done.
 *
 * The math mode is handle state and the handle is shared, so every call
 * sets the mode it needs:
 *   FP32: CUBLAS_PEDANTIC_MATH + cublasSgemm: IEEE FP32 products and sums.
 *   FP32 default: CUBLAS_DEFAULT_MATH + cublasSgemm: FP32 arithmetic too
 *         (TF32 needs CUBLAS_TF32_TENSOR_OP_MATH), but cuBLAS may choose
 *         among kernels pedantic mode excludes, faster ones included.
 *   TF32: CUBLAS_DEFAULT_MATH + cublasGemmEx(CUBLAS_COMPUTE_32F_FAST_TF32):
 *         tensor cores, inputs rounded to TF32 (10-bit mantissa), FP32
 *         accumulate.  NVIDIA_TF32_OVERRIDE=0 in the environment forbids TF32
 *         inside NVIDIA libraries; the context records it.
 *   BF16: CUBLAS_DEFAULT_MATH + cublasGemmEx(A, B CUDA_R_16BF, C CUDA_R_32F,
 *         CUBLAS_COMPUTE_32F): tensor cores, FP32 accumulate and output.
 */
#include "cuda/check.h"
#include "cuda/kernels.h"

static const float kb_one = 1.0f, kb_zero = 0.0f;

extern "C" int kb_gemm_f32_cublas(cublasHandle_t h, int m, int n, int k, const float *a,
				  const float *b, float *c)
{
	int rc = KB_CUBLAS(cublasSetMathMode(h, CUBLAS_PEDANTIC_MATH));

	if (rc)
		return rc;
	return KB_CUBLAS(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &kb_one, b, n, a, k,
				     &kb_zero, c, n));
}

extern "C" int kb_gemm_f32_cublas_default(cublasHandle_t h, int m, int n, int k,
					  const float *a, const float *b, float *c)
{
	int rc = KB_CUBLAS(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));

	if (rc)
		return rc;
	return KB_CUBLAS(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &kb_one, b, n, a, k,
				     &kb_zero, c, n));
}

extern "C" int kb_gemm_tf32_cublas(cublasHandle_t h, int m, int n, int k, const float *a,
				   const float *b, float *c)
{
	int rc = KB_CUBLAS(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));

	if (rc)
		return rc;
	return KB_CUBLAS(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &kb_one, b, CUDA_R_32F,
				      n, a, CUDA_R_32F, k, &kb_zero, c, CUDA_R_32F, n,
				      CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_GEMM_DEFAULT));
}

extern "C" int kb_gemm_bf16_cublas(cublasHandle_t h, int m, int n, int k, const __nv_bfloat16 *a,
				   const __nv_bfloat16 *b, float *c)
{
	int rc = KB_CUBLAS(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));

	if (rc)
		return rc;
	return KB_CUBLAS(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &kb_one, b, CUDA_R_16BF,
				      n, a, CUDA_R_16BF, k, &kb_zero, c, CUDA_R_32F, n,
				      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}
