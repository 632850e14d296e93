#!/bin/sh
# --metric=instructions end to end: the counts of two runs agree to 0.01 %;
# a +1 % change of work in one kernel (KBENCH_SPIN_EXTRA=0.01) fails the
# gate at its 0.5 % default, every time, and nothing else is flagged; an
# instruction increase that time rules out is a warning, not a failure; a
# missing valgrind is refused with the install hint.
#
# Valgrind cannot run an AddressSanitizer build: under $KB_BUILD/asan this
# checks the refusal and skips (exit 77).
set -eu
kb="$KB_BUILD/kbench"
cmp="$KB_BUILD/kbench-compare"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

run() { # out.json [env assignments...]
	out=$1
	shift
	env "$@" "$kb" --quick --metric=instructions --filter=calibration --format=json \
		--out="$out" > /dev/null 2> "$tmp/err.txt" ||
		{ cat "$tmp/err.txt" >&2; fail "kbench --metric=instructions $* exited $?"; }
}

# The perf_event path, with software events standing in for the PMU this VM
# lacks (KBENCH__PERF_SOFTWARE=1; task-clock ns, not instructions): the
# group is opened, enabled around the counted batches, read and divided.
# It runs in the sanitizer build too.
if KBENCH__PERF_SOFTWARE=1 KBENCH_METRIC_MECHANISM=perf_event "$kb" --quick --metric=instructions \
	--filter=calibration/spin --format=json --out="$tmp/perf.json" > /dev/null 2> "$tmp/err.txt"; then
	python3 - "$tmp/perf.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["config"]["metric_mechanism"] == "perf_event", d["config"]
assert d["context"]["metric"] == {"name": "instructions", "mechanism": "perf_event"}, d["context"]
b = d["benchmarks"][0]
assert b["status"] == "ok" and b["instructions"] is not None and b["instructions"] > 0, b
PY
else
	grep -q "perf_event" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "perf_event path failed"; }
	echo "note: even software perf events are refused here: $(cat "$tmp/err.txt")"
fi

case "$KB_BUILD" in
*asan*)
	KBENCH_METRIC_MECHANISM=callgrind "$kb" --quick --metric=instructions --filter=calibration \
		> /dev/null 2> "$tmp/err.txt" && fail "a sanitizer build ran under valgrind"
	grep -q "AddressSanitizer" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "no ASan refusal"; }
	echo "sanitizer build: valgrind and ASan do not mix (refusal checked)"
	exit 77
	;;
esac

# A missing valgrind: exit 2 with the apt-get hint, before any measuring.
KBENCH_METRIC_MECHANISM=callgrind KBENCH_VALGRIND=/nonexistent \
	"$kb" --quick --metric=instructions --filter=calibration > "$tmp/out.txt" 2> "$tmp/err.txt" &&
	fail "kbench ran with KBENCH_VALGRIND=/nonexistent"
rc=$?
[ "$rc" -eq 2 ] || fail "missing valgrind: exit $rc, expected 2"
grep -q "apt-get install valgrind" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "no install hint"; }
grep -q "/nonexistent" "$tmp/err.txt" || fail "the message does not name what was looked for"
[ ! -s "$tmp/out.txt" ] || fail "a refused run printed results"

# The same with valgrind missing from PATH (kbench by absolute path).
kb_abs=$(cd "$(dirname "$kb")" && pwd)/kbench
KBENCH_METRIC_MECHANISM=callgrind PATH=/nonexistent \
	"$kb_abs" --quick --metric=instructions --filter=calibration > /dev/null 2> "$tmp/err.txt" &&
	fail "kbench ran with no valgrind on PATH"
grep -q "apt-get install valgrind" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "no install hint (PATH)"; }

if ! command -v valgrind > /dev/null 2>&1 && ! [ -r /usr/include/valgrind/callgrind.h ]; then
	echo "valgrind not installed: counting not tested"
	exit 77
fi

run "$tmp/a.json"
run "$tmp/b.json"
run "$tmp/c.json" KBENCH_SPIN_EXTRA=0.01

python3 - "$tmp/a.json" "$tmp/b.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["config"]["metric"] == "instructions"
assert a["config"]["metric_mechanism"] in ("perf_event", "callgrind"), a["config"]
assert a["context"]["metric"]["mechanism"] == a["config"]["metric_mechanism"], a["context"]
assert a["config"]["count_iterations"] >= 1
bi = {x["id"]: x for x in b["benchmarks"]}
assert len(a["benchmarks"]) == 2, [x["id"] for x in a["benchmarks"]]
for x in a["benchmarks"]:
    y = bi[x["id"]]
    assert x["status"] == y["status"] == "ok", (x["id"], x["message"], y["message"])
    ia, ib = x["instructions"], y["instructions"]
    assert ia is not None and ia > 0, x["id"]
    assert abs(ia - ib) <= 1e-4 * ia, "%s: %r vs %r" % (x["id"], ia, ib)
    # time is still measured beside the count
    assert x["summary"]["median"] > 0
spin = [x for x in a["benchmarks"] if x["id"] == "calibration/spin/100"][0]
# 100 dependent multiply-adds, at least one instruction each
assert spin["instructions"] >= 100, spin["instructions"]
PY

# Two runs of the same code: the gate passes with nothing flagged.
"$cmp" --format=json --out="$tmp/same.json" "$tmp/a.json" "$tmp/b.json" > /dev/null ||
	fail "two runs of the same code failed the instructions gate"

# +1 % work in calibration/spin: exit 1, that row regressed, nothing else
# flagged; three fresh runs to show it is every time, not once.
for i in 1 2 3; do
	[ "$i" -eq 1 ] || run "$tmp/c.json" KBENCH_SPIN_EXTRA=0.01
	if "$cmp" --format=json --out="$tmp/gate.json" "$tmp/a.json" "$tmp/c.json" > /dev/null; then
		fail "a +1 % change of work passed the 0.5 % instructions gate (run $i)"
	fi
	python3 - "$tmp/gate.json" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))
assert g["metric"] == "instructions" and abs(g["options"]["threshold"] - 0.005) < 1e-12, g["options"]
assert g["exit_status"] == 1
verdicts = {r["id"]: r["verdict"] for r in g["rows"]}
assert verdicts == {"calibration/spin/100": "regressed", "calibration/empty": "unchanged"}, verdicts
spin = [r for r in g["rows"] if r["id"] == "calibration/spin/100"][0]
assert 0.005 < spin["ratio"] - 1 < 0.015, spin["ratio"]
PY
done

# Time can demote a count to a warning only where it accounts for offsets
# between runs: a baseline with between-run noise, and a time interval that
# rules out half the instruction increase.  Make a +10 % count with the
# time samples of the same run.
sed 's/"instructions": \([0-9.]*\),/"instructions": \1, "noise": 0.002,/' "$tmp/a.json" > "$tmp/noisy.json"
python3 - "$tmp/a.json" "$tmp/more.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for b in d["benchmarks"]:
    if b["id"] == "calibration/spin/100":
        b["instructions"] *= 1.10
json.dump(d, open(sys.argv[2], "w"))
PY
"$cmp" --format=json --out="$tmp/warn.json" "$tmp/noisy.json" "$tmp/more.json" > "$tmp/warn.txt" ||
	{ cat "$tmp/warn.txt"; fail "an instruction increase with no time change failed the gate"; }
grep -q "WARNING" "$tmp/warn.txt" || { cat "$tmp/warn.txt"; fail "no warning for instructions without time"; }
# without recorded noise the count decides alone
"$cmp" "$tmp/a.json" "$tmp/more.json" > /dev/null &&
	fail "a +10 % count passed against a baseline without between-run noise"

# Gating on instructions needs counts on both sides.
"$kb" --quick --filter=calibration --format=json --out="$tmp/time.json" > /dev/null
"$cmp" --metric=instructions "$tmp/time.json" "$tmp/time.json" > /dev/null 2> "$tmp/err.txt" &&
	fail "instructions gate accepted a time-only baseline"
grep -q "no instruction counts" "$tmp/err.txt" || { cat "$tmp/err.txt"; fail "unclear refusal"; }
echo "ok"
