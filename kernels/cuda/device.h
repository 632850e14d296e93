/*
 * device.h - the GPU a run uses: probed once, its stream, its cuBLAS handle,
 * device memory for a benchmark body, skip/fail reasons, and the "gpu"
 * section of the run's context.
 *
 * A GPU benchmark body starts with
 *
 *     const struct kb_cuda_device *dev = kb_cuda_begin(state);
 *     if (!dev)
 *             return;               // skipped (or failed: --require-gpu)
 *
 * The first call probes the device (driver init, properties, the stream,
 * the L2 flush buffer, the delay kernel) and caches the outcome, so a run of
 * 40 GPU benchmarks on a machine with no GPU pays the driver's answer once
 * and skips each benchmark with that answer as the reason.
 *
 * Device 0 is used; choose another GPU with CUDA_VISIBLE_DEVICES.
 */
#ifndef KB_CUDA_DEVICE_H
#define KB_CUDA_DEVICE_H

#include <stddef.h>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "kbench.h"

struct kb_cuda_device {
	int id;                  /* CUDA device ordinal (0) */
	char name[256];          /* e.g. "NVIDIA H100 80GB HBM3" */
	char pci_bus_id[32];     /* "0000:3b:00.0" */
	int cc_major, cc_minor;  /* compute capability */
	int sms;                 /* streaming multiprocessors */
	size_t mem_bytes;        /* total device memory, bytes */
	int bus_width_bits;      /* global memory bus width, bits */
	int mem_clock_khz;       /* peak memory clock, kHz (0 if unknown) */
	const char *mem_clock_source; /* "driver", "nvml_max" (NVML's max memory
				       * clock, when the driver gives none), NULL */
	int sm_clock_khz;        /* peak SM clock, kHz (0 if unknown) */
	int l2_bytes;            /* L2 cache size, bytes */
	int ecc;                 /* 1 ECC on, 0 off */
	cudaStream_t stream;     /* every benchmark's work goes here */
	void *l2_flush;          /* buffer read to evict L2 (cold samples) */
	size_t l2_flush_bytes;   /* 2 x L2 size, or 0 when there is none */
};

/*
 * The device, probed on the first call and cached; NULL when there is no
 * usable GPU, with the reason in *why (a static string) when why != NULL.
 */
const struct kb_cuda_device *kb_cuda_device(const char **why);

/*
 * Starts a GPU benchmark body.  Returns the device, or NULL after marking
 * the benchmark: skipped with the probe's reason (no device, driver too
 * old, no kernel image for the GPU), failed instead under --require-gpu,
 * and failed when an earlier sticky error broke the CUDA context.  Clears
 * any stale non-sticky error so launch checks report only their own.
 */
const struct kb_cuda_device *kb_cuda_begin(struct kb_state *state);

/* Skips the benchmark for a reason of the machine (no device, out of
 * memory), or fails it under --require-gpu. */
void kb_cuda_unavailable(struct kb_state *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reports the failure `rc` of a KB_CUDA / KB_CUBLAS / kernel call: out of
 * device memory goes to kb_cuda_unavailable, anything else fails the
 * benchmark with kb_last_error(). */
void kb_cuda_fail(struct kb_state *state, int rc);

/* ---- device memory of one body --------------------------------------- */

#define KB_CUDA_MAX_BUFS 8

/* The device buffers a body allocated; zero-initialise, release at exit. */
struct kb_cuda_mem {
	void *p[KB_CUDA_MAX_BUFS];
	size_t n;
	size_t bytes; /* allocated so far, for the benchmark's memory figures */
};

/*
 * cudaMalloc of `bytes`, remembered in `mem`, and reported with the device
 * memory in use (cudaMemGetInfo) through kb_set_device_memory, the
 * benchmark's device memory figures.  On failure returns NULL with
 * the benchmark skipped ("out of device memory: needs X MiB, Y MiB free";
 * failed under --require-gpu) or failed for other errors.
 */
void *kb_cuda_alloc(struct kb_state *state, struct kb_cuda_mem *mem, size_t bytes);
/* Waits for the stream, then frees every buffer in `mem`. */
void kb_cuda_mem_release(struct kb_cuda_mem *mem);

/* Blocks for a grid-stride kernel over `items` work items with `threads`
 * per block: no more than needed, nor than blocks_per_sm per SM (one full
 * wave); at least 1. */
int kb_cuda_grid(size_t items, int threads, int blocks_per_sm);

/* Free and total device memory in bytes (0, 0 on failure). */
void kb_cuda_mem_info(size_t *free_bytes, size_t *total_bytes);

/* ---- cuBLAS ----------------------------------------------------------- */

/*
 * The process's cuBLAS handle, made on first use (outside timing), bound to
 * the device stream with a 32 MiB workspace of its own.  NULL after failing
 * (or skipping, for lack of memory) the benchmark.
 */
cublasHandle_t kb_cuda_blas(struct kb_state *state);

/* cublasCreate's signature: what kb__cuda_blas_make calls to make a handle. */
typedef cublasStatus_t (*kb_cublas_create_fn)(cublasHandle_t *handle);

/*
 * Internal (kb_cuda_blas, and tests through `create`, a fault hook): makes a
 * handle with `create` (cublasCreate), binds it to `stream` and gives it a
 * 32 MiB workspace.  0 with *handle and *workspace set, or a negative code
 * with nothing left allocated and the reason, naming the failed call and
 * its status, in `why` (why_len bytes).
 */
int kb__cuda_blas_make(cudaStream_t stream, kb_cublas_create_fn create, cublasHandle_t *handle,
		       void **workspace, char *why, size_t why_len);

/* ---- warmup and clocks ------------------------------------------------- */

/*
 * True the first time it is called for this benchmark instance (its id) in
 * this process: the body then launches every kernel of the instance once,
 * untimed, so lazy module loading and cuBLAS heuristics stay out of the
 * samples.  Later calls (rounds, validation) return false.
 */
bool kb_cuda_first_call(struct kb_state *state);

/*
 * After a timed loop: reads the SM clock and throttle reasons through NVML
 * (when libnvidia-ml can be loaded) and records, per instance, the lowest
 * SM clock seen as counter "sm_clock_min_mhz" and any throttling (power,
 * thermal, hardware slowdown) in the label.  Does nothing without NVML.
 */
void kb_cuda_note_clocks(struct kb_state *state);

/*
 * Internal (the "gpu" context, and tests with a made-up device): the memory
 * facts of `d`: bus width, memory clock and its source, and the peak
 * bandwidth from them; an unknown clock is null with a note saying why,
 * never 0.
 */
void kb__cuda_memory_context(struct kb_ctx *c, const struct kb_cuda_device *d);

/* Peak host<->device bandwidth of one direction in GB/s from the PCIe link
 * (NVML: max generation and width), or 0 when unknown. */
double kb_cuda_pcie_peak_gbps(void);

/*
 * Calibration kernels (peak_cuda.cu): FP32 GFLOP/s of independent FMA
 * chains over one full wave, and GB/s of a float4 read of `bytes` repeated
 * `reps` times in one launch; best of three launches; 0 on error.
 */
double kb__cuda_peak_fma_f32_gflops(const struct kb_cuda_device *d);
double kb__cuda_peak_read_gbps(const struct kb_cuda_device *d, size_t bytes, int reps);

#endif /* KB_CUDA_DEVICE_H */
