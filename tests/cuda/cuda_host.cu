/*
 * cuda_host.cu - the host-side logic of the CUDA backend, run with no GPU
 * (tests/integration/test_cuda_host.sh builds it against the build's
 * kernels/cuda objects and libkbench):
 *
 *   cuda_host blas-fault   kb__cuda_blas_make with a cublasCreate that fails
 *                          (a fault hook): the reason names the call and the
 *                          status, and nothing is left allocated;
 *   cuda_host [kbench options]
 *                          kbench's main with
 *     - context sections memtest_unknown, _driver and _nvml written by
 *       kb__cuda_memory_context for made-up devices: memory clock unknown
 *       (null, with a note), the driver's, NVML's fallback;
 *     - benchmarks fake/mixed and fake/gpu_bound timed by a fake timer that
 *       feeds kb_cuda_batch_starved and the launch_bound tally, as the CUDA
 *       timer does: a batch that is launch-bound lasts 3 ms, one that is
 *       not 2 ms, so the script can count the launch-bound batches among
 *       the samples the runner kept and compare with the counter.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kbench.h"

#include "cuda/device.h"
#include "cuda/launch_bound.h"

/* ---- cublasCreate failure --------------------------------------------------- */

static cublasStatus_t failing_create(cublasHandle_t *h)
{
	*h = NULL;
	return CUBLAS_STATUS_NOT_INITIALIZED;
}

static int blas_fault(void)
{
	cublasHandle_t h = (cublasHandle_t)&h; /* overwritten on any path */
	void *ws = &ws;
	char why[512] = "untouched";
	int rc = kb__cuda_blas_make(NULL, failing_create, &h, &ws, why, sizeof(why));

	printf("rc=%d why=%s\n", rc, why);
	if (rc == 0 || h != NULL || ws != NULL) {
		fprintf(stderr, "FAIL: a failed cublasCreate returned %d, handle %p, workspace %p\n",
			rc, (void *)h, ws);
		return 1;
	}
	if (!strstr(why, "cublasCreate") || !strstr(why, "CUBLAS_STATUS_NOT_INITIALIZED")) {
		fprintf(stderr, "FAIL: the reason does not name cublasCreate and its status: '%s'\n",
			why);
		return 1;
	}
	return 0;
}

/* ---- memory clock in the context --------------------------------------------- */

static void mem_unknown(struct kb_ctx *c)
{
	struct kb_cuda_device d = {};

	d.bus_width_bits = 5120;
	kb__cuda_memory_context(c, &d);
}

static void mem_driver(struct kb_ctx *c)
{
	struct kb_cuda_device d = {};

	d.bus_width_bits = 5120;
	d.mem_clock_khz = 2619000;
	d.mem_clock_source = "driver";
	kb__cuda_memory_context(c, &d);
}

static void mem_nvml(struct kb_ctx *c)
{
	struct kb_cuda_device d = {};

	d.bus_width_bits = 6144;
	d.mem_clock_khz = 3201000;
	d.mem_clock_source = "nvml_max";
	kb__cuda_memory_context(c, &d);
}

__attribute__((constructor)) static void register_memtest(void)
{
	kb_register_context("memtest_unknown", mem_unknown);
	kb_register_context("memtest_driver", mem_driver);
	kb_register_context("memtest_nvml", mem_nvml);
}

/* ---- launch-bound accounting with a fake timer -------------------------------- */

#define HEAD_START_NS 50000.0

struct fake {
	struct kb_state *state;
	uint64_t batch; /* every batch the timer ever timed, warmup included */
	bool mixed;     /* some batches launch-bound, or none */
};

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void fake_start(void *ctx)
{
	(void)ctx;
}

static double fake_stop(void *ctx)
{
	struct fake *f = (struct fake *)ctx;
	bool starved = f->mixed && (mix(f->batch++) & 1);
	/* launch-bound: the host took the head start longer than the GPU span
	 * (backlog 0); GPU-bound: kernels 1.11 times as long as a launch
	 * (backlog 0.2 ms), which a ratio rule Q > 0.8·(S + D) would flag */
	double gpu_ns = starved ? 3e6 : 2e6;
	double queued_ns = starved ? gpu_ns + HEAD_START_NS : 0.9 * gpu_ns;

	kb_cuda_launch_bound_batch(f->state, kb_cuda_batch_starved(gpu_ns, queued_ns, HEAD_START_NS));
	return gpu_ns;
}

static const struct kb_timer fake_timer = { "fake_cuda_event", fake_start, fake_stop, NULL };

static void run_fake(struct kb_state *state, struct fake *f)
{
	f->state = state;
	kb_set_timer(state, &fake_timer, f);
	kb_cuda_launch_bound_call(state);
	while (kb_loop(state)) {
	}
	if (kb_validating(state))
		kb_set_validated(state);
}

static struct fake g_mixed = { NULL, 0, true }, g_gpu_bound = { NULL, 0, false };

KB_BENCH(fake, mixed) { run_fake(state, &g_mixed); }
KB_ARGS(fake, mixed, 1);
KB_BENCH(fake, gpu_bound) { run_fake(state, &g_gpu_bound); }
KB_ARGS(fake, gpu_bound, 1);

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "blas-fault") == 0)
		return blas_fault();
	return kb_main(argc, argv);
}
