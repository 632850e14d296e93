/*
 * timer.h - CUDA-event timing of a benchmark's batches.
 *
 *     if (kb_cuda_time(state, KB_CUDA_HOT) != 0)
 *             goto out;
 *     while (kb_loop(state)) {
 *             kb_cuda_iter_begin();
 *             rc = kb_something_cuda(..., dev->stream);
 *             kb_cuda_iter_end();
 *             if (rc) {
 *                     kb_cuda_fail(state, rc);
 *                     break;
 *             }
 *     }
 *
 * Hot (batch) mode: a start event, the batch's launches back to back, a stop
 * event; the batch's time is the GPU time between the two events, so the
 * iteration count the runner picks is driven by GPU time and the host syncs
 * only after the stop event, outside the timed region.  Caches stay warm.
 *
 * Cold mode: before each sample, and before each further iteration, a read
 * of a buffer twice the L2 size evicts the L2 (reading, not nvbench's
 * memset, leaves clean lines, so the timed kernel pays no write-backs for
 * the flush); each iteration sits between its own pair of events and the
 * batch's time is the sum of those pairs, so the flushes are never timed.
 *
 * Both modes start a batch with a short spin kernel (50 us) ahead of the
 * first event: while it runs, the host queues the event and the first
 * launches, so the first kernel's launch latency is not timed either.
 * Unlike nvbench's host-released blocking kernel it ends by itself, so no
 * number of queued launches can deadlock it.
 *
 * Kernels shorter than the host's launch overhead (a few us) are then timed
 * by the launch rate: the GPU finishes each one before the next is queued.
 * nvbench's batch mode has the same limit.  Hot mode detects it (the host
 * ended the batch with less than half the spin kernel's head start queued
 * ahead of the GPU) and reports the share of such batches among the
 * recorded samples as the counter "launch_bound", 0 included
 * (launch_bound.h has the rule and why).
 *
 * The mode is recorded in the result as the string parameter "l2"
 * ("hot" or "cold") and the timer name ("cuda_event", "cuda_event_cold").
 */
#ifndef KB_CUDA_TIMER_H
#define KB_CUDA_TIMER_H

#include <cuda_runtime.h>

#include "kbench.h"

struct kb_cuda_device;

enum kb_cuda_cache {
	KB_CUDA_HOT = 0,  /* batches of back-to-back launches, warm caches */
	KB_CUDA_COLD = 1, /* L2 evicted before every timed iteration */
	/* hot, without the spin kernel: for work the host takes part in
	 * (pageable copies are staged by the CPU inside cudaMemcpyAsync), whose
	 * host part must fall inside the timed span, not behind the spin */
	KB_CUDA_HOT_HOST = 2,
};

/* Uses CUDA events on the device stream for this benchmark's batches.
 * Call after kb_cuda_begin(), before the loop.  Returns 0 or the negative
 * code of a failure it already reported on the state. */
int kb_cuda_time(struct kb_state *state, enum kb_cuda_cache mode);

/* Around one iteration's GPU work inside the loop: nothing in hot mode or
 * outside a timed batch; in cold mode the flush and the event pair. */
void kb_cuda_iter_begin(void);
void kb_cuda_iter_end(void);

/* Internal: launches the self-ending spin kernel (ns of GPU time) and the
 * L2-evicting read on the device stream; 0 or a negative code. */
int kb__cuda_delay(cudaStream_t stream, unsigned long long ns);
int kb__cuda_flush_l2(const struct kb_cuda_device *dev);

#endif /* KB_CUDA_TIMER_H */
