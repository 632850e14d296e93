#!/bin/sh
# gpu-check.sh - the first (or any) run of kbench's CUDA backend on a GPU, in
# one short pass: build with CUDA=1, record the GPU's facts, run every GPU
# benchmark with --require-gpu and a short --max-time, and print the target
# table (kernels/cuda/README.md, "Targets").
#
#   scripts/gpu-check.sh OUT_DIR
#
# OUT_DIR receives build.log, nvidia-smi.txt, probe.json, <suite>.json and
# <suite>.txt for matmul, elementwise, reduction and memory, and summary.md
# (the facts, the target table, and every failure).
#
# The run is bound to the GPU's NUMA node (numactl, else taskset on the
# node's CPUs) read from sysfs for the GPU's PCI bus id, so pinned buffers
# and the copying thread sit next to the GPU; summary.md says which.
#
# Exit status:
#   0  every GPU benchmark ran and validated (targets met or not: they are
#      measurements, reported in the table)
#   1  a GPU benchmark failed: validation, a CUDA error, or a suite cut off
#      by its time limit
#   2  usage, or the build failed
#   3  no usable GPU on this machine: nothing was measured (the reason,
#      from the CUDA driver, is printed and in summary.md)
#
# Environment: B (build directory, default build), JOBS (make -j, default
# the CPU count), MAX_TIME (seconds per benchmark instance, default 0.4),
# CUDA_ARCH (passed to make).  Sized to finish in under 6 minutes on an
# H100 (each suite has a time limit; 270 s in all) so that it can be rerun
# once in the same session.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-}
if [ -z "$out" ] || [ $# -ne 1 ]; then
	echo "usage: scripts/gpu-check.sh OUT_DIR" >&2
	exit 2
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
B=${B:-build}
case "$B" in
/*) build=$B ;;
*) build=$root/$B ;;
esac
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
MAX_TIME=${MAX_TIME:-0.4}
kb="$build/kbench"
summary="$out/summary.md"
t0=$(date +%s)
say() { echo "gpu-check: $*"; }

# ---- build -------------------------------------------------------------------------
say "building with CUDA=1 in $build (make -j$JOBS)"
if ! make -C "$root" --no-print-directory -j"$JOBS" CUDA=1 B="$build" \
	${CUDA_ARCH:+CUDA_ARCH="$CUDA_ARCH"} all > "$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	say "the build failed (the whole log is $out/build.log)" >&2
	printf '# gpu-check\n\nThe build with CUDA=1 failed; see build.log.\n' > "$summary"
	exit 2
fi

# ---- facts ---------------------------------------------------------------------------
if command -v nvidia-smi > /dev/null 2>&1; then
	{
		nvidia-smi --query-gpu=name,pci.bus_id,driver_version,memory.total,clocks.max.sm,clocks.max.memory,clocks.sm,clocks.mem,power.limit,pcie.link.gen.max,pcie.link.width.max,pcie.link.gen.current,pcie.link.width.current,persistence_mode,ecc.mode.current,temperature.gpu,clocks_event_reasons.active --format=csv 2>&1 ||
			nvidia-smi --query-gpu=name,pci.bus_id,driver_version,memory.total,clocks.max.sm,clocks.max.memory,power.limit,pcie.link.gen.max,pcie.link.width.max --format=csv 2>&1 || true
		echo
		nvidia-smi topo -m 2>&1 || true
	} > "$out/nvidia-smi.txt"
else
	echo "nvidia-smi: not found on PATH" > "$out/nvidia-smi.txt"
fi
sed 's/^/  /' "$out/nvidia-smi.txt"

# ---- does kbench see a GPU? -----------------------------------------------------------
"$kb" --filter='^memory/d2d/4KiB$' --max-time=0.05 --warmup=0.01 --out="$out/probe.json" \
	> "$out/probe.txt" 2>&1 || true
probe=$(python3 - "$out/probe.json" <<'PY'
import json, sys
try:
    gpu = json.load(open(sys.argv[1]))["context"].get("gpu") or {}
except (OSError, ValueError) as e:
    print("unavailable\tkbench wrote no probe result (%s)" % e)
    sys.exit(0)
if gpu.get("status") == "ok":
    print("ok\t%s\t%s" % (gpu.get("name"), gpu.get("pci_bus_id") or ""))
else:
    print("unavailable\t%s" % (gpu.get("reason") or "no reason given"))
PY
)
status=$(printf '%s' "$probe" | cut -f1)
if [ "$status" != ok ]; then
	reason=$(printf '%s' "$probe" | cut -f2-)
	say "NO GPU: no usable CUDA device on this machine: $reason"
	say "nothing was measured; run this script where a GPU is lent (exit 3)"
	printf '# gpu-check\n\nNo usable CUDA device: %s\n\nNothing was measured (exit 3).\n' \
		"$reason" > "$summary"
	exit 3
fi
gpu_name=$(printf '%s' "$probe" | cut -f2)
bus=$(printf '%s' "$probe" | cut -f3 | tr 'A-F' 'a-f')
say "GPU: $gpu_name at ${bus:-an unknown PCI address}"

# ---- bind to the GPU's NUMA node -------------------------------------------------------
bind=""
bind_note="not bound (no NUMA node known for the GPU)"
sysdev="/sys/bus/pci/devices/$bus"
node=$(cat "$sysdev/numa_node" 2>/dev/null || echo -1)
if [ -n "$bus" ] && [ "$node" -ge 0 ] 2>/dev/null; then
	if command -v numactl > /dev/null 2>&1; then
		bind="numactl --cpunodebind=$node --membind=$node"
		bind_note="numactl --cpunodebind=$node --membind=$node (the GPU's NUMA node)"
	elif command -v taskset > /dev/null 2>&1 && [ -r "$sysdev/local_cpulist" ]; then
		cpus=$(cat "$sysdev/local_cpulist")
		bind="taskset -c $cpus"
		bind_note="taskset -c $cpus (the GPU's local CPUs; memory by first touch)"
	fi
elif [ -n "$bus" ] && [ -r "$sysdev/local_cpulist" ] && command -v taskset > /dev/null 2>&1; then
	cpus=$(cat "$sysdev/local_cpulist")
	bind="taskset -c $cpus"
	bind_note="taskset -c $cpus (the GPU's local CPUs; no NUMA node reported)"
fi
say "binding: $bind_note"

# ---- every GPU benchmark ------------------------------------------------------------------
failed_suites=""
run_suite() { # suite filter limit_s
	say "running $1 (--max-time=$MAX_TIME, at most $3 s)"
	# shellcheck disable=SC2086
	if timeout "$3" $bind "$kb" --filter="$2" --require-gpu --max-time="$MAX_TIME" \
		--warmup=0.05 --out="$out/$1.json" > "$out/$1.txt" 2>&1; then
		rc=0
	else
		rc=$?
	fi
	tail -n 3 "$out/$1.txt" | sed 's/^/  /'
	case $rc in
	0) ;;
	124) failed_suites="$failed_suites $1(cut off after $3 s)" ;;
	*) failed_suites="$failed_suites $1(exit $rc)" ;;
	esac
}
run_suite matmul '^matmul/.*(_cuda|cublas)' 100
run_suite elementwise '^elementwise/.*_cuda' 45
run_suite reduction '^reduction/.*(_cuda|_cub/)' 45
run_suite memory '^memory/(h2d|d2h|d2d)' 80

# ---- the table ------------------------------------------------------------------------------
set +e
python3 - "$out" "$bind_note" "$failed_suites" "$(($(date +%s) - t0))" > "$summary" <<'PY'
import json, os, sys

out, bind_note, failed_suites, secs = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4]
runs = {}
for s in ("matmul", "elementwise", "reduction", "memory"):
    try:
        runs[s] = json.load(open(os.path.join(out, s + ".json")))
    except (OSError, ValueError):
        runs[s] = None
bench = {}
for r in runs.values():
    for b in (r or {}).get("benchmarks", []):
        bench[b["id"]] = b
ctx = next((r["context"] for r in runs.values() if r), {})
gpu = ctx.get("gpu") or {}

def find(key):  # a context key, in whichever section holds it
    for sec in ctx.values():
        if isinstance(sec, dict) and key in sec:
            return sec[key]
    return None

def c(bid, name):
    b = bench.get(bid)
    return None if not b or b["status"] != "ok" else (b.get("counters") or {}).get(name)

def f(v, fmt="%.1f"):
    return "n/a" if v is None else fmt % v

MiB = 1 << 20
def sizes(kernel, lo):
    """ids of memory/<kernel>/<bytes> at lo bytes and above, by size"""
    out = []
    for bid, b in bench.items():
        if b["suite"] == "memory" and b["kernel"] == kernel and b["params"].get("bytes", 0) >= lo:
            out.append((b["params"]["bytes"], bid))
    return [bid for _, bid in sorted(out)]

rows = []  # target, benchmark, measured, reference, verdict
def target(name, bid, value, ref, goal):
    verdict = "n/a" if value is None or goal is None else ("met" if value >= goal else "NOT met")
    rows.append((name, bid, value, ref, verdict))

for kernel, goal, peak in (("d2d", 90, "gpu_bandwidth"), ("h2d_pinned", 80, "pcie_bandwidth"),
                           ("d2h_pinned", 80, "pcie_bandwidth")):
    ids = sizes(kernel, 256 * MiB if kernel == "d2d" else 64 * MiB)
    best = max(ids, key=lambda i: c(i, "pct_peak") or -1, default=None)
    target("%s >= %d %% of %s" % (kernel, goal, peak), best or "memory/%s/*" % kernel,
           c(best, "pct_peak") if best else None, "%s GB/s at best" % f(c(best, "gbps")) if best else "", goal)

n = 4096
blas = {m: c("matmul/%s/%d" % (m, n), "gflops") for m in ("sgemm_cublas", "sgemm_cublas_default")}
fast = max((v for v in blas.values() if v), default=None)
for k, goal in (("sgemm_cuda_regblock", 50), ("sgemm_cuda_tiled", None)):
    g = c("matmul/%s/%d" % (k, n), "gflops")
    target("%s >= 50 %% of cuBLAS FP32" % k if goal else "%s vs cuBLAS FP32 (textbook step)" % k,
           "matmul/%s/%d" % (k, n), 100 * g / fast if g and fast else None,
           "%s GFLOP/s vs %s (pedantic %s, default %s)" % (f(g), f(fast), f(blas["sgemm_cublas"]),
                                                          f(blas["sgemm_cublas_default"])), goal)
for k in ("sgemm_cublas", "sgemm_cublas_default", "sgemm_cublas_tf32", "gemm_bf16_cublas"):
    bid = "matmul/%s/%d" % (k, n)
    target("%s, %% of its peak" % k, bid, c(bid, "pct_peak"), "%s GFLOP/s" % f(c(bid, "gflops")), None)
for k in ("copy_cuda", "copy_cuda_unroll4", "triad_cuda", "triad_cuda_unroll4", "triad_cuda_cold"):
    bid = "elementwise/%s/67108864" % k
    target("%s, %% of HBM" % k, bid, c(bid, "pct_peak"), "%s GB/s" % f(c(bid, "gbps")), None)
for k in ("sum_cuda", "sum_cuda_unroll4", "sum_cuda_cold", "dot_cuda", "dot_cuda_unroll4",
          "sum_cub", "dot_cub"):
    bid = "reduction/%s/67108864" % k
    target("%s, %% of HBM" % k, bid, c(bid, "pct_peak"), "%s GB/s" % f(c(bid, "gbps")), None)

failures = []
for bid, b in sorted(bench.items()):
    if b["status"] != "ok" or b.get("validated") is not True:
        failures.append("%s: %s, validated=%r: %s" % (bid, b["status"], b.get("validated"), b.get("message")))
for s in failed_suites:
    failures.append("suite " + s)
for s, r in runs.items():
    if r is None:
        failures.append("suite %s: no JSON result" % s)

print("# gpu-check: %s\n" % (gpu.get("name") or "?"))
print("| fact | value |\n|---|---|")
for k in ("name", "compute_capability", "sms", "pci_bus_id", "driver", "cuda_driver", "cuda_runtime",
          "cublas", "built_for", "memory_clock_mhz", "memory_clock_source", "memory_bus_width_bits",
          "memory_peak_gbps", "sm_clock_peak_mhz", "sm_clock_max_mhz", "l2_bytes", "ecc",
          "pcie_gen_max", "pcie_width_max", "power_limit_w", "persistence_mode", "throttle_reasons"):
    print("| %s | %s |" % (k, gpu.get(k)))
for p in ("gpu_bandwidth", "pcie_bandwidth", "gpu_flops_f32", "gpu_flops_tf32", "gpu_flops_bf16"):
    print("| peak %s | %s |" % (p, find("peaks." + p)))
print("| binding | %s |\n| wall time | %s s |\n" % (bind_note, secs))
print("| target | benchmark | measured % | | verdict |\n|---|---|---|---|---|")
for name, bid, value, ref, verdict in rows:
    print("| %s | %s | %s | %s | %s |" % (name, bid, f(value), ref, verdict))
lb = sorted((bid, b["counters"]["launch_bound"]) for bid, b in bench.items()
            if (b.get("counters") or {}).get("launch_bound"))
print("\nlaunch-bound samples (share > 0): " + (", ".join("%s %.2f" % x for x in lb) or "none"))
thr = sorted(bid for bid, b in bench.items() if (b.get("label") or "").startswith("GPU throttled"))
print("throttled: " + (", ".join(thr) or "none"))
clk = [c(bid, "sm_clock_min_mhz") for bid in bench if c(bid, "sm_clock_min_mhz")]
print("lowest SM clock after a timed loop: %s MHz" % (min(clk) if clk else "n/a"))
print("\n%d GPU benchmarks, %d failures" % (len(bench), len(failures)))
for x in failures:
    print("- FAIL " + x)
sys.exit(1 if failures else 0)
PY
rc=$?
set -e
cat "$summary"
if [ "$rc" -ne 0 ]; then
	say "FAILED: see the failures above; results in $out"
	exit 1
fi
say "every GPU benchmark ran and validated; results in $out ($(($(date +%s) - t0)) s)"
