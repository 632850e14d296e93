#!/bin/sh
# The JSON reader's libFuzzer target (tests/fuzz, `make fuzz`), built by
# `make test` with clang, replays its seed files once (every file of tests/data,
# tests/data/bad and tests/data/report, each run once, no mutation): under a
# second, and it fails on any crash, leak, undefined behaviour or a refusal
# without a message (the target traps).  This keeps the target building and
# its seeds clean; `make fuzz` is the long run.
#
# The target is its own sanitizer build: it runs once, with the normal build.
set -u
B=${KB_BUILD:-build}
R=${KB_ROOT:-.}
case "$B" in
*asan | */asan/)
	echo "skip [san-once]: the fuzz target is built with ASan+UBSan itself; replayed with the normal build"
	exit 77
	;;
esac
fz=$B/fuzz/fuzz_json_read
if [ ! -x "$fz" ]; then
	if ! command -v "${FUZZ_CC:-clang}" > /dev/null 2>&1; then
		echo "skip [no-clang]: ${FUZZ_CC:-clang} not found: the fuzz target is not built (apt-get install clang)"
		exit 77
	fi
	echo "FAIL: $fz is not built (make test builds it with ${FUZZ_CC:-clang})"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# every seed file, each run once as an input (libFuzzer runs files given
# by name once, without mutating them, and says "Executed FILE" for each)
set -- "$R"/tests/data/*.json "$R"/tests/data/bad/*.json "$R"/tests/data/report/*.json
n=$#
[ "$n" -ge 60 ] || { echo "FAIL: only $n seed files"; exit 1; }
"$fz" -runs=0 "$@" > "$tmp/log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "FAIL: the fuzz target exited $rc replaying its seeds"
	tail -n 40 "$tmp/log"
	exit 1
fi
ran=$(grep -c '^Executed ' "$tmp/log")
[ "$ran" -eq "$n" ] || { tail -n 20 "$tmp/log"; echo "FAIL: $ran of $n seed files executed"; exit 1; }
echo "ok: $n seed files replayed through the fuzz target, no crash, leak or trap"
