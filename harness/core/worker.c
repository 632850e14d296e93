/*
 * worker.c - the worker stream: writing it in the worker, merging it in the
 * parent, and the reference probes.  See worker.h.
 */
#include "worker.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "mem.h"
#include "stats.h"
#include "strbuf.h"
#include "timer.h"

/* ---- fields ------------------------------------------------------------------- */

static void put_str(FILE *f, const char *s)
{
	fputc('\t', f);
	if (!s) {
		fputc('-', f);
		return;
	}
	if (*s == '-' && s[1] == 0) { /* a real "-" is not the absent mark */
		fputs("\\-", f);
		return;
	}
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void put_num(FILE *f, double v)
{
	fprintf(f, "\t%.17g", v);
}

/* Splits a line (in place) at tabs, unescaping each field; NULL for "-". */
static size_t split(char *line, char **field, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (n < max) {
		char *out = p, *start = p;

		field[n] = start;
		while (*p && *p != '\t') {
			if (*p == '\\' && p[1]) {
				p++;
				*out++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p;
				p++;
			} else {
				*out++ = *p++;
			}
		}
		bool more = *p == '\t';
		*out = 0;
		if (strcmp(start, "-") == 0 && out == start + 1 && p == start + 1)
			field[n] = NULL;
		n++;
		if (!more)
			break;
		p++;
	}
	return n;
}

/* ---- writing ------------------------------------------------------------------- */

void kb_worker_write_header(FILE *f)
{
	fprintf(f, "%s\n", KB_WORKER_FORMAT);
	fflush(f);
}

void kb_worker_write_ref(FILE *f, const char *phase, const struct kb_worker_ref *ref)
{
	fputs("ref", f);
	put_str(f, phase);
	put_num(f, ref->spin_ns);
	put_num(f, ref->spin_noise);
	put_num(f, ref->mem_ns);
	put_num(f, ref->mem_noise);
	fputc('\n', f);
	fflush(f);
}

void kb_worker_write_mark(FILE *f, const char *what, const char *id)
{
	fputs(what, f);
	put_str(f, id);
	fputc('\n', f);
	fflush(f);
}

static void put_list(FILE *f, const double *v, const uint32_t *u, size_t n)
{
	fputc('\t', f);
	for (size_t i = 0; i < n; i++) {
		if (v)
			fprintf(f, "%s%.17g", i ? "," : "", v[i]);
		else
			fprintf(f, "%s%" PRIu32, i ? "," : "", u[i]);
	}
	if (n == 0)
		fputc('-', f);
}

void kb_worker_write_bench(FILE *f, const struct kb_bench_run *br)
{
	const char *id = br->inst->id;

	fputs("bench", f);
	put_str(f, id);
	put_str(f, kb_status_name(br->status));
	fprintf(f, "\t%d\t%" PRIu64 "\t%zu", br->validated, br->iters, br->rounds);
	put_num(f, br->spent_ns);
	put_num(f, br->warmup_ns);
	put_num(f, br->flops);
	fprintf(f, "\t%" PRIu64 "\t%" PRIu64, br->bytes, br->items);
	put_str(f, br->timer_name);
	put_str(f, br->peak);
	put_str(f, br->message);
	put_str(f, br->label);
	fputc('\n', f);
	for (size_t i = 0; i < br->ncounters; i++) {
		fputs("counter", f);
		put_str(f, id);
		put_str(f, br->counters[i].name);
		put_num(f, br->counters[i].value);
		fprintf(f, "\t%d\n", br->counters[i].rate ? 1 : 0);
	}
	if (br->mem.have) {
		const struct kb_mem_use *m = &br->mem;

		fputs("mem", f);
		put_str(f, id);
		fprintf(f, "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%d\t%" PRIu64 "\t%" PRIu64 "\n",
			m->requested, m->peak_rss, m->rss_growth, m->rss_reset, m->device_requested,
			m->device_in_use);
	}
	for (size_t i = 0; i < br->nev; i++) {
		fputs("event", f);
		put_str(f, id);
		put_str(f, br->ev[i].name);
		put_num(f, br->ev[i].count);
		put_num(f, br->ev[i].iters);
		fputc('\n', f);
	}
	for (size_t i = 0; i < br->nstr_params; i++) {
		fputs("param", f);
		put_str(f, id);
		put_str(f, br->str_param_names[i]);
		put_str(f, br->str_param_values[i]);
		fputc('\n', f);
	}
	fputs("samples", f);
	put_str(f, id);
	fprintf(f, "\t%zu", br->nsamples);
	put_list(f, br->samples, NULL, br->nsamples);
	put_list(f, br->cpu_samples, NULL, br->nsamples);
	put_list(f, NULL, br->sample_round, br->nsamples);
	fputc('\n', f);
	fflush(f);
}

void kb_worker_write_done(FILE *f)
{
	fputs("done\n", f);
	fflush(f);
}

/* ---- reading ------------------------------------------------------------------- */

bool kb__bench_run_push(struct kb_bench_run *br, double wall, double cpu, uint32_t round,
			uint32_t process)
{
	if (br->nsamples == br->cap) {
		size_t cap = br->cap ? 2 * br->cap : 64;
		double *a = realloc(br->samples, cap * sizeof(*a));
		if (a)
			br->samples = a;
		double *b = realloc(br->cpu_samples, cap * sizeof(*b));
		if (b)
			br->cpu_samples = b;
		uint32_t *c = realloc(br->sample_round, cap * sizeof(*c));
		if (c)
			br->sample_round = c;
		uint32_t *d = realloc(br->sample_process, cap * sizeof(*d));
		if (d)
			br->sample_process = d;
		if (!a || !b || !c || !d) {
			kb__bench_run_status(br, KB_STATUS_ERROR, "out of memory storing samples");
			return false;
		}
		br->cap = cap;
	}
	br->samples[br->nsamples] = wall;
	br->cpu_samples[br->nsamples] = cpu;
	br->sample_round[br->nsamples] = round;
	br->sample_process[br->nsamples] = process;
	br->nsamples++;
	return true;
}

static int bad_line(const char *name, size_t lineno, const char *what)
{
	return kb_error(KB_EPARSE, "%s:%zu: %s", name, lineno, what);
}

static bool to_num(const char *s, double *v)
{
	char *end;

	if (!s)
		return false;
	errno = 0;
	*v = strtod(s, &end);
	return end != s && *end == 0 && errno == 0;
}

static bool to_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return end != s && *end == 0 && errno == 0;
}

static struct kb_bench_run *find(struct kb_bench_run *brs, size_t n, const char *id)
{
	for (size_t i = 0; id && i < n; i++)
		if (strcmp(brs[i].inst->id, id) == 0)
			return &brs[i];
	return NULL;
}

/* The three comma lists of a samples record. */
static int read_samples(struct kb_bench_run *br, char **f, uint32_t process)
{
	uint64_t n;
	char *w = f[3], *c = f[4], *r = f[5];

	if (!to_u64(f[2], &n))
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		char *e1, *e2, *e3;
		double wall, cpu;
		unsigned long round;

		if (!w || !c || !r)
			return -1;
		wall = strtod(w, &e1);
		cpu = strtod(c, &e2);
		round = strtoul(r, &e3, 10);
		if (e1 == w || e2 == c || e3 == r || !(wall > 0) || !isfinite(wall))
			return -1;
		if (!kb__bench_run_push(br, wall, cpu, (uint32_t)round, process))
			return 0;
		w = *e1 == ',' ? e1 + 1 : NULL;
		c = *e2 == ',' ? e2 + 1 : NULL;
		r = *e3 == ',' ? e3 + 1 : NULL;
	}
	return 0;
}

static void set_owned(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? strdup(v) : NULL;
}

/* The body's settings, taken from the first process that reports them. */
static int read_bench(struct kb_bench_run *br, char **f, size_t nf)
{
	double spent, warmup, flops;
	uint64_t iters, rounds, bytes, items;
	int st = kb_status_parse(f[2]), validated;

	if (nf < 15 || st < 0 || !f[3] || !to_u64(f[4], &iters) || !to_u64(f[5], &rounds) ||
	    !to_num(f[6], &spent) || !to_num(f[7], &warmup) || !to_num(f[8], &flops) ||
	    !to_u64(f[9], &bytes) || !to_u64(f[10], &items))
		return -1;
	validated = atoi(f[3]);
	if (br->processes == 0) {
		br->flops = flops;
		br->bytes = bytes;
		br->items = items;
		set_owned(&br->label, f[14]);
		if (f[12]) {
			set_owned(&br->peak_owned, f[12]);
			br->peak = br->peak_owned;
		}
	}
	if (f[11] && strcmp(f[11], br->timer_name ? br->timer_name : "wall") != 0) {
		set_owned(&br->timer_owned, f[11]);
		br->timer_name = br->timer_owned;
	}
	br->processes++;
	br->iters = iters;
	br->rounds += (size_t)rounds;
	br->spent_ns += spent;
	br->warmup_ns += warmup;
	if (validated == 0)
		br->validated = 0;
	else if (validated == 1 && br->validated < 0)
		br->validated = 1;
	if (st != KB_STATUS_OK)
		kb__bench_run_status(br, (enum kb_status)st, f[13]);
	return 0;
}

int kb_worker_read(FILE *f, const char *name, struct kb_bench_run *brs, size_t n,
		   uint32_t process, struct kb_worker_stream *s)
{
	char *line = NULL, *field[20];
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	while ((len = getline(&line, &cap, f)) > 0) {
		struct kb_bench_run *br;
		size_t nf;

		lineno++;
		if (line[len - 1] != '\n')
			break; /* a last line cut by a crash */
		line[len - 1] = 0;
		if (lineno == 1) {
			if (strcmp(line, KB_WORKER_FORMAT) != 0) {
				rc = bad_line(name, lineno, "not a kbench worker stream (expected \"kbench-worker\\t1\")");
				break;
			}
			s->header = true;
			continue;
		}
		nf = split(line, field, 20);
		if (!strcmp(field[0], "done")) {
			s->done = true;
		} else if (!strcmp(field[0], "begin") && nf == 2) {
			set_owned(&s->running, field[1]);
		} else if (!strcmp(field[0], "end") && nf == 2) {
			set_owned(&s->running, NULL);
		} else if (!strcmp(field[0], "ref") && nf == 6 && field[1]) {
			int k = strcmp(field[1], "end") == 0;
			struct kb_worker_ref *r = &s->refs.ref[k];

			if (!to_num(field[2], &r->spin_ns) || !to_num(field[3], &r->spin_noise) ||
			    !to_num(field[4], &r->mem_ns) || !to_num(field[5], &r->mem_noise)) {
				rc = bad_line(name, lineno, "a ref record with a value that is not a number");
				break;
			}
			s->refs.have[k] = true;
		} else if ((br = nf >= 2 ? find(brs, n, field[1]) : NULL) == NULL) {
			rc = bad_line(name, lineno, "a record of an unknown benchmark or kind");
			break;
		} else if (!strcmp(field[0], "bench")) {
			if (read_bench(br, field, nf)) {
				rc = bad_line(name, lineno, "a bench record with a malformed field");
				break;
			}
		} else if (!strcmp(field[0], "counter") && nf == 5) {
			double v;

			if (!field[2] || !to_num(field[3], &v)) {
				rc = bad_line(name, lineno, "a counter record with a malformed field");
				break;
			}
			kb__bench_run_counter(br, field[2], v, field[4] && field[4][0] == '1');
		} else if (!strcmp(field[0], "mem") && nf == 8) {
			struct kb_mem_use m = { .have = true };
			char *end = NULL;
			long reset = field[5] ? strtol(field[5], &end, 10) : 9;

			if (!to_u64(field[2], &m.requested) || !to_u64(field[3], &m.peak_rss) ||
			    !to_u64(field[4], &m.rss_growth) || !end || *end || reset < -1 || reset > 1 ||
			    !to_u64(field[6], &m.device_requested) || !to_u64(field[7], &m.device_in_use)) {
				rc = bad_line(name, lineno, "a mem record with a malformed field");
				break;
			}
			m.rss_reset = (int)reset;
			kb_mem_merge(&br->mem, &m);
		} else if (!strcmp(field[0], "event") && nf == 5) {
			double count, iters;

			if (!field[2] || !to_num(field[3], &count) || !to_num(field[4], &iters) ||
			    !(count >= 0) || !(iters >= 0) || !isfinite(count) || !isfinite(iters)) {
				rc = bad_line(name, lineno, "an event record with a malformed field");
				break;
			}
			if ((rc = kb__bench_run_event(br, field[2], count, iters)))
				break;
		} else if (!strcmp(field[0], "param") && nf == 4 && field[2] && field[3]) {
			kb__bench_run_param(br, field[2], field[3]);
		} else if (!strcmp(field[0], "samples") && nf == 6) {
			if (read_samples(br, field, process)) {
				rc = bad_line(name, lineno, "a samples record with a malformed list");
				break;
			}
		} else {
			rc = bad_line(name, lineno, "an unknown record");
			break;
		}
	}
	free(line);
	if (!rc && ferror(f))
		rc = kb_error(KB_EIO, "cannot read %s: %s", name, strerror(errno));
	return rc;
}

void kb_worker_stream_release(struct kb_worker_stream *s)
{
	free(s->running);
	s->running = NULL;
}

/* The log of a process's probe: the mean of its start and end readings. */
static bool probe_log(const struct kb_worker_refs *w, bool mem, double *v)
{
	double sum = 0;
	int k = 0;

	for (int ph = 0; ph < 2; ph++) {
		double x = mem ? w->ref[ph].mem_ns : w->ref[ph].spin_ns;

		if (w->have[ph] && x > 0) {
			sum += log(x);
			k++;
		}
	}
	if (k)
		*v = sum / k;
	return k > 0;
}

/* How far process i's probe lies from the others', in log units, and the
 * limit: max(floor, 4 x the probes' robust spread between processes). */
static bool probe_outlier(const struct kb_worker_refs *w, size_t nw, size_t i, bool mem, double floor,
			  double *dev)
{
	double v[64], d[64], med, mad, me;
	size_t n = 0;

	if (!probe_log(&w[i], mem, &me))
		return false;
	for (size_t j = 0; j < nw && n < sizeof(v) / sizeof(v[0]); j++)
		if (probe_log(&w[j], mem, &v[n]))
			n++;
	if (n < 3)
		return false;
	med = kb_stats_median(v, n);
	for (size_t j = 0; j < n; j++)
		d[j] = fabs(v[j] - med);
	mad = 1.4826 * kb_stats_median(d, n);
	*dev = me - med;
	return fabs(*dev) > fmax(floor, 4 * mad);
}

/*
 * A process was disturbed when a reference probe it measured (the mean of
 * its start and end readings) lies from the other processes' by more than
 * the probes' own spread between processes allows: max(floor, 4 x 1.4826 x
 * MAD), the floor 8 % for the spin and 15 % for the memory read.  Needs
 * three processes.  Returns the reason, or NULL.
 */
char *kb_worker_disturbance(const struct kb_worker_refs *w, size_t nw, size_t i)
{
	double ds = 0, dm = 0;
	bool s = probe_outlier(w, nw, i, false, log(1.08), &ds);
	bool m = probe_outlier(w, nw, i, true, log(1.15), &dm);

	if (!s && !m)
		return NULL;
	return kb_strdup_printf("measured while the machine was disturbed: in process %zu the reference "
				"%s moved %+.0f %% from the other processes' (beyond their spread)",
				i + 1, s && m ? "spin and memory read" : s ? "spin" : "memory read",
				expm1(s ? ds : dm) * 100);
}

/* ---- reference probes -------------------------------------------------------------- */

/* median and MAD/median of five */
static void five(const double *v, double *median, double *noise)
{
	double d[5];

	*median = kb_stats_median(v, 5);
	for (int i = 0; i < 5; i++)
		d[i] = fabs(v[i] - *median);
	*noise = *median > 0 ? kb_stats_median(d, 5) / *median : NAN;
}

void kb_worker_ref_measure(struct kb_worker_ref *ref)
{
	enum { SPIN = 2000000, MEM = 48u << 20 };
	double spin[5], mem[5];
	volatile uint64_t sink = 0;
	uint64_t *buf = malloc(MEM);

	for (int r = -15; r < 5; r++) { /* ~30 ms untimed first: the core leaves its idle state */
		double t0 = (double)kb_clock_real.wall_ns(NULL);
		uint64_t x = 88172645463325252ull + (uint64_t)r;

		for (int i = 0; i < SPIN; i++) { /* a dependent chain: the core's latency */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		sink += x;
		if (r >= 0)
			spin[r] = (double)kb_clock_real.wall_ns(NULL) - t0;
	}
	five(spin, &ref->spin_ns, &ref->spin_noise);
	ref->mem_ns = ref->mem_noise = NAN;
	if (!buf)
		return;
	for (size_t i = 0; i < MEM / sizeof(*buf); i++)
		buf[i] = i;
	for (int r = 0; r < 5; r++) {
		double t0 = (double)kb_clock_real.wall_ns(NULL);
		uint64_t s = 0;

		for (size_t i = 0; i < MEM / sizeof(*buf); i += 8) /* a cache line each */
			s += buf[i];
		sink += s;
		mem[r] = (double)kb_clock_real.wall_ns(NULL) - t0;
	}
	five(mem, &ref->mem_ns, &ref->mem_noise);
	(void)sink;
	free(buf);
}
