#!/bin/sh
# A/A: identical code compared with itself must not be called slower.
#
# 1. The rate of false flags, deterministically: 24 pairs of synthetic runs
#    of the same four benchmarks (seeded: lognormal sample noise, CV 2 %, and
#    a shared run-to-run offset of sd 1 %, the size baselines/README.md
#    records between real runs here) must all compare unchanged, exit 0; the
#    same pairs with +20 % on one benchmark must all flag it.  A checker
#    that falsely flags even one pair in twenty fails here every time --
#    the data are fixed, so the verdict never depends on the machine.
# 2. Two real quick runs of the calibration suite: the point is a real
#    measurement (a checker that calls real identical code slower, e.g. one
#    that ignores the between-run offset).  A burst of load from elsewhere
#    during one side can move a stored-run comparison past any threshold,
#    so a flagged trial is measured again (up to 2 more times, 5 s apart)
#    and fails when every attempt is flagged.  That retry cannot hide a
#    checker that flags only sometimes: part 1 is the test of that.
set -u
B=${KB_BUILD:-build}
R=${KB_ROOT:-.}
[ -x "$B/kbench" ] && [ -x "$B/kbench-compare" ] || { echo "missing $B/kbench or $B/kbench-compare"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-aa.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

# ---- 1. synthetic pairs ----------------------------------------------------------
python3 - "$R/tests/data/good_kbench.json" "$tmp" <<'PY'
import json, math, random, sys
src, out = sys.argv[1], sys.argv[2]
base = json.load(open(src))

def run(seed, slow):
    rng = random.Random(seed)
    d = json.loads(json.dumps(base))
    offset = rng.gauss(0, 0.01)
    for b in d["benchmarks"]:
        if b["status"] != "ok":
            continue
        m = b["summary"]["median"] * math.exp(offset)
        if slow and b["id"] == "reduction/sum_f32/4096":
            m *= 1.20
        xs = [m * math.exp(rng.gauss(0, 0.02)) for _ in range(30)]
        b["samples_ns"] = xs
        b["cpu_samples_ns"] = list(xs)
        b["sample_round"] = [i // 5 for i in range(30)]
        b["summary"] = None
    return d

for p in range(24):
    for name, seed, slow in (("a", 2 * p, False), ("b", 2 * p + 1, False), ("s", 2 * p + 1, True)):
        json.dump(run(1000 + seed, slow), open("%s/%s%d.json" % (out, name, p), "w"))
PY
flagged=0 missed=0
p=0
while [ "$p" -lt 24 ]; do
	rc=0
	"$B/kbench-compare" --resamples=1000 "$tmp/a$p.json" "$tmp/b$p.json" > "$tmp/cmp.txt" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ] || grep -q ' regressed ' "$tmp/cmp.txt"; then
		flagged=$((flagged + 1))
		echo "synthetic A/A pair $p flagged (exit $rc):"
		cat "$tmp/cmp.txt"
	fi
	rc=0
	"$B/kbench-compare" --resamples=1000 "$tmp/a$p.json" "$tmp/s$p.json" > "$tmp/cmp.txt" 2>&1 || rc=$?
	if [ "$rc" -ne 1 ] || ! grep -q 'reduction/sum_f32/4096 .* regressed ' "$tmp/cmp.txt"; then
		missed=$((missed + 1))
		echo "synthetic +20 % pair $p not flagged (exit $rc):"
		cat "$tmp/cmp.txt"
	fi
	p=$((p + 1))
done
[ "$flagged" -eq 0 ] || { echo "FAIL: $flagged of 24 synthetic A/A pairs flagged"; fail=1; }
[ "$missed" -eq 0 ] || { echo "FAIL: $missed of 24 synthetic +20 % pairs not flagged"; fail=1; }
echo "synthetic: 24 A/A pairs unchanged, 24 +20 % pairs regressed"

case "$B" in
*asan | */asan/)
	# the real runs add no sanitizer coverage (part 1 ran kbench-compare
	# under ASan); they run with the normal build
	exit $fail
	;;
esac

# ---- 2. real runs ----------------------------------------------------------------
# one trial: two fresh runs compared; 0 when nothing regressed.  Each run in
# 5 worker processes, kbench's default unit (the test suite runs kbench in
# one process otherwise): the empty loop lands in a fast or a slow mode per
# process here (0.33-0.37 or 0.5-0.75 ns), which two one-process runs
# compared sample by sample would call a change of 40 %, and the
# process-level comparison sees as the spread between processes it is.
trial() {
	for side in a b; do
		"$B/kbench" --quick --processes=5 --filter='^calibration/' --out="$tmp/$side.json" \
			>"$tmp/$side.log" 2>&1 ||
			{ echo "kbench failed:"; cat "$tmp/$side.log"; exit 1; }
	done
	"$B/kbench-compare" --resamples=2000 "$tmp/a.json" "$tmp/b.json" >"$tmp/cmp.txt" 2>&1
	rc=$?
	tail -n 1 "$tmp/cmp.txt"
	[ "$rc" -eq 0 ] && ! grep -q ' regressed ' "$tmp/cmp.txt"
}
attempt=1
until trial; do
	echo "real A/A attempt $attempt flagged identical code:"
	cat "$tmp/cmp.txt"
	if [ "$attempt" -ge 3 ]; then
		echo "FAIL: identical code flagged in 3 real A/A attempts, 5 s apart"
		fail=1
		break
	fi
	attempt=$((attempt + 1))
	sleep 5
done
exit $fail
