/*
 * device.cu - the probed device, its stream and cuBLAS handle, skip/fail
 * reasons, per-body device memory, NVML (loaded at run time), the "gpu"
 * context section and the GPU peaks.
 *
 * Peaks registered here (GB/s or GFLOP/s; each overridable in kbench.conf
 * as peak.<name> = value, e.g. from a datasheet):
 *   gpu_bandwidth   2 x memory clock x bus width / 8 (the driver's figures; NVML's
 *                   max memory clock when the driver gives none)
 *   gpu_flops_f32   SMs x FP32 lanes per SM x 2 x max SM clock
 *   gpu_flops_tf32  SMs x dense TF32 tensor FLOP/clock/SM x max SM clock
 *   gpu_flops_bf16  SMs x dense BF16 tensor FLOP/clock/SM x max SM clock
 *   pcie_bandwidth  one direction of the PCIe link: GT/s x lanes x encoding / 8
 * Tensor peaks are dense (datasheets quote "with sparsity", twice as much)
 * and use the max SM clock, so they are upper bounds: an H100 SXM comes out
 * at 1070 BF16 TFLOP/s against the datasheet's 989.5 dense.
 */
#include "cuda/device.h"

#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/check.h"
#include "cuda/timer.h"
#include "error.h"

/* In a multi-architecture build __CUDA_ARCH_LIST__ is a list ("800,900"):
 * the macros are variadic, so the commas are part of the string. */
#define KB__STR2(...) #__VA_ARGS__
#define KB__STR(...) KB__STR2(__VA_ARGS__)
#ifdef __CUDA_ARCH_LIST__
#define KB_CUDA_BUILT_FOR KB__STR(__CUDA_ARCH_LIST__)
#else
#define KB_CUDA_BUILT_FOR "unknown"
#endif

#define KB_CUBLAS_WORKSPACE_BYTES (32u << 20) /* cuBLAS's advice for Hopper */

/* ---- the probe ------------------------------------------------------------ */

static struct kb_cuda_device g_dev;
static bool g_probed;
static bool g_ok;
static char g_why[512];

static void set_why(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g_why, sizeof(g_why), fmt, ap);
	va_end(ap);
}

static int attr(enum cudaDeviceAttr a, int dev)
{
	int v = 0;

	if (cudaDeviceGetAttribute(&v, a, dev) != cudaSuccess) {
		(void)cudaGetLastError();
		return 0;
	}
	return v;
}

/* Why cudaGetDeviceCount failed, with what the versions tell. */
static void explain_count_failure(cudaError_t e)
{
	int drv = 0, rt = 0;

	cudaDriverGetVersion(&drv);
	cudaRuntimeGetVersion(&rt);
	if (drv == 0)
		set_why("%s (%s): no NVIDIA driver is installed (libcuda.so.1 not found)",
			cudaGetErrorString(e), cudaGetErrorName(e));
	else if (drv < rt)
		set_why("%s (%s): the driver supports CUDA %d.%d, this build needs %d.%d",
			cudaGetErrorString(e), cudaGetErrorName(e), drv / 1000, drv % 1000 / 10,
			rt / 1000, rt % 1000 / 10);
	else
		set_why("%s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
}

static void clock_fallbacks(struct kb_cuda_device *d);

static void probe(void)
{
	struct kb_cuda_device *d = &g_dev;
	struct cudaDeviceProp prop;
	cudaError_t e;
	int n = 0;

	g_probed = true;
	e = cudaGetDeviceCount(&n);
	if (e != cudaSuccess) {
		explain_count_failure(e);
		(void)cudaGetLastError();
		return;
	}
	if (n == 0) {
		set_why("no CUDA-capable device is detected");
		return;
	}
	d->id = 0;
	if (KB_CUDA(cudaSetDevice(d->id)) || KB_CUDA(cudaGetDeviceProperties(&prop, d->id))) {
		set_why("%s", kb_last_error());
		return;
	}
	snprintf(d->name, sizeof(d->name), "%s", prop.name);
	d->cc_major = prop.major;
	d->cc_minor = prop.minor;
	d->sms = prop.multiProcessorCount;
	d->mem_bytes = prop.totalGlobalMem;
	d->bus_width_bits = attr(cudaDevAttrGlobalMemoryBusWidth, d->id);
	d->mem_clock_khz = attr(cudaDevAttrMemoryClockRate, d->id);
	d->mem_clock_source = d->mem_clock_khz ? "driver" : NULL;
	d->sm_clock_khz = attr(cudaDevAttrClockRate, d->id);
	d->l2_bytes = attr(cudaDevAttrL2CacheSize, d->id);
	d->ecc = attr(cudaDevAttrEccEnabled, d->id);
	if (cudaDeviceGetPCIBusId(d->pci_bus_id, sizeof(d->pci_bus_id), d->id) != cudaSuccess) {
		(void)cudaGetLastError();
		d->pci_bus_id[0] = 0;
	}
	if (KB_CUDA(cudaStreamCreateWithFlags(&d->stream, cudaStreamNonBlocking))) {
		set_why("%s", kb_last_error());
		return;
	}
	/* the first launch also proves this build has code for the GPU */
	if (kb__cuda_delay(d->stream, 0) || KB_CUDA(cudaStreamSynchronize(d->stream))) {
		if (strstr(kb_last_error(), "cudaErrorNoKernelImageForDevice") ||
		    strstr(kb_last_error(), "cudaErrorUnsupportedPtxVersion"))
			set_why("this build has no code for %s (compute capability %d.%d; built "
				"for %s): rebuild with CUDA_ARCH='-gencode arch=compute_%d%d,"
				"code=sm_%d%d'",
				d->name, d->cc_major, d->cc_minor, KB_CUDA_BUILT_FOR, d->cc_major,
				d->cc_minor, d->cc_major, d->cc_minor);
		else
			set_why("%s", kb_last_error());
		return;
	}
	if (d->l2_bytes > 0) {
		d->l2_flush_bytes = 2 * (size_t)d->l2_bytes;
		if (KB_CUDA(cudaMalloc(&d->l2_flush, d->l2_flush_bytes)) ||
		    KB_CUDA(cudaMemsetAsync(d->l2_flush, 0, d->l2_flush_bytes, d->stream)) ||
		    kb__cuda_flush_l2(d) || KB_CUDA(cudaStreamSynchronize(d->stream))) {
			set_why("cannot set up the L2 flush buffer: %s", kb_last_error());
			return;
		}
	}
	g_ok = true;
	clock_fallbacks(d);
}

const struct kb_cuda_device *kb_cuda_device(const char **why)
{
	if (!g_probed)
		probe();
	if (why)
		*why = g_ok ? NULL : g_why;
	return g_ok ? &g_dev : NULL;
}

void kb_cuda_unavailable(struct kb_state *state, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (kb_require_gpu(state))
		kb_fail(state, "%s (--require-gpu)", buf);
	else
		kb_skip(state, "%s", buf);
}

const struct kb_cuda_device *kb_cuda_begin(struct kb_state *state)
{
	const char *why, *sticky;
	const struct kb_cuda_device *d = kb_cuda_device(&why);

	if (!d) {
		kb_cuda_unavailable(state, "no usable CUDA device: %s", why);
		return NULL;
	}
	sticky = kb_cuda_sticky_error();
	if (sticky) {
		kb_fail(state, "the CUDA context is unusable after an earlier error: %s", sticky);
		return NULL;
	}
	(void)cudaGetLastError();
	return d;
}

void kb_cuda_fail(struct kb_state *state, int rc)
{
	if (rc == -KB_ENOMEM)
		kb_cuda_unavailable(state, "out of device memory: %s", kb_last_error());
	else
		kb_fail(state, "%s", rc ? kb_last_error() : "CUDA failure");
}

/* ---- device memory -------------------------------------------------------- */

int kb_cuda_grid(size_t items, int threads, int blocks_per_sm)
{
	size_t need = (items + (size_t)threads - 1) / (size_t)threads;
	size_t wave = (size_t)(g_ok ? g_dev.sms : 1) * (size_t)blocks_per_sm;

	if (need > wave)
		need = wave;
	return need ? (int)need : 1;
}

void kb_cuda_mem_info(size_t *free_bytes, size_t *total_bytes)
{
	if (cudaMemGetInfo(free_bytes, total_bytes) != cudaSuccess) {
		(void)cudaGetLastError();
		*free_bytes = *total_bytes = 0;
	}
}

void *kb_cuda_alloc(struct kb_state *state, struct kb_cuda_mem *mem, size_t bytes)
{
	size_t free_b, total_b;
	void *p = NULL;
	cudaError_t e;

	if (mem->n == KB_CUDA_MAX_BUFS) {
		kb_fail(state, "more than %d device buffers in one benchmark", KB_CUDA_MAX_BUFS);
		return NULL;
	}
	e = cudaMalloc(&p, bytes ? bytes : 1);
	if (e == cudaErrorMemoryAllocation) {
		(void)cudaGetLastError();
		kb_cuda_mem_info(&free_b, &total_b);
		kb_cuda_unavailable(state,
				    "out of device memory: needs %.1f MiB more, %.1f MiB free of %.1f MiB",
				    (double)bytes / 1048576.0, (double)free_b / 1048576.0,
				    (double)total_b / 1048576.0);
		return NULL;
	}
	if (e != cudaSuccess) {
		kb_cuda_fail(state, KB_CUDA(e));
		return NULL;
	}
	mem->p[mem->n++] = p;
	mem->bytes += bytes;
	kb_cuda_mem_info(&free_b, &total_b);
	kb_set_device_memory(state, mem->bytes, total_b >= free_b ? total_b - free_b : 0);
	return p;
}

void kb_cuda_mem_release(struct kb_cuda_mem *mem)
{
	if (mem->n && g_ok && cudaStreamSynchronize(g_dev.stream) != cudaSuccess)
		(void)cudaGetLastError();
	while (mem->n > 0) {
		if (cudaFree(mem->p[--mem->n]) != cudaSuccess)
			(void)cudaGetLastError();
		mem->p[mem->n] = NULL;
	}
	mem->bytes = 0;
}

/* ---- cuBLAS --------------------------------------------------------------- */

static cublasHandle_t g_blas;
static void *g_blas_ws;
static bool g_blas_tried;
static int g_blas_rc;
static char g_blas_why[512];

int kb__cuda_blas_make(cudaStream_t stream, kb_cublas_create_fn create, cublasHandle_t *handle,
		       void **workspace, char *why, size_t why_len)
{
	cublasHandle_t h = NULL;
	void *ws = NULL;
	int rc;

	rc = kb__cublas_check(create(&h), __FILE__, __LINE__, "cublasCreate(&handle)");
	/* cublasSetStream resets the workspace, so the stream comes first */
	if (!rc)
		rc = KB_CUBLAS(cublasSetStream(h, stream));
	if (!rc)
		rc = KB_CUDA(cudaMalloc(&ws, KB_CUBLAS_WORKSPACE_BYTES));
	if (!rc)
		rc = KB_CUBLAS(cublasSetWorkspace(h, ws, KB_CUBLAS_WORKSPACE_BYTES));
	if (!rc)
		rc = KB_CUBLAS(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_HOST));
	if (rc) {
		snprintf(why, why_len, "%s", kb_last_error());
		if (h)
			cublasDestroy(h);
		if (ws)
			cudaFree(ws);
		(void)cudaGetLastError();
		h = NULL;
		ws = NULL;
	}
	*handle = h;
	*workspace = ws;
	return rc;
}

cublasHandle_t kb_cuda_blas(struct kb_state *state)
{
	if (!g_blas_tried && g_ok) {
		g_blas_tried = true;
		g_blas_rc = kb__cuda_blas_make(g_dev.stream, cublasCreate, &g_blas, &g_blas_ws,
					       g_blas_why, sizeof(g_blas_why));
	}
	if (g_blas)
		return g_blas;
	if (g_blas_rc == -KB_ENOMEM)
		kb_cuda_unavailable(state, "out of device memory for cuBLAS: %s", g_blas_why);
	else
		kb_fail(state, "cuBLAS is unusable: %s", g_blas_why);
	return NULL;
}

/* ---- NVML, loaded at run time ---------------------------------------------- */

typedef struct kb__nvml_device *kb_nvml_dev; /* nvmlDevice_t */

/* nvmlReturn_t and the enums are ints in NVML's ABI. */
static struct {
	bool tried, ok;
	char why[160];
	void *lib;
	kb_nvml_dev dev;
	int (*init)(void);
	const char *(*error_string)(int);
	int (*driver_version)(char *, unsigned);
	int (*by_pci)(const char *, kb_nvml_dev *);
	int (*clock)(kb_nvml_dev, int, unsigned *);
	int (*max_clock)(kb_nvml_dev, int, unsigned *);
	int (*temperature)(kb_nvml_dev, int, unsigned *);
	int (*power)(kb_nvml_dev, unsigned *);
	int (*power_limit)(kb_nvml_dev, unsigned *);
	int (*reasons)(kb_nvml_dev, unsigned long long *);
	int (*pcie_gen)(kb_nvml_dev, unsigned *);
	int (*pcie_width)(kb_nvml_dev, unsigned *);
	int (*pcie_max_gen)(kb_nvml_dev, unsigned *);
	int (*pcie_max_width)(kb_nvml_dev, unsigned *);
	int (*persistence)(kb_nvml_dev, int *);
	int (*pstate)(kb_nvml_dev, int *);
} g_nv;

enum { KB_NVML_CLOCK_SM = 1, KB_NVML_CLOCK_MEM = 2, KB_NVML_TEMPERATURE_GPU = 0 };

/* Throttle ("clocks event") reason bits, nvml.h. */
static const struct {
	unsigned long long bit;
	const char *name;
	bool slows; /* a real slowdown, not idling or a setting */
} kb_nvml_reasons[] = {
	{ 0x1ULL, "gpu_idle", false },
	{ 0x2ULL, "applications_clocks", false },
	{ 0x4ULL, "sw_power_cap", true },
	{ 0x8ULL, "hw_slowdown", true },
	{ 0x10ULL, "sync_boost", false },
	{ 0x20ULL, "sw_thermal", true },
	{ 0x40ULL, "hw_thermal", true },
	{ 0x80ULL, "hw_power_brake", true },
	{ 0x100ULL, "display_clocks", false },
};

static void *nv_sym(const char *name)
{
	return dlsym(g_nv.lib, name);
}

static bool nvml(void)
{
	const struct kb_cuda_device *d;
	int r;

	if (g_nv.tried)
		return g_nv.ok;
	g_nv.tried = true;
	d = kb_cuda_device(NULL);
	if (!d || !d->pci_bus_id[0]) {
		snprintf(g_nv.why, sizeof(g_nv.why), "no CUDA device");
		return false;
	}
	g_nv.lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!g_nv.lib) {
		snprintf(g_nv.why, sizeof(g_nv.why), "libnvidia-ml.so.1 cannot be loaded");
		return false;
	}
	*(void **)&g_nv.init = nv_sym("nvmlInit_v2");
	*(void **)&g_nv.error_string = nv_sym("nvmlErrorString");
	*(void **)&g_nv.driver_version = nv_sym("nvmlSystemGetDriverVersion");
	*(void **)&g_nv.by_pci = nv_sym("nvmlDeviceGetHandleByPciBusId_v2");
	*(void **)&g_nv.clock = nv_sym("nvmlDeviceGetClockInfo");
	*(void **)&g_nv.max_clock = nv_sym("nvmlDeviceGetMaxClockInfo");
	*(void **)&g_nv.temperature = nv_sym("nvmlDeviceGetTemperature");
	*(void **)&g_nv.power = nv_sym("nvmlDeviceGetPowerUsage");
	*(void **)&g_nv.power_limit = nv_sym("nvmlDeviceGetEnforcedPowerLimit");
	*(void **)&g_nv.reasons = nv_sym("nvmlDeviceGetCurrentClocksEventReasons");
	if (!g_nv.reasons)
		*(void **)&g_nv.reasons = nv_sym("nvmlDeviceGetCurrentClocksThrottleReasons");
	*(void **)&g_nv.pcie_gen = nv_sym("nvmlDeviceGetCurrPcieLinkGeneration");
	*(void **)&g_nv.pcie_width = nv_sym("nvmlDeviceGetCurrPcieLinkWidth");
	*(void **)&g_nv.pcie_max_gen = nv_sym("nvmlDeviceGetMaxPcieLinkGeneration");
	*(void **)&g_nv.pcie_max_width = nv_sym("nvmlDeviceGetMaxPcieLinkWidth");
	*(void **)&g_nv.persistence = nv_sym("nvmlDeviceGetPersistenceMode");
	*(void **)&g_nv.pstate = nv_sym("nvmlDeviceGetPerformanceState");
	if (!g_nv.init || !g_nv.by_pci) {
		snprintf(g_nv.why, sizeof(g_nv.why), "libnvidia-ml.so.1 lacks nvmlInit_v2");
		return false;
	}
	r = g_nv.init();
	if (r == 0)
		r = g_nv.by_pci(d->pci_bus_id, &g_nv.dev);
	if (r != 0) {
		snprintf(g_nv.why, sizeof(g_nv.why), "NVML: %s",
			 g_nv.error_string ? g_nv.error_string(r) : "error");
		return false;
	}
	g_nv.ok = true;
	return true;
}

/* Reads one unsigned value through an optional NVML getter. */
#define KB_NV_GET(fn, ...) (g_nv.fn && g_nv.fn(g_nv.dev, __VA_ARGS__) == 0)

/*
 * Clocks the driver did not give (0), from NVML's max clocks when it can be
 * loaded.  NVML's max memory clock is the figure the driver's attribute
 * gives where both exist (the data rate is twice it), so the peak keeps its
 * formula.  Called once the probe succeeded: nvml() needs the device.
 */
static void clock_fallbacks(struct kb_cuda_device *d)
{
	unsigned mhz = 0;

	if (d->mem_clock_khz && d->sm_clock_khz)
		return;
	if (!nvml())
		return;
	if (!d->mem_clock_khz && KB_NV_GET(max_clock, KB_NVML_CLOCK_MEM, &mhz) && mhz > 0) {
		d->mem_clock_khz = (int)mhz * 1000;
		d->mem_clock_source = "nvml_max";
	}
	if (!d->sm_clock_khz && KB_NV_GET(max_clock, KB_NVML_CLOCK_SM, &mhz) && mhz > 0)
		d->sm_clock_khz = (int)mhz * 1000;
}

static void reasons_text(unsigned long long bits, bool slowing_only, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(kb_nvml_reasons) / sizeof(kb_nvml_reasons[0]); i++) {
		if (!(bits & kb_nvml_reasons[i].bit) || (slowing_only && !kb_nvml_reasons[i].slows))
			continue;
		int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "",
				 kb_nvml_reasons[i].name);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	if (!used && !slowing_only)
		snprintf(buf, len, "none");
}

double kb_cuda_pcie_peak_gbps(void)
{
	/* GT/s per lane and payload fraction for PCIe generations 1..6 */
	static const double gts[] = { 0, 2.5, 5, 8, 16, 32, 64 };
	static const double enc[] = { 0, 0.8, 0.8, 128.0 / 130, 128.0 / 130, 128.0 / 130,
				      242.0 / 256 };
	unsigned gen = 0, width = 0;

	if (!nvml() || !KB_NV_GET(pcie_max_gen, &gen) || !KB_NV_GET(pcie_max_width, &width))
		return 0;
	if (gen < 1 || gen > 6 || width == 0)
		return 0;
	return gts[gen] * width * enc[gen] / 8;
}

/* ---- warmup and clock notes ------------------------------------------------ */

struct kb_cuda_seen {
	char *id;
	unsigned min_sm_mhz;      /* lowest SM clock seen after a loop, 0 if none */
	unsigned long long slows; /* union of slowing throttle reasons seen */
};

static struct kb_cuda_seen *g_seen;
static size_t g_nseen;

static struct kb_cuda_seen *seen(const char *id, bool *added)
{
	struct kb_cuda_seen *v;

	*added = false;
	for (size_t i = 0; i < g_nseen; i++)
		if (strcmp(g_seen[i].id, id) == 0)
			return &g_seen[i];
	v = (struct kb_cuda_seen *)realloc(g_seen, (g_nseen + 1) * sizeof(*v));
	if (!v)
		return NULL;
	g_seen = v;
	v = &g_seen[g_nseen];
	v->id = strdup(id);
	if (!v->id)
		return NULL;
	v->min_sm_mhz = 0;
	v->slows = 0;
	g_nseen++;
	*added = true;
	return v;
}

bool kb_cuda_first_call(struct kb_state *state)
{
	bool added;
	struct kb_cuda_seen *s = seen(kb_id(state), &added);

	return !s || added; /* out of memory: warm up again, harmless */
}

void kb_cuda_note_clocks(struct kb_state *state)
{
	unsigned mhz = 0;
	unsigned long long bits = 0, slows = 0;
	struct kb_cuda_seen *s;
	bool added;
	char text[160];

	if (kb_validating(state) || !nvml())
		return;
	s = seen(kb_id(state), &added);
	if (!s)
		return;
	if (KB_NV_GET(clock, KB_NVML_CLOCK_SM, &mhz) && mhz > 0) {
		if (s->min_sm_mhz == 0 || mhz < s->min_sm_mhz)
			s->min_sm_mhz = mhz;
		kb_set_counter(state, "sm_clock_min_mhz", s->min_sm_mhz);
	}
	if (g_nv.reasons && g_nv.reasons(g_nv.dev, &bits) == 0) {
		for (size_t i = 0; i < sizeof(kb_nvml_reasons) / sizeof(kb_nvml_reasons[0]); i++)
			if (kb_nvml_reasons[i].slows)
				slows |= bits & kb_nvml_reasons[i].bit;
		s->slows |= slows;
	}
	if (s->slows) {
		reasons_text(s->slows, true, text, sizeof(text));
		kb_set_label(state, "GPU throttled: %s", text);
	}
}

/* ---- context ------------------------------------------------------------- */

static void put_version(struct kb_ctx *c, const char *key, int v)
{
	char buf[32];

	if (v <= 0) {
		kb_ctx_str(c, key, NULL);
		return;
	}
	snprintf(buf, sizeof(buf), "%d.%d", v / 1000, v % 1000 / 10);
	kb_ctx_str(c, key, buf);
}

static void nvml_context(struct kb_ctx *c)
{
	unsigned u = 0;
	int i = 0;
	unsigned long long bits = 0;
	char buf[160];

	if (!nvml()) {
		kb_ctx_str(c, "nvml", g_nv.why);
		return;
	}
	kb_ctx_str(c, "nvml", "loaded");
	if (g_nv.driver_version && g_nv.driver_version(buf, sizeof(buf)) == 0)
		kb_ctx_str(c, "driver", buf);
	kb_ctx_num(c, "sm_clock_mhz", KB_NV_GET(clock, KB_NVML_CLOCK_SM, &u) ? u : NAN);
	kb_ctx_num(c, "sm_clock_max_mhz",
		   KB_NV_GET(max_clock, KB_NVML_CLOCK_SM, &u) ? u : NAN);
	kb_ctx_num(c, "mem_clock_now_mhz", KB_NV_GET(clock, KB_NVML_CLOCK_MEM, &u) ? u : NAN);
	kb_ctx_num(c, "temperature_c",
		   KB_NV_GET(temperature, KB_NVML_TEMPERATURE_GPU, &u) ? u : NAN);
	kb_ctx_num(c, "power_w", KB_NV_GET(power, &u) ? u / 1000.0 : NAN);
	kb_ctx_num(c, "power_limit_w", KB_NV_GET(power_limit, &u) ? u / 1000.0 : NAN);
	if (g_nv.reasons && g_nv.reasons(g_nv.dev, &bits) == 0) {
		reasons_text(bits, false, buf, sizeof(buf));
		kb_ctx_str(c, "throttle_reasons", buf);
	} else {
		kb_ctx_str(c, "throttle_reasons", NULL);
	}
	kb_ctx_num(c, "pcie_gen", KB_NV_GET(pcie_gen, &u) ? u : NAN);
	kb_ctx_num(c, "pcie_width", KB_NV_GET(pcie_width, &u) ? u : NAN);
	kb_ctx_num(c, "pcie_gen_max", KB_NV_GET(pcie_max_gen, &u) ? u : NAN);
	kb_ctx_num(c, "pcie_width_max", KB_NV_GET(pcie_max_width, &u) ? u : NAN);
	kb_ctx_num(c, "persistence_mode", KB_NV_GET(persistence, &i) ? i : NAN);
	kb_ctx_num(c, "pstate", KB_NV_GET(pstate, &i) ? i : NAN);
}

/* 2 x memory clock x bus width / 8 in GB/s (double data rate), 0 if unknown. */
static double mem_peak_gbps(const struct kb_cuda_device *d)
{
	if (!d->mem_clock_khz || !d->bus_width_bits)
		return 0;
	return 2.0 * d->mem_clock_khz * 1e3 * (d->bus_width_bits / 8.0) / 1e9;
}

void kb__cuda_memory_context(struct kb_ctx *c, const struct kb_cuda_device *d)
{
	double peak = mem_peak_gbps(d);

	kb_ctx_num(c, "memory_bus_width_bits", d->bus_width_bits ? d->bus_width_bits : NAN);
	kb_ctx_num(c, "memory_clock_mhz", d->mem_clock_khz ? d->mem_clock_khz / 1000.0 : NAN);
	kb_ctx_str(c, "memory_clock_source", d->mem_clock_khz ? d->mem_clock_source : NULL);
	if (!d->mem_clock_khz)
		kb_ctx_str(c, "memory_clock_note",
			   "unknown: the driver reports no memory clock and NVML's max memory "
			   "clock is not available, so gpu_bandwidth has no peak (set "
			   "peak.gpu_bandwidth in kbench.conf)");
	kb_ctx_num(c, "memory_peak_gbps", peak > 0 ? peak : NAN);
}

static void gpu_context(struct kb_ctx *c)
{
	const char *why;
	const struct kb_cuda_device *d = kb_cuda_device(&why);
	int drv = 0, rt = 0, maj = 0, min = 0, pat = 0;
	char buf[64];

	cudaDriverGetVersion(&drv);
	cudaRuntimeGetVersion(&rt);
	put_version(c, "cuda_driver", drv);
	put_version(c, "cuda_runtime", rt);
	if (cublasGetProperty(MAJOR_VERSION, &maj) == CUBLAS_STATUS_SUCCESS &&
	    cublasGetProperty(MINOR_VERSION, &min) == CUBLAS_STATUS_SUCCESS &&
	    cublasGetProperty(PATCH_LEVEL, &pat) == CUBLAS_STATUS_SUCCESS) {
		snprintf(buf, sizeof(buf), "%d.%d.%d", maj, min, pat);
		kb_ctx_str(c, "cublas", buf);
	} else {
		kb_ctx_str(c, "cublas", NULL);
	}
	kb_ctx_str(c, "built_for", KB_CUDA_BUILT_FOR);
	kb_ctx_str(c, "NVIDIA_TF32_OVERRIDE", getenv("NVIDIA_TF32_OVERRIDE"));
	kb_ctx_str(c, "CUDA_MODULE_LOADING", getenv("CUDA_MODULE_LOADING"));
	kb_ctx_str(c, "CUDA_VISIBLE_DEVICES", getenv("CUDA_VISIBLE_DEVICES"));
	if (!d) {
		kb_ctx_str(c, "status", "unavailable");
		kb_ctx_str(c, "reason", why);
		return;
	}
	kb_ctx_str(c, "status", "ok");
	kb_ctx_str(c, "name", d->name);
	snprintf(buf, sizeof(buf), "%d.%d", d->cc_major, d->cc_minor);
	kb_ctx_str(c, "compute_capability", buf);
	kb_ctx_num(c, "sms", d->sms);
	kb_ctx_num(c, "memory_bytes", (double)d->mem_bytes);
	kb__cuda_memory_context(c, d);
	kb_ctx_num(c, "sm_clock_peak_mhz", d->sm_clock_khz ? d->sm_clock_khz / 1000.0 : NAN);
	kb_ctx_num(c, "l2_bytes", d->l2_bytes);
	kb_ctx_num(c, "ecc", d->ecc);
	kb_ctx_str(c, "pci_bus_id", d->pci_bus_id[0] ? d->pci_bus_id : NULL);
	nvml_context(c);
	kb_ctx_fingerprint(c, d->name);
}

__attribute__((constructor)) static void kb__cuda_register_context(void)
{
	kb_register_context("gpu", gpu_context);
}

/* ---- peaks ---------------------------------------------------------------- */

/* FP32 lanes per SM by compute capability (CUDA programming guide table). */
static int fp32_lanes(int major, int minor)
{
	switch (major) {
	case 6:
		return minor == 0 ? 64 : 128;
	case 7:
		return 64;
	case 8:
		return minor == 0 ? 64 : 128;
	case 5:
	case 9:
	case 10:
	case 12:
		return 128;
	default:
		return 0;
	}
}

/* Dense tensor FLOP per clock per SM (A100: 312 TF BF16 / 108 SMs / 1.41 GHz;
 * H100 SXM: 989.5 TF / 132 SMs / 1.83 GHz); 0 where not tabulated. */
static double tensor_flops_per_clock(int major, int minor, bool bf16)
{
	if (major == 8 && minor == 0)
		return bf16 ? 2048 : 1024;
	if (major == 9 && minor == 0)
		return bf16 ? 4096 : 2048;
	return 0;
}

KB_PEAK(gpu_bandwidth, "GB/s", "2 x memory clock x bus width / 8, from the driver (or NVML); "
			       "the calibration read (note) when it is higher")
{
	const struct kb_cuda_device *d = kb_cuda_device(NULL);
	size_t free_b = 0, total_b = 0, bytes;
	double theory, cal;

	if (!d)
		return 0;
	theory = mem_peak_gbps(d);
	bytes = 8 * (size_t)(d->l2_bytes > 0 ? d->l2_bytes : 0);
	bytes = bytes > ((size_t)1 << 30) ? bytes : (size_t)1 << 30;
	if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess && bytes > free_b / 4)
		bytes = free_b / 4;
	cal = kb__cuda_peak_read_gbps(d, bytes, 4);
	kb_peak_note("theoretical", theory > 0 ? theory : NAN);
	kb_peak_note("calibration", cal > 0 ? cal : NAN);
	return cal > theory ? cal : theory;
}

KB_PEAK(gpu_flops_f32, "GFLOP/s", "SMs x FP32 lanes/SM x 2 x max SM clock; the FMA calibration "
				  "kernel (note) when it is higher")
{
	const struct kb_cuda_device *d = kb_cuda_device(NULL);
	double theory, cal;

	if (!d)
		return 0;
	theory = d->sm_clock_khz ? d->sms * fp32_lanes(d->cc_major, d->cc_minor) * 2.0 * d->sm_clock_khz / 1e6
				 : 0;
	cal = kb__cuda_peak_fma_f32_gflops(d);
	kb_peak_note("theoretical", theory > 0 ? theory : NAN);
	kb_peak_note("calibration", cal > 0 ? cal : NAN);
	return cal > theory ? cal : theory;
}

KB_PEAK(gpu_flops_tf32, "GFLOP/s", "SMs x dense TF32 FLOP/clock/SM x max SM clock (upper bound)")
{
	const struct kb_cuda_device *d = kb_cuda_device(NULL);

	if (!d || !d->sm_clock_khz)
		return 0;
	return d->sms * tensor_flops_per_clock(d->cc_major, d->cc_minor, false) *
	       d->sm_clock_khz / 1e6;
}

KB_PEAK(gpu_flops_bf16, "GFLOP/s", "SMs x dense BF16 FLOP/clock/SM x max SM clock (upper bound)")
{
	const struct kb_cuda_device *d = kb_cuda_device(NULL);

	if (!d || !d->sm_clock_khz)
		return 0;
	return d->sms * tensor_flops_per_clock(d->cc_major, d->cc_minor, true) *
	       d->sm_clock_khz / 1e6;
}

KB_PEAK(pcie_bandwidth, "GB/s", "PCIe max link: GT/s x lanes x encoding / 8, one direction (NVML)")
{
	return kb_cuda_pcie_peak_gbps();
}
