/*
 * kb_reduce_f32_cub.cu - sum and dot through cub::DeviceReduce, for
 * comparison with the hand-written one-pass kernels.
 *
 * Maths:   sum: s = sum_i x[i]           4n bytes, n flops
 *          dot: s = sum_i x[i] * y[i]    8n bytes, 2n flops
 *          (FP32 in, FP32 accumulation in CUB's own order, FP32 out)
 *
 * Sum is cub::DeviceReduce::Sum on the array.  Dot is
 * cub::DeviceReduce::TransformReduce over the indices 0..n-1 with a
 * functor that reads x[i] * y[i], so CUB decides the loads.  Both need
 * temporary device storage, sized by a query made outside timing.
 */
#include <cub/device/device_reduce.cuh>
#include <cuda/std/functional>
#include <thrust/iterator/counting_iterator.h>

#include "cuda/check.h"
#include "cuda/kernels.h"

namespace {
struct kb_dot_at {
	const float *x, *y;
	__host__ __device__ float operator()(int64_t i) const
	{
		return x[i] * y[i];
	}
};
} // namespace

extern "C" size_t kb_sum_f32_cub_temp_bytes(size_t n)
{
	size_t bytes = 0;

	if (cub::DeviceReduce::Sum(NULL, bytes, (const float *)NULL, (float *)NULL, (int64_t)n) !=
	    cudaSuccess) {
		(void)cudaGetLastError();
		return 0;
	}
	return bytes;
}

extern "C" int kb_sum_f32_cub(size_t n, const float *x, float *out, void *temp,
			      size_t temp_bytes, cudaStream_t stream)
{
	return KB_CUDA(cub::DeviceReduce::Sum(temp, temp_bytes, x, out, (int64_t)n, stream));
}

extern "C" size_t kb_dot_f32_cub_temp_bytes(size_t n)
{
	size_t bytes = 0;
	thrust::counting_iterator<int64_t> idx(0);

	if (cub::DeviceReduce::TransformReduce(NULL, bytes, idx, (float *)NULL, (int64_t)n,
					       ::cuda::std::plus<float>(),
					       kb_dot_at{ NULL, NULL }, 0.0f) != cudaSuccess) {
		(void)cudaGetLastError();
		return 0;
	}
	return bytes;
}

extern "C" int kb_dot_f32_cub(size_t n, const float *x, const float *y, float *out, void *temp,
			      size_t temp_bytes, cudaStream_t stream)
{
	thrust::counting_iterator<int64_t> idx(0);

	return KB_CUDA(cub::DeviceReduce::TransformReduce(temp, temp_bytes, idx, out, (int64_t)n,
							  ::cuda::std::plus<float>(),
							  kb_dot_at{ x, y }, 0.0f, stream));
}
