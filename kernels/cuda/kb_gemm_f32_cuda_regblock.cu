/*
 * kb_gemm_f32_cuda_regblock.cu - register-blocked GEMM.
 *
 * Maths:   C[i][j] = sum_{p<k} A[i][p] * B[p][j]   (FP32)
 * Layout:  row-major; A m x k, B k x n, C m x n (overwritten).
 * Flops:   2·m·n·k.
 *
 * A block of 256 threads owns a 128x128 tile of C; each thread keeps an 8x8
 * sub-tile in 64 registers.  Per 8-wide slice of k the block stages A
 * (transposed, so a thread's 8 rows are contiguous) and B in shared memory
 * with one float4 load each per thread, and each thread then does 8 outer
 * products of 8 values of A and 8 of B: 64 FMAs per 16 shared-memory loads
 * (4 of them float4), instead of the tiled kernel's 1 FMA per 2 loads.
 *
 * A thread's 8 columns are two groups of 4, 64 apart (cols 4t..4t+3 and
 * 64+4t..64+4t+3): a half-warp then reads 256 contiguous bytes of the B
 * tile and writes 256 contiguous bytes of a row of C.  While a slice is
 * consumed, the next one is already loading into registers.
 *
 * The transposed store of A writes, per warp, rows a_row = 0..15 of
 * columns a_col = 0 and 4: with a row pitch of BM = 128 floats both halves
 * hit banks 0..15 (a 2-way conflict); a pitch of BM + 4 moves the a_col = 4
 * half to banks 16..31 and keeps every row 16-byte aligned for the float4
 * reads.  __launch_bounds__(256, 2) asks for two blocks per SM (at most 128
 * registers a thread), so a block's barrier stalls can hide behind the
 * other's work; the 8x8 accumulators and operands fit unspilled.
 *
 * Any shape works: edge tiles are loaded with guarded scalar loads and
 * zero padding, and float4 paths are used only where k and n are multiples
 * of 4 (so every row start is 16-byte aligned) and the tile is inside.
 */
#include "cuda/check.h"
#include "cuda/kernels.h"

#define BM 128
#define BN 128
#define BK 8
#define TM 8
#define TN 8
#define THREADS ((BM / TM) * (BN / TN)) /* 256 */
#define AS_LD (BM + 4) /* row pitch of the transposed A tile (see the top) */
#define KB_REGBLOCK_MIN_BLOCKS 2

struct kb__slice {
	float4 a; /* A[bm + a_row][p0 + a_col .. +3] */
	float4 b; /* B[p0 + b_row][bn + b_col .. +3] */
};

static __device__ __forceinline__ float4 load4(const float *__restrict__ src, size_t ld,
					       int rows, int cols, int r, int c, bool vec)
{
	float4 v;

	if (vec && r < rows && c + 3 < cols)
		return *reinterpret_cast<const float4 *>(src + (size_t)r * ld + c);
	const float *p = src + (size_t)r * ld;
	bool in = r < rows;
	v.x = (in && c + 0 < cols) ? p[c + 0] : 0.0f;
	v.y = (in && c + 1 < cols) ? p[c + 1] : 0.0f;
	v.z = (in && c + 2 < cols) ? p[c + 2] : 0.0f;
	v.w = (in && c + 3 < cols) ? p[c + 3] : 0.0f;
	return v;
}

__global__ void __launch_bounds__(THREADS, KB_REGBLOCK_MIN_BLOCKS)
	kb__gemm_f32_regblock_kernel(int m, int n, int k, const float *__restrict__ a,
				     const float *__restrict__ b, float *__restrict__ c)
{
	__shared__ __align__(16) float as[BK][AS_LD]; /* as[p][i] = A[bm + i][p0 + p] */
	__shared__ __align__(16) float bs[BK][BN]; /* bs[p][j] = B[p0 + p][bn + j] */
	const int tid = threadIdx.x;
	const int bm = blockIdx.y * BM, bn = blockIdx.x * BN;
	const int tr = tid / (BN / TN);       /* rows tr*8 .. tr*8+7 */
	const int tc = tid % (BN / TN);       /* cols 4tc..4tc+3 and 64+4tc..64+4tc+3 */
	const int a_row = tid / (BK / 4);     /* 0..127 */
	const int a_col = (tid % (BK / 4)) * 4; /* 0 or 4 */
	const int b_row = tid / (BN / 4);     /* 0..7 */
	const int b_col = (tid % (BN / 4)) * 4; /* 0..124 */
	const bool vec = (k % 4 == 0) && (n % 4 == 0);
	float acc[TM][TN];
	struct kb__slice next;

#pragma unroll
	for (int i = 0; i < TM; i++)
#pragma unroll
		for (int j = 0; j < TN; j++)
			acc[i][j] = 0.0f;

	next.a = load4(a, (size_t)k, m, k, bm + a_row, a_col, vec);
	next.b = load4(b, (size_t)n, k, n, b_row, bn + b_col, vec);
	for (int p0 = 0; p0 < k; p0 += BK) {
		as[a_col + 0][a_row] = next.a.x;
		as[a_col + 1][a_row] = next.a.y;
		as[a_col + 2][a_row] = next.a.z;
		as[a_col + 3][a_row] = next.a.w;
		*reinterpret_cast<float4 *>(&bs[b_row][b_col]) = next.b;
		__syncthreads();
		if (p0 + BK < k) {
			next.a = load4(a, (size_t)k, m, k, bm + a_row, p0 + BK + a_col, vec);
			next.b = load4(b, (size_t)n, k, n, p0 + BK + b_row, bn + b_col, vec);
		}
#pragma unroll
		for (int p = 0; p < BK; p++) {
			float ra[TM], rb[TN];
			float4 t;

			t = *reinterpret_cast<const float4 *>(&as[p][tr * TM]);
			ra[0] = t.x, ra[1] = t.y, ra[2] = t.z, ra[3] = t.w;
			t = *reinterpret_cast<const float4 *>(&as[p][tr * TM + 4]);
			ra[4] = t.x, ra[5] = t.y, ra[6] = t.z, ra[7] = t.w;
			t = *reinterpret_cast<const float4 *>(&bs[p][tc * 4]);
			rb[0] = t.x, rb[1] = t.y, rb[2] = t.z, rb[3] = t.w;
			t = *reinterpret_cast<const float4 *>(&bs[p][BN / 2 + tc * 4]);
			rb[4] = t.x, rb[5] = t.y, rb[6] = t.z, rb[7] = t.w;
#pragma unroll
			for (int i = 0; i < TM; i++)
#pragma unroll
				for (int j = 0; j < TN; j++)
					acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);
		}
		__syncthreads();
	}

#pragma unroll
	for (int i = 0; i < TM; i++) {
		int row = bm + tr * TM + i;
		if (row >= m)
			continue;
		float *cr = c + (size_t)row * n;
#pragma unroll
		for (int h = 0; h < 2; h++) {
			int col = bn + h * (BN / 2) + tc * 4;
			if (n % 4 == 0 && col + 3 < n) {
				*reinterpret_cast<float4 *>(cr + col) =
					make_float4(acc[i][4 * h + 0], acc[i][4 * h + 1],
						    acc[i][4 * h + 2], acc[i][4 * h + 3]);
			} else {
#pragma unroll
				for (int j = 0; j < 4; j++)
					if (col + j < n)
						cr[col + j] = acc[i][4 * h + j];
			}
		}
	}
}

extern "C" int kb_gemm_f32_cuda_regblock(int m, int n, int k, const float *a, const float *b,
					 float *c, cudaStream_t stream)
{
	dim3 grid((n + BN - 1) / BN, (m + BM - 1) / BM);

	if (m <= 0 || n <= 0 || k <= 0 || grid.y > 65535)
		return kb_error(KB_EINVAL, "kb_gemm_f32_cuda_regblock: bad shape %dx%dx%d", m, n, k);
	kb__gemm_f32_regblock_kernel<<<grid, THREADS, 0, stream>>>(m, n, k, a, b, c);
	return KB_CUDA_LAUNCH(kb__gemm_f32_regblock_kernel);
}
