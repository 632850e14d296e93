#!/bin/sh
# Runs every unit test binary and integration script against each build
# directory given (normal, then sanitizer), and ends with "N passed, N failed".
#
#   scripts/run-tests.sh build build/asan
#
# Integration scripts (tests/integration/test_*.sh) get the build directory
# in $KB_BUILD and the source root in $KB_ROOT; exit 0 is a pass, 77 a skip.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
passed=0
failed=0
skipped=0
failures=""
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/kbench-tests.XXXXXX")
trap 'rm -rf "$log_dir"' EXIT INT TERM

run_one() { # name build command...
	name=$1 build=$2
	shift 2
	log="$log_dir/$(echo "$build-$name" | tr '/' '_').log"
	start=$(date +%s)
	if KB_BUILD="$build" KB_ROOT="$root" "$@" >"$log" 2>&1; then
		rc=0
	else
		rc=$?
	fi
	secs=$(($(date +%s) - start))
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		printf '  PASS  %-44s %-12s %3ss\n' "$name" "$build" "$secs"
	elif [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		printf '  SKIP  %-44s %-12s %s\n' "$name" "$build" "$(tail -n 1 "$log")"
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
echo "$passed passed, $failed failed${skipped:+, $skipped skipped}"
[ "$failed" -eq 0 ]
