/*
 * kbench.h - the one public header of kbench, a microbenchmark harness for
 * compute kernels.
 *
 * A benchmark is a plain function registered with a macro:
 *
 *     #include "kbench.h"
 *
 *     KB_BENCH(demo, sum_f32) {
 *         size_t n = kb_arg(state, 0);
 *         float *x = kb_input_f32(state, n);
 *         if (!x) return;
 *         while (kb_loop(state)) {
 *             float s = 0;
 *             for (size_t i = 0; i < n; i++) s += x[i];
 *             kb_do_not_optimize(s);
 *         }
 *         kb_set_bytes(state, n * sizeof(float));
 *     }
 *     KB_ARGS(demo, sum_f32, 1 << 10, 1 << 20);
 *
 * The runner calls the function once per round; code before and after the
 * loop is setup and teardown and is not timed.  Each pass of the loop is one
 * iteration; the runner times batches of iterations, with one clock read on
 * each side of a batch.  `state` is the only magic name.
 *
 * This header compiles as C11 and as C++ (nvcc), so CUDA suites register
 * benchmarks the same way.
 */
#ifndef KB_KBENCH_H
#define KB_KBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KB_VERSION "0.1.0"

struct kb_state;

/* A benchmark body. */
typedef void (*kb_bench_fn)(struct kb_state *state);

/*
 * One registered benchmark.  Made by KB_BENCH as a static object; the
 * fields are filled in by the macro and read by the registry.
 */
struct kb_bench {
	const char *suite;        /* first part of the id, e.g. "matmul" */
	const char *name;         /* second part, e.g. "sgemm_openblas" */
	kb_bench_fn fn;           /* the body */
	const char *file;         /* where it was registered, for messages */
	int line;
	struct kb__bench_priv *priv; /* owned by the registry */
};

/* Adds a benchmark to the global registry.  Called by KB_BENCH. */
void kb_register(struct kb_bench *bench);

/*
 * Adds a set of parameter instances described by `spec`, a space-separated
 * list of axes; the instances are the product of the axes:
 *
 *     "n=64,128,256"        a list
 *     "n=64..4096"          powers of two from 64 to 4096
 *     "n=1..1000000*10"     a geometric range with factor 10
 *     "m=64..256 k=1,2"     the product of two axes (6 instances)
 *
 * Values are integers and may carry a binary suffix (k, M, G: 1k = 1024).
 * With `quick`, the set replaces the normal sets under --quick.  A bad
 * spec is reported when the registry is finalised and makes the
 * benchmark an error.  Called by KB_SPACE, KB_ARGS, KB_RANGE, KB_QUICK.
 */
void kb_bench_add_space(struct kb_bench *bench, bool quick, const char *spec);

/* Adds a set used only under --large (KB_LARGE). */
void kb_bench_add_large(struct kb_bench *bench, const char *spec);

/* Adds one axis `name` with the given values as a set (KB_ARGS). */
void kb_bench_add_values(struct kb_bench *bench, bool quick, const char *name,
			 const int64_t *values, size_t count);
/* Adds one axis `name` over lo, lo*mult, ... up to hi as a set (KB_RANGE). */
void kb_bench_add_range(struct kb_bench *bench, bool quick, const char *name,
			int64_t lo, int64_t hi, int64_t mult);

#define KB__CAT2(a, b) a##b
#define KB__CAT(a, b) KB__CAT2(a, b)
#define KB__OBJ(s, n) kb__bench_##s##__##n
#define KB__FN(s, n) kb__body_##s##__##n

/*
 * KB_BENCH(suite, name) { body }: defines and registers a benchmark with
 * id "suite/name[/param...]".  `suite` and `name` are C identifiers.
 */
#define KB_BENCH(s, n)                                                          \
	static void KB__FN(s, n)(struct kb_state * state);                      \
	static struct kb_bench KB__OBJ(s, n) = { #s, #n, KB__FN(s, n),          \
						 __FILE__, __LINE__, NULL };    \
	__attribute__((constructor)) static void kb__reg_##s##__##n(void)       \
	{                                                                       \
		kb_register(&KB__OBJ(s, n));                                    \
	}                                                                       \
	static void KB__FN(s, n)(struct kb_state * state)

#define KB__SPACE(s, n, quick, spec, fname)                                     \
	__attribute__((constructor)) static void fname(void)                    \
	{                                                                       \
		kb_bench_add_space(&KB__OBJ(s, n), quick, spec);                \
	}

#define KB__VALUES(s, n, quick, fname, ...)                                     \
	__attribute__((constructor)) static void fname(void)                    \
	{                                                                       \
		static const int64_t v[] = { __VA_ARGS__ };                     \
		kb_bench_add_values(&KB__OBJ(s, n), quick, "n", v,              \
				    sizeof(v) / sizeof(v[0]));                  \
	}

/* Parameter sets; each call adds instances (see kb_bench_add_space). */
#define KB_SPACE(s, n, spec)                                                    \
	KB__SPACE(s, n, false, spec, KB__CAT(kb__space_, __COUNTER__))
/* One axis "n" with the listed values: KB_ARGS(demo, sum, 1 << 10, 1 << 20). */
#define KB_ARGS(s, n, ...)                                                      \
	KB__VALUES(s, n, false, KB__CAT(kb__args_, __COUNTER__), __VA_ARGS__)
/* One axis "n" over the powers of two from lo to hi. */
#define KB_RANGE(s, n, lo, hi) KB__RANGE(s, n, lo, hi, KB__CAT(kb__range_, __COUNTER__))
#define KB__RANGE(s, n, lo, hi, fname)                                          \
	__attribute__((constructor)) static void fname(void)                    \
	{                                                                       \
		kb_bench_add_range(&KB__OBJ(s, n), false, "n", lo, hi, 2);      \
	}
/*
 * The sets used under --quick (tiny sizes, for tests) instead of the others.
 * They are also the way to shrink a benchmark for --metric=instructions:
 * under callgrind (machines without hardware counters) an instance whose
 * estimated simulation time exceeds KBENCH_CALLGRIND_BUDGET (default 60 s,
 * estimated as 6 x 5 iterations at 1000x the native time, so about 2 ms per
 * iteration natively at most) is skipped with that
 * reason, so count with `--quick --metric=instructions`, or give the
 * benchmark a KB_QUICK set small enough for the simulator.
 */
#define KB_QUICK(s, n, spec)                                                    \
	KB__SPACE(s, n, true, spec, KB__CAT(kb__quick_, __COUNTER__))

/* Extra sets (big sizes) added to the others under --large. */
#define KB_LARGE(s, n, spec) KB__LARGE(s, n, spec, KB__CAT(kb__large_, __COUNTER__))
#define KB__LARGE(s, n, spec, fname)                                            \
	__attribute__((constructor)) static void fname(void)                    \
	{                                                                       \
		kb_bench_add_large(&KB__OBJ(s, n), spec);                       \
	}

/*
 * Asymptotic complexity (as Google Benchmark's ->Complexity()): after the
 * run, the process-level medians of a benchmark's instances that differ only
 * in one axis are fitted by least squares to time = c * f(axis), and the
 * coefficient (with its interval from the process-level uncertainty) and
 * the normalised RMS of the residuals are reported.  KB_AUTO tries every
 * order and keeps the one with the smallest RMS.
 */
enum kb_big_o {
	KB_O1 = 1,  /* constant */
	KB_OLOGN,   /* lg n */
	KB_ON,      /* n */
	KB_ONLOGN,  /* n lg n */
	KB_ON2,     /* n^2 */
	KB_ON3,     /* n^3 */
	KB_AUTO,    /* the order with the smallest RMS */
};
/* Asks for a fit over axis `axis` (NULL: "n", or the only axis). */
void kb_bench_set_complexity(struct kb_bench *bench, const char *axis, enum kb_big_o order);

/* KB_COMPLEXITY(suite, name, KB_ON3): a fit over the axis "n" (or the only axis). */
#define KB_COMPLEXITY(s, n, order) KB__CPLX(s, n, NULL, order, KB__CAT(kb__cplx_, __COUNTER__))
/* KB_COMPLEXITY_AXIS(suite, name, "m", KB_AUTO): a fit over the axis named "m". */
#define KB_COMPLEXITY_AXIS(s, n, axis, order)                                   \
	KB__CPLX(s, n, axis, order, KB__CAT(kb__cplx_, __COUNTER__))
#define KB__CPLX(s, n, axis, order, fname)                                      \
	__attribute__((constructor)) static void fname(void)                    \
	{                                                                       \
		kb_bench_set_complexity(&KB__OBJ(s, n), axis, order);           \
	}

/*
 * Threaded bodies (as Google Benchmark's ->Threads()): each instance runs
 * once per listed thread count N ("suite/name/64/threads:2"); the body runs
 * in N threads at once, each with its own state (kb_thread_index,
 * kb_thread_count), their batches started together behind a barrier.  A
 * sample's wall time is the slowest thread's, its CPU time the sum of the
 * threads'; the work set with kb_set_bytes/flops/items is per thread (set
 * by thread 0; the others' calls are ignored), so rates are the team's
 * aggregate.  Validation runs once, in one thread.  No custom timers.
 */
void kb_bench_add_threads(struct kb_bench *bench, const int64_t *counts, size_t n);
/* KB_THREADS(suite, name, 1, 2, 4): the thread counts. */
#define KB_THREADS(s, n, ...) KB__THREADS(s, n, KB__CAT(kb__thr_, __COUNTER__), __VA_ARGS__)
#define KB__THREADS(s, n, fname, ...)                                           \
	__attribute__((constructor)) static void fname(void)                    \
	{                                                                       \
		static const int64_t v[] = { __VA_ARGS__ };                     \
		kb_bench_add_threads(&KB__OBJ(s, n), v, sizeof(v) / sizeof(v[0])); \
	}

/* ---- the timed loop ---------------------------------------------------- */

/*
 * Internal: the first fields of the state, read by the inline kb_loop().
 * Everything else about the state is private to the library.
 */
struct kb__state_head {
	uint64_t left; /* iterations left in the current batch */
};

/* Internal: ends a batch, records it, and starts the next one if any. */
bool kb__loop_next(struct kb_state *state);

/*
 * The timed loop: `while (kb_loop(state)) { ... }`.  The fast path is a
 * decrement and a branch; the clock is read only between batches.
 */
static inline bool kb_loop(struct kb_state *state)
{
	struct kb__state_head *h = (struct kb__state_head *)state;
	if (__builtin_expect(h->left != 0, 1)) {
		h->left--;
		return true;
	}
	return kb__loop_next(state);
}

/* Stops and restarts the clock inside the loop (costs two clock reads). */
void kb_pause(struct kb_state *state);
void kb_resume(struct kb_state *state);

/* Keeps the compiler from discarding `value` or the work that made it. */
#define kb_do_not_optimize(value) __asm__ volatile("" : : "g"(value) : "memory")
/* Forces pending writes to memory to be treated as observable. */
static inline void kb_clobber_memory(void)
{
	__asm__ volatile("" : : : "memory");
}

/* ---- parameters and environment --------------------------------------- */

/* The value of parameter axis `index` (0-based), or 0 if there is none. */
int64_t kb_arg(const struct kb_state *state, size_t index);
/* The value of the parameter named `name`, or `fallback`. */
int64_t kb_param(const struct kb_state *state, const char *name, int64_t fallback);
/* The benchmark's id, e.g. "matmul/sgemm_openblas/1024". */
const char *kb_id(const struct kb_state *state);
/* True under --quick (tiny sizes). */
bool kb_quick(const struct kb_state *state);
/* Thread count for multi-threaded kernels (--threads; default: all cores). */
int kb_threads(const struct kb_state *state);
/* KB_THREADS: this thread's index in the team (0..count-1) and the team's
 * size; 0 and 1 for a body without KB_THREADS and in validation. */
int kb_thread_index(const struct kb_state *state);
int kb_thread_count(const struct kb_state *state);
/* Seed for this benchmark: a hash of the master seed and the id. */
uint64_t kb_seed(const struct kb_state *state);
/*
 * True during the one validation pass that follows timing: the loop runs
 * exactly once, untimed, and the code after it should check the output.
 */
bool kb_validating(const struct kb_state *state);
/*
 * For a custom timer's stop callback (kb_set_timer): true when the runner
 * keeps the batch now ending as a sample; false in the warmup call, in
 * validation, and for a round's first batches, which are run and dropped
 * until --refill seconds have passed.  Valid until the batch has ended.
 */
bool kb_batch_kept(const struct kb_state *state);

/* ---- memory ------------------------------------------------------------ */

/*
 * 64-byte aligned memory owned by the state, freed after the body returns.
 * Sizes are checked against the memory available: on failure these return
 * NULL and mark the benchmark as an error with a message naming the size
 * and the limit; the body should return.
 */
void *kb_alloc(struct kb_state *state, size_t bytes);
/* Seeded inputs, uniform in [-1, 1) with no zeros, the same for the same
 * master seed, id and call order. */
float *kb_input_f32(struct kb_state *state, size_t n);
double *kb_input_f64(struct kb_state *state, size_t n);
/* Seeded inputs uniform in [lo, hi). */
float *kb_input_f32_range(struct kb_state *state, size_t n, float lo, float hi);
double *kb_input_f64_range(struct kb_state *state, size_t n, double lo, double hi);
/* Output buffers filled with NaN, so an unwritten element fails validation. */
float *kb_output_f32(struct kb_state *state, size_t n);
double *kb_output_f64(struct kb_state *state, size_t n);
/* Fills with NaN. */
void kb_poison_f32(float *x, size_t n);
void kb_poison_f64(double *x, size_t n);
/*
 * Device memory of a GPU body, for the benchmark's memory figures: the
 * bytes it has allocated on the device so far in this call and the device
 * memory in use (e.g. total - free of cudaMemGetInfo).  The most of each
 * over the benchmark's calls is reported.  The CUDA backend's
 * kb_cuda_alloc calls it.
 */
void kb_set_device_memory(struct kb_state *state, uint64_t requested_bytes, uint64_t in_use_bytes);
/* Bytes of memory available for inputs (MemAvailable), for size checks. */
uint64_t kb_mem_available(void);

/* ---- results ----------------------------------------------------------- */

/* Work per iteration, for the derived rates (GB/s base 10, GFLOP/s, items/s). */
void kb_set_bytes(struct kb_state *state, uint64_t bytes_per_iteration);
void kb_set_flops(struct kb_state *state, double flops_per_iteration);
void kb_set_items(struct kb_state *state, uint64_t items_per_iteration);
/* A user counter, reported as is. */
void kb_set_counter(struct kb_state *state, const char *name, double value);
/* A user counter given per iteration, reported per second. */
void kb_set_rate(struct kb_state *state, const char *name, double per_iteration);
/* A parameter that is not a number (e.g. "dtype"="f32"), stored in params. */
void kb_set_param_str(struct kb_state *state, const char *name, const char *value);
/* A free-form label shown in the table and the JSON. */
void kb_set_label(struct kb_state *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Skips the benchmark with a reason; the loop will not run.  Return after. */
void kb_skip(struct kb_state *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Fails the benchmark with a message: an error in the results and a
 * non-zero exit.  The loop will not run.  Return after. */
void kb_fail(struct kb_state *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Validation against a reference: true when every element satisfies
 * |got - want| <= atol + rtol * |want| (and neither is NaN).  Otherwise
 * fails the benchmark naming the first bad element and returns false.
 * A success marks the result "validated".
 */
bool kb_check_f32(struct kb_state *state, const float *got, const float *want,
		  size_t n, double rtol, double atol);
bool kb_check_f64(struct kb_state *state, const double *got, const double *want,
		  size_t n, double rtol, double atol);
/* Marks the result validated by a check of the caller's own. */
void kb_set_validated(struct kb_state *state);

/* ---- custom timers (GPU events) ---------------------------------------- */

/*
 * A timer that replaces the wall clock for a benchmark's batches, e.g.
 * CUDA events on a stream.  start() is called before a batch and stop()
 * after it, returning the batch's elapsed nanoseconds (negative on error,
 * which fails the benchmark).  before_sample(), if set, runs untimed
 * before each batch (e.g. an L2 flush for cold measurements).
 */
struct kb_timer {
	const char *name; /* recorded in the result, e.g. "cuda_event" */
	void (*start)(void *ctx);
	double (*stop)(void *ctx);
	void (*before_sample)(void *ctx);
};
/* Uses `timer` for this benchmark's batches; call before the loop. */
void kb_set_timer(struct kb_state *state, const struct kb_timer *timer, void *ctx);

/* ---- machine facts, peaks and context ------------------------------------ */

/*
 * Cache size in bytes of data cache `level` (1, 2, 3) as detected by hwloc
 * and sanity-checked (or given in kbench.conf as cache.l1d / cache.l2 /
 * cache.l3), or 0 when unknown.  `level` 0 returns the RAM size.
 */
uint64_t kb_cache_bytes(int level);
/* Number of cores available to the process. */
int kb_cores(void);
/* True with --require-gpu: a GPU benchmark that cannot run must kb_fail. */
bool kb_require_gpu(const struct kb_state *state);

/*
 * Machine peaks.  A benchmark names the peak its main rate is compared
 * with ("flops_f32", "flops_f64", "bandwidth" for GB/s, or a name of its
 * own); the runner then reports pct_peak = rate / peak * 100.  A peak
 * comes from kbench.conf ("peak.<name> = value") or, failing that, from a
 * registered measuring function, called once per run after the benchmarks
 * and recorded in the context with how it was obtained.
 */
void kb_set_peak(struct kb_state *state, const char *peak_name);
/*
 * kb_set_peak for a memory-bandwidth peak, taken against the level the
 * working set lives in: `peak_name` (DRAM) when `working_set_bytes` exceeds
 * the L3, "<peak_name>_l1" / "_l2" / "_l3" when it fits that cache (the
 * first known level it fits) and such a peak is registered or configured.
 * No peak when the level cannot be told (cache sizes unknown).
 */
void kb_set_memory_peak(struct kb_state *state, const char *peak_name,
			uint64_t working_set_bytes);
typedef double (*kb_peak_fn)(void); /* returns GFLOP/s or GB/s, <= 0 on failure */
/* Inside a kb_peak_fn: a figure behind the peak (the calibration kernel's
 * rate, the theoretical peak; NAN for unknown), recorded in the context as
 * peaks.<name>_<key> and kept in the peak cache with the peak. */
void kb_peak_note(const char *key, double value);
void kb_register_peak(const char *peak_name, const char *unit, const char *method,
		      kb_peak_fn fn);
#define KB_PEAK(pname, unit, method)                                          \
	static double kb__peak_##pname(void);                                   \
	__attribute__((constructor)) static void kb__peakreg_##pname(void)      \
	{                                                                       \
		kb_register_peak(#pname, unit, method, kb__peak_##pname);       \
	}                                                                       \
	static double kb__peak_##pname(void)

/*
 * Context providers: a backend adds a section of facts to the run's
 * "context" (e.g. "gpu"), called once per run.  Values are written in
 * registration order; a NULL string or a non-finite number is written as
 * null.  kb_ctx_fingerprint adds a part to the machine fingerprint.
 */
struct kb_ctx;
typedef void (*kb_context_fn)(struct kb_ctx *ctx);
void kb_register_context(const char *section, kb_context_fn fn);
void kb_ctx_str(struct kb_ctx *ctx, const char *key, const char *value);
void kb_ctx_num(struct kb_ctx *ctx, const char *key, double value);
void kb_ctx_fingerprint(struct kb_ctx *ctx, const char *part);

/* ---- the runner -------------------------------------------------------- */

/*
 * Runs the registered benchmarks as the `kbench` command line asks and
 * returns the process exit status: 0 when everything ran and validated,
 * 1 when a benchmark failed, 2 for bad usage.  kbench_main.o calls this.
 */
int kb_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* KB_KBENCH_H */
