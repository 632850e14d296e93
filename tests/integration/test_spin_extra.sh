#!/bin/sh
# KBENCH_SPIN_EXTRA, the knob tests use to inject a known slowdown into
# calibration/spin, is parsed strictly: a value that is not a number in
# [0, 100] ("abc", "-1", "", "1e400", "101") fails every calibration/spin
# instance with a message naming the value, and the run exits 1 instead of
# silently measuring no slowdown.  A good value (0.5) runs, labelled; the
# work it adds is counted in test_instructions.sh.
set -eu
kb="$KB_BUILD/kbench"
[ -x "$kb" ] || { echo "missing $kb (build first)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-spin-extra.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }

spin() { # out.json [env assignments...]: calibration/spin under --quick (n=100)
	out=$1
	shift
	env "$@" "$kb" --quick --no-peaks --filter='^calibration/spin' --out="$out" \
		> "$tmp/out.txt" 2> "$tmp/err.txt"
}

for bad in abc -1 "" 1e400 101 "0.5 "; do
	rc=0
	spin "$tmp/bad.json" KBENCH_SPIN_EXTRA="$bad" || rc=$?
	cat "$tmp/out.txt" "$tmp/err.txt" > "$tmp/all.txt"
	[ "$rc" -eq 1 ] || { cat "$tmp/all.txt"; fail "KBENCH_SPIN_EXTRA='$bad': exit $rc, want 1"; }
	grep -qF "KBENCH_SPIN_EXTRA=$bad: expected a number >= 0" "$tmp/all.txt" ||
		{ cat "$tmp/all.txt"; fail "KBENCH_SPIN_EXTRA='$bad': no message naming the value"; }
	# an error in the results too, not only on the terminal
	grep -q '"status": *"error"' "$tmp/bad.json" ||
		{ cat "$tmp/bad.json"; fail "KBENCH_SPIN_EXTRA='$bad': no error in the JSON"; }
done

# A good value runs, labelled; that it does the extra work is counted
# (callgrind instructions, exact) in test_instructions.sh, which already
# makes the runs for unset and 0.01: the label and the items counter are set
# from the same number the loop runs, so checking them here would only echo
# the input.
rc=0
spin "$tmp/half.json" KBENCH_SPIN_EXTRA=0.5 || rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/out.txt" "$tmp/err.txt"; fail "KBENCH_SPIN_EXTRA=0.5: exit $rc"; }
grep -q "KBENCH_SPIN_EXTRA=0.5" "$tmp/out.txt" || { cat "$tmp/out.txt"; fail "0.5: no label"; }
# unset (also when the caller's environment has it): no label, no error
rc=0
(unset KBENCH_SPIN_EXTRA; spin "$tmp/none.json") || rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/out.txt" "$tmp/err.txt"; fail "KBENCH_SPIN_EXTRA unset: exit $rc"; }
grep -q "KBENCH_SPIN_EXTRA" "$tmp/out.txt" && { cat "$tmp/out.txt"; fail "unset: labelled"; }
echo "ok"
