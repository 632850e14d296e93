/*
 * check.cu - the checking behind KB_CUDA / KB_CUBLAS / KB_CUDA_LAUNCH.
 */
#include "cuda/check.h"

#include <stdio.h>

static char sticky_msg[512];
static bool sticky_seen;

int kb_cuda_code(cudaError_t err)
{
	switch (err) {
	case cudaSuccess:
		return 0;
	case cudaErrorMemoryAllocation:
		return -KB_ENOMEM;
	case cudaErrorNoDevice:
	case cudaErrorInsufficientDriver:
	case cudaErrorCallRequiresNewerDriver:
	case cudaErrorSystemDriverMismatch:
	case cudaErrorCompatNotSupportedOnDevice:
	case cudaErrorDevicesUnavailable:
	case cudaErrorInvalidDevice:
	case cudaErrorNoKernelImageForDevice:
	case cudaErrorUnsupportedPtxVersion:
	case cudaErrorJitCompilerNotFound:
		return -KB_EUNSUPPORTED;
	default:
		return -KB_EINTERNAL;
	}
}

bool kb_cuda_is_sticky(cudaError_t err)
{
	switch (err) {
	case cudaErrorIllegalAddress:
	case cudaErrorLaunchFailure:
	case cudaErrorIllegalInstruction:
	case cudaErrorMisalignedAddress:
	case cudaErrorInvalidAddressSpace:
	case cudaErrorInvalidPc:
	case cudaErrorHardwareStackError:
	case cudaErrorAssert:
	case cudaErrorLaunchTimeout:
	case cudaErrorECCUncorrectable:
		return true;
	default:
		return false;
	}
}

const char *kb_cuda_sticky_error(void)
{
	return sticky_seen ? sticky_msg : NULL;
}

int kb__cuda_check(cudaError_t err, const char *file, int line, const char *call)
{
	int code = kb_cuda_code(err);

	if (!code)
		return 0;
	kb_error(-code, "%s:%d: %s: %s (%s)", file, line, call, cudaGetErrorString(err),
		 cudaGetErrorName(err));
	if (kb_cuda_is_sticky(err) && !sticky_seen) {
		snprintf(sticky_msg, sizeof(sticky_msg), "%s", kb_last_error());
		sticky_seen = true;
	}
	return code;
}

int kb__cublas_check(cublasStatus_t st, const char *file, int line, const char *call)
{
	int code;

	switch (st) {
	case CUBLAS_STATUS_SUCCESS:
		return 0;
	case CUBLAS_STATUS_ALLOC_FAILED:
		code = KB_ENOMEM;
		break;
	case CUBLAS_STATUS_NOT_SUPPORTED:
	case CUBLAS_STATUS_ARCH_MISMATCH:
	case CUBLAS_STATUS_LICENSE_ERROR:
		code = KB_EUNSUPPORTED;
		break;
	case CUBLAS_STATUS_INVALID_VALUE:
		code = KB_EINVAL;
		break;
	default:
		code = KB_EINTERNAL;
		break;
	}
	return kb_error(code, "%s:%d: %s: %s (%s)", file, line, call, cublasGetStatusString(st),
			cublasGetStatusName(st));
}
