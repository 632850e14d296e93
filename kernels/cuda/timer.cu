/*
 * timer.cu - CUDA-event batch timer (hot and cold), the self-ending spin
 * kernel that hides launch latency, and the L2-evicting read.  timer.h
 * explains the method.
 */
#include "cuda/timer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/launch_bound.h"

/* GPU time the spin kernel leaves the host to queue the first launches. */
#define KB_CUDA_DELAY_NS 50000ULL

/* ---- helper kernels -------------------------------------------------------- */

static __device__ __forceinline__ unsigned long long globaltimer_ns(void)
{
	unsigned long long t;
	asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
	return t;
}

/* One thread spins on the GPU's nanosecond timer, then exits. */
__global__ void kb__cuda_delay_kernel(unsigned long long ns)
{
	unsigned long long t0 = globaltimer_ns();

	while (globaltimer_ns() - t0 < ns) {
	}
}

/*
 * Reads the whole buffer; the store never happens (the buffer holds zeros),
 * but the compiler cannot know, so every load stays.
 */
__global__ void kb__cuda_flush_kernel(const uint4 *__restrict__ p, size_t n, unsigned *sink)
{
	unsigned acc = 0;

	for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
	     i += (size_t)gridDim.x * blockDim.x) {
		uint4 v = p[i];
		acc ^= v.x ^ v.y ^ v.z ^ v.w;
	}
	if (acc == 0x9e3779b9u)
		*sink = acc;
}

int kb__cuda_delay(cudaStream_t stream, unsigned long long ns)
{
	kb__cuda_delay_kernel<<<1, 1, 0, stream>>>(ns);
	return KB_CUDA_LAUNCH(kb__cuda_delay_kernel);
}

int kb__cuda_flush_l2(const struct kb_cuda_device *dev)
{
	size_t n = dev->l2_flush_bytes / sizeof(uint4);

	if (!n)
		return 0;
	kb__cuda_flush_kernel<<<dev->sms * 4, 256, 0, dev->stream>>>(
		(const uint4 *)dev->l2_flush, n, (unsigned *)dev->l2_flush);
	return KB_CUDA_LAUNCH(kb__cuda_flush_kernel);
}

/* ---- the timer ------------------------------------------------------------- */

struct kb_cuda_timer_ctx {
	struct kb_state *state;
	const struct kb_cuda_device *dev;
	enum kb_cuda_cache mode;
	bool have_events;
	cudaEvent_t start, stop;   /* hot: around the batch */
	cudaEvent_t *begin, *end;  /* cold: around each iteration */
	size_t cap, n;             /* cold: events made, pairs recorded */
	bool timing;               /* inside a timed batch */
	bool flushed;              /* L2 already flushed for the next iteration */
	bool flush_failed;         /* before_sample's flush failed (rc holds it) */
	int rc;                    /* first failure in this batch */
	double host0_ns;           /* hot: host clock when the batch began queueing */
	char msg[512];             /* its message */
};

static struct kb_cuda_timer_ctx g_t;

static double host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void note(struct kb_cuda_timer_ctx *t, int rc)
{
	if (rc && !t->rc) {
		t->rc = rc;
		snprintf(t->msg, sizeof(t->msg), "%s", kb_last_error());
	}
}

static void t_before_sample(void *ctx)
{
	struct kb_cuda_timer_ctx *t = (struct kb_cuda_timer_ctx *)ctx;
	int rc = kb__cuda_flush_l2(t->dev);

	if (!rc)
		rc = KB_CUDA(cudaStreamSynchronize(t->dev->stream));
	t->flushed = rc == 0;
	t->rc = 0;
	note(t, rc); /* kept by t_start, reported by t_stop */
	t->flush_failed = rc != 0;
}

static void t_start(void *ctx)
{
	struct kb_cuda_timer_ctx *t = (struct kb_cuda_timer_ctx *)ctx;

	if (!t->flush_failed)
		t->rc = 0;
	t->flush_failed = false;
	t->n = 0;
	if (t->mode != KB_CUDA_HOT_HOST)
		note(t, kb__cuda_delay(t->dev->stream, KB_CUDA_DELAY_NS));
	if (t->mode != KB_CUDA_COLD)
		note(t, KB_CUDA(cudaEventRecord(t->start, t->dev->stream)));
	t->host0_ns = host_ns();
	t->timing = true;
}

static double t_stop(void *ctx)
{
	struct kb_cuda_timer_ctx *t = (struct kb_cuda_timer_ctx *)ctx;
	double ns = 0;
	float ms = 0;

	t->timing = false;
	if (t->mode != KB_CUDA_COLD) {
		double queued_ns = host_ns() - t->host0_ns;

		note(t, KB_CUDA(cudaEventRecord(t->stop, t->dev->stream)));
		if (!t->rc)
			note(t, KB_CUDA(cudaEventSynchronize(t->stop)));
		if (!t->rc)
			note(t, KB_CUDA(cudaEventElapsedTime(&ms, t->start, t->stop)));
		ns = (double)ms * 1e6;
		if (!t->rc && t->mode == KB_CUDA_HOT)
			kb_cuda_launch_bound_batch(
				t->state, kb_cuda_batch_starved(ns, queued_ns, (double)KB_CUDA_DELAY_NS));
	} else if (!t->rc && t->n == 0) {
		note(t, kb_error(KB_EINTERNAL, "cold CUDA timing: the loop never called "
					       "kb_cuda_iter_begin()/kb_cuda_iter_end()"));
	} else if (!t->rc) {
		note(t, KB_CUDA(cudaEventSynchronize(t->end[t->n - 1])));
		for (size_t i = 0; i < t->n && !t->rc; i++) {
			note(t, KB_CUDA(cudaEventElapsedTime(&ms, t->begin[i], t->end[i])));
			ns += (double)ms * 1e6;
		}
	}
	if (t->rc) {
		kb_fail(t->state, "%s", t->msg);
		return -1;
	}
	return ns;
}

static const struct kb_timer kb_cuda_hot_timer = { "cuda_event", t_start, t_stop, NULL };
static const struct kb_timer kb_cuda_cold_timer = { "cuda_event_cold", t_start, t_stop,
						    t_before_sample };

/* Makes sure cold mode has an event pair for iteration t->n. */
static int grow(struct kb_cuda_timer_ctx *t)
{
	size_t cap;
	cudaEvent_t *b, *e;
	int rc = 0;

	if (t->n < t->cap)
		return 0;
	cap = t->cap ? 2 * t->cap : 64;
	b = (cudaEvent_t *)realloc(t->begin, cap * sizeof(*b));
	if (b)
		t->begin = b;
	e = (cudaEvent_t *)realloc(t->end, cap * sizeof(*e));
	if (e)
		t->end = e;
	if (!b || !e)
		return kb_error(KB_ENOMEM, "out of memory for CUDA events");
	for (size_t i = t->cap; i < cap && !rc; i++) {
		rc = KB_CUDA(cudaEventCreate(&t->begin[i]));
		if (!rc) {
			rc = KB_CUDA(cudaEventCreate(&t->end[i]));
			if (rc)
				cudaEventDestroy(t->begin[i]);
		}
		if (!rc)
			t->cap = i + 1;
	}
	return rc;
}

void kb_cuda_iter_begin(void)
{
	struct kb_cuda_timer_ctx *t = &g_t;

	if (!t->timing || t->mode != KB_CUDA_COLD || t->rc)
		return;
	note(t, grow(t));
	if (!t->rc && !t->flushed)
		note(t, kb__cuda_flush_l2(t->dev));
	t->flushed = false;
	if (!t->rc)
		note(t, KB_CUDA(cudaEventRecord(t->begin[t->n], t->dev->stream)));
}

void kb_cuda_iter_end(void)
{
	struct kb_cuda_timer_ctx *t = &g_t;

	if (!t->timing || t->mode != KB_CUDA_COLD || t->rc)
		return;
	note(t, KB_CUDA(cudaEventRecord(t->end[t->n], t->dev->stream)));
	if (!t->rc)
		t->n++;
}

int kb_cuda_time(struct kb_state *state, enum kb_cuda_cache mode)
{
	struct kb_cuda_timer_ctx *t = &g_t;
	const struct kb_cuda_device *dev = kb_cuda_device(NULL);
	int rc;

	if (!dev) {
		kb_fail(state, "kb_cuda_time() without a device (call kb_cuda_begin() first)");
		return -KB_EINVAL;
	}
	if (!t->have_events) {
		rc = KB_CUDA(cudaEventCreate(&t->start));
		if (!rc) {
			rc = KB_CUDA(cudaEventCreate(&t->stop));
			if (rc)
				cudaEventDestroy(t->start);
		}
		if (rc) {
			kb_cuda_fail(state, rc);
			return rc;
		}
		t->have_events = true;
	}
	t->state = state;
	t->dev = dev;
	t->mode = mode;
	t->timing = false;
	t->flushed = false;
	t->flush_failed = false;
	t->rc = 0;
	if (mode == KB_CUDA_HOT)
		kb_cuda_launch_bound_call(state);
	kb_set_param_str(state, "l2", mode == KB_CUDA_COLD ? "cold" : "hot");
	kb_set_timer(state, mode == KB_CUDA_COLD ? &kb_cuda_cold_timer : &kb_cuda_hot_timer, t);
	return 0;
}
