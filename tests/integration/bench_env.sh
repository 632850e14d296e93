# tests/integration/bench_env.sh - sourced by the tests that build a
# benchmark binary of their own from tests/integration/src/ (not a test
# itself).  `bench_env NAME` sets B (the build), R (the root), tmp (a
# directory removed on exit) and failures, and checks the build has
# libkbench; fail() counts a failure; `bench_build SRC OUT` compiles
# tests/integration/src/SRC against this build's libkbench (with the
# sanitizers of an ASan build) into OUT, or exits 1 with the compiler's
# message.
bench_env() {
	B=${KB_BUILD:-build}
	R=${KB_ROOT:-.}
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-$1.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	failures=0
	[ -f "$B/libkbench.a" ] && [ -f "$B/kbench_main.o" ] || { echo "missing $B/libkbench.a (build first)"; exit 1; }
}

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

bench_build() {
	san=""
	case "$B" in *asan*) san="-fsanitize=address,undefined" ;; esac
	# shellcheck disable=SC2046 # pkg-config prints a list of flags
	cc -O1 -g $san -I"$R/harness" "$R/tests/integration/src/$1" "$B/kbench_main.o" "$B/libkbench.a" \
		$(pkg-config --libs hwloc) -lm -lpthread -ldl -o "$2" 2>"$tmp/cc.err" ||
		{ cat "$tmp/cc.err"; echo "FAIL: cannot build the benchmarks of $1"; exit 1; }
}
