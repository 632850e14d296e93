# tests/integration/cuda_env.sh - sourced by the CUDA tests (not a test
# itself): `cuda_env [built]` sets root, build, nvcc, tmp (removed on exit)
# and fail(), or skips (exit 77) with the key run-tests.sh knows:
#   san-cuda-off  the sanitizer build, made with CUDA off;
#   no-nvcc       no nvcc on PATH or in /usr/local/cuda/bin;
#   cuda-off      (with `built`) this build was made with CUDA off: its own
#                 record, $build/.cuda-config (make CUDA=0, or a toolkit
#                 without libraries: the Makefile turned CUDA off and said why).
cuda_env() {
	root=${KB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
	build=${KB_BUILD:-$root/build}
	case "$build" in
	*asan | */asan/)
		echo "skip [san-cuda-off]: the sanitizer build ($build) is made with CUDA off"
		exit 77
		;;
	esac
	nvcc=$(command -v nvcc 2>/dev/null || true)
	[ -n "$nvcc" ] || { [ -x /usr/local/cuda/bin/nvcc ] && nvcc=/usr/local/cuda/bin/nvcc; } || true
	if [ -z "$nvcc" ]; then
		echo "skip [no-nvcc]: nvcc not found (CUDA parts are not built)"
		exit 77
	fi
	if [ "${1:-}" = built ] && [ -f "$build/.cuda-config" ] &&
		[ "$(cut -d' ' -f1 "$build/.cuda-config")" = 0 ]; then
		echo "skip [cuda-off]: $build was built with CUDA off (CUDA=0, or no usable toolkit)"
		exit 77
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
}

fail() { echo "FAIL: $*" >&2; exit 1; }
