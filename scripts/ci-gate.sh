#!/bin/sh
# scripts/ci-gate.sh - what `make gate` runs: measure the suites, compare with
# the committed baseline of this machine (baselines/<fingerprint>/), write a
# Markdown summary, exit like kbench-compare.
#
#   scripts/ci-gate.sh [BUILD_DIR]        (default build)
#
# Environment:
#   GATE_FLAGS       extra flags for build/kbench (e.g. --filter=^matmul/)
#   COMPARE_FLAGS    extra flags for kbench-compare (e.g. --threshold=8)
#   METRIC           time (default) or instructions: gate on instruction counts
#                    (kbench --metric=instructions, 0.5 % threshold) against
#                    <baseline dir>/instructions/<fingerprint>/
#   ALLOW_MISMATCH   1: when this machine has no baseline, use a near machine's
#                    (the same cores, GPU and compiler, another CPU model; one
#                    whose CPU model starts with the same word first), compared
#                    with kbench-compare --allow-mismatch: every threshold
#                    widened (--mismatch-widen, default 25 %) and said
#   KBENCH_BASELINE_DIR   where baseline folders live (default baselines)
#   GITHUB_STEP_SUMMARY   set by GitHub Actions: the summary is appended there
#
# Exit: 0 no regression; 1 regression or a benchmark failed; 2 no baseline for
# this machine, bad input, or incomparable data.
set -u
B=${1:-${KB_BUILD:-build}}
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${KBENCH_BASELINE_DIR:-$root/baselines}
out=$B/gate
metric_flag=
case ${METRIC:-time} in
time) ;;
instructions) metric_flag=--metric=instructions dir=$dir/instructions out=$out/instructions ;;
*) echo "ci-gate: METRIC=$METRIC: expected time or instructions" >&2; exit 2 ;;
esac
KBENCH=$B/kbench
CMP=$B/kbench-compare
BASE=$B/kbench-baseline

for t in "$KBENCH" "$CMP" "$BASE"; do
	[ -x "$t" ] || { echo "ci-gate: $t is missing: run make first" >&2; exit 2; }
done
mkdir -p "$out" || exit 2

# The machine's fingerprint first, from a run of the empty loop (well under a
# second), so a machine without a baseline is told so before the suites are
# measured for minutes.
"$KBENCH" --filter='^calibration/empty$' --quick --no-peaks --processes=1 --format=json \
	--out="$out/fingerprint.json" >/dev/null 2>"$out/fingerprint.err" ||
	{ cat "$out/fingerprint.err" >&2; echo "ci-gate: kbench cannot run" >&2; exit 2; }
fp=$("$BASE" --fingerprint "$out/fingerprint.json") || exit 2
base_fp=$fp
mismatch_flag=

# near FINGERPRINT: the baseline folder of a near machine, or nothing.  A
# fingerprint is <cpu model>_<cores>c_<gpu>_<compiler> (no part holds a '_'):
# near is the same everything after the CPU model; of several, one whose CPU
# model starts with the same word (the vendor), else the first by name.
near() {
	rest=${1#*_} vendor=${1%%_*} vendor=${vendor%%-*} first= same=
	for d in "$dir"/*_"$rest"; do
		[ -d "$d" ] && ls "$d"/*.json >/dev/null 2>&1 || continue
		n=$(basename "$d")
		[ "$n" = "$1" ] && continue
		[ -z "$first" ] && first=$n
		case $n in "$vendor"-* | "$vendor"_*) [ -z "$same" ] && same=$n ;; esac
	done
	echo "${same:-$first}"
}

near_fp=
if ! ls "$dir/$fp"/*.json >/dev/null 2>&1; then
	near_fp=$(near "$fp")
	if [ "${ALLOW_MISMATCH:-0}" = 1 ] && [ -n "$near_fp" ]; then
		base_fp=$near_fp
		mismatch_flag=--allow-mismatch
		{
			echo "ci-gate: no baseline for this machine ($fp); ALLOW_MISMATCH=1: using the baseline of"
			echo "  the near machine $near_fp (the same cores, GPU and compiler, another CPU model),"
			echo "  every threshold widened (kbench-compare --allow-mismatch; the report says from what to what)"
		} >&2
	else
		{
			echo "ci-gate: no baseline for this machine."
			echo "  fingerprint: $fp"
			echo "  looked in:   $dir/$fp/"
			if ls -d "$dir"/*/ >/dev/null 2>&1; then
				echo "  baselines exist for: $(cd "$dir" && ls -d -- */ | tr -d / | tr '\n' ' ')"
			fi
			echo "Make one on this machine and commit it:"
			echo "  make baseline${metric_flag:+ METRIC=instructions} && git add ${dir#"$root"/}/$fp && git commit -m 'baseline for $fp'"
			if [ -n "$near_fp" ]; then
				echo "or compare with the near machine $near_fp (the same cores, GPU and compiler),"
				echo "  every threshold widened: make gate ALLOW_MISMATCH=1"
			elif [ "${ALLOW_MISMATCH:-0}" = 1 ]; then
				echo "ALLOW_MISMATCH=1: no near machine's baseline either (none in $dir/*_${fp#*_}/)"
			fi
		} >&2
		if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
			printf '### kbench gate: no baseline for `%s`\n\nRun `make baseline` on this runner type and commit `baselines/%s/`.\n' \
				"$fp" "$fp" >>"$GITHUB_STEP_SUMMARY"
		fi
		exit 2
	fi
fi

echo "== kbench: measuring (results in $out/current.json)"
# shellcheck disable=SC2086
"$KBENCH" ${GATE_FLAGS:-} $metric_flag --out="$out/current.json"
run_rc=$?
if [ "$run_rc" -ge 2 ] || [ ! -s "$out/current.json" ]; then
	echo "ci-gate: kbench failed (exit $run_rc) without results" >&2
	exit 2
fi

echo "== kbench-compare: baseline $dir/$base_fp vs this run"
# The console table goes to the log, Markdown to $out/summary.md (and to
# $GITHUB_STEP_SUMMARY, which kbench-compare appends to by itself).
# shellcheck disable=SC2086
"$CMP" $mismatch_flag ${COMPARE_FLAGS:-} --format=markdown --out="$out/summary.md" "$dir/$base_fp" "$out/current.json"
rc=$?
echo "== summary: $out/summary.md"
if [ "$rc" -eq 0 ] && [ "$run_rc" -ne 0 ]; then
	rc=1 # a benchmark failed validation; kbench-compare reports it as error
fi
exit "$rc"
