#!/bin/sh
# Worker processes (docs/method.md, "Processes"): a benchmark binary built
# from tests/integration/src/fault_bench.c against this build's libkbench,
# whose fault/victim exits 3, is killed, or hangs in the second worker.
# Each time the parent names the benchmark and the reason, exits 1, and
# keeps the other benchmark's results (measured in every process).  Also:
# --processes=N runs N workers and every sample carries its process; the
# JSON holds the process medians, the interval's method and the variance
# components; --processes=1 says its interval covers one process; SIGINT to
# the parent stops the worker and keeps what was measured (exit 130), with
# no worker left behind.
set -u
. "$(dirname "$0")/bench_env.sh"
bench_env workers
trap 'pkill -KILL -f "$tmp/" 2>/dev/null; rm -rf "$tmp"' EXIT
bench_build fault_bench.c "$tmp/fault"
F="$tmp/fault --quick --no-peaks --processes=3 --worker-timeout=3"

# ---- 1. N processes, every sample tagged -----------------------------------------
$F --out="$tmp/ok.json" >"$tmp/ok.txt" 2>&1 || fail "a clean 3-process run: exit $? $(tail -n 3 "$tmp/ok.txt")"
grep -q "intervals between 3 processes" "$tmp/ok.txt" || fail "the table does not say the interval is between processes"
python3 - "$tmp/ok.json" <<'PY' || fail "the JSON of a 3-process run"
import json, math, statistics, sys
d = json.load(open(sys.argv[1]))
assert d["config"]["processes"] == 3 and d["config"]["processes_run"] == 3, d["config"]
for b in d["benchmarks"]:
    assert b["status"] == "ok", b
    assert b["processes"] == 3
    sp = b["sample_process"]
    assert len(sp) == len(b["samples_ns"]) and set(sp) == {0, 1, 2}, sp
    meds = b["process_medians_ns"]
    for p in range(3):
        mine = [x for x, q in zip(b["samples_ns"], sp) if q == p]
        assert abs(statistics.median(mine) - meds[p]) <= 1e-9 * meds[p], (p, meds)
    iv = b["interval"]
    assert iv["method"] == "t on the log of the process medians", iv
    # recompute: geometric mean of the medians, t(0.975, 2) * sd/sqrt(3)
    logs = [math.log(m) for m in meds]
    centre = math.exp(sum(logs) / 3)
    se = statistics.stdev(logs) / math.sqrt(3)
    assert abs(b["summary"]["median"] - centre) < 1e-6 * centre
    assert abs(iv["log_se"] - se) < 1e-9 + 1e-6 * se
    assert abs(iv["high"] - centre * math.exp(4.302652729911275 * se)) < 1e-6 * centre
    assert iv["df"] == 2
    for k in ("within_round", "between_rounds", "between_processes"):
        assert b["variance"][k] is None or b["variance"][k] >= 0
PY
"$tmp/fault" --quick --no-peaks --processes=1 >"$tmp/one.txt" 2>&1 || fail "--processes=1: exit $?"
grep -q "one process (--processes=1): the intervals cover only this process" "$tmp/one.txt" ||
	fail "--processes=1 does not say its interval covers one process"

# ---- 2. a worker that exits, is killed, hangs --------------------------------------
for fault in exit kill hang; do
	KB_FAULT=$fault $F --out="$tmp/$fault.json" >"$tmp/$fault.txt" 2>"$tmp/$fault.err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "$fault: exit $rc (wanted 1)"
	case $fault in
	exit) want="worker process 2 failed (exit status 3)" ;;
	kill) want="worker process 2 failed (killed by signal 9" ;;
	hang) want="worker process 2 was killed: nothing from it for 3 s (--worker-timeout)" ;;
	esac
	grep -qF "fault/victim: $want" "$tmp/$fault.err" || fail "$fault: stderr lacks 'fault/victim: $want': $(cat "$tmp/$fault.err")"
	python3 - "$tmp/$fault.json" "$want" <<'PY' || fail "$fault: the results"
import json, sys
d = json.load(open(sys.argv[1]))
b = {x["id"].split("/")[1]: x for x in d["benchmarks"]}
v, s = b["victim"], b["steady"]
assert v["status"] == "error" and sys.argv[2] in v["message"] and "while running it" in v["message"], v
assert s["status"] == "ok", s
# the steady one lost at most the failed process's samples, never its result
assert s["processes"] >= 2, s["processes"]
PY
done
pgrep -f "$tmp/fault" >/dev/null && fail "a worker was left running: $(pgrep -af "$tmp/fault")"

# ---- 3. SIGINT to the parent ---------------------------------------------------------
"$tmp/fault" --no-peaks --processes=3 --rounds=100000 --filter=steady --out="$tmp/int.json" >"$tmp/int.txt" 2>&1 &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 130 ] || fail "SIGINT to a multi-process run: exit $rc (wanted 130)"
sleep 0.2
pgrep -f "$tmp/fault" >/dev/null && fail "SIGINT left a worker running"
python3 - "$tmp/int.json" <<'PY' || fail "SIGINT: the JSON of what was measured"
import json, sys
d = json.load(open(sys.argv[1]))
assert d.get("interrupted") is True
b = d["benchmarks"][0]
assert b["status"] == "interrupted" and b["samples_ns"], b["status"]
PY

[ "$failures" -eq 0 ] || exit 1
echo ok
