#!/bin/sh
# kbench-calcheck and make calibration-check (docs/method.md, "Checking the
# intervals"): the z and coverage figures on files made with known centres
# and standard errors (computed by hand below), the PASS/FAIL exit status,
# bad input; then the make target's script end to end on a tiny filter,
# where only its output is checked (its verdict depends on the machine).
set -u
B=${KB_BUILD:-build}
R=${KB_ROOT:-.}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-calcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
"$B/kbench" --filter='^calibration/empty$' --quick --no-peaks --processes=2 --format=json \
	--out="$tmp/base.json" >/dev/null 2>&1 || { echo "FAIL: kbench"; exit 1; }
# Four runs, centres 100, 100, 110, 100 ns, each se 0.01 on the log scale
# with 4 degrees of freedom; intervals [95, 105] and, for the third, [105, 115].
#   z(1,3) = log(100/110) / sqrt(2) / 0.01 = -6.74, likewise (2,3) and (3,4);
#   the other three pairs have z = 0: |z| > 1.96 in 3 of 6 pairs (50.0 %).
#   Welch df = (2e-4)^2 / (2 x 1e-8 / 4) = 8, t(0.975, 8) = 2.306 < 6.74: 50.0 %.
#   Coverage: runs 1, 2 and 4 contain the two other 100s, run 3 none: 6 of 12.
python3 - "$tmp" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/base.json"))
b = d["benchmarks"][0]
def make(name, c, lo, hi):
    b["summary"]["median"], b["summary"]["ci_low"], b["summary"]["ci_high"] = c, lo, hi
    b["interval"]["log_se"], b["interval"]["df"] = 0.01, 4
    json.dump(d, open(sys.argv[1] + "/" + name, "w"))
for i, c in enumerate([100, 100, 110, 100]):
    make("bad%d.json" % i, c, 105 if c == 110 else 95, 115 if c == 110 else 105)
    make("good%d.json" % i, 100, 95, 105)
PY
"$B/kbench-calcheck" --verbose "$tmp"/bad*.json >"$tmp/bad.txt" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "intervals that do not hold: exit $rc (wanted 1)"
grep -qF "|z| > 1.96 in 50.0 % of pairs" "$tmp/bad.txt" || fail "z rate: $(cat "$tmp/bad.txt")"
grep -qF "|z| > t(Welch df) in 50.0 %" "$tmp/bad.txt" || fail "t rate: $(cat "$tmp/bad.txt")"
grep -qF "centre in 50.0 % of 12 cases" "$tmp/bad.txt" || fail "coverage: $(cat "$tmp/bad.txt")"
grep -qF "6.74" "$tmp/bad.txt" || fail "max |z| 6.74 not shown: $(cat "$tmp/bad.txt")"
"$B/kbench-calcheck" "$tmp"/good*.json >"$tmp/good.txt" 2>&1 || fail "intervals that hold: exit $?"
grep -q "^PASS" "$tmp/good.txt" && grep -qF "centre in 100.0 %" "$tmp/good.txt" || fail "good: $(cat "$tmp/good.txt")"
"$B/kbench-calcheck" "$tmp/good0.json" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] || fail "one file: exit $rc (wanted 2)"
printf '{"schema_version": 1' > "$tmp/cut.json"
"$B/kbench-calcheck" "$tmp/good0.json" "$tmp/cut.json" >"$tmp/cut.txt" 2>&1; rc=$?
[ "$rc" -eq 2 ] && grep -q "cut.json" "$tmp/cut.txt" || fail "a truncated file: exit $rc, $(cat "$tmp/cut.txt")"

# no leak on the good and the bad paths (the normal build; ASan's LSan covers the other)
case "$B" in
*asan*) ;;
*)
	if command -v valgrind >/dev/null 2>&1; then
		for args in "$tmp/good0.json $tmp/good1.json" "$tmp/good0.json $tmp/cut.json"; do
			# shellcheck disable=SC2086
			valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
				--error-exitcode=99 "$B/kbench-calcheck" $args >/dev/null 2>"$tmp/vg.txt"
			[ $? -ne 99 ] || fail "valgrind: kbench-calcheck $args: $(cat "$tmp/vg.txt")"
		done
	else
		fail "valgrind is not installed (install-deps.sh test installs it)"
	fi
	;;
esac

# the make target's script, end to end
CALCHECK_RUNS=2 CALCHECK_FILTER='^calibration/empty$' CALCHECK_FLAGS='--quick --no-peaks --processes=3' \
	sh "$R/scripts/calibration-check.sh" "$B" >"$tmp/make.txt" 2>&1
rc=$?
[ "$rc" -le 1 ] || fail "calibration-check: exit $rc: $(tail -n 5 "$tmp/make.txt")"
grep -q "2 runs, 1 benchmarks ok in all" "$tmp/make.txt" && grep -q "^coverage: " "$tmp/make.txt" &&
	grep -q "^reference memory read across the runs: .* ms (.* % apart)" "$tmp/make.txt" ||
	fail "calibration-check output: $(cat "$tmp/make.txt")"
[ "$failures" -eq 0 ] || exit 1
echo ok
