#!/bin/sh
# make baseline / make gate (scripts/make-baseline.sh, scripts/ci-gate.sh).
#
# Part 1, the plumbing, deterministic: a fake kbench that writes fixed
# synthetic results (synth.py) stands in for the measuring, so every verdict
# is decided by the fixtures, never by how busy the machine is:
#   no baseline -> exit 2 naming `make baseline`; BASELINE_RUNS=1 refused;
#   make-baseline writes <dir>/<fingerprint>/<suite>.json with noise, no
#   temporary files; the same results -> exit 0 with the Markdown summary
#   and GITHUB_STEP_SUMMARY; +100 % on one benchmark -> exit 1, that row
#   regressed; a failed validation (kbench exit 1, an error row) -> exit 1;
#   kbench failing without results -> exit 2; METRIC=instructions: kbench
#   asked for --metric=instructions, the baseline under instructions/, +1 %
#   instructions -> exit 1, the same counts -> 0.  `make baseline` and
#   `make gate` themselves run these scripts with the fake (make -o all).
# Part 2, the real thing (normal build only; the point is a real run):
#   `make baseline` and `make gate` with this build's kbench on the quick
#   calibration/spin suite, and +100 % work injected (KBENCH_SPIN_EXTRA=1)
#   into the gate's run: exit 1, spin regressed.  Twice the work is a margin
#   no load on a shared machine crosses in the other direction.
set -u
B=${KB_BUILD:-build}
R=${KB_ROOT:-.}
for t in kbench kbench-compare kbench-baseline; do
	[ -x "$B/$t" ] || { echo "missing $B/$t"; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-gate.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
export KBENCH_BASELINE_DIR="$tmp/baselines" GATE_FLAGS="--quick --filter=^calibration/"
export COMPARE_FLAGS="--resamples=2000" GITHUB_STEP_SUMMARY="$tmp/step-summary.md"
unset METRIC KBENCH_SPIN_EXTRA
fail=0
bad() { echo "FAIL: $*"; fail=1; }
synth() { python3 "$R/tests/integration/synth.py" "$@"; }

# ---- part 1: a fake kbench and its fixtures --------------------------------------
fx="$tmp/fx"
mkdir -p "$tmp/b" "$fx"
for t in kbench-compare kbench-baseline; do ln -s "$(cd "$B" && pwd)/$t" "$tmp/b/$t"; done
cat > "$tmp/b/kbench" <<'SH'
#!/bin/sh
# fake kbench: writes $FAKE_FX/$FAKE_RUN.json (or $FAKE_RUN-<call>.json) to
# --out, exits $FAKE_RC; with METRIC=instructions it insists on the flag.
# The gate's fingerprint probe (the empty loop, one process) is answered with
# the fixture's fingerprint, exit 0, and not counted as a measuring call.
out="" metric=time probe=0
for a in "$@"; do
	case $a in
	--out=*) out=${a#--out=} ;;
	--metric=*) metric=${a#--metric=} ;;
	--filter=^calibration/empty\$) probe=1 ;;
	esac
done
if [ "$probe" = 1 ]; then
	echo probe >> "$FAKE_FX/probes"
	cp "$FAKE_FX/$FAKE_RUN.json" "$out" 2>/dev/null || cp "$FAKE_FX/$FAKE_RUN-1.json" "$out"
	exit 0
fi
n=$(($(cat "$FAKE_FX/calls" 2>/dev/null || echo 0) + 1))
echo "$n" > "$FAKE_FX/calls"
echo "$metric" >> "$FAKE_FX/metrics"
f=$FAKE_FX/$FAKE_RUN-$n.json
[ -f "$f" ] || f=$FAKE_FX/$FAKE_RUN.json
[ "$FAKE_RC" = 2 ] && { echo "fake kbench: bad usage" >&2; exit 2; }
cp "$f" "$out" && echo "fake kbench: $(basename "$f")"
exit "$FAKE_RC"
SH
chmod +x "$tmp/b/kbench"
export FAKE_FX="$fx"

src=$R/tests/data/good_kbench.json
synth "$src" "$fx/base.json" '.=time'
synth "$src" "$fx/base-2.json" '.=time,x=1.002'
synth "$src" "$fx/same.json" '.=time'
synth "$src" "$fx/slow.json" '.=time' 'reduction/sum_f32=x=2'
synth "$src" "$fx/invalid.json" '.=time' 'memory/copy=error=validation failed: max error 3e-2'
python3 - "$fx" <<'PY'
import json, sys
fx = sys.argv[1]
for name, scale in (("ibase", 1.0), ("ibase-2", 1.0), ("isame", 1.0), ("imore", 1.01)):
    d = json.load(open(fx + "/" + ("base" if name != "ibase-2" else "base-2") + ".json"))
    d["config"]["metric"] = "instructions"
    d["config"]["metric_mechanism"] = "callgrind"
    d["context"]["metric"] = {"name": "instructions", "mechanism": "callgrind"}
    for i, b in enumerate(d["benchmarks"]):
        if b["status"] == "ok":
            b["instructions"] = 1000.0 * (i + 1) * (scale if b["id"] == "reduction/sum_f32/4096" else 1)
    json.dump(d, open(fx + "/" + name + ".json", "w"), indent=1)
PY

# gate|baseline RUN RC [VAR=value...]: the script, with the fake; $rc, $tmp/out
script() {
	what=$1 run=$2 frc=$3
	shift 3
	: > "$fx/calls"
	: > "$fx/metrics"
	rc=0
	env FAKE_RUN="$run" FAKE_RC="$frc" "$@" sh "$R/scripts/$what" "$tmp/b" > "$tmp/out" 2>&1 || rc=$?
}
expect() { # want what
	[ "$rc" -eq "$1" ] || { bad "$2: exit $rc, want $1"; sed 's/^/    | /' "$tmp/out" | tail -n 15; }
}
# make exits 2 whenever a recipe fails; which status the gate's script
# returned shows in make's "[Makefile:N: gate] Error S" line
expect_make() { # script-status what
	if [ "$1" -eq 0 ]; then
		expect 0 "$2"
		return
	fi
	[ "$rc" -eq 2 ] && grep -q "\] Error $1\$" "$tmp/out" ||
		{ bad "$2: make exit $rc, want 2 with the script's Error $1"; sed 's/^/    | /' "$tmp/out" | tail -n 15; }
}

script ci-gate.sh base 0
expect 2 "gate without a baseline"
grep -q "no baseline for this machine" "$tmp/out" && grep -q "make baseline" "$tmp/out" ||
	bad "no baseline: the message does not say to run make baseline"
grep -q "no baseline" "$tmp/step-summary.md" 2>/dev/null || bad "no step summary for the missing baseline"
# the check comes first: only the fingerprint probe ran, nothing was measured
[ -s "$fx/calls" ] && bad "the gate measured the suites ($(cat "$fx/calls") calls) before finding no baseline"
[ -s "$fx/probes" ] || bad "the gate did not probe the fingerprint first"

script make-baseline.sh base 0 BASELINE_RUNS=1
expect 2 "BASELINE_RUNS=1"

script make-baseline.sh base 0 BASELINE_RUNS=2
expect 0 "make-baseline"
fp=$("$B/kbench-baseline" --fingerprint "$fx/base.json")
bl=$tmp/baselines/$fp
[ "$(cat "$fx/calls")" = 2 ] || bad "make-baseline ran kbench $(cat "$fx/calls") times, want 2"
for s in matmul reduction memory; do
	[ -f "$bl/$s.json" ] || { bad "make-baseline: no $bl/$s.json"; ls -R "$tmp/baselines"; }
done
grep -q '"noise": 0.00' "$bl/reduction.json" 2>/dev/null || bad "the baseline has no between-run noise"
ls -a "$bl" | grep -v '^\.\.*$' | grep -qv '\.json$' && bad "temporary files left in $bl: $(ls -a "$bl")"

script make-baseline.sh base 1 BASELINE_RUNS=2
expect 2 "make-baseline with a failing run"

: > "$tmp/step-summary.md"
script ci-gate.sh same 0
expect 0 "gate, the same results"
grep -q "kbench-compare" "$tmp/b/gate/summary.md" 2>/dev/null || bad "no $tmp/b/gate/summary.md"
grep -q "| Benchmark |" "$tmp/step-summary.md" || bad "nothing appended to GITHUB_STEP_SUMMARY"

script ci-gate.sh slow 0
expect 1 "gate, +100 % on reduction/sum_f32"
grep -q "reduction/sum_f32/4096.*regressed" "$tmp/b/gate/summary.md" ||
	bad "+100 %: the summary does not show reduction/sum_f32/4096 regressed"
grep -q "matmul/sgemm_naive/64.*regressed" "$tmp/b/gate/summary.md" && bad "+100 %: an unchanged row regressed"

script ci-gate.sh invalid 1
expect 1 "gate, a failed validation"
grep -qi "memory/copy/65536.*error" "$tmp/b/gate/summary.md" || bad "failed validation: no error row in the summary"

script ci-gate.sh same 2
expect 2 "gate, kbench failing without results"

# METRIC=instructions: its own baseline folder and the 0.5 % gate
script make-baseline.sh ibase 0 BASELINE_RUNS=2 METRIC=instructions
expect 0 "make-baseline METRIC=instructions"
[ "$(sort -u "$fx/metrics")" = instructions ] || bad "make-baseline METRIC=instructions ran kbench without --metric=instructions"
[ -f "$tmp/baselines/instructions/$fp/reduction.json" ] || bad "no instructions baseline in $tmp/baselines/instructions/$fp"
script ci-gate.sh isame 0 METRIC=instructions
expect 0 "gate METRIC=instructions, the same counts"
[ "$(sort -u "$fx/metrics")" = instructions ] || bad "gate METRIC=instructions ran kbench without --metric=instructions"
[ -f "$tmp/b/gate/instructions/summary.md" ] || bad "no instructions summary in $tmp/b/gate/instructions"
script ci-gate.sh imore 0 METRIC=instructions
expect 1 "gate METRIC=instructions, +1 % instructions"
script ci-gate.sh isame 0 METRIC=cycles
expect 2 "METRIC=cycles"

# ALLOW_MISMATCH=1: no baseline for this machine (acme-two), a near machine's
# (the same cores, GPU, compiler) is used with every threshold widened (5 %
# -> 31.2 %), said; a decoy near folder of another vendor (aaa-cpu, first by
# name) is passed over for the same vendor's; a machine with other cores has
# no near baseline: exit 2 as before
python3 - "$fx" <<'PY'
import json, sys
fx = sys.argv[1]
def make(name, fp, model, cores, scale):
    d = json.load(open(fx + "/" + ("base" if name != "nbase-2" else "base-2") + ".json"))
    d["context"]["fingerprint"] = fp
    d["context"]["fingerprint_parts"]["cpu_model"] = model
    d["context"]["fingerprint_parts"]["cores"] = cores
    for b in d["benchmarks"]:
        # synth.py left raw samples only (the reader recomputes the summary)
        if b["id"] == "reduction/sum_f32/4096" and scale != 1:
            b["samples_ns"] = [x * scale for x in b["samples_ns"]]
    json.dump(d, open(fx + "/" + name + ".json", "w"), indent=1)
make("nbase", "acme-one_2c_nogpu_gcc12", "Acme One", 2, 1)
make("nbase-2", "acme-one_2c_nogpu_gcc12", "Acme One", 2, 1)
make("nsame", "acme-two_2c_nogpu_gcc12", "Acme Two", 2, 1)
make("nslow20", "acme-two_2c_nogpu_gcc12", "Acme Two", 2, 1.2)
make("nslow100", "acme-two_2c_nogpu_gcc12", "Acme Two", 2, 2)
make("nfar", "acme-two_4c_nogpu_gcc12", "Acme Two", 4, 1)
PY
script make-baseline.sh nbase 0 BASELINE_RUNS=2
expect 0 "make-baseline of the near machine"
[ -d "$tmp/baselines/acme-one_2c_nogpu_gcc12" ] || bad "no baseline folder acme-one_2c_nogpu_gcc12: $(ls "$tmp/baselines")"
cp -r "$tmp/baselines/acme-one_2c_nogpu_gcc12" "$tmp/baselines/aaa-cpu_2c_nogpu_gcc12"
script ci-gate.sh nsame 0
expect 2 "gate without a baseline, a near one and no ALLOW_MISMATCH"
grep -q "near machine acme-one_2c_nogpu_gcc12" "$tmp/out" && grep -q "ALLOW_MISMATCH=1" "$tmp/out" ||
	bad "no baseline but a near one: the message does not name it and ALLOW_MISMATCH=1"
[ -s "$fx/calls" ] && bad "the gate measured before finding no baseline of its own"
script ci-gate.sh nsame 0 ALLOW_MISMATCH=1
expect 0 "gate ALLOW_MISMATCH=1, the same results on a near machine"
grep -q "using the baseline of" "$tmp/out" && grep -q "near machine acme-one_2c_nogpu_gcc12" "$tmp/out" ||
	bad "ALLOW_MISMATCH=1: the gate does not say it uses acme-one_2c_nogpu_gcc12's baseline"
grep -q "MACHINE MISMATCH.*acme-one_2c_nogpu_gcc12.*acme-two_2c_nogpu_gcc12.*5.0 % -> 31.2 %" "$tmp/b/gate/summary.md" ||
	bad "ALLOW_MISMATCH=1: the summary does not say the threshold was widened from 5.0 % to 31.2 %"
script ci-gate.sh nslow20 0 ALLOW_MISMATCH=1
expect 0 "gate ALLOW_MISMATCH=1, +20 % (inside the widened 31.2 %)"
grep -q "reduction/sum_f32/4096.*threshold widened from 5.0 % to 31.2 %" "$tmp/b/gate/summary.md" ||
	bad "ALLOW_MISMATCH=1, +20 %: the row does not say its threshold was widened"
script ci-gate.sh nslow100 0 ALLOW_MISMATCH=1
expect 1 "gate ALLOW_MISMATCH=1, +100 % (past the widened threshold)"
grep -q "reduction/sum_f32/4096.*regressed" "$tmp/b/gate/summary.md" ||
	bad "ALLOW_MISMATCH=1, +100 %: reduction/sum_f32/4096 not regressed"
script ci-gate.sh nfar 0 ALLOW_MISMATCH=1
expect 2 "gate ALLOW_MISMATCH=1 with no near machine (other cores)"
grep -q "no near machine's baseline either" "$tmp/out" || bad "ALLOW_MISMATCH=1, other cores: not said that no near baseline exists"
[ -s "$fx/calls" ] && bad "ALLOW_MISMATCH=1, no near baseline: the gate measured first"
rm -rf "$tmp/baselines/acme-one_2c_nogpu_gcc12" "$tmp/baselines/aaa-cpu_2c_nogpu_gcc12"

# make baseline / make gate run those scripts with GATE_FLAGS, COMPARE_FLAGS
# and METRIC (-o all -o deps: the fake binaries are not rebuilt)
mk() { # target RUN VAR=value...
	target=$1 run=$2
	shift 2
	: > "$fx/calls"
	: > "$fx/metrics"
	rc=0
	env -u MAKEFLAGS -u MAKELEVEL FAKE_RUN="$run" FAKE_RC="${FRC:-0}" make --no-print-directory -C "$R" -o all -o deps "$target" B="$tmp/b" "$@" \
		> "$tmp/out" 2>&1 || rc=$?
}
rm -rf "$tmp/baselines"
mk baseline base BASELINE_RUNS=2
expect_make 0 "make baseline"
[ -f "$bl/reduction.json" ] || bad "make baseline wrote no $bl/reduction.json"
mk gate same
expect_make 0 "make gate, the same results"
mk gate slow
expect_make 1 "make gate, +100 %"
FRC=1 mk gate invalid
expect_make 1 "make gate, a failed validation"
rm -rf "$tmp/baselines"
mk gate same
expect_make 2 "make gate without a baseline"
# ALLOW_MISMATCH through make: a near machine's baseline, widened
mk baseline nbase BASELINE_RUNS=2
expect_make 0 "make baseline of the near machine"
mk gate nslow100 ALLOW_MISMATCH=1
expect_make 1 "make gate ALLOW_MISMATCH=1, +100 % on a near machine"
grep -q "using the baseline of" "$tmp/out" || bad "make gate ALLOW_MISMATCH=1: the near baseline was not used"
mk gate nsame ALLOW_MISMATCH=1
expect_make 0 "make gate ALLOW_MISMATCH=1, the same results on a near machine"
mk gate nsame
expect_make 2 "make gate without ALLOW_MISMATCH, only a near baseline"
rm -rf "$tmp/baselines"

# ---- part 2: the real thing ---------------------------------------------------------
case "$B" in
*asan | */asan/)
	[ "$fail" -eq 0 ] && echo "ok: gate plumbing on fixtures (the real make gate runs with the normal build)"
	exit $fail
	;;
esac
export GATE_FLAGS="--quick --filter=^calibration/spin/"
rm -rf "$tmp/baselines"
rc=0
env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory -C "$R" baseline B="$B" BASELINE_RUNS=2 > "$tmp/out" 2>&1 || rc=$?
expect_make 0 "real make baseline"
rc=0
env -u MAKEFLAGS -u MAKELEVEL KBENCH_SPIN_EXTRA=1 make --no-print-directory -C "$R" gate B="$B" > "$tmp/out" 2>&1 || rc=$?
expect_make 1 "real make gate with +100 % work in calibration/spin"
grep -q "calibration/spin/.*regressed" "$B/gate/summary.md" 2>/dev/null ||
	bad "real +100 %: the summary does not show calibration/spin regressed"
[ "$fail" -eq 0 ] && echo "ok: gate plumbing on fixtures, and a real +100 % regression fails make gate"
exit $fail
