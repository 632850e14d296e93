#!/bin/sh
# Host-side logic of the CUDA backend, with no GPU: tests/cuda/cuda_host.cu
# linked against this build's kernels/cuda objects and libkbench.
#
#  1. a failing cublasCreate (a fault hook into kb__cuda_blas_make) gives a
#     reason that names the call and its status, and leaves nothing behind,
#     so "cuBLAS is unusable: ..." says why;
#  2. an unknown memory clock is null in the context, with a note, and so
#     is the peak bandwidth; a known one (driver or NVML) gives the clock,
#     its source and 2 x clock x bus width / 8;
#  3. launch_bound, fed by a fake timer through the real runner: the
#     counter equals the share of launch-bound batches among the samples the
#     runner kept (warmup and each round's dropped batch excluded), and is
#     written as 0 when no batch was launch-bound; a GPU-bound kernel only
#     1.11 times as long as a launch is not launch-bound.
#
# Skips (77) without nvcc, in the sanitizer build, and in a build made with
# CUDA off.
set -eu
. "$(dirname "$0")/cuda_env.sh"
cuda_env built

objs=""
for f in device check timer launch_bound peak_cuda; do
	o="$build/obj/kernels/cuda/$f.cu.o"
	[ -f "$o" ] || fail "$o not built (run make first)"
	objs="$objs $o"
done
[ -f "$build/libkbench.a" ] || fail "$build/libkbench.a not built"
# shellcheck disable=SC2086,SC2046
"$nvcc" -std=c++17 -I"$root/harness" -I"$root/kernels" -Xcompiler -Wall,-Wextra,-Werror \
	-o "$tmp/cuda_host" "$root/tests/cuda/cuda_host.cu" $objs "$build/libkbench.a" -lcublas \
	$(pkg-config --libs hwloc jansson) -lm -lpthread -ldl > "$tmp/nvcc.txt" 2>&1 ||
	{ cat "$tmp/nvcc.txt"; fail "tests/cuda/cuda_host.cu does not build"; }

# ---- 1. cublasCreate fails ---------------------------------------------------------
"$tmp/cuda_host" blas-fault || fail "the cublasCreate failure path (see above)"

# ---- 2 and 3. kbench with the made-up devices and the fake timer -------------------
env -u KBENCH_FILTER -u KBENCH_ROUNDS -u KBENCH_WARMUP "$tmp/cuda_host" \
	--filter='^fake/' --processes=1 --warmup=0.002 --rounds=7 --out="$tmp/run.json" > "$tmp/run.txt" 2>&1 ||
	{ cat "$tmp/run.txt"; fail "kbench with the fake benchmarks failed"; }
python3 - "$tmp/run.json" <<'PY'
import json, math, sys

run = json.load(open(sys.argv[1]))
ctx = run["context"]

def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

u = ctx.get("memtest_unknown") or fail("no memtest_unknown section")
for k in ("memory_clock_mhz", "memory_clock_source", "memory_peak_gbps"):
    if k not in u or u[k] is not None:
        fail("unknown memory clock: %s is %r, expected null" % (k, u.get(k)))
if "unknown" not in (u.get("memory_clock_note") or ""):
    fail("unknown memory clock without a note: %r" % u)
for sec, mhz, src, peak in (("memtest_driver", 2619, "driver", 2 * 2619e6 * 5120 / 8 / 1e9),
                            ("memtest_nvml", 3201, "nvml_max", 2 * 3201e6 * 6144 / 8 / 1e9)):
    s = ctx[sec]
    if s["memory_clock_mhz"] != mhz or s["memory_clock_source"] != src \
            or abs(s["memory_peak_gbps"] - peak) > 1e-6 * peak or "memory_clock_note" in s:
        fail("%s: %r, expected %d MHz from %s, peak %.2f GB/s" % (sec, s, mhz, src, peak))

bench = {b["id"]: b for b in run["benchmarks"]}
mixed, flat = bench["fake/mixed/1"], bench["fake/gpu_bound/1"]
for b in (mixed, flat):
    if b["status"] != "ok" or b["iterations_per_sample"] != 1:
        fail("%s: %s, %r iterations per sample" % (b["id"], b["status"], b["iterations_per_sample"]))
    if "launch_bound" not in b["counters"]:
        fail("%s has no launch_bound counter: %r" % (b["id"], b["counters"]))
samples = mixed["samples_ns"]
starved = sum(1 for s in samples if s == 3e6)
if len(samples) != 35 or starved == 0 or starved == len(samples):
    fail("fake/mixed: %d samples, %d launch-bound: the pattern should mix them" % (len(samples), starved))
want = starved / len(samples)
if not math.isclose(mixed["counters"]["launch_bound"], want, abs_tol=1e-9):
    fail("fake/mixed: launch_bound %r, but %d of the %d recorded samples are launch-bound (%r)"
         % (mixed["counters"]["launch_bound"], starved, len(samples), want))
if flat["counters"]["launch_bound"] != 0:
    fail("fake/gpu_bound: launch_bound %r, expected 0 (kernels 1.11 x a launch are GPU-bound)"
         % flat["counters"]["launch_bound"])
print("ok: cublasCreate reason kept; null memory clock; launch_bound %d/%d = %.4f over recorded samples"
      % (starved, len(samples), want))
PY
