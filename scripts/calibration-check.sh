#!/bin/sh
# make calibration-check [CALCHECK_RUNS=5] [CALCHECK_FILTER=regex] [CALCHECK_FLAGS=...]
#                        [CALCHECK_SAVE_DRIFT=1]
#
# Runs kbench CALCHECK_RUNS times, each a separate invocation of the same
# benchmarks (an A/A), then kbench-calcheck: for every benchmark and pair of
# runs the z of their difference against the stated intervals, and how often
# one run's interval contains another's centre.  Tells a team whether its
# machines (CI runners, cluster nodes) give intervals that hold when run
# again.  Results in $B/calcheck/.  Then (CALCHECK_SAVE_DRIFT=0 skips it)
# saves the machine's drift between the invocations, beyond what each run's
# process interval covers, where later kbench runs on this machine find it
# and widen their intervals by it (docs/method.md, "Drift between
# invocations"); a second make calibration-check then checks intervals that
# include it.  Exit: kbench-calcheck's (0 the intervals hold, 1 they do not,
# 2 bad input), or 2 when a run fails.
set -eu
B=${1:-build}
runs=${CALCHECK_RUNS:-5}
filter=${CALCHECK_FILTER:-'^(calibration/empty|reduction/sum_f32_(naive|simd)/4194304|reduction/sum_f32_simd/16777216|elementwise/triad_f32_simd/|matmul/sgemm_openblas/(256|1024)$|memory/memcpy/|memory/memset/)'}
out=$B/calcheck
mkdir -p "$out"
rm -f "$out"/run-*.json
i=1
while [ "$i" -le "$runs" ]; do
	echo "calibration-check: run $i of $runs"
	# shellcheck disable=SC2086 # CALCHECK_FLAGS is a list of flags
	"$B/kbench" --filter="$filter" --format=json --out="$out/run-$i.json" ${CALCHECK_FLAGS:-} >/dev/null ||
		{ echo "calibration-check: run $i failed" >&2; exit 2; }
	i=$((i + 1))
done
save=--save-drift
[ "${CALCHECK_SAVE_DRIFT:-1}" = 0 ] && save=
# shellcheck disable=SC2086 # $save is one flag or none
exec "$B/kbench-calcheck" --verbose $save "$out"/run-*.json
