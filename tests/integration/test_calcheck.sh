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
    b["interval"]["process_log_se"], b["interval"]["process_df"] = 0.01, 4
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

# --save-drift: the estimate written to the named file (by hand: the good
# runs' centres are all 100, so the drift is 0 - se^2 clamped at 0; the bad
# runs' log centres 0, 0, log 1.1, 0 have variance (log 1.1)^2 / 4 =
# 0.0022711, less the mean se^2 1e-4: 0.0021711 with 3 degrees of freedom)
"$B/kbench-calcheck" --save-drift="$tmp/d-bad.txt" "$tmp"/bad*.json >"$tmp/sd.txt" 2>&1
[ $? -eq 1 ] || fail "--save-drift on bad runs: the check's exit status 1 expected: $(cat "$tmp/sd.txt")"
grep -q "^suite \* 0.00217[01][0-9]* 3 1 " "$tmp/d-bad.txt" &&
	grep -q "^bench calibration/empty 0.00217[01][0-9]* 3 " "$tmp/d-bad.txt" ||
	fail "drift by hand: $(cat "$tmp/d-bad.txt")"
grep -q "saved to $tmp/d-bad.txt" "$tmp/sd.txt" || fail "--save-drift does not say where: $(cat "$tmp/sd.txt")"
# a one-process run cannot give a drift: refused with the reason, exit 2
"$B/kbench" --filter='^calibration/empty$' --quick --no-peaks --processes=1 --format=json \
	--out="$tmp/one1.json" >/dev/null 2>&1 && cp "$tmp/one1.json" "$tmp/one2.json"
"$B/kbench-calcheck" --save-drift="$tmp/d-one.txt" "$tmp/one1.json" "$tmp/one2.json" >"$tmp/one.txt" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "two or more processes" "$tmp/one.txt" && [ ! -e "$tmp/d-one.txt" ] ||
	fail "--save-drift from one-process runs: exit $rc, $(cat "$tmp/one.txt")"
# a later kbench run with that file widens its interval and says so
"$B/kbench" --filter='^calibration/empty$' --quick --no-peaks --processes=3 --drift="$tmp/d-bad.txt" \
	--out="$tmp/wide.json" >"$tmp/wide.txt" 2>&1 || fail "kbench --drift=FILE: exit $?"
grep -q "widened by this machine's drift between invocations ($tmp/d-bad.txt" "$tmp/wide.txt" ||
	fail "the table does not say the intervals include the drift: $(cat "$tmp/wide.txt")"
python3 - "$tmp/wide.json" <<'PY' || fail "the JSON of a run with a drift file"
import json, math, sys
b = json.load(open(sys.argv[1]))["benchmarks"][0]
iv = b["interval"]
assert iv["drift"]["entry"] == "calibration/empty" and abs(iv["drift"]["log_var"] - 0.0021711) < 1e-6, iv
se = math.sqrt(iv["process_log_se"] ** 2 + iv["drift"]["log_var"])
assert abs(iv["log_se"] - se) < 1e-9, iv
a, v = iv["process_log_se"] ** 2, iv["drift"]["log_var"]
df = (a + v) ** 2 / (a * a / iv["process_df"] + v * v / 3)
assert abs(iv["df"] - df) < 1e-6 * df, (iv, df)
PY
# a drift file measured on another machine is refused before measuring
sed 's/^fingerprint .*/fingerprint another-machine/' "$tmp/d-bad.txt" >"$tmp/d-other.txt"
"$B/kbench" --filter='^calibration/empty$' --quick --no-peaks --drift="$tmp/d-other.txt" >"$tmp/other.txt" 2>&1
rc=$?
[ "$rc" -eq 2 ] && grep -q "measured on another-machine" "$tmp/other.txt" ||
	fail "a drift file of another machine: exit $rc, $(cat "$tmp/other.txt")"

# the make target's script, end to end, saving its drift in a cache of its own
mkdir "$tmp/cache"
KBENCH_CACHE_DIR="$tmp/cache" CALCHECK_RUNS=2 CALCHECK_FILTER='^calibration/empty$' \
	CALCHECK_FLAGS='--quick --no-peaks --processes=3' \
	sh "$R/scripts/calibration-check.sh" "$B" >"$tmp/make.txt" 2>&1
rc=$?
[ "$rc" -le 1 ] || fail "calibration-check: exit $rc: $(tail -n 5 "$tmp/make.txt")"
grep -q "2 runs, 1 benchmarks ok in all" "$tmp/make.txt" && grep -q "^coverage: " "$tmp/make.txt" &&
	grep -q "^reference memory read across the runs: .* ms (.* % apart)" "$tmp/make.txt" ||
	fail "calibration-check output: $(cat "$tmp/make.txt")"
ls "$tmp"/cache/drift-*.txt >/dev/null 2>&1 && grep -q "saved to $tmp/cache/drift-" "$tmp/make.txt" ||
	fail "calibration-check did not save the drift in KBENCH_CACHE_DIR: $(cat "$tmp/make.txt")"
# and the next run finds it by itself (--drift=auto)
KBENCH_CACHE_DIR="$tmp/cache" "$B/kbench" --filter='^calibration/empty$' --quick --no-peaks --processes=3 \
	>"$tmp/auto.txt" 2>&1 || fail "kbench with the saved drift: exit $?"
grep -q "widened by this machine's drift between invocations ($tmp/cache/drift-" "$tmp/auto.txt" ||
	fail "--drift=auto did not find the saved drift: $(cat "$tmp/auto.txt")"
[ "$failures" -eq 0 ] || exit 1
echo ok
