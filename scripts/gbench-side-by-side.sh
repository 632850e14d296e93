#!/bin/sh
# scripts/gbench-side-by-side.sh [BUILD_DIR] [-- KBENCH_FLAGS...]
#
# Builds the same loops (scripts/side-by-side/kernels.c: the empty loop, a
# 1 M-float SIMD sum and triad, a 64 MiB memcpy, OpenBLAS sgemm 256 and
# 1024, one thread) under Google Benchmark (libbenchmark-dev) and under
# kbench, runs each harness with its defaults (Google Benchmark with 5
# repetitions, its median taken; kbench with its default processes), and
# prints both times and their ratio.  Run it on a quiet machine; it says
# which machine it ran on.  Needs g++ and libbenchmark-dev.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
case "$B" in /*) ;; *) B=$root/$B ;; esac
[ -f "$B/libkbench.a" ] || { echo "side-by-side: build first (make)" >&2; exit 2; }
[ -f /usr/include/benchmark/benchmark.h ] || { echo "side-by-side: needs libbenchmark-dev (apt-get install libbenchmark-dev)" >&2; exit 2; }
out=$B/side-by-side
mkdir -p "$out"
src=$root/scripts/side-by-side
kobj="$B/obj/kernels/cpu/kb_elementwise_simd.o $B/obj/kernels/cpu/kb_memory.o $B/obj/kernels/cpu/kb_reduce_simd.o $B/obj/kernels/cpu/kb_gemm_openblas.o $B/obj/kernels/cpu/kb_cpu.o"
# the same compiler flags as kbench's own objects for the shared part
cflags="-O2 -g -pthread -I$root/harness -I$root/kernels -DKB_HAVE_OPENBLAS=1 $(pkg-config --cflags openblas)"
libs="$(pkg-config --libs openblas hwloc) -lm -lpthread -ldl"
cc $cflags -c "$src/kernels.c" -o "$out/kernels.o"
# shellcheck disable=SC2086
cc $cflags "$src/kb.c" "$out/kernels.o" $kobj "$B/kbench_main.o" "$B/libkbench.a" $libs -o "$out/sbs-kbench"
# shellcheck disable=SC2086
g++ -O2 -g -std=c++17 -I"$src" "$src/gb.cc" "$out/kernels.o" $kobj -lbenchmark $libs -o "$out/sbs-gbench"
echo "side-by-side: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%MZ)"
start=$(date +%s)
"$out/sbs-gbench" --benchmark_repetitions=5 --benchmark_format=json >"$out/gbench.json" 2>/dev/null
gb_s=$(($(date +%s) - start))
start=$(date +%s)
"$out/sbs-kbench" --no-peaks --format=json --out="$out/kbench.json" "$@" >/dev/null
kb_s=$(($(date +%s) - start))
python3 - "$out/gbench.json" "$out/kbench.json" "$gb_s" "$kb_s" <<'PY'
import json, sys
gb = json.load(open(sys.argv[1]))
kb = json.load(open(sys.argv[2]))
gbm = {b["run_name"]: b["real_time"] for b in gb["benchmarks"] if b.get("aggregate_name") == "median"}
unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
gbu = {b["run_name"]: unit[b["time_unit"]] for b in gb["benchmarks"] if b.get("aggregate_name") == "median"}
print("%-22s %14s %14s %10s %8s" % ("case", "kbench", "google bench", "kb / gb", "kb ±"))
for b in kb["benchmarks"]:
    name = b["kernel"]
    for k in gbm:
        if k.replace("/", "_") == name:
            g = gbm[k] * gbu[k]
            s = b["summary"]
            hw = (s["ci_high"] - s["ci_low"]) / 2 / s["median"] * 100
            print("%-22s %12.4g ns %12.4g ns %10.3f %7.1f%%" % (k, s["median"], g, s["median"] / g, hw))
print("wall time: google benchmark %s s, kbench %s s" % (sys.argv[3], sys.argv[4]))
PY
