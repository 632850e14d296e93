#!/bin/sh
# kbench.conf, through the binary (the refusals of bad keys and values are
# in test_kbench_quick.sh):
#  1. ./kbench.conf is read by default, --config and KBENCH_CONFIG name
#     another, and the one used is recorded (config.config_file);
#  2. peak.<name> gives each result its pct_peak (rate / peak * 100) with
#     --no-peaks, the context records the peak and "kbench.conf", and the
#     console table shows the %peak; without a peak there is none;
#  3. cache.l1d / cache.l2 / cache.l3 (k/M suffixes) replace what hwloc
#     says, source "kbench.conf";
#  4. implausible hardware claims are refused with a note: hwloc's L3 of
#     320 MiB, an L2 not above L1, NUMA memory far from /proc/meminfo
#     (a synthetic hwloc topology, HWLOC_SYNTHETIC, makes the claims).
set -eu
kb="$KB_BUILD/kbench"
[ -x "$kb" ] || { echo "missing $kb (build first)"; exit 1; }
kb=$(cd "$(dirname "$kb")" && pwd)/kbench
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-conf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
unset KBENCH_CONFIG HWLOC_SYNTHETIC
q="--quick --no-peaks --format=json"

# ---- 1. which file ------------------------------------------------------------------
mkdir "$tmp/here"
printf 'cpu.model = Default Conf CPU\n' > "$tmp/here/kbench.conf"
printf 'cpu.model = Named Conf CPU\n' > "$tmp/named.conf"
(cd "$tmp/here" && "$kb" $q --filter=calibration/empty > "$tmp/d.json") || fail "kbench with ./kbench.conf"
(cd "$tmp/here" && "$kb" $q --filter=calibration/empty --config="$tmp/named.conf" > "$tmp/n.json") ||
	fail "kbench --config"
(cd "$tmp/here" && KBENCH_CONFIG="$tmp/named.conf" "$kb" $q --filter=calibration/empty > "$tmp/e.json") ||
	fail "kbench KBENCH_CONFIG"
(cd "$tmp" && "$kb" $q --filter=calibration/empty > "$tmp/none.json") || fail "kbench without a kbench.conf"
python3 - "$tmp" <<'PY'
import json, sys
t = sys.argv[1]
def ctx(f):
    d = json.load(open(t + "/" + f))
    return d["context"]["cpu"]["model"], d["config"]["config_file"]
assert ctx("d.json") == ("Default Conf CPU", "kbench.conf"), ctx("d.json")
assert ctx("n.json") == ("Named Conf CPU", t + "/named.conf"), ctx("n.json")
assert ctx("e.json") == ("Named Conf CPU", t + "/named.conf"), ctx("e.json")
model, used = ctx("none.json")
assert used is None and model not in ("Default Conf CPU", "Named Conf CPU"), (model, used)
PY

# ---- 2. peaks -> pct_peak -------------------------------------------------------------
# (a bandwidth peak applies where the working set exceeds the last-level
# cache: a 2k L3 from kbench.conf makes memcpy/4099 one; the peaks are
# above any rate here, or the run would raise them: part 2b)
printf 'peak.bandwidth = 250000\npeak.flops_f32 = 400000\ncache.l3 = 2k\n' > "$tmp/peaks.conf"
pick='^(memory/memcpy/4099|matmul/sgemm_blocked/33|calibration/empty)$'
"$kb" $q --filter="$pick" --config="$tmp/peaks.conf" > "$tmp/p.json" || fail "kbench with peaks"
"$kb" $q --filter="$pick" > "$tmp/np.json" || fail "kbench without peaks"
python3 - "$tmp/p.json" "$tmp/np.json" <<'PY'
import json, sys
def rows(f):
    d = json.load(open(f))
    return d, {b["id"]: b for b in d["benchmarks"]}
d, r = rows(sys.argv[1])
assert d["config"]["measure_peaks"] is False
pk = d["context"]["peaks"]
assert pk["bandwidth"] == 250000 and pk["bandwidth_method"] == "kbench.conf", pk
assert pk["flops_f32"] == 400000 and pk["flops_f32_method"] == "kbench.conf", pk
assert "bandwidth_note" not in pk and "flops_f32_note" not in pk, pk
for id_, rate, peak in (("memory/memcpy/4099", "gbps", 250000), ("matmul/sgemm_blocked/33", "gflops", 400000)):
    c = r[id_]["counters"]
    want = 100 * c[rate] / peak
    assert abs(c["pct_peak"] - want) <= 1e-9 * want, (id_, c)
assert "pct_peak" not in r["calibration/empty"]["counters"], r["calibration/empty"]["counters"]
d, r = rows(sys.argv[2])
for id_ in ("memory/memcpy/4099", "matmul/sgemm_blocked/33"):
    assert r[id_]["counters"].get("pct_peak") is None, (id_, r[id_]["counters"])
assert d["context"]["peaks"]["flops_f32_method"] == "not measured (--no-peaks)", d["context"]["peaks"]
PY
# the console table's %peak column: the memcpy row has it, empty has not
"$kb" --quick --no-peaks --filter="$pick" --config="$tmp/peaks.conf" > "$tmp/p.txt" || fail "console with peaks"
pct=$(python3 -c "
import json; print('%.0f%%' % [b for b in json.load(open('$tmp/p.json'))['benchmarks'] if b['id'] == 'matmul/sgemm_blocked/33'][0]['counters']['pct_peak'])")
grep '^matmul/sgemm_blocked/33 ' "$tmp/p.txt" | grep -q "GFLOP/s  *[0-9]*%" ||
	{ cat "$tmp/p.txt"; fail "no %peak in the console row (want about $pct)"; }
grep '^calibration/empty ' "$tmp/p.txt" | grep -q "[0-9]%  *[0-9]*%" && { cat "$tmp/p.txt"; fail "a %peak for calibration/empty"; }

# ---- 2b. a peak below a rate: raised to the highest rate for the run, with a note ----
printf 'peak.bandwidth = 0.001\npeak.flops_f32 = 0.001\ncache.l3 = 2k\n' > "$tmp/low.conf"
"$kb" $q --filter="$pick" --config="$tmp/low.conf" > "$tmp/low.json" || fail "kbench with low peaks"
python3 - "$tmp/low.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = {b["id"]: b for b in d["benchmarks"]}
pk = d["context"]["peaks"]
for id_, rate, name in (("memory/memcpy/4099", "gbps", "bandwidth"), ("matmul/sgemm_blocked/33", "gflops", "flops_f32")):
    c = r[id_]["counters"]
    assert abs(c["pct_peak"] - 100) < 1e-6, (id_, c)
    assert "rate above peak %s (0.001" % name in (r[id_].get("label") or ""), r[id_]
    assert abs(pk[name] - c[rate]) <= 1e-5 * c[rate] and pk["%s_below_rate" % name] == 0.001, pk
    assert id_ in pk["%s_note" % name], pk
PY
"$kb" --quick --no-peaks --filter="$pick" --config="$tmp/low.conf" > "$tmp/low.txt" || fail "console with low peaks"
grep '^matmul/sgemm_blocked/33 ' "$tmp/low.txt" | grep -q "100%.*rate above peak flops_f32" ||
	{ cat "$tmp/low.txt"; fail "no note on a row above its peak"; }

# ---- 3. cache sizes ---------------------------------------------------------------------
printf 'cache.l1d = 48k\ncache.l2 = 2M\ncache.l3 = 36M\n' > "$tmp/cache.conf"
"$kb" $q --filter=calibration/empty --config="$tmp/cache.conf" > "$tmp/c.json" || fail "kbench with cache sizes"
python3 - "$tmp/c.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["context"]["caches"]
want = {"l1d": 48 << 10, "l2": 2 << 20, "l3": 36 << 20}
for k, v in want.items():
    assert c[k + "_bytes"] == v and c[k + "_source"] == "kbench.conf", c
    assert k + "_note" not in c, c
PY

# ---- 4. implausible claims ----------------------------------------------------------------
mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)
numa=$((mem * 1024 / 4))
HWLOC_SYNTHETIC="NUMANode:1(memory=$numa) Package:1 L3Cache:1(size=335544320) L2Cache:1(size=16384) L1dCache:1(size=32768) Core:1 PU:1" \
	"$kb" $q --filter=calibration/empty > "$tmp/h.json" 2> "$tmp/h.err" || { cat "$tmp/h.err"; fail "kbench on a synthetic topology"; }
python3 - "$tmp/h.json" <<'PY'
import json, sys
ctx = json.load(open(sys.argv[1]))["context"]
c = ctx["caches"]
assert "hwloc claims 335544320 bytes for L3, outside [1048576, 268435456]" in c.get("l3_note", ""), c
assert c["l3_bytes"] != 335544320 and c["l3_source"] != "hwloc", c
assert "hwloc claims 16384 bytes for L2" in c.get("l2_note", "") and "not above L1" in c["l2_note"], c
assert c["l2_source"] != "hwloc", c
assert c["l1d_bytes"] == 32768 and c["l1d_source"] == "hwloc" and "l1d_note" not in c, c
n = ctx["numa"]
assert "in NUMA nodes but /proc/meminfo has" in n.get("note", ""), n
PY
# kbench.conf wins over the claims, and then there is nothing to refuse
HWLOC_SYNTHETIC="Package:1 L3Cache:1(size=335544320) L2Cache:1(size=1048576) L1dCache:1(size=32768) Core:1 PU:1" \
	"$kb" $q --filter=calibration/empty --config="$tmp/cache.conf" > "$tmp/hc.json" || fail "synthetic + conf"
python3 - "$tmp/hc.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["context"]["caches"]
assert c["l3_bytes"] == 36 << 20 and c["l3_source"] == "kbench.conf" and "l3_note" not in c, c
PY
echo "ok"
