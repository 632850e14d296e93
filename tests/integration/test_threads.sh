#!/bin/sh
# KB_THREADS end to end (tests/integration/src/thread_bench.c), through the
# worker processes: every thread of a team is in its loop at once; a
# sample's wall time is the slowest thread's and its CPU time the sum of the
# threads'; rates are the team's (the work set per thread); ids end in
# /threads:N and results carry "threads" (kbench JSON and Google Benchmark's
# "threads"); validation runs once, in one thread.
set -u
. "$(dirname "$0")/bench_env.sh"
bench_env threads
bench_build thread_bench.c "$tmp/thr"
T="$tmp/thr --quick --no-peaks"

$T --list >"$tmp/ids.txt" 2>&1
printf 'threads/meet/threads:1\nthreads/meet/threads:2\nthreads/meet/threads:3\nthreads/sleepy/threads:2\nthreads/work/threads:1\nthreads/work/threads:2\n' >"$tmp/want.txt"
cmp -s "$tmp/ids.txt" "$tmp/want.txt" || fail "ids: $(cat "$tmp/ids.txt")"

$T --processes=2 --out="$tmp/run.json" >"$tmp/run.txt" 2>&1 || fail "2 processes: exit $? $(tail -n 5 "$tmp/run.txt")"
python3 - "$tmp/run.json" <<'PY' || fail "the threaded results"
import json, sys
d = json.load(open(sys.argv[1]))
b = {x["id"]: x for x in d["benchmarks"]}
for i, x in b.items():
    assert x["status"] == "ok", (i, x["message"])
    assert x["threads"] == int(i.rsplit(":", 1)[1]), (i, x.get("threads"))
    assert x["processes"] == 2, i
med = lambda x: x["summary"]["median"]
cpu = lambda x: sorted(x["cpu_samples_ns"])[len(x["cpu_samples_ns"]) // 2]
s = b["threads/sleepy/threads:2"]
assert med(s) >= 1.9e6, "wall %.0f ns per iteration: not the slowest thread's (>= 2 ms)" % med(s)
assert cpu(s) < 1e6, "CPU %.0f ns per iteration of a sleeping team" % cpu(s)
w1, w2 = b["threads/work/threads:1"], b["threads/work/threads:2"]
r = cpu(w2) / cpu(w1)
assert 1.4 <= r <= 2.8, "CPU time of 2 threads / 1 thread = %.2f, want about 2 (summed)" % r
# one item per iteration per thread: the team's rate
for x, n in ((w1, 1), (w2, 2)):
    got = x["counters"]["items_per_second"] * med(x) / 1e9
    assert abs(got - n) < 1e-6, (x["id"], got)
PY

$T --processes=1 --filter=meet --format=json >"$tmp/one.json" 2>"$tmp/one.err" || fail "1 process: exit $? $(tail -n 3 "$tmp/one.err")"
python3 - "$tmp/one.json" <<'PY' || fail "validation of a team"
import json, sys
for x in json.load(open(sys.argv[1]))["benchmarks"]:
    assert x["validated"] is True, x["id"]
    assert x["counters"]["validation_threads"] == 1, (x["id"], x["counters"])
    assert x["counters"]["validation_calls"] == 1, (x["id"], x["counters"])
PY
$T --processes=1 --filter=sleepy --format=gbench >"$tmp/gb.json" 2>/dev/null || fail "--format=gbench: exit $?"
python3 -c "
import json, sys
rows = json.load(open(sys.argv[1]))['benchmarks']
assert rows and all(r['threads'] == 2 for r in rows), rows[:1]
" "$tmp/gb.json" || fail "Google Benchmark rows without threads 2"
"$B/kbench-compare" "$tmp/run.json" "$tmp/run.json" >"$tmp/cmp.txt" 2>&1 || fail "kbench-compare reads the threaded results: exit $?"

[ "$failures" -eq 0 ] && echo "ok: threads" && exit 0
exit 1
