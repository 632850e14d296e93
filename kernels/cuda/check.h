/*
 * check.h - checked CUDA and cuBLAS calls.
 *
 *     int rc = KB_CUDA(cudaMalloc(&p, bytes));
 *     if (rc)
 *             goto out;             // kb_last_error() names file, line, call
 *
 *     kernel<<<grid, block, 0, stream>>>(...);
 *     rc = KB_CUDA_LAUNCH(kernel);  // the launch's own error, no sync
 *
 * Each macro evaluates its call once and yields 0 or a negative KB_E* code;
 * on failure the message recorded with kb_error() names the file, the line,
 * the call text and the CUDA/cuBLAS error name and string.  There is no
 * hidden return or goto.  Codes: out of memory -> KB_ENOMEM; no device, no
 * driver, driver too old, no kernel image for the device -> KB_EUNSUPPORTED;
 * anything else -> KB_EINTERNAL.
 *
 * A "sticky" error (illegal address, launch failure, assert, ...) leaves the
 * CUDA context unusable for the rest of the process: it is remembered, and
 * kb_cuda_sticky_error() returns its message so later benchmarks can fail
 * with the original cause instead of a cascade of unrelated errors.
 *
 * CUDA-only header (C++): included by kernels/cuda/ and suites/ *_cuda.cu.
 */
#ifndef KB_CUDA_CHECK_H
#define KB_CUDA_CHECK_H

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "error.h"

/* Internal: turns a status into 0 or -KB_E*, recording the message. */
int kb__cuda_check(cudaError_t err, const char *file, int line, const char *call);
int kb__cublas_check(cublasStatus_t st, const char *file, int line, const char *call);

#define KB_CUDA(call) kb__cuda_check((call), __FILE__, __LINE__, #call)
#define KB_CUBLAS(call) kb__cublas_check((call), __FILE__, __LINE__, #call)
/* The error of the launch just made (configuration, missing image, ...);
 * asynchronous faults of the kernel surface at the next synchronisation. */
#define KB_CUDA_LAUNCH(kernel)                                                  \
	kb__cuda_check(cudaGetLastError(), __FILE__, __LINE__, "launch of " #kernel)

/* The KB_E* code (negative) for a CUDA error; 0 for cudaSuccess. */
int kb_cuda_code(cudaError_t err);
/* True for errors after which the CUDA context cannot be used again. */
bool kb_cuda_is_sticky(cudaError_t err);
/* The message of the first sticky error seen in this process, or NULL. */
const char *kb_cuda_sticky_error(void);

#endif /* KB_CUDA_CHECK_H */
