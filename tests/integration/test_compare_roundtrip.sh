#!/bin/sh
# Round trip: one quick run written as kbench JSON (stdout) and as Google
# Benchmark JSON (--out-format=gbench); kbench-compare must find every
# benchmark unchanged, with a ratio of exactly 1, in both directions.
set -u
B=${KB_BUILD:-build}
[ -x "$B/kbench" ] && [ -x "$B/kbench-compare" ] || { echo "missing $B/kbench or $B/kbench-compare"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-roundtrip.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

# One instance of each kind of row, not every suite again (test_kbench_quick
# runs them all): time only (calibration), GFLOP/s with %peak (matmul),
# GB/s (memory/memcpy), items (reduction, elementwise), string parameters
# and skipped GPU rows (memory/h2d_pinned/4KiB, matmul/sgemm_cublas).
pick='^(calibration/|matmul/sgemm_blocked/|matmul/sgemm_cublas/|memory/memcpy/|memory/h2d_pinned/'
pick=$pick'|reduction/sum_f32_kahan/|elementwise/triad_f32_simd/)'
"$B/kbench" --quick --filter="$pick" --format=json --out="$tmp/run.gb.json" --out-format=gbench \
	>"$tmp/run.json" 2>"$tmp/run.err"
rc=$?
# every kernel validates: an exit 1 (a failed validation) is a failure here
[ "$rc" -eq 0 ] || { echo "FAIL: kbench exit $rc"; cat "$tmp/run.err"; exit 1; }

for pair in "run.json run.gb.json" "run.gb.json run.json" "run.gb.json run.gb.json"; do
	set -- $pair
	"$B/kbench-compare" --format=json --resamples=500 "$tmp/$1" "$tmp/$2" >"$tmp/cmp.json" 2>"$tmp/cmp.err"
	crc=$?
	if [ "$crc" -ne 0 ]; then
		echo "FAIL: kbench-compare $1 $2: exit $crc"
		cat "$tmp/cmp.err"
		fail=1
	fi
	for v in regressed improved inconclusive new missing; do
		if grep -q "\"verdict\": \"$v\"" "$tmp/cmp.json"; then
			echo "FAIL: $1 vs $2: a \"$v\" verdict"
			grep -B1 -A4 "\"verdict\": \"$v\"" "$tmp/cmp.json" | head -20
			fail=1
		fi
	done
	# every compared ratio is exactly 1 (same samples, converted losslessly enough)
	if grep '"ratio":' "$tmp/cmp.json" | grep -v 'null' | grep -qv '"ratio": 1\.0*,\|"ratio": 0\.99999999\|"ratio": 1\.00000000'; then
		echo "FAIL: $1 vs $2: a ratio other than 1:"
		grep '"ratio":' "$tmp/cmp.json" | grep -v null | sort | uniq -c | head
		fail=1
	fi
	n=$(grep -c '"verdict": "unchanged"' "$tmp/cmp.json")
	echo "$1 vs $2: $n unchanged, exit $crc"
	[ "$n" -ge 8 ] || { echo "FAIL: too few unchanged rows"; fail=1; }
done
exit $fail
