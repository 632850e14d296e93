#!/bin/sh
# A fat build (CUDA_ARCH with two -gencode targets, as a fleet of H100s and
# older GPUs needs) compiles through the Makefile's own rule, and the
# architectures it was built for are recorded whole: every CUDA file that
# reads __CUDA_ARCH_LIST__ (a comma-separated list then: "800,900") is built
# for sm_80 + sm_90, and the object carries the string "800,900" (the
# context's gpu.built_for and the "no code for this GPU" message).
#
# No GPU needed.  Skips (77) without nvcc and in the sanitizer build.
set -eu
. "$(dirname "$0")/cuda_env.sh"
cuda_env

arch='-gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90'
files=$(cd "$root" && { grep -l '__CUDA_ARCH_LIST__' kernels/cuda/*.cu suites/*_cuda.cu || true; })
[ -n "$files" ] || fail "no CUDA file reads __CUDA_ARCH_LIST__ (kernels/cuda/device.cu should)"
for f in $files; do
	obj="$tmp/b/obj/${f%.cu}.cu.o"
	make -C "$root" --no-print-directory NVCC="$nvcc" CUDA=1 B="$tmp/b" CUDA_ARCH="$arch" \
		"$obj" > "$tmp/make.txt" 2>&1 ||
		{ cat "$tmp/make.txt"; fail "$f does not compile for two architectures ($arch)"; }
	strings "$obj" | grep -qx '800,900' ||
		fail "$f: the object does not record the architecture list \"800,900\""
	echo "ok: $f built for sm_80 + sm_90, records 800,900"
done
