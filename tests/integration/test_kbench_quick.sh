#!/bin/sh
# Runs every registered benchmark in --quick mode (tiny sizes, every kernel
# validated) and checks the JSON in both schemas, the CSV, and the refusals.
set -eu
kb="$KB_BUILD/kbench"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# all suites, quick; a wrong kernel would exit 1
"$kb" --quick --out="$tmp/run.json" > "$tmp/console.txt" 2> "$tmp/err.txt" ||
	{ cat "$tmp/err.txt" "$tmp/console.txt"; fail "kbench --quick exited $?"; }
grep -q "calibration/empty" "$tmp/console.txt" || fail "console table lacks calibration/empty"
# progress goes to standard error only when it is a terminal
[ -s "$tmp/err.txt" ] && { cat "$tmp/err.txt"; fail "output on stderr when it is not a terminal"; }
if command -v script > /dev/null 2>&1; then
	script -qec "$kb --quick --filter=^calibration/ > /dev/null" /dev/null > "$tmp/tty.txt" 2>&1 || true
	grep -q 'elapsed, ~' "$tmp/tty.txt" || { cat "$tmp/tty.txt"; fail "no progress on a terminal"; }
fi
grep -q "benchmarks: .* ok" "$tmp/console.txt" || fail "console table lacks its summary line"

python3 - "$tmp/run.json" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
assert d["schema_version"] == 1
for k in ("harness", "context", "config", "benchmarks"):
    assert k in d, k
ctx = d["context"]
for k in ("date", "host", "cpu", "caches", "os", "compiler", "timer", "fingerprint", "fingerprint_parts", "process"):
    assert k in ctx, "context lacks " + k
assert ctx["timer"]["overhead_ns"] > 0
assert ctx["process"]["peak_rss_bytes"] > 0
assert d["config"]["seed"] == 42
ids = [b["id"] for b in d["benchmarks"]]
kernels_validated = 0
assert len(ids) == len(set(ids)), "duplicate ids"
assert "calibration/empty" in ids
for b in d["benchmarks"]:
    assert b["status"] in ("ok", "skipped", "error"), b["id"]
    assert b["status"] != "error", b["id"] + ": " + str(b["message"])
    if b["status"] == "skipped":
        assert b["message"], b["id"] + " skipped without a reason"
        continue
    s = b["summary"]
    n = len(b["samples_ns"])
    assert n == s["n"] == len(b["cpu_samples_ns"]) == len(b["sample_round"]) and n > 0
    assert all(x > 0 for x in b["samples_ns"]), b["id"]
    xs = sorted(b["samples_ns"])
    h = (n - 1) * 0.5
    med = xs[int(h)] + (h - int(h)) * (xs[min(int(h) + 1, n - 1)] - xs[int(h)])
    if b["processes"] >= 2:
        # the geometric mean of the process medians (docs/method.md, "The interval")
        meds = [m for m in b["process_medians_ns"] if m is not None]
        med = math.exp(sum(math.log(m) for m in meds) / len(meds))
        assert b["interval"]["method"] == "t on the log of the process medians"
    assert abs(med - s["median"]) <= 1e-6 * med, (b["id"], med, s["median"])
    assert s["ci_low"] <= s["median"] <= s["ci_high"]
    assert s["min"] <= s["q1"] <= s["q3"] <= s["p90"] <= s["p99"] <= s["max"]
    assert s["min"] <= s["median"] <= s["max"]
    assert b["iterations_per_sample"] >= 1
    # "validates every kernel": a kernel row that ran is validated, true
    # (null would be a benchmark that lost its validation block)
    if not b["id"].startswith("calibration/"):
        assert b["validated"] is True, "%s: validated is %r" % (b["id"], b["validated"])
        kernels_validated += 1
assert kernels_validated >= 20, "only %d validated kernel rows" % kernels_validated
empty = next(b for b in d["benchmarks"] if b["id"] == "calibration/empty")
# not a performance target (that is in the README): a clock read per iteration
# would cost >= 20 ns here, so this catches a loop that reads the clock
assert empty["summary"]["median"] < 15, "empty loop costs %g ns" % empty["summary"]["median"]
PY

# Google Benchmark schema
"$kb" --quick --filter=calibration --format=gbench > "$tmp/gb.json"
python3 - "$tmp/gb.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert "context" in d and "benchmarks" in d
assert d["context"]["json_schema_version"] == 1
it = [b for b in d["benchmarks"] if b["run_type"] == "iteration"]
agg = [b for b in d["benchmarks"] if b["run_type"] == "aggregate"]
assert it and agg
for b in it:
    assert b["time_unit"] == "ns" and b["iterations"] >= 1 and b["real_time"] > 0
    assert b["repetitions"] > b["repetition_index"] >= 0
assert {a["aggregate_name"] for a in agg} >= {"mean", "median", "stddev", "cv"}
# Google's tools/compare.py subtracts real_time and cpu_time of every row
for b in d["benchmarks"]:
    for k in ("real_time", "cpu_time"):
        assert isinstance(b[k], (int, float)) and b[k] >= 0, (b["name"], k, b[k])
PY

# one family per registered benchmark, its argument sets the instances
"$kb" --filter='^calibration/' --rounds=2 --warmup=0.01 --format=gbench > "$tmp/gbf.json"
python3 - "$tmp/gbf.json" <<'PY'
import json, sys
rows = [b for b in json.load(open(sys.argv[1]))["benchmarks"] if b["run_type"] == "iteration"
        and b["repetition_index"] == 0]
fam = {b["run_name"]: (b["family_index"], b["per_family_instance_index"]) for b in rows}
assert fam["calibration/empty"] == (0, 0), fam
assert fam["calibration/spin/1000"] == (1, 0), fam
assert fam["calibration/spin/100000"] == (1, 1), fam
PY

# CSV: header + one row per benchmark
"$kb" --quick --filter=calibration --format=csv > "$tmp/run.csv"
head -n 1 "$tmp/run.csv" | grep -q "^id,status,median_ns" || fail "CSV header"
[ "$(grep -c '^calibration/' "$tmp/run.csv")" -eq "$("$kb" --quick --filter=calibration --list | wc -l)" ] || fail "CSV rows"

# --list honours --filter (the seed's inputs and order: test_runner)
"$kb" --list --filter='^calibration/spin' > "$tmp/list.txt" || fail "--list --filter=^calibration/spin exited $?"
grep -q '^calibration/spin/' "$tmp/list.txt" || fail "--list --filter=^calibration/spin listed no spin"
grep -qv '^calibration/spin/' "$tmp/list.txt" && fail "--filter not applied to --list"
"$kb" --list --filter='-^calibration' > "$tmp/neg.txt" || fail "--list --filter=-^calibration exited $?"
[ "$(wc -l < "$tmp/neg.txt")" -ge 5 ] || fail "negative filter: too few ids listed: $(cat "$tmp/neg.txt")"
grep -q '^calibration' "$tmp/neg.txt" && fail "negative filter: a calibration id is listed"

# refusals: exit 2 and a message naming the problem
expect_refusal() { # pattern, args...
	pat=$1
	shift
	rc=0
	"$kb" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ $rc -eq 2 ] || fail "kbench $*: exit $rc, expected 2"
	grep -q -- "$pat" "$tmp/err" || { cat "$tmp/err"; fail "kbench $*: message lacks '$pat'"; }
}
expect_refusal "unknown flag" --nope
expect_refusal "target-ci=x" --target-ci=x
expect_refusal "no benchmark matches" --filter=does-not-exist
expect_refusal "cannot read config" --config=/nonexistent/kbench.conf --list
KBENCH_ROUNDS=zero "$kb" --list > /dev/null 2> "$tmp/err" && fail "bad KBENCH_ROUNDS accepted"
grep -q KBENCH_ROUNDS "$tmp/err" || fail "bad KBENCH_ROUNDS message"

expect_refusal "expected auto, none or a list" --pin=9999 --quick --filter=calibration/empty
expect_refusal "line 2" --config="$KB_ROOT/tests/data/kbench-bad.conf" --list
# an --out that cannot be written is refused before anything is measured
expect_refusal "--out: cannot write /nonexistent/dir/x.json" --filter=calibration --out=/nonexistent/dir/x.json
grep -q "calibration/" "$tmp/out" && fail "benchmarks ran before the bad --out was refused"
expect_refusal "--out: cannot write $tmp: it is a directory" --quick --filter=calibration/empty --out="$tmp"
# a value or key kbench.conf does not know is refused, not silently ignored
for bad in "peak.flops_f32 = abc|peak.flops_f32 = abc: expected a number > 0" \
	"cache.l3 = 32Q|cache.l3 = 32Q: expected a size in bytes" \
	"cach.l3 = 32M|unknown key \"cach.l3\"" "peak.Band-width = 5|expected peak.<name>"; do
	printf '# ok\ncpu.model = x\n%s\n' "${bad%%|*}" > "$tmp/bad.conf"
	expect_refusal "bad.conf, line 3: .*${bad#*|}" --config="$tmp/bad.conf" --list
done

# kbench.conf supplies cache sizes and peaks; --pin and --threads are recorded
cat > "$tmp/kbench.conf" <<'CONF'
# cache sizes for a machine whose hwloc is wrong
cache.l3 = 16M
cpu.model = Test CPU 9000
CONF
"$kb" --quick --filter=calibration/empty --config="$tmp/kbench.conf" --pin=0 --threads=1 \
	--format=json > "$tmp/conf.json"
python3 - "$tmp/conf.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["context"]
assert c["caches"]["l3_bytes"] == 16 * 1024 * 1024, c["caches"]
assert c["caches"]["l3_source"] == "kbench.conf"
assert c["cpu"]["model"] == "Test CPU 9000"
assert c["fingerprint"].startswith("test-cpu-9000_"), c["fingerprint"]
assert d["config"]["threads"] == 1 and "CPU 0" in d["config"]["pin"], d["config"]
PY

# --out is written through a temporary file renamed into place: none is left
mkdir "$tmp/outdir"
"$kb" --quick --filter=calibration/empty --out="$tmp/outdir/r.json" > /dev/null || fail "--out run failed"
[ "$(ls "$tmp/outdir")" = "r.json" ] || fail "left beside --out: $(ls "$tmp/outdir")"
echo ok
