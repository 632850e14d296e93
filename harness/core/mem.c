/*
 * mem.c - memory per benchmark.  See mem.h.
 */
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool kb_mem_status_field(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *end;
		unsigned long long v;

		if (strncmp(p, key, klen) != 0 || p[klen] != ':')
			continue;
		p += klen + 1;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (end == p || errno)
			return false;
		while (*end == ' ' || *end == '\t')
			end++;
		if (strncmp(end, "kB", 2) != 0 || v > UINT64_MAX / 1024)
			return false;
		*out = (uint64_t)v * 1024;
		return true;
	}
	return false;
}

/* Reads VmRSS and VmHWM; false when the file or a field is missing. */
static bool read_status(const char *path, uint64_t *rss, uint64_t *hwm)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return kb_mem_status_field(buf, "VmRSS", rss) && kb_mem_status_field(buf, "VmHWM", hwm);
}

void kb__rss_begin_at(struct kb_rss_mark *m, const char *clear_refs, const char *status)
{
	int fd = open(clear_refs, O_WRONLY | O_CLOEXEC);
	bool reset = fd >= 0 && write(fd, "5", 1) == 1;

	if (fd >= 0)
		close(fd);
	m->rss = m->hwm = 0;
	m->reset = read_status(status, &m->rss, &m->hwm) ? reset : -1;
}

void kb__rss_end_at(const struct kb_rss_mark *m, struct kb_mem_use *u, const char *status)
{
	uint64_t rss, hwm, growth;
	bool first = !u->have;

	u->have = true;
	if (m->reset < 0 || !read_status(status, &rss, &hwm)) {
		u->rss_reset = -1;
		return;
	}
	(void)rss;
	/* without a reset the mark may predate the call: only what it added counts */
	growth = m->reset ? (hwm > m->rss ? hwm - m->rss : 0) : (hwm > m->hwm ? hwm - m->hwm : 0);
	if (hwm > u->peak_rss)
		u->peak_rss = hwm;
	if (growth > u->rss_growth)
		u->rss_growth = growth;
	if (first || m->reset < u->rss_reset) /* once not reset, the figures say so */
		u->rss_reset = m->reset;
}

void kb_rss_begin(struct kb_rss_mark *m)
{
	kb__rss_begin_at(m, "/proc/self/clear_refs", "/proc/self/status");
}

void kb_rss_end(const struct kb_rss_mark *m, struct kb_mem_use *u)
{
	kb__rss_end_at(m, u, "/proc/self/status");
}

static void take_max(uint64_t *a, uint64_t b)
{
	if (b > *a)
		*a = b;
}

void kb_mem_merge(struct kb_mem_use *into, const struct kb_mem_use *from)
{
	if (!from->have)
		return;
	if (!into->have)
		into->rss_reset = from->rss_reset;
	else if (from->rss_reset < into->rss_reset)
		into->rss_reset = from->rss_reset;
	into->have = true;
	take_max(&into->requested, from->requested);
	take_max(&into->peak_rss, from->peak_rss);
	take_max(&into->rss_growth, from->rss_growth);
	take_max(&into->device_requested, from->device_requested);
	take_max(&into->device_in_use, from->device_in_use);
}
