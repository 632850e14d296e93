/*
 * kb_gemm_f32_cuda_tiled.cu - GEMM with 32x32 shared-memory tiles.
 *
 * Maths:   C[i][j] = sum_{p<k} A[i][p] * B[p][j]   (FP32, sequential in p)
 * Layout:  row-major; A m x k, B k x n, C m x n (overwritten).
 * Flops:   2·m·n·k.
 *
 * A 32x32 block of threads owns a 32x32 tile of C.  For each 32-wide slice
 * of k it stages a tile of A and a tile of B in shared memory (each element
 * of A and B is then read from global memory n/32 and m/32 times instead of
 * n and m times) and every thread does 32 multiply-adds out of shared
 * memory: As[ty][q] is a broadcast within a warp, Bs[q][tx] consecutive
 * words, so there are no bank conflicts.  Edge tiles are zero-padded, so
 * any m, n, k works.  One output per thread keeps it simple and leaves it
 * bound by shared-memory bandwidth; the register-blocked kernel is the
 * fast one.
 */
#include "cuda/check.h"
#include "cuda/kernels.h"

#define KB_TILE 32

__global__ void __launch_bounds__(KB_TILE *KB_TILE)
	kb__gemm_f32_tiled_kernel(int m, int n, int k, const float *__restrict__ a,
				  const float *__restrict__ b, float *__restrict__ c)
{
	__shared__ float as[KB_TILE][KB_TILE];
	__shared__ float bs[KB_TILE][KB_TILE];
	int tx = threadIdx.x, ty = threadIdx.y;
	int row = blockIdx.y * KB_TILE + ty;
	int col = blockIdx.x * KB_TILE + tx;
	float acc = 0.0f;

	for (int p0 = 0; p0 < k; p0 += KB_TILE) {
		as[ty][tx] = (row < m && p0 + tx < k) ? a[(size_t)row * k + p0 + tx] : 0.0f;
		bs[ty][tx] = (p0 + ty < k && col < n) ? b[(size_t)(p0 + ty) * n + col] : 0.0f;
		__syncthreads();
#pragma unroll
		for (int q = 0; q < KB_TILE; q++)
			acc += as[ty][q] * bs[q][tx];
		__syncthreads();
	}
	if (row < m && col < n)
		c[(size_t)row * n + col] = acc;
}

extern "C" int kb_gemm_f32_cuda_tiled(int m, int n, int k, const float *a, const float *b,
				      float *c, cudaStream_t stream)
{
	dim3 block(KB_TILE, KB_TILE);
	dim3 grid((n + KB_TILE - 1) / KB_TILE, (m + KB_TILE - 1) / KB_TILE);

	if (m <= 0 || n <= 0 || k <= 0 || grid.y > 65535)
		return kb_error(KB_EINVAL, "kb_gemm_f32_cuda_tiled: bad shape %dx%dx%d", m, n, k);
	kb__gemm_f32_tiled_kernel<<<grid, block, 0, stream>>>(m, n, k, a, b, c);
	return KB_CUDA_LAUNCH(kb__gemm_f32_tiled_kernel);
}
