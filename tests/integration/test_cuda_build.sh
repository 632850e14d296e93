#!/bin/sh
# The CUDA backend: built and linked whenever nvcc exists, and the GPU
# benchmarks' behaviour on this machine.
#
#  1. every kernels/cuda/*.cu and suites/*_cuda.cu has its object, and
#     build/kbench defines the kernel launchers and the __global__ kernels
#     and calls cuBLAS (cublasSgemm_v2, cublasGemmEx), with libcublas and
#     libcudart resolvable;
#  2. kbench.h compiles as C++ under nvcc with -Wall -Wextra -Werror, and a
#     user's .cu suite linked with libkbench registers and runs;
#  3. with no usable GPU: `kbench --filter=_cuda --quick` (and every other
#     GPU id) exits 0 with every GPU benchmark skipped, its message the
#     probe's reason (also in context.gpu.reason); --require-gpu makes each
#     an error and the exit 1.  With a GPU: every one runs and validates,
#     and --require-gpu changes nothing.
#
# Skips (77) without nvcc, in the sanitizer build, and in a build made with
# CUDA off.
set -eu
. "$(dirname "$0")/cuda_env.sh"
cuda_env built
kb="$build/kbench"

# ---- 1. objects and symbols ---------------------------------------------------
[ -x "$kb" ] || fail "$kb not built"
for src in "$root"/kernels/cuda/*.cu "$root"/suites/*_cuda.cu; do
	rel=${src#"$root"/}
	[ -f "$build/obj/${rel%.cu}.cu.o" ] || fail "no object for $rel (built with CUDA=0?)"
done

nm "$kb" > "$tmp/nm.txt"
nm -C "$kb" > "$tmp/nmc.txt"
for sym in kb_gemm_f32_cuda_naive kb_gemm_f32_cuda_tiled kb_gemm_f32_cuda_regblock \
	kb_gemm_f32_cublas kb_gemm_tf32_cublas kb_gemm_bf16_cublas \
	kb_copy_f32_cuda kb_scale_f32_cuda kb_add_f32_cuda kb_triad_f32_cuda \
	kb_sum_f32_cuda kb_dot_f32_cuda kb_sum_f32_cub kb_dot_f32_cub \
	kb_fill_f32_cuda kb_copy_f32_cuda_unroll4 kb_triad_f32_cuda_unroll4 kb_sum_f32_cuda_unroll4 \
	kb_dot_f32_cuda_unroll4 kb_gemm_f32_cublas_default; do
	grep -q " T $sym\$" "$tmp/nm.txt" || fail "kbench does not define $sym"
done
for fn in kb_cuda_begin kb_cuda_time kb__cuda_check kb__cublas_check kb_cuda_blas; do
	grep -q " T $fn(" "$tmp/nmc.txt" || fail "kbench does not define $fn()"
done
for k in kb__gemm_f32_naive_kernel kb__gemm_f32_tiled_kernel kb__gemm_f32_regblock_kernel \
	kb__copy_f32_kernel kb__triad_f32_kernel kb__reduce_f32_kernel kb__cuda_delay_kernel \
	kb__cuda_flush_kernel; do
	grep -q "$k" "$tmp/nmc.txt" || fail "kbench lacks the __global__ kernel $k"
done
grep -q "cub::.*DeviceReduce" "$tmp/nmc.txt" || fail "kbench lacks CUB's device reduce kernels"
for sym in cublasSgemm_v2 cublasGemmEx cublasSetMathMode cublasSetWorkspace_v2 cudaEventElapsedTime; do
	grep -q " U $sym" "$tmp/nm.txt" || fail "kbench does not call $sym"
done
ldd "$kb" > "$tmp/ldd.txt"
grep -q "libcublas.so.* => /" "$tmp/ldd.txt" || fail "libcublas not resolvable: $(cat "$tmp/ldd.txt")"
grep -q "libcudart.so.* => /" "$tmp/ldd.txt" || fail "libcudart not resolvable"

# ---- 2. the public header under nvcc -------------------------------------------
cat > "$tmp/user_suite.cu" <<'CU'
#include "kbench.h"

__global__ void scale(float *x, float s) { x[threadIdx.x] *= s; }

KB_BENCH(user, hello)
{
	int64_t n = kb_arg(state, 0);
	float *x = kb_input_f32(state, (size_t)n);
	if (!x)
		return;
	kb_set_param_str(state, "dtype", "f32");
	kb_set_bytes(state, (uint64_t)n * sizeof(float));
	while (kb_loop(state)) {
		float s = 0;
		for (int64_t i = 0; i < n; i++)
			s += x[i];
		kb_do_not_optimize(s);
	}
	if (kb_validating(state))
		kb_set_validated(state);
}
KB_SPACE(user, hello, "n=4,16");
KB_QUICK(user, hello, "n=4");
KB_ARGS(user, hello, 64);

KB_PEAK(user_peak, "GB/s", "a constant, for the test")
{
	return 1.0;
}
CU
"$nvcc" -std=c++17 -x cu -I"$root/harness" -Xcompiler -Wall,-Wextra,-Werror \
	-c -o "$tmp/user_suite.o" "$tmp/user_suite.cu" 2> "$tmp/nvcc.txt" ||
	{ cat "$tmp/nvcc.txt"; fail "kbench.h does not compile as C++ under nvcc"; }
printf '#include "kbench.h"\nint main(void) { return kb_quick(0) ? 0 : 0; }\n' > "$tmp/plain.cpp"
"$nvcc" -std=c++17 -x c++ -I"$root/harness" -Xcompiler -Wall,-Wextra,-Werror \
	-c -o "$tmp/plain.o" "$tmp/plain.cpp" 2> "$tmp/nvcc2.txt" ||
	{ cat "$tmp/nvcc2.txt"; fail "kbench.h does not compile as plain C++ under nvcc"; }
if [ -f "$build/kbench_main.o" ] && [ -f "$build/libkbench.a" ]; then
	# shellcheck disable=SC2046
	"$nvcc" -o "$tmp/user" "$tmp/user_suite.o" "$build/kbench_main.o" "$build/libkbench.a" \
		$(pkg-config --libs hwloc jansson 2>/dev/null) -lm -lpthread -ldl 2> "$tmp/ld.txt" ||
		{ cat "$tmp/ld.txt"; fail "a .cu suite does not link with libkbench"; }
	"$tmp/user" --list > "$tmp/user_list.txt" || fail "user binary --list failed"
	grep -qx "user/hello/4" "$tmp/user_list.txt" || fail "user suite not registered: $(cat "$tmp/user_list.txt")"
	grep -qx "user/hello/64" "$tmp/user_list.txt" || fail "KB_ARGS instance missing"
	"$tmp/user" --quick --format=json --out="$tmp/user.json" > /dev/null ||
		fail "user binary --quick failed"
fi

# ---- 3. GPU benchmarks: skipped with the reason, or run -------------------------
gpu_ids='_cuda|cublas|_cub/|^memory/(h2d|d2h|d2d)'
"$kb" --filter=_cuda --quick --out="$tmp/cuda.json" > "$tmp/cuda.txt" 2>&1 ||
	{ cat "$tmp/cuda.txt"; fail "kbench --filter=_cuda --quick exited non-zero"; }
"$kb" --filter="$gpu_ids" --quick --out="$tmp/gpu.json" > "$tmp/gpu.txt" 2>&1 &&
	gpu_rc=0 || gpu_rc=$?
"$kb" --filter="$gpu_ids" --quick --require-gpu --out="$tmp/req.json" > "$tmp/req.txt" 2>&1 &&
	req_rc=0 || req_rc=$?

python3 - "$tmp/cuda.json" "$tmp/gpu.json" "$tmp/req.json" "$gpu_rc" "$req_rc" <<'PY'
import json, sys

cuda, gpu, req = (json.load(open(p)) for p in sys.argv[1:4])
gpu_rc, req_rc = int(sys.argv[4]), int(sys.argv[5])

def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

ctx = gpu["context"].get("gpu")
if not isinstance(ctx, dict):
    fail("context has no gpu section")
for k in ("status", "cuda_runtime", "cublas"):
    if k not in ctx:
        fail("context.gpu lacks " + k)

families = {"matmul", "elementwise", "reduction", "memory"}
benches = gpu["benchmarks"]
if len(benches) < 30 or {b["suite"] for b in benches} != families:
    fail("expected GPU benchmarks in %s, got %d in %s"
         % (sorted(families), len(benches), sorted({b["suite"] for b in benches})))
if not cuda["benchmarks"] or any("_cuda" not in b["id"] for b in cuda["benchmarks"]):
    fail("--filter=_cuda selected nothing, or something else")
for want in ("matmul/sgemm_cuda_tiled/64", "matmul/sgemm_cublas/64", "matmul/sgemm_cublas_tf32/64",
             "matmul/gemm_bf16_cublas/64", "elementwise/triad_cuda/1000",
             "reduction/sum_cub/1000", "memory/h2d_pinned/4KiB", "memory/d2d/1MiB"):
    if want not in {b["id"] for b in benches}:
        fail("missing benchmark " + want)

if ctx["status"] == "unavailable":
    reason = ctx.get("reason")
    if not reason:
        fail("context.gpu.status is unavailable without a reason")
    if gpu_rc != 0:
        fail("kbench exited %d on a GPU-less machine; skips must not fail the run" % gpu_rc)
    for run in (cuda, gpu):
        for b in run["benchmarks"]:
            if b["status"] != "skipped":
                fail("%s is %s on a GPU-less machine" % (b["id"], b["status"]))
            if b["message"] != "no usable CUDA device: " + reason:
                fail("%s: skip reason %r is not the probe's %r" % (b["id"], b["message"], reason))
    if req_rc != 1:
        fail("--require-gpu exited %d, expected 1" % req_rc)
    for b in req["benchmarks"]:
        if b["status"] != "error" or "--require-gpu" not in (b["message"] or "") \
                or reason not in b["message"]:
            fail("--require-gpu: %s is %s (%r)" % (b["id"], b["status"], b["message"]))
    print("no GPU (%s): %d GPU benchmarks skipped with the reason; --require-gpu fails them"
          % (reason, len(benches)))
else:
    if gpu_rc != 0 or req_rc != 0:
        fail("with a GPU (%s) kbench exited %d, %d with --require-gpu"
             % (ctx.get("name"), gpu_rc, req_rc))
    for b in benches:
        if b["status"] == "skipped" and b["message"].startswith("out of "):
            continue
        if b["status"] != "ok" or b["validated"] is not True:
            fail("%s: %s, validated=%r (%r)" % (b["id"], b["status"], b["validated"], b["message"]))
    print("GPU %s: %d GPU benchmarks ran and validated" % (ctx.get("name"), len(benches)))
PY
