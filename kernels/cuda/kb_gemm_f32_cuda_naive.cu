/*
 * kb_gemm_f32_cuda_naive.cu - GEMM, one thread per output element.
 *
 * Maths:   C[i][j] = sum_{p<k} A[i][p] * B[p][j]   (FP32, sequential in p)
 * Layout:  row-major; A m x k, B k x n, C m x n (overwritten).
 * Flops:   2·m·n·k.   Bytes: not reported (compute-bound metric).
 *
 * threadIdx.x runs along a row of C, so a warp reads 32 consecutive floats
 * of B and writes 32 consecutive floats of C (coalesced) and broadcasts one
 * float of A.  Every operand comes from global memory (through L1/L2): the
 * baseline the tiled kernels are measured against.
 */
#include "cuda/check.h"
#include "cuda/kernels.h"

__global__ void kb__gemm_f32_naive_kernel(int m, int n, int k, const float *__restrict__ a,
					  const float *__restrict__ b, float *__restrict__ c)
{
	int col = blockIdx.x * blockDim.x + threadIdx.x;
	int row = blockIdx.y * blockDim.y + threadIdx.y;
	float acc = 0.0f;

	if (row >= m || col >= n)
		return;
	const float *ar = a + (size_t)row * k;
	for (int p = 0; p < k; p++)
		acc += ar[p] * b[(size_t)p * n + col];
	c[(size_t)row * n + col] = acc;
}

extern "C" int kb_gemm_f32_cuda_naive(int m, int n, int k, const float *a, const float *b,
				      float *c, cudaStream_t stream)
{
	dim3 block(32, 8);
	dim3 grid((n + 31) / 32, (m + 7) / 8);

	if (m <= 0 || n <= 0 || k <= 0 || grid.y > 65535)
		return kb_error(KB_EINVAL, "kb_gemm_f32_cuda_naive: bad shape %dx%dx%d", m, n, k);
	kb__gemm_f32_naive_kernel<<<grid, block, 0, stream>>>(m, n, k, a, b, c);
	return KB_CUDA_LAUNCH(kb__gemm_f32_naive_kernel);
}
