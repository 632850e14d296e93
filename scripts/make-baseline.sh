#!/bin/sh
# scripts/make-baseline.sh - what `make baseline` runs: measures the suites
# RUNS times (default 3), each in its own process, and merges the runs into
# baselines/<fingerprint>/<suite>.json with each benchmark's between-run
# noise (kbench-baseline).  Files are replaced atomically.
#
#   scripts/make-baseline.sh [BUILD_DIR]      (default build)
#
# Environment: BASELINE_RUNS (default 5), GATE_FLAGS (flags for build/kbench,
# the same as `make gate` uses), KBENCH_BASELINE_DIR (default baselines),
# METRIC (time, or instructions: kbench --metric=instructions, written to
# <baseline dir>/instructions/<fingerprint>/; time is measured too, so the
# noise it records lets time overrule a count).
set -u
B=${1:-${KB_BUILD:-build}}
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${BASELINE_RUNS:-5}
dir=${KBENCH_BASELINE_DIR:-$root/baselines}
out=$B/baseline-runs
metric_flag=
case ${METRIC:-time} in
time) ;;
instructions) metric_flag=--metric=instructions dir=$dir/instructions ;;
*) echo "make-baseline: METRIC=$METRIC: expected time or instructions" >&2; exit 2 ;;
esac
KBENCH=$B/kbench

[ -x "$KBENCH" ] || { echo "make-baseline: $KBENCH is missing: run make first" >&2; exit 2; }
case $runs in '' | *[!0-9]*) echo "make-baseline: BASELINE_RUNS=$runs is not a number" >&2; exit 2 ;; esac
[ "$runs" -ge 2 ] || { echo "make-baseline: BASELINE_RUNS must be at least 2 (noise needs two runs)" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out" || exit 2

files=""
i=1
while [ "$i" -le "$runs" ]; do
	echo "== run $i of $runs"
	# shellcheck disable=SC2086
	"$KBENCH" ${GATE_FLAGS:-} $metric_flag --out="$out/run-$i.json" >"$out/run-$i.log" 2>&1
	rc=$?
	tail -n 1 "$out/run-$i.log"
	if [ "$rc" -ne 0 ]; then
		echo "make-baseline: run $i failed (exit $rc); see $out/run-$i.log. No baseline written." >&2
		exit 2
	fi
	files="$files $out/run-$i.json"
	i=$((i + 1))
done
# shellcheck disable=SC2086
"$B/kbench-baseline" --dir="$dir" $files
