/*
 * metric.c - instructions per iteration, through perf_event_open or a
 * callgrind child.  See metric.h for the method.
 */
#include "metric.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "probe.h"
#include "proc.h"
#include "state.h"

#if defined(__SANITIZE_ADDRESS__)
#define KB_ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KB_ASAN_BUILD 1
#endif
#endif
#ifndef KB_ASAN_BUILD
#define KB_ASAN_BUILD 0
#endif

extern char **environ;

#define CHILD_ENV "KBENCH__CALLGRIND_DIR"
#define DEFAULT_COUNT_ITERS 5
#define DEFAULT_BUDGET_S 60.0
/* Callgrind (no cache simulation) runs scalar loops 10-50x slower than
 * native, but dense SIMD kernels 1000-2500x slower (measured here: the
 * spin loop 12x, a 256^3 SGEMM 2400x, as each AVX2 FMA becomes many
 * simulated operations); the estimate takes 1000x and the watchdog
 * catches what it misses. */
#define CALLGRIND_SLOWDOWN 1000.0
/* A benchmark still running under callgrind after this many budgets is
 * stopped (the estimate can miss: SIMD code simulates more slowly). */
#define WATCHDOG_FACTOR 3.0

const char *kb_mech_name(enum kb_mech m)
{
	switch (m) {
	case KB_MECH_PERF: return "perf_event";
	case KB_MECH_CALLGRIND: return "callgrind";
	case KB_MECH_NONE: break;
	}
	return "none";
}

/* ---- choosing ------------------------------------------------------------ */

static void perf_why(const struct kb_mech_facts *f, char *buf, size_t len)
{
	int e = f->perf_errno;

	if (e == EACCES || e == EPERM)
		snprintf(buf, len,
			 "hardware counters refused (perf_event_open: %s, kernel.perf_event_paranoid = %d; "
			 "allow them with `sudo sysctl kernel.perf_event_paranoid=1` or CAP_PERFMON)",
			 strerror(e), f->perf_paranoid);
	else if (e == ENOENT || e == EOPNOTSUPP || e == ENODEV)
		snprintf(buf, len, "no hardware counters here (perf_event_open: %s; no PMU, as on most "
			 "virtual machines)", strerror(e));
	else if (e == ENOSYS)
		snprintf(buf, len, "perf_event_open is not available (%s)", strerror(e));
	else
		snprintf(buf, len, "perf_event_open failed (%s)", strerror(e));
}

int kb_mech_choose(const struct kb_mech_facts *f, enum kb_mech *mech, char *note, size_t note_len)
{
	bool want_perf = !f->forced || !*f->forced || !strcmp(f->forced, "auto") ||
			 !strcmp(f->forced, "perf_event");
	bool want_cg = !f->forced || !*f->forced || !strcmp(f->forced, "auto") ||
		       !strcmp(f->forced, "callgrind");
	char why[256] = "";

	*mech = KB_MECH_NONE;
	note[0] = 0;
	if (!want_perf && !want_cg)
		return kb_error(KB_EINVAL,
				"KBENCH_METRIC_MECHANISM=%s: expected auto, perf_event or callgrind",
				f->forced);
	if (want_perf && f->perf_errno == 0) {
		*mech = KB_MECH_PERF;
		return 0;
	}
	perf_why(f, why, sizeof(why));
	if (!want_cg)
		return kb_error(KB_EUNSUPPORTED,
				"--metric=instructions with KBENCH_METRIC_MECHANISM=perf_event: %s", why);
	if (f->sanitizer)
		return kb_error(KB_EUNSUPPORTED,
				"--metric=instructions: %s, so it needs callgrind, and valgrind cannot run an "
				"AddressSanitizer build: use the normal build (make, not SAN=1)", why);
	if (!f->have_callgrind_h)
		return kb_error(KB_EUNSUPPORTED,
				"--metric=instructions: %s, so it needs callgrind, but kbench was built without "
				"valgrind/callgrind.h: install it with `sudo apt-get install valgrind` and rebuild",
				why);
	if (!f->valgrind)
		return kb_error(KB_EUNSUPPORTED,
				"--metric=instructions: %s, so it needs valgrind, and %s was not found or does "
				"not run: install it with `sudo apt-get install valgrind` (or point "
				"KBENCH_VALGRIND at it)",
				why, f->valgrind_wanted ? f->valgrind_wanted : "valgrind");
	*mech = KB_MECH_CALLGRIND;
	snprintf(note, note_len, "%s", why);
	return 0;
}

/* ---- callgrind files ------------------------------------------------------ */

bool kb_cg_trigger_parse(const char *trigger, uint64_t *iters, const char **id)
{
	static const char prefix[] = "Client Request: ";
	const char *p = trigger;
	char *end;

	if (!strncmp(p, prefix, sizeof(prefix) - 1))
		p += sizeof(prefix) - 1;
	if (strncmp(p, "kbench ", 7) != 0 || !isdigit((unsigned char)p[7]))
		return false;
	errno = 0;
	*iters = strtoull(p + 7, &end, 10);
	if (errno || *iters == 0 || *end != ' ' || !end[1])
		return false;
	*id = end + 1;
	return true;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = 0;
}

/* Column of "Ir" in an "events:" line; -1 if absent. */
static int ir_column(const char *events)
{
	int col = 0;

	for (const char *p = events; *p;) {
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		len = strcspn(p, " \t");
		if (len == 2 && !strncmp(p, "Ir", 2))
			return col;
		if (len)
			col++;
		p += len;
	}
	return -1;
}

/* The col-th number of `s`; false if there is none. */
static bool nth_number(const char *s, int col, double *out)
{
	const char *p = s;

	for (int i = 0;; i++) {
		char *end;
		unsigned long long v;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || (*end && *end != ' ' && *end != '\t'))
			return false;
		if (i == col) {
			*out = (double)v;
			return true;
		}
		p = end;
	}
}

int kb_callgrind_parse(FILE *f, const char *name, struct kb_cg_dump *out)
{
	char line[4096];
	size_t lineno = 0;
	int col = -1;
	bool header = false, have_summary = false;

	memset(out, 0, sizeof(*out));
	out->ir = NAN;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		chomp(line);
		if (lineno == 1) {
			/* "# callgrind format" is optional; "version:" may come first */
			header = !strncmp(line, "# callgrind format", 18) || !strncmp(line, "version:", 8);
			if (!header)
				return kb_error(KB_EPARSE, "%s:1: not a callgrind output file (expected "
					       "\"# callgrind format\")", name);
		}
		if (!strncmp(line, "version:", 8) && atoi(line + 8) != 1)
			return kb_error(KB_EPARSE, "%s:%zu: callgrind format version %s, expected 1", name,
					lineno, line + 8);
		if (!strncmp(line, "desc: Trigger: ", 15))
			snprintf(out->trigger, sizeof(out->trigger), "%.*s", (int)sizeof(out->trigger) - 1, line + 15);
		else if (!strncmp(line, "events:", 7)) {
			col = ir_column(line + 7);
			if (col < 0)
				return kb_error(KB_EPARSE, "%s:%zu: no Ir event in \"%s\"", name, lineno, line);
		} else if (!strncmp(line, "summary:", 8) || (!strncmp(line, "totals:", 7) && !have_summary)) {
			const char *nums = line + (line[0] == 's' ? 8 : 7);
			double v;

			if (col < 0)
				return kb_error(KB_EPARSE, "%s:%zu: totals before the \"events:\" line", name,
						lineno);
			if (!nth_number(nums, col, &v))
				return kb_error(KB_EPARSE, "%s:%zu: expected a count in column %d of \"%s\"", name,
						lineno, col + 1, line);
			out->ir = v;
			have_summary |= line[0] == 's';
		}
	}
	if (ferror(f))
		return kb_error(KB_EIO, "cannot read %s", name);
	if (lineno == 0)
		return kb_error(KB_EPARSE, "%s: empty file", name);
	return 0;
}

double kb_metric_per_iter(double count_k, uint64_t k, double count_k2, uint64_t k2)
{
	double d;

	if (!isfinite(count_k) || !isfinite(count_k2) || k == 0 || k2 <= k)
		return NAN;
	d = count_k2 - count_k;
	return d >= 0 ? d / (double)(k2 - k) : NAN;
}

double kb_metric_callgrind_estimate_s(double native_ns_per_iter, uint64_t k)
{
	/* a warmup batch and a counted batch of k, then of 2k */
	return native_ns_per_iter * (double)(6 * k) * CALLGRIND_SLOWDOWN / 1e9;
}

/* ---- settings ------------------------------------------------------------- */

static uint64_t count_iters(void)
{
	const char *v = getenv("KBENCH_COUNT_ITERS");
	long long k = v ? atoll(v) : 0;

	return k > 0 && k <= 1000000 ? (uint64_t)k : DEFAULT_COUNT_ITERS;
}

static double callgrind_budget_s(void)
{
	const char *v = getenv("KBENCH_CALLGRIND_BUDGET");
	double b = v ? atof(v) : 0;

	return b > 0 ? b : DEFAULT_BUDGET_S;
}

/*
 * Counts one instance: a call with batches of k, one with batches of 2k.
 * Returns the status; *msg gets a malloc'd reason when not ok.
 */
static enum kb_status count_instance(const struct kb_config *cfg, const struct kb_instance *inst,
				     struct kb_probe *p, uint64_t k, char **msg)
{
	enum kb_status st = KB_STATUS_OK;

	*msg = NULL;
	p->id = inst->id;
	p->counted[0] = p->counted[1] = false;
	p->multiplexed = false;
	for (int pass = 0; pass < 2 && st == KB_STATUS_OK; pass++) {
		p->pass = pass;
		st = kb__runner_probe(cfg, inst, p, k * (uint64_t)(pass + 1), 2, msg);
		if (st == KB_STATUS_OK && !p->counted[pass]) {
			st = KB_STATUS_ERROR;
			*msg = strdup("the benchmark did not run its loop twice while counting");
		}
	}
	return st;
}

/* ---- the callgrind child ---------------------------------------------------- */

bool kb_metric_is_child(void)
{
	const char *d = getenv(CHILD_ENV);
	return d && *d;
}

static const struct kb_instance *find_instance(const struct kb_instance *const *sel, size_t n,
					       const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(sel[i]->id, id))
			return sel[i];
	return NULL;
}

/* Messages go on one line of the status file. */
static void one_line(char *s)
{
	for (; s && *s; s++)
		if (*s == '\n' || *s == '\t' || *s == '\r')
			*s = ' ';
}

int kb_metric_child_run(const struct kb_config *cfg, const struct kb_instance *const *sel, size_t n)
{
	const char *dir = getenv(CHILD_ENV);
	char path[PATH_MAX], id[1024];
	struct kb_config c = *cfg;
	struct kb_probe probe;
	uint64_t k = count_iters();
	FILE *plan, *status;

	if (!kb_probe_on_valgrind()) {
		fprintf(stderr, "kbench: %s is set but this process is not running under valgrind\n",
			CHILD_ENV);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/plan", dir);
	plan = fopen(path, "r");
	snprintf(path, sizeof(path), "%s/status", dir);
	status = plan ? fopen(path, "w") : NULL;
	if (!plan || !status) {
		fprintf(stderr, "kbench: cannot open %s: %s\n", path, strerror(errno));
		if (plan)
			fclose(plan);
		return 2;
	}
	c.threads = 1;
	memset(&probe, 0, sizeof(probe));
	probe.mech = KB_MECH_CALLGRIND;
	while (fgets(id, sizeof(id), plan)) {
		const struct kb_instance *inst;
		enum kb_status st;
		char *msg = NULL;

		chomp(id);
		if (!*id)
			continue;
		fprintf(status, "begin\t%s\n", id);
		fflush(status);
		inst = find_instance(sel, n, id);
		if (!inst) {
			st = KB_STATUS_ERROR;
			msg = strdup("not in the callgrind child's selection");
		} else {
			kb_probe_callgrind_instrument(true);
			st = count_instance(&c, inst, &probe, k, &msg);
			kb_probe_callgrind_instrument(false);
		}
		one_line(msg);
		fprintf(status, "end\t%s\t%s\t%s\n", kb_status_name(st), id, msg ? msg : "");
		fflush(status);
		free(msg);
	}
	fclose(plan);
	fclose(status);
	return 0;
}

/* ---- the parent: facts ------------------------------------------------------- */

static int read_paranoid(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
	int v = -100;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -100;
		fclose(f);
	}
	return v;
}

static int perf_probe_errno(void)
{
	struct kb_probe p;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = kb_probe_open_perf(&p);
	kb_probe_close(&p);
	return rc < 0 ? -rc : 0;
}

/* Finds `name` (a path, or a command looked up on PATH) as an executable. */
static bool find_exe(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/')) {
		snprintf(out, len, "%s", name);
		return access(out, X_OK) == 0;
	}
	while (path && *path) {
		size_t seg = strcspn(path, ":");

		snprintf(out, len, "%.*s/%s", (int)seg, seg ? path : ".", name);
		if (access(out, X_OK) == 0)
			return true;
		path += seg + (path[seg] == ':');
	}
	return false;
}

/* Runs `valgrind --version`; false when it does not run. */
static bool valgrind_version(const char *exe, char *out, size_t len)
{
	char cmd[PATH_MAX + 64];
	FILE *f;
	bool ok;

	snprintf(cmd, sizeof(cmd), "'%s' --version 2>/dev/null", exe);
	if (strchr(exe, '\''))
		return false;
	f = popen(cmd, "r");
	if (!f)
		return false;
	ok = fgets(out, (int)len, f) != NULL;
	ok = pclose(f) == 0 && ok;
	if (ok)
		chomp(out);
	return ok && !strncmp(out, "valgrind", 8);
}

int kb_metric_prepare(struct kb_metric_setup *m)
{
	struct kb_mech_facts f;
	const char *want = getenv("KBENCH_VALGRIND");

	memset(m, 0, sizeof(*m));
	memset(&f, 0, sizeof(f));
	f.forced = getenv("KBENCH_METRIC_MECHANISM");
	f.perf_errno = perf_probe_errno();
	f.perf_paranoid = read_paranoid();
	f.sanitizer = KB_ASAN_BUILD;
	f.have_callgrind_h = kb_probe_have_callgrind_h();
	f.valgrind_wanted = want && *want ? want : "valgrind (on PATH)";
	/* look for valgrind only when it could be used */
	if (f.perf_errno || (f.forced && !strcmp(f.forced, "callgrind"))) {
		if (find_exe(want && *want ? want : "valgrind", m->valgrind, sizeof(m->valgrind)) &&
		    valgrind_version(m->valgrind, m->valgrind_version, sizeof(m->valgrind_version)))
			f.valgrind = m->valgrind;
	}
	return kb_mech_choose(&f, &m->mech, m->note, sizeof(m->note));
}

/* ---- the parent: recording --------------------------------------------------- */

static void record(const struct kb_metric_setup *m, struct kb_run *run, uint64_t k)
{
	char buf[64];

	kb_run_add_config(run, "metric_mechanism", kb_mech_name(m->mech), false);
	kb_run_add_config(run, "metric_note", *m->note ? m->note :
		   m->mech == KB_MECH_PERF && kb_probe_software_events() ? "KBENCH__PERF_SOFTWARE: software events, not "
		   "instruction counts (a test of the perf_event path)" : NULL, false);
	snprintf(buf, sizeof(buf), "%" PRIu64, k);
	kb_run_add_config(run, "count_iterations", buf, true);
	if (m->mech == KB_MECH_PERF)
		kb_run_add_config(run, "count_iterations_note",
			   "perf_event: at least the iterations of a timed batch", false);
	kb_run_add_config(run, "count_threads", "1", true);
	kb_run_add_config(run, "count_method",
		   "(count(2k) - count(k)) / k over one counted batch each, after a warmup batch", false);
	if (m->mech == KB_MECH_CALLGRIND) {
		kb_run_add_config(run, "metric_tool", m->valgrind_version, false);
		snprintf(buf, sizeof(buf), "%g", callgrind_budget_s());
		kb_run_add_config(run, "callgrind_budget_s", buf, true);
	}
	/* the machine's side of it, where results from other machines are
	 * compared: counts are comparable only when made the same way */
	kb_run_add_context(run, "metric.name", "instructions", false);
	kb_run_add_context(run, "metric.mechanism", kb_mech_name(m->mech), false);
	if (m->mech == KB_MECH_CALLGRIND)
		kb_run_add_context(run, "metric.tool", m->valgrind_version, false);
}

static void set_status(struct kb_result *r, enum kb_status st, const char *fmt, const char *detail)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), fmt, detail ? detail : "");
	r->status = st;
	free(r->message);
	r->message = strdup(buf);
}

/* ---- the parent: perf_event -------------------------------------------------- */

/* Whether a timed result can be counted; a GPU benchmark (own timer) cannot:
 * its work is on the device, and CUDA does not run under valgrind. */
static bool countable(struct kb_result *r)
{
	if (r->status != KB_STATUS_OK)
		return false;
	if (r->timer && strcmp(r->timer, "wall") != 0) {
		set_status(r, KB_STATUS_SKIPPED, "instructions are not counted for a benchmark timed by "
			   "its own timer (%s): its work is not on the CPU", r->timer);
		return false;
	}
	return true;
}

static int count_perf(const struct kb_config *cfg, const struct kb_instance *const *sel, size_t n,
		      uint64_t k, struct kb_run *run)
{
	struct kb_config c = *cfg;
	struct kb_probe p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.mech = KB_MECH_PERF;
	if ((rc = kb_probe_open_perf(&p)) < 0)
		return kb_error(KB_EUNSUPPORTED, "perf_event_open(instructions:u) failed: %s",
				strerror(-rc));
	c.threads = 1;
	for (size_t i = 0; i < n && i < run->nresults; i++) {
		struct kb_result *r = &run->results[i];
		enum kb_status st;
		char *msg = NULL;
		uint64_t ki = k;

		if (strcmp(r->id, sel[i]->id) != 0 || !countable(r))
			continue;
		/* hardware counts carry a little noise (interrupts); batches as long
		 * as the timed ones make it negligible at native speed */
		if (r->iterations_per_sample > ki)
			ki = r->iterations_per_sample;
		st = count_instance(&c, sel[i], &p, ki, &msg);
		if (st != KB_STATUS_OK) {
			set_status(r, st, "while counting instructions: %s", msg);
		} else if (p.multiplexed) {
			set_status(r, KB_STATUS_SKIPPED,
				   "instructions not counted: the counters were shared with another "
				   "user and did not run the whole batch%s", NULL);
		} else {
			r->instructions = kb_metric_per_iter(p.counts[0][0], ki, p.counts[1][0], 2 * ki);
			for (size_t e = 1; e < p.nfd; e++)
				kb_result_set_counter(r, p.name[e],
						      kb_metric_per_iter(p.counts[0][e], ki, p.counts[1][e], 2 * ki));
		}
		free(msg);
	}
	kb_probe_close(&p);
	return 0;
}

/* ---- the parent: callgrind --------------------------------------------------- */

struct planned {
	struct kb_result *r;
	double count_k, count_2k;
	bool done;
};

static void rm_dir_files(const char *dir, bool rmdir_too)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	if (rmdir_too)
		rmdir(dir);
}

/* The last non-empty line of a file, for messages. */
static void last_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];

	out[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		chomp(line);
		if (*line)
			snprintf(out, len, "%s", line);
	}
	fclose(f);
}

static int write_plan(const char *dir, struct planned *pl, size_t n)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/plan", dir);
	f = fopen(path, "w");
	if (!f)
		return kb_error(KB_EIO, "cannot write %s: %s", path, strerror(errno));
	for (size_t i = 0; i < n; i++)
		if (!pl[i].done)
			fprintf(f, "%s\n", pl[i].r->id);
	if (fclose(f))
		return kb_error(KB_EIO, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

static int spawn_child(const struct kb_metric_setup *m, const char *dir, int argc, char **argv,
		       double limit_s, int *wstatus, bool *killed)
{
	char self[PATH_MAX], out_opt[PATH_MAX + 32], log_opt[PATH_MAX + 32], child_log[PATH_MAX];
	char env_dir[PATH_MAX + 32], status_path[PATH_MAX];
	struct kb_proc p = KB_PROC_INIT;
	char **cargv, **cenv;
	size_t nenv = 0, j = 0;
	ssize_t len;
	int rc;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return kb_error(KB_EIO, "cannot find this program (/proc/self/exe): %s", strerror(errno));
	self[len] = 0;
	snprintf(out_opt, sizeof(out_opt), "--callgrind-out-file=%s/cg.out", dir);
	snprintf(log_opt, sizeof(log_opt), "--log-file=%s/valgrind.log", dir);
	snprintf(child_log, sizeof(child_log), "%s/child.log", dir);
	snprintf(env_dir, sizeof(env_dir), "%s=%s", CHILD_ENV, dir);
	while (environ[nenv])
		nenv++;
	cargv = calloc((size_t)argc + 8, sizeof(*cargv));
	cenv = calloc(nenv + 4, sizeof(*cenv));
	if (!cargv || !cenv) {
		free(cargv);
		free(cenv);
		return kb_error(KB_ENOMEM, "out of memory");
	}
	cargv[j++] = (char *)m->valgrind;
	cargv[j++] = "--tool=callgrind";
	cargv[j++] = "--collect-atstart=no";
	cargv[j++] = "--instr-atstart=no";
	cargv[j++] = out_opt;
	cargv[j++] = log_opt;
	cargv[j++] = self;
	for (int i = 1; i < argc; i++)
		cargv[j++] = argv[i];
	j = 0;
	for (size_t i = 0; i < nenv; i++)
		if (strncmp(environ[i], CHILD_ENV "=", sizeof(CHILD_ENV)) != 0 &&
		    strncmp(environ[i], "OPENBLAS_NUM_THREADS=", 21) != 0 &&
		    strncmp(environ[i], "OMP_NUM_THREADS=", 16) != 0)
			cenv[j++] = environ[i];
	cenv[j++] = env_dir;
	cenv[j++] = "OPENBLAS_NUM_THREADS=1";
	cenv[j++] = "OMP_NUM_THREADS=1";
	/* killed when its status file has not moved for limit_s (one benchmark
	 * far slower under callgrind than estimated) */
	snprintf(status_path, sizeof(status_path), "%s/status", dir);
	p.argv = cargv;
	p.env = cenv;
	p.err_path = child_log;
	p.progress_path = status_path;
	p.idle_s = limit_s;
	rc = kb_proc_run(&p);
	*wstatus = p.status;
	*killed = p.timed_out;
	kb_proc_release(&p);
	free(cargv);
	free(cenv);
	return rc;
}

static struct planned *find_planned(struct planned *pl, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(pl[i].r->id, id))
			return &pl[i];
	return NULL;
}

/* Reads the dumps of one child into the plan. */
static int read_dumps(const char *dir, struct planned *pl, size_t n, uint64_t k)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return kb_error(KB_EIO, "cannot read %s: %s", dir, strerror(errno));
	while (!rc && (e = readdir(d))) {
		char path[PATH_MAX];
		struct kb_cg_dump dump;
		struct planned *p;
		const char *id;
		uint64_t iters;
		bool bad;
		FILE *f;

		if (strncmp(e->d_name, "cg.out", 6) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		/* a child that was stopped can leave a torn file: a benchmark
		 * without both counts is reported as such, not the whole run */
		bad = kb_callgrind_parse(f, path, &dump) != 0;
		fclose(f);
		if (bad || !kb_cg_trigger_parse(dump.trigger, &iters, &id) || !(p = find_planned(pl, n, id)))
			continue;
		if (iters == k)
			p->count_k = dump.ir;
		else if (iters == 2 * k)
			p->count_2k = dump.ir;
	}
	closedir(d);
	return rc;
}

/* Reads the child's status lines; returns the id that began and never ended. */
static struct planned *read_status(const char *dir, struct planned *pl, size_t n, uint64_t k,
				   size_t *ended)
{
	char path[PATH_MAX], line[2048];
	struct planned *open = NULL;
	FILE *f;

	*ended = 0;
	snprintf(path, sizeof(path), "%s/status", dir);
	if (!(f = fopen(path, "r")))
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *fields[4] = { line, NULL, NULL, NULL };
		size_t nf = 1;

		chomp(line);
		/* "begin\tID" or "end\tSTATUS\tID\tMESSAGE" (the message may be empty) */
		while (nf < 4) {
			char *tab = strchr(fields[nf - 1], '\t');
			if (!tab)
				break;
			*tab = 0;
			fields[nf++] = tab + 1;
		}
		if (nf >= 2 && !strcmp(fields[0], "begin")) {
			open = find_planned(pl, n, fields[1]);
		} else if (nf >= 3 && !strcmp(fields[0], "end")) {
			struct planned *p = find_planned(pl, n, fields[2]);
			int st = kb_status_parse(fields[1]);

			if (!p)
				continue;
			p->done = true;
			(*ended)++;
			if (p == open)
				open = NULL;
			if (st == KB_STATUS_OK) {
				double ipi = kb_metric_per_iter(p->count_k, k, p->count_2k, 2 * k);
				if (isfinite(ipi))
					p->r->instructions = ipi;
				else
					set_status(p->r, KB_STATUS_ERROR,
						   "callgrind wrote no usable counts for this benchmark%s", NULL);
			} else {
				set_status(p->r, st < 0 ? KB_STATUS_ERROR : (enum kb_status)st,
					   "under callgrind: %s", nf > 3 ? fields[3] : "no reason given");
			}
		}
	}
	fclose(f);
	return open;
}

static int count_callgrind(struct kb_metric_setup *m, int argc, char **argv, uint64_t k,
			   struct kb_run *run)
{
	const char *tmp = getenv("TMPDIR");
	double budget = callgrind_budget_s();
	struct planned *pl = calloc(run->nresults + 1, sizeof(*pl));
	char dir[512]; /* short, so every path made from it fits in PATH_MAX */
	size_t n = 0, left;
	int rc = 0;

	if (!pl)
		return kb_error(KB_ENOMEM, "out of memory");
	for (size_t i = 0; i < run->nresults; i++) {
		struct kb_result *r = &run->results[i];
		double est;

		if (!countable(r))
			continue;
		est = kb_metric_callgrind_estimate_s(r->summary.median, k);
		if (!(est <= budget)) {
			char why[256];
			snprintf(why, sizeof(why), "about %.3g s estimated (%.3g ms per iteration natively) "
				 "over the %.3g s budget", est, r->summary.median / 1e6, budget);
			set_status(r, KB_STATUS_SKIPPED,
				   "too slow for callgrind: %s; count a smaller size (--quick) or raise "
				   "KBENCH_CALLGRIND_BUDGET", why);
			continue;
		}
		pl[n].r = r;
		pl[n].count_k = pl[n].count_2k = NAN;
		n++;
	}
	if (!tmp || !*tmp || strlen(tmp) > sizeof(dir) - 32)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/kbench-callgrind.XXXXXX", tmp);
	if (n == 0)
		goto out;
	if (!mkdtemp(dir)) {
		rc = kb_error(KB_EIO, "cannot make a directory for callgrind output (%s): %s", dir,
			      strerror(errno));
		goto out;
	}
	left = n;
	while (left && !rc) {
		struct planned *crashed;
		size_t ended;
		bool killed = false;
		int ws = 0;
		char how[128], log[256], path[PATH_MAX];

		if ((rc = write_plan(dir, pl, n)) ||
		    (rc = spawn_child(m, dir, argc, argv, WATCHDOG_FACTOR * budget, &ws, &killed)))
			break;
		if ((rc = read_dumps(dir, pl, n, k)))
			break;
		crashed = read_status(dir, pl, n, k, &ended);
		left -= ended;
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && left == 0)
			break;
		kb_proc_describe(ws, how, sizeof(how));
		snprintf(path, sizeof(path), "%s/valgrind.log", dir);
		last_line(path, log, sizeof(log));
		if (!*log) {
			snprintf(path, sizeof(path), "%s/child.log", dir);
			last_line(path, log, sizeof(log));
		}
		if (!crashed) {
			rc = kb_error(KB_EIO, "the callgrind run of kbench failed (%s)%s%s", how,
				      *log ? ": " : "", log);
			break;
		}
		/* the benchmark that was running takes the blame; the rest go on */
		if (killed) {
			snprintf(how, sizeof(how), "stopped after %.3g s, %g times KBENCH_CALLGRIND_BUDGET",
				 WATCHDOG_FACTOR * budget, WATCHDOG_FACTOR);
			set_status(crashed->r, KB_STATUS_SKIPPED,
				   "too slow for callgrind (%s): count a smaller size (--quick)", how);
			log[0] = 0;
		} else {
			set_status(crashed->r, KB_STATUS_ERROR, "crashed under callgrind (%s)", how);
		}
		if (*log) {
			char *msg = crashed->r->message;
			size_t len = strlen(msg) + strlen(log) + 3;
			char *full = malloc(len);
			if (full) {
				snprintf(full, len, "%s: %s", msg, log);
				free(msg);
				crashed->r->message = full;
			}
		}
		crashed->done = true;
		left--;
		rm_dir_files(dir, false);
	}
	rm_dir_files(dir, true);
out:
	free(pl);
	return rc;
}

int kb_metric_count(struct kb_metric_setup *m, const struct kb_config *cfg, int argc, char **argv,
		    const struct kb_instance *const *sel, size_t n, struct kb_run *run)
{
	uint64_t k = count_iters();

	record(m, run, k);
	if (m->mech == KB_MECH_PERF)
		return count_perf(cfg, sel, n, k, run);
	if (m->mech == KB_MECH_CALLGRIND)
		return count_callgrind(m, argc, argv, k, run);
	return kb_error(KB_EINTERNAL, "no mechanism to count instructions");
}
