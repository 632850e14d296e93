/*
 * launch_bound.h - which hot CUDA batches the host's launch rate held up,
 * and their share among an instance's recorded samples: the counter
 * "launch_bound" (0 to 1) of every hot-mode GPU result.
 *
 * The rule.  A hot batch (timer.h) starts with a spin kernel of D = 50 us
 * of GPU time ahead of the start event; the host then queues the batch's N
 * launches, taking Q ns from the start event's record to the stop event's,
 * and the GPU takes S ns from the start event to the stop event.  The GPU
 * reaches the start event about D after the host recorded it, so when the
 * host records the stop event the GPU still has a backlog of about
 *
 *     B = S + D - Q
 *
 * of work queued ahead of it.  With kernels of K ns and launches of L ns
 * of host time:
 *   - K >= L (GPU-bound): each kernel is queued before the GPU reaches it
 *     and the head start is never eaten into: B = D + N(K - L) >= D, and
 *     S = N·K is the kernels' time, however close K is to L;
 *   - K < L (launch-bound): the head start is gone after D / (L - K)
 *     launches; from then on the GPU waits for every launch and ends a
 *     kernel and a launch latency after the host's last record: B is a few
 *     us, and S is about Q - D: the launch rate, not the kernels' time;
 *   - the host thread descheduled in the middle of a batch: the GPU drains
 *     its queue and waits, B is small again, and the sample is the host's.
 * A batch is counted as launch-bound when B < D/2, i.e. Q > S + D/2: the
 * host ended it with less than half the head start still queued.  The D/2
 * margin is ten times the launch latency and event resolution (a few us,
 * 0.5 us), and no GPU-bound batch, whose backlog is at least D, comes near
 * it.  (A ratio rule such as Q > 0.8·(S + D) calls a GPU-bound kernel
 * launch-bound whenever K < 1.25·L.)
 *
 * The share.  Only batches the runner keeps as samples count.  kbench's
 * runner (runner.h) calls a body once to warm up and records nothing of
 * that call; every later timed call runs its first batches and drops them
 * (at least one, until --refill has passed), which kb_batch_kept() says.  The share is the launch-bound batches among the
 * kept ones of all calls of the instance so far, and it is written at
 * every call and kept batch, 0 included, so every hot result carries it.
 */
#ifndef KB_CUDA_LAUNCH_BOUND_H
#define KB_CUDA_LAUNCH_BOUND_H

#include <stdbool.h>

#include "kbench.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The rule above: true when the host ended the batch with less than half
 * the spin kernel's head start queued ahead of the GPU (all in ns). */
bool kb_cuda_batch_starved(double gpu_ns, double queued_ns, double head_start_ns);

/* At the start of each call of a hot-mode body (kb_cuda_time): counts the
 * call for this instance and writes the counter as it stands (0 when no
 * batch has been kept yet). */
void kb_cuda_launch_bound_call(struct kb_state *state);

/* After each timed batch of the call: counts it when the runner keeps it
 * (not in the warmup call, not the first batch of a call) and writes the
 * counter. */
void kb_cuda_launch_bound_batch(struct kb_state *state, bool starved);

#ifdef __cplusplus
}
#endif

#endif /* KB_CUDA_LAUNCH_BOUND_H */
