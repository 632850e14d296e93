#!/bin/sh
# A/A: the quick calibration suite run twice, in separate processes, and
# compared: no "regressed" verdict and exit 0, over a few trials.  (The
# README/report records the larger A/A study behind the defaults.)
set -u
B=${KB_BUILD:-build}
TRIALS=${KB_AA_TRIALS:-3}
[ -x "$B/kbench" ] && [ -x "$B/kbench-compare" ] || { echo "missing $B/kbench or $B/kbench-compare"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-aa.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
t=1
while [ "$t" -le "$TRIALS" ]; do
	for side in a b; do
		"$B/kbench" --quick --filter='^calibration/' --out="$tmp/$side.json" >"$tmp/$side.log" 2>&1 ||
			{ echo "kbench failed:"; cat "$tmp/$side.log"; exit 1; }
	done
	"$B/kbench-compare" --resamples=2000 "$tmp/a.json" "$tmp/b.json" >"$tmp/cmp.txt" 2>&1
	rc=$?
	tail -n 1 "$tmp/cmp.txt"
	if [ "$rc" -ne 0 ] || grep -q ' regressed ' "$tmp/cmp.txt"; then
		echo "FAIL: trial $t: exit $rc"
		cat "$tmp/cmp.txt"
		fail=1
	fi
	t=$((t + 1))
done
exit $fail
