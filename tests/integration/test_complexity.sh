#!/bin/sh
# Complexity fits (KB_COMPLEXITY) end to end: the reference sgemm, fitted
# with KB_AUTO over its --quick sizes in three worker processes, comes out
# O(n^3), with an interval around its coefficient, in the console, the
# kbench JSON (read back by kbench-report beside the scaling plot) and
# Google Benchmark's JSON, whose BigO and RMS rows have exactly the fields
# and types Google Benchmark 1.7.1's own writer gives them
# (tests/data/gbench/complexity_gb171.json: name, run_name, run_type
# aggregate, aggregate_name BigO/RMS, big_o, cpu_coefficient,
# real_coefficient, rms, ...), which is what its tools/compare.py reads;
# kbench-compare reads that file back.
set -u
. "$(dirname "$0")/bench_env.sh"
bench_env complexity
K="$B/kbench --quick --no-peaks --processes=3 --filter=^matmul/sgemm_ref/"

$K --out="$tmp/run.json" >"$tmp/run.txt" 2>&1 || fail "kbench: exit $? $(tail -n 3 "$tmp/run.txt")"
grep -q "^matmul/sgemm_ref .* ns \* N^3 .*auto: the best order over 4 values of n" "$tmp/run.txt" ||
	fail "the console has no N^3 fit line: $(grep -i complex -A2 "$tmp/run.txt")"
python3 - "$tmp/run.json" <<'PY' || fail "the kbench JSON's complexity fit"
import json, sys
d = json.load(open(sys.argv[1]))
(f,) = d["complexity"]
assert f["name"] == "matmul/sgemm_ref" and f["axis"] == "n" and f["requested"] == "auto", f
assert f["big_o"] == "N^3", "the reference sgemm is not O(n^3): %s" % f
assert f["points"] == 4 and f["note"] is None, f
iv = f["interval"]
assert iv["level"] == 0.95 and iv["low"] < f["coefficient_ns"] < iv["high"], f
assert 0 <= f["rms"] < 0.5, f
PY

$K --format=gbench >"$tmp/gb.json" 2>"$tmp/gb.err" || fail "kbench --format=gbench: exit $? $(tail -n 3 "$tmp/gb.err")"
python3 - "$tmp/gb.json" "$R/tests/data/gbench/complexity_gb171.json" <<'PY' || fail "the Google Benchmark BigO/RMS rows"
import json, sys
ours = json.load(open(sys.argv[1]))["benchmarks"]
ref = json.load(open(sys.argv[2]))["benchmarks"]
def rows(bs, agg):
    return [b for b in bs if b.get("run_type") == "aggregate" and b.get("aggregate_name") == agg]
def shape(b):
    return {k: type(v).__name__ for k, v in b.items()}
for agg in ("BigO", "RMS"):
    (o,) = rows(ours, agg)
    r = rows(ref, agg)[0]
    so, sr = shape(o), shape(r)
    # JSON numbers: Google Benchmark writes some as integers where kbench may not
    for s in (so, sr):
        for k, t in s.items():
            if t in ("int", "float") and k not in ("family_index", "per_family_instance_index", "repetitions", "threads"):
                s[k] = "number"
    assert so == sr, "%s row: kbench %s, Google Benchmark %s" % (agg, so, sr)
    assert o["name"] == "matmul/sgemm_ref_" + agg and o["run_name"] == "matmul/sgemm_ref", o
    assert o["aggregate_unit"] == r["aggregate_unit"], o
(bigo,) = rows(ours, "BigO")
assert bigo["big_o"] == "N^3" and bigo["real_coefficient"] > 0 and bigo["cpu_coefficient"] > 0, bigo
# after the family's last iteration row and its aggregates, as Google Benchmark places them
names = [b["name"] for b in ours]
assert names.index("matmul/sgemm_ref_BigO") > max(i for i, n in enumerate(names) if n.startswith("matmul/sgemm_ref/")), names
assert names.index("matmul/sgemm_ref_RMS") == names.index("matmul/sgemm_ref_BigO") + 1, names
PY
"$B/kbench-compare" "$tmp/gb.json" "$tmp/gb.json" >"$tmp/cmp.txt" 2>&1 ||
	fail "kbench-compare on the Google Benchmark file with BigO rows: exit $? $(tail -n 2 "$tmp/cmp.txt")"
"$B/kbench-compare" "$R/tests/data/gbench/complexity_gb171.json" "$R/tests/data/gbench/complexity_gb171.json" >"$tmp/cmp2.txt" 2>&1 ||
	fail "kbench-compare on Google Benchmark's own complexity file: exit $? $(tail -n 2 "$tmp/cmp2.txt")"

"$B/kbench-report" --no-plots --quiet --out-dir="$tmp/report" "$tmp/run.json" >"$tmp/rep.txt" 2>&1 ||
	fail "kbench-report: exit $? $(tail -n 2 "$tmp/rep.txt")"
grep -q "complexity: matmul/sgemm_ref .* ns x N^3 \[" "$tmp/report/report.md" 2>/dev/null ||
	fail "report.md has no fit beside the scaling plot"
grep -q "<br>complexity: matmul/sgemm_ref .* ns x N^3 \[" "$tmp/report/index.html" 2>/dev/null ||
	fail "index.html has no fit in the scaling plot's caption"

[ "$failures" -eq 0 ] && echo "ok: complexity" && exit 0
exit 1
