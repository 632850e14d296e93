#!/bin/sh
# Runs every unit test binary and integration script against each build
# directory given (normal, then sanitizer), and ends with
# "N passed, N failed, N skipped (reason: count, ...)".
#
#   scripts/run-tests.sh build build/asan
#   STRICT=1 scripts/run-tests.sh build build/asan    (what .ci/run does)
#   ONLY='test_gate|test_stats' scripts/run-tests.sh build   (names matching
#                                            an extended regex, anchored)
#
# Integration scripts (tests/integration/test_*.sh) get the build directory
# in $KB_BUILD and the source root in $KB_ROOT; exit 0 is a pass, 77 a skip.
# A unit binary in which cmocka skipped a test is a skip too.
#
# Every skip names its reason as "skip [KEY]: why" (for a script, its last
# line; for a unit binary, a line it prints).  Only the keys in EXPECTED
# below are skips a healthy machine may have; with STRICT=1 any other skip
# (a CI machine that silently lost OpenBLAS, valgrind, Chromium...) or a
# skip with no key is a failure.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
STRICT=${STRICT:-0}
# kbench measures in several worker processes by default; the tests run it
# in one unless the processes are the point (test_workers, test_calcheck,
# test_flags and test_robust pass --processes themselves: a flag beats this).
export KBENCH_PROCESSES=1
# and never with the developer's own drift file (make calibration-check)
# or other per-machine caches: an empty cache of their own
KBENCH_CACHE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kb-tests-cache.XXXXXX") || exit 2
export KBENCH_CACHE_DIR
# the peaks a test measures go to a cache in the build folder, never to the
# user's $XDG_CACHE_HOME (measured once for all the tests)
export KBENCH_PEAK_CACHE="${KBENCH_PEAK_CACHE:-$root/build/tests-peak-cache.conf}"

# key<TAB>why it is expected
EXPECTED='no-gpu	no CUDA device on this machine
no-nvcc	no CUDA toolkit: the CUDA parts are not built
san-cuda-off	the sanitizer build is made with CUDA off
san-valgrind	valgrind cannot run an AddressSanitizer build
san-once	checked once, in the normal build (no sanitizer coverage to add)'

expected_key() { # key -> 0 when listed
	printf '%s\n' "$EXPECTED" | cut -f1 | grep -qx -- "$1"
}

passed=0
failed=0
skipped=0
failures=""
reasons=""
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/kbench-tests.XXXXXX")
trap 'rm -rf "$log_dir" "$KBENCH_CACHE_DIR"' EXIT INT TERM

# the key of the first "skip [KEY]:" line of a log; "unkeyed" when none
skip_key() { # log
	k=$(sed -n 's/^.*skip \[\([a-z0-9-]*\)\]:.*$/\1/p' "$1" | head -n 1)
	echo "${k:-unkeyed}"
}

run_one() { # name build command...
	name=$1 build=$2
	shift 2
	if [ -n "${ONLY:-}" ] && ! echo "$name" | grep -Eqx -- "$ONLY"; then
		return
	fi
	log="$log_dir/$(echo "$build-$name" | tr '/' '_').log"
	start=$(date +%s)
	if KB_BUILD="$build" KB_ROOT="$root" "$@" >"$log" 2>&1; then
		rc=0
	else
		rc=$?
	fi
	secs=$(($(date +%s) - start))
	# cmocka's skip() inside a binary that exits 0
	if [ "$rc" -eq 0 ] && grep -q '^\[  SKIPPED \] [a-z_]' "$log"; then
		rc=77
	fi
	if [ "$rc" -eq 77 ]; then
		key=$(skip_key "$log")
		why=$(grep -m 1 "skip \[$key\]:" "$log" || tail -n 1 "$log")
		if [ "$STRICT" = 1 ] && ! expected_key "$key"; then
			failed=$((failed + 1))
			failures="$failures $build:$name"
			printf '  FAIL  %-44s %-12s unexpected skip [%s] (STRICT=1): %s\n' "$name" "$build" "$key" "$why"
			return
		fi
		skipped=$((skipped + 1))
		reasons="$reasons
$key"
		printf '  SKIP  %-44s %-12s %s\n' "$name" "$build" "$why"
	elif [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		printf '  PASS  %-44s %-12s %3ss\n' "$name" "$build" "$secs"
	else
		failed=$((failed + 1))
		failures="$failures $build:$name"
		printf '  FAIL  %-44s %-12s exit %s\n' "$name" "$build" "$rc"
		sed 's/^/        | /' "$log" | tail -n 40
	fi
}

for build in "$@"; do
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		run_one "$(basename "$t")" "$build" "$t"
	done
	for t in "$root"/tests/integration/test_*.sh; do
		[ -f "$t" ] || continue
		run_one "$(basename "$t" .sh)" "$build" sh "$t"
	done
done

[ -n "$failures" ] && echo "failed:$failures"
by_reason=$(printf '%s\n' "$reasons" | sed '/^$/d' | sort | uniq -c |
	awk '{ printf "%s%s: %s", sep, $2, $1; sep = ", " }')
echo "$passed passed, $failed failed, $skipped skipped${by_reason:+ ($by_reason)}"
[ "$failed" -eq 0 ]
