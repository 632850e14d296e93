/*
 * memory_cuda - copies between host and GPU and within the GPU:
 *   h2d_pageable, h2d_pinned   host -> device, malloc'd or cudaMallocHost'd
 *   d2h_pageable, d2h_pinned   device -> host
 *   d2d                        device -> device (cudaMemcpyAsync)
 * over sizes from 4 KiB to 1 GiB.  Ids: memory/<kernel>/<bytes>.
 * GB/s (base 10): H2D and D2H count the bytes once (they cross the link
 * once), against pcie_bandwidth (NVML's max link generation and width, or
 * peak.pcie_bandwidth in kbench.conf); D2D counts them twice (read and
 * written), against gpu_bandwidth.
 *
 * Timing: CUDA events around a batch of cudaMemcpyAsync on the device
 * stream.  Pinned copies start behind the spin kernel (no launch latency in
 * the span).  Pageable copies are staged through a pinned buffer by the
 * CPU inside cudaMemcpyAsync, so they run without it (KB_CUDA_HOT_HOST):
 * the CPU's staging falls inside the event span, where it belongs (a host
 * timer around a pageable cudaMemcpy can stop before the DMA ends).
 *
 * Sizes are capped by memory: an instance whose device buffers (1x size,
 * 2x for D2D) plus 256 MiB of headroom exceed the free device memory, or
 * whose host buffer exceeds half of MemAvailable, is skipped with the
 * numbers.  Host buffers are process-wide and only grow: pinning 1 GiB
 * costs far more than the copy, and a fresh pageable buffer would put page
 * faults into the copies.  kbench does not bind itself to the GPU's NUMA
 * node; scripts/gpu-check.sh runs it under numactl (or taskset) for the
 * node of the GPU's PCI address, so these buffers and the copying thread
 * sit next to the GPU there.
 *
 * Validation: the source holds a seeded pattern; after the validation
 * pass the destination is compared with it word by word (for H2D and D2D
 * after one more, checked, copy back).  Outputs are poisoned (0xff) first.
 */
#include <stdlib.h>
#include <string.h>

#include "kbench.h"

#include "cuda/check.h"
#include "cuda/device.h"
#include "cuda/kernels.h"
#include "cuda/timer.h"

enum copy_kind { H2D, D2H, D2D };

#define KB_DEVICE_HEADROOM (256ull << 20)

/* Process-wide host buffers, grown on demand, never freed. */
static struct {
	void *pinned;
	size_t pinned_bytes;
	void *pageable;
	size_t pageable_bytes;
} hostbuf;

static void fill_host_pattern(void *p, size_t bytes, uint64_t seed)
{
	uint64_t *w = (uint64_t *)p;

	for (size_t i = 0; i < bytes / 8; i++)
		w[i] = kb_cuda_pattern(seed, i);
	for (size_t b = 0; b < bytes % 8; b++)
		((unsigned char *)p)[bytes / 8 * 8 + b] =
			(unsigned char)(kb_cuda_pattern(seed, bytes / 8) >> (8 * b));
}

/* A host buffer of at least `bytes`, its contents a pattern on first use. */
static void *host_buffer(struct kb_state *state, bool pinned, size_t bytes)
{
	void **p = pinned ? &hostbuf.pinned : &hostbuf.pageable;
	size_t *have = pinned ? &hostbuf.pinned_bytes : &hostbuf.pageable_bytes;
	uint64_t avail = kb_mem_available();
	int rc;

	if (*have >= bytes)
		return *p;
	if (avail && bytes > avail / 2) {
		kb_cuda_unavailable(state, "out of host memory: needs %.1f MiB, %.1f MiB available",
				    bytes / 1048576.0, avail / 1048576.0);
		return NULL;
	}
	if (pinned) {
		if (*p)
			cudaFreeHost(*p);
		*p = NULL;
		*have = 0;
		rc = KB_CUDA(cudaMallocHost(p, bytes));
		if (rc) {
			*p = NULL;
			kb_cuda_fail(state, rc);
			return NULL;
		}
	} else {
		free(*p);
		*have = 0;
		if (posix_memalign(p, 4096, bytes) != 0) {
			*p = NULL;
			kb_cuda_unavailable(state, "out of host memory: cannot allocate %zu bytes",
					    bytes);
			return NULL;
		}
	}
	/* touches every page, so no page fault lands in a timed copy */
	fill_host_pattern(*p, bytes, 0x6b62656e6368ull);
	*have = bytes;
	return *p;
}

/* Word-by-word comparison with the pattern; fails naming the first miss. */
static void check_pattern(struct kb_state *state, const void *got, size_t bytes, uint64_t seed)
{
	unsigned char *want = (unsigned char *)kb_alloc(state, bytes ? bytes : 1);
	const unsigned char *g = (const unsigned char *)got;

	if (!want)
		return;
	fill_host_pattern(want, bytes, seed);
	for (size_t i = 0; i < bytes; i++) {
		if (g[i] != want[i]) {
			kb_fail(state, "wrong copy: byte %zu of %zu is 0x%02x, expected 0x%02x", i,
				bytes, g[i], want[i]);
			return;
		}
	}
	kb_set_validated(state);
}

static int launch(enum copy_kind kind, void *dst, const void *src, size_t bytes, cudaStream_t s)
{
	static const enum cudaMemcpyKind dir[] = { [H2D] = cudaMemcpyHostToDevice,
						   [D2H] = cudaMemcpyDeviceToHost,
						   [D2D] = cudaMemcpyDeviceToDevice };

	return KB_CUDA(cudaMemcpyAsync(dst, src, bytes, dir[kind], s));
}

static void run_copy(struct kb_state *state, enum copy_kind kind, bool pinned)
{
	const struct kb_cuda_device *dev;
	struct kb_cuda_mem mem = {};
	int64_t bytes_arg = kb_arg(state, 0);
	uint64_t seed = kb_seed(state);
	size_t bytes, free_b, total_b, need;
	void *dbuf, *dbuf2 = NULL, *host = NULL, *dst, *src;
	int rc = 0;

	kb_set_param_str(state, "memory", kind == D2D ? "device" : pinned ? "pinned" : "pageable");
	dev = kb_cuda_begin(state);
	if (!dev)
		return;
	if (bytes_arg < 1) {
		kb_fail(state, "copy size bytes=%lld: expected at least 1", (long long)bytes_arg);
		return;
	}
	bytes = (size_t)bytes_arg;
	kb_set_bytes(state, (kind == D2D ? 2u : 1u) * (uint64_t)bytes);
	/* D2D: the DRAM peak only when source and destination are 3x the L2
	 * or more (hot batches of smaller copies partly run out of it) */
	if (kind != D2D)
		kb_set_peak(state, "pcie_bandwidth");
	else if (2 * (uint64_t)bytes >= 3 * (uint64_t)dev->l2_bytes)
		kb_set_peak(state, "gpu_bandwidth");

	need = (kind == D2D ? 2 : 1) * bytes;
	kb_cuda_mem_info(&free_b, &total_b);
	if (need + KB_DEVICE_HEADROOM > free_b) {
		kb_cuda_unavailable(state,
				    "out of device memory: %.1f MiB of buffers need %.1f MiB free "
				    "(with %llu MiB headroom), %.1f MiB free",
				    need / 1048576.0, (need + KB_DEVICE_HEADROOM) / 1048576.0,
				    KB_DEVICE_HEADROOM >> 20, free_b / 1048576.0);
		return;
	}
	dbuf = kb_cuda_alloc(state, &mem, bytes);
	if (dbuf && kind == D2D)
		dbuf2 = kb_cuda_alloc(state, &mem, bytes);
	if (!dbuf || (kind == D2D && !dbuf2))
		goto out;
	if (kind != D2D) {
		host = host_buffer(state, pinned, bytes);
		if (!host)
			goto out;
	}
	switch (kind) {
	case H2D:
		src = host, dst = dbuf;
		break;
	case D2H:
		src = dbuf, dst = host;
		break;
	default:
		src = dbuf, dst = dbuf2;
		break;
	}
	if (kind != H2D)
		rc = kb_fill_pattern_cuda(src, bytes, seed, dev->stream);
	if (!rc && kb_cuda_first_call(state)) {
		rc = launch(kind, dst, src, bytes, dev->stream);
		if (!rc)
			rc = KB_CUDA(cudaStreamSynchronize(dev->stream));
	}
	if (!rc && kb_validating(state)) {
		if (kind == D2H) {
			rc = KB_CUDA(cudaStreamSynchronize(dev->stream));
			memset(dst, 0xff, bytes);
		} else {
			rc = KB_CUDA(cudaMemsetAsync(dst, 0xff, bytes, dev->stream));
		}
	}
	if (rc)
		goto fail;
	if (kb_cuda_time(state, pinned || kind == D2D ? KB_CUDA_HOT : KB_CUDA_HOT_HOST))
		goto out;
	while (kb_loop(state)) {
		rc = launch(kind, dst, src, bytes, dev->stream);
		if (rc)
			break;
	}
	if (rc)
		goto fail;
	kb_cuda_note_clocks(state);
	if (kb_validating(state)) {
		rc = KB_CUDA(cudaStreamSynchronize(dev->stream));
		if (rc)
			goto fail;
		if (kind == D2H) {
			check_pattern(state, dst, bytes, seed);
		} else {
			unsigned char *back = (unsigned char *)kb_alloc(state, bytes);
			if (!back)
				goto out;
			rc = KB_CUDA(cudaMemcpy(back, dst, bytes, cudaMemcpyDeviceToHost));
			if (rc)
				goto fail;
			if (kind == D2D) {
				check_pattern(state, back, bytes, seed);
			} else if (memcmp(back, src, bytes) != 0) {
				kb_fail(state, "wrong copy: the device buffer differs from the host source");
			} else {
				kb_set_validated(state);
			}
		}
	}
	goto out;
fail:
	kb_cuda_fail(state, rc);
out:
	kb_cuda_mem_release(&mem);
}

#define COPY_SIZES "bytes=4k,64k,1M,16M,64M,256M,512M,1G"
#define COPY_QUICK "bytes=4k,1M"

KB_BENCH(memory, h2d_pageable) { run_copy(state, H2D, false); }
KB_SPACE(memory, h2d_pageable, COPY_SIZES);
KB_QUICK(memory, h2d_pageable, COPY_QUICK);

KB_BENCH(memory, h2d_pinned) { run_copy(state, H2D, true); }
KB_SPACE(memory, h2d_pinned, COPY_SIZES);
KB_QUICK(memory, h2d_pinned, COPY_QUICK);

KB_BENCH(memory, d2h_pageable) { run_copy(state, D2H, false); }
KB_SPACE(memory, d2h_pageable, COPY_SIZES);
KB_QUICK(memory, d2h_pageable, COPY_QUICK);

KB_BENCH(memory, d2h_pinned) { run_copy(state, D2H, true); }
KB_SPACE(memory, d2h_pinned, COPY_SIZES);
KB_QUICK(memory, d2h_pinned, COPY_QUICK);

KB_BENCH(memory, d2d) { run_copy(state, D2D, false); }
KB_SPACE(memory, d2d, COPY_SIZES);
KB_QUICK(memory, d2d, COPY_QUICK);
