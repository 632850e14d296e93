#!/bin/sh
# Calibration trials for the README: how often kbench-ab (paired, in-job)
# and kbench-compare (two separate runs, the stored-baseline gate) call a
# benchmark regressed, with no change (A/A) and with a known slowdown
# injected into calibration/spin (KBENCH_SPIN_EXTRA) in the NEW arm only.
#
#   scripts/ab-trials.sh TOOL EXTRA TRIALS [extra flags for the tool...]
#     TOOL   ab | compare
#     EXTRA  injected extra work, e.g. 0 (A/A), 0.05, 0.10
#
# Prints one line per trial and benchmark:
#   tool extra trial id verdict change wall_s
# and a summary line per benchmark.  Uses build/kbench, build/kbench-ab and
# build/kbench-compare (B= to change); FILTER= (default ^calibration/).
set -eu
tool=${1:?usage: ab-trials.sh ab|compare EXTRA TRIALS [flags]}
extra=${2:?EXTRA}
trials=${3:?TRIALS}
shift 3
B=${B:-build}
FILTER=${FILTER:-^calibration/}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kbench-trials.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

now() { date +%s.%N; }

# id/verdict/change triples from a kbench-ab or kbench-compare JSON report
rows() {
	awk -F'"' '
		/^   "id":/ { id = $4 }
		/^   "verdict":/ { v = $4 }
		/^   "change":/ { c = $3; gsub(/[:, ]/, "", c); print id, v, c }
	' "$1"
}

t=1
while [ "$t" -le "$trials" ]; do
	start=$(now)
	if [ "$tool" = ab ]; then
		"$B/kbench-ab" --quiet --filter="$FILTER" --seed="$t" --new-env=KBENCH_SPIN_EXTRA="$extra" \
			--json-out="$tmp/r.json" "$@" "$B/kbench" "$B/kbench" >/dev/null 2>&1 || true
	else
		"$B/kbench" --filter="$FILTER" --seed="$t" --format=json >"$tmp/old.json" 2>/dev/null
		KBENCH_SPIN_EXTRA=$extra "$B/kbench" --filter="$FILTER" --seed="$t" --format=json \
			>"$tmp/new.json" 2>/dev/null
		"$B/kbench-compare" --format=json "$@" "$tmp/old.json" "$tmp/new.json" >"$tmp/r.json" \
			2>/dev/null || true
	fi
	wall=$(echo "$(now) - $start" | bc)
	rows "$tmp/r.json" | while read -r id v c; do
		echo "$tool $extra $t $id $v $c $wall"
	done
	t=$((t + 1))
done | tee "$tmp/all.txt"
awk '{ n[$4]++; r[$4] += ($5 == "regressed"); w += $7 } END {
	for (id in n) printf "summary %s: %d/%d regressed\n", id, r[id], n[id]
}' "$tmp/all.txt"
awk '{ if (!($3 in seen)) { seen[$3] = 1; w += $7; k++ } } END { printf "summary wall: %.1f s per trial\n", w / k }' "$tmp/all.txt"
