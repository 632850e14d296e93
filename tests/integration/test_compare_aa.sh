#!/bin/sh
# A/A: the quick calibration suite run twice, in separate processes, and
# compared: no "regressed" verdict and exit 0, over a few trials.  (The
# README/report records the larger A/A study behind the defaults.)
#
# Two separate runs carry the machine's run-to-run offset, which a stored-run
# comparison cannot tell from a change (baselines/README.md): a burst of load
# from elsewhere during one side can move it by more than the threshold.  So a
# flagged trial is measured again on fresh runs (up to 3 times, 5 s apart),
# and fails only when every one is flagged, as the gate's users are told to
# confirm: the test still fails when the checker calls identical code slower.
set -u
B=${KB_BUILD:-build}
TRIALS=${KB_AA_TRIALS:-3}
[ -x "$B/kbench" ] && [ -x "$B/kbench-compare" ] || { echo "missing $B/kbench or $B/kbench-compare"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-aa.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
t=1
# one trial: two fresh runs compared; 0 when nothing regressed
trial() {
	for side in a b; do
		"$B/kbench" --quick --filter='^calibration/' --out="$tmp/$side.json" >"$tmp/$side.log" 2>&1 ||
			{ echo "kbench failed:"; cat "$tmp/$side.log"; exit 1; }
	done
	"$B/kbench-compare" --resamples=2000 "$tmp/a.json" "$tmp/b.json" >"$tmp/cmp.txt" 2>&1
	rc=$?
	tail -n 1 "$tmp/cmp.txt"
	[ "$rc" -eq 0 ] && ! grep -q ' regressed ' "$tmp/cmp.txt"
}
while [ "$t" -le "$TRIALS" ]; do
	if ! trial; then
		echo "trial $t flagged a regression; measuring again on fresh runs:"
		cat "$tmp/cmp.txt"
		# A burst from a neighbour on a shared host can last seconds (seen
		# in CI: the empty loop at 0.505 instead of 0.271 ns, twice in a
		# row, as when the VM's sibling hyperthread is busy), so the retries
		# wait for it: 3 more, 5 s apart.  A checker that calls identical
		# code slower still fails every time.
		again=1
		while [ "$again" -le 3 ]; do
			sleep 5
			if trial; then
				break
			fi
			echo "  retry $again flagged it too"
			again=$((again + 1))
		done
		if [ "$again" -gt 3 ]; then
			echo "FAIL: trial $t: identical code flagged in 4 trials, 5 s apart"
			cat "$tmp/cmp.txt"
			fail=1
		fi
	fi
	t=$((t + 1))
done
exit $fail
