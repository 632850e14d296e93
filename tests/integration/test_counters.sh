#!/bin/sh
# --counters (docs/method.md, "Event counters") end to end: software events
# per iteration through the worker processes (mem/faults4 of
# tests/integration/src/mem_bench.c makes four page faults per iteration;
# task-clock per iteration tracks the median time), the counter in the JSON
# and the Google Benchmark JSON, kbench-compare gating on it; a hardware
# event this machine cannot count, an unknown event and a malformed list are
# refused before anything runs, with exit 2 and the reason.
set -u
. "$(dirname "$0")/bench_env.sh"
bench_env counters
bench_build mem_bench.c "$tmp/mem"
M="$tmp/mem --quick --no-peaks --filter=faults4|none"

$M --processes=3 --counters=page-faults,task-clock,context-switches --out="$tmp/run.json" >"$tmp/run.txt" 2>&1 ||
	fail "--counters with 3 processes: exit $? $(tail -n 3 "$tmp/run.txt")"
python3 - "$tmp/run.json" <<'PY' || fail "the counted events"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["config"]["counters"] == "page-faults,task-clock,context-switches", d["config"]
got = {b["id"]: b for b in d["benchmarks"]}
f, n = got["mem/faults4"], got["mem/none"]
for b in (f, n):
    assert b["status"] == "ok" and b["processes"] == 3, b["status"]
    for k in ("page-faults", "task-clock", "context-switches"):
        assert k in b["counters"], (b["id"], b["counters"])
# four fresh pages touched per iteration (the samples' batches are long, so
# a stray fault of the harness is a small fraction)
assert 3.9 <= f["counters"]["page-faults"] <= 4.5, f["counters"]
assert n["counters"]["page-faults"] < 0.01, n["counters"]
# task-clock: CPU ns per iteration over the same batches as the CPU samples
# (both a mean over the batches, so compared with their mean)
c = sum(f["cpu_samples_ns"]) / len(f["cpu_samples_ns"])
assert 0.5 * c <= f["counters"]["task-clock"] <= 2 * c, (f["counters"], c)
PY
"$B/kbench-compare" --counter=page-faults:lower "$tmp/run.json" "$tmp/run.json" >"$tmp/cmp.txt" 2>&1 ||
	fail "kbench-compare --counter=page-faults: exit $? $(tail -n 2 "$tmp/cmp.txt")"
grep -q "mem/faults4" "$tmp/cmp.txt" || fail "kbench-compare --counter=page-faults did not compare mem/faults4"
$M --processes=1 --counters=page-faults --format=gbench >"$tmp/gb.json" 2>"$tmp/gb.err" ||
	fail "--format=gbench with --counters: exit $?"
python3 - "$tmp/gb.json" <<'PY' || fail "the Google Benchmark JSON has no page-faults counter"
import json, sys
rows = [b for b in json.load(open(sys.argv[1]))["benchmarks"] if b["run_name"] == "mem/faults4" and b["run_type"] == "iteration"]
assert rows and all(3.9 <= b["page-faults"] <= 4.5 for b in rows), rows[:1]
PY

# refusals: exit 2, the event named, nothing measured
refuse() { # ARG WANT
	$M --processes=1 "$1" >"$tmp/r.txt" 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || fail "$1: exit $rc, want 2"
	grep -q -- "$2" "$tmp/r.txt" || fail "$1: no \"$2\" in: $(cat "$tmp/r.txt")"
	! grep -q "benchmarks:" "$tmp/r.txt" || fail "$1: measured before refusing"
}
refuse --counters=no-such-event "no-such-event: libpfm4 cannot encode it"
refuse --counters=task-clock, "with no empty one"
refuse --counters=page-faults,page-faults "expected each event named once"
# a hardware event: counted where the CPU has a PMU, refused with the reason where not
if $M --processes=1 --counters=cycles --format=json >"$tmp/hw.json" 2>"$tmp/hw.err"; then
	python3 -c "import json,sys; b=json.load(open(sys.argv[1]))['benchmarks'][0]; assert b['counters']['cycles'] > 0" "$tmp/hw.json" ||
		fail "--counters=cycles ran but counted nothing"
else
	grep -q "cycles: this machine cannot count it" "$tmp/hw.err" || fail "--counters=cycles: $(cat "$tmp/hw.err")"
fi

[ "$failures" -eq 0 ] && echo "ok: counters" && exit 0
exit 1
