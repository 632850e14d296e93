#!/bin/sh
# kbench-history from the command line: add (and refuse the same run
# twice), list, show, trend with a change point reported at the revision
# where it happened (runs made from the fixtures, one revision each: four
# at the baseline's speed, then four with sgemm_blocked 20 % slower; with
# 8 revisions a permutation test can reach p = 2/70), the same step inside
# one revision reported as drift and not as a change point, export, and
# the exit codes for bad input.  In a normal build with valgrind installed, add,
# trend and export also run under valgrind --leak-check=full.
set -u
B=${KB_BUILD:-build}
R=${KB_ROOT:-.}
HIST=$B/kbench-history
DATA=$R/tests/data/report
[ -x "$HIST" ] || { echo "missing $HIST (build first)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-history-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$R/tests/integration/cli_env.sh"

V=""
case "$B" in
*asan*) ;;
*) command -v valgrind >/dev/null 2>&1 &&
	V="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99" ;;
esac

history_runs

DB=--db=$tmp/h.db
expect_exit 2 "no history at" "$HIST" "$DB" list
expect_exit 2 "no command" "$HIST" "$DB"
expect_exit 2 "unknown command frob" "$HIST" "$DB" frob
expect_exit 2 "add: no results file" "$HIST" "$DB" add
expect_exit 0 "added $tmp/run1.json as run 1 (20 benchmarks)" $V "$HIST" "$DB" add "$tmp/run1.json"
expect_exit 1 "already in the history as run 1" "$HIST" "$DB" add "$tmp/run1.json"
expect_exit 2 "truncated.json:" "$HIST" "$DB" add "$R/tests/data/bad/truncated.json"
expect_exit 0 "added" "$HIST" "$DB" add "$tmp/run2.json" "$tmp/run3.json" "$tmp/run4.json" \
	"$tmp/run5.json" "$tmp/run6.json" "$tmp/run7.json" "$tmp/run8.json"
expect_exit 0 "8 runs in" "$HIST" "$DB" list
grep -q 'rev4000000000' "$tmp/out" || fail "list does not show run 4's revision"
expect_exit 0 "matmul/sgemm_cublas/512" "$HIST" "$DB" show 2
grep -q 'no CUDA device' "$tmp/out" || fail "show does not give the skip reason"
expect_exit 2 "no run 99" "$HIST" "$DB" show 99
expect_exit 2 "expected a run id" "$HIST" "$DB" show abc

# the step: run 5 (rev5...), +20 %, sgemm_blocked only
expect_exit 0 "change point at run 5 (git rev5000000000" $V "$HIST" "$DB" trend \
	'matmul/sgemm_blocked/512' --out-dir="$tmp/plots"
grep -q '+20\.[0-9] %, slower; p = 0\.0[0-9]* over 8 revisions' "$tmp/out" ||
	fail "trend does not give the step's size and p-value"
grep -q 'Benjamini-Hochberg at 5\.0 %' "$tmp/out" || fail "trend does not state its false-alarm rate"
grep -q 'within run (old)' "$tmp/out" || fail "trend does not say which interval an old run has"
expect_exit 0 "no change point" "$HIST" "$DB" trend 'matmul/sgemm_openblas/512' --no-plot
expect_exit 2 "no stored benchmark matches" "$HIST" "$DB" trend 'nothing/*'
if command -v gnuplot >/dev/null 2>&1; then
	[ -s "$tmp/plots/history-matmul-sgemm_blocked-512.png" ] || fail "no history plot (png)"
	[ -s "$tmp/plots/history-matmul-sgemm_blocked-512.svg" ] || fail "no history plot (svg)"
	grep -q '^5 .* 1 "rev5000000" "+20\.[0-9]%"$' "$tmp/plots/history-matmul-sgemm_blocked-512.dat" ||
		fail "the history data does not mark run 5"
	# kbench-report --history inlines the trend plots, change points first
	if [ -x "$B/kbench-report" ]; then
		expect_exit 0 "" "$B/kbench-report" --scripts="$R/scripts" --resamples=200 \
			--out-dir="$tmp" --history="$tmp/plots" "$tmp/run8.json"
		grep -q 'matmul/sgemm_blocked/512: 8 runs, 1 change point' "$tmp/index.html" ||
			fail "the report does not show the history plot with its change point"
		grep -q '!\[matmul/sgemm_blocked/512: 8 runs, 1 change point\](plots/history-matmul-sgemm_blocked-512.png)' \
			"$tmp/report.md" || fail "report.md does not link the history plot"
	fi
	# without gnuplot the table still comes, with a warning
	expect_exit 0 "printing the table only" env -u KBENCH_GNUPLOT PATH=/nonexistent-kbench \
		"$(cd "$(dirname "$HIST")" && pwd)/$(basename "$HIST")" "$DB" trend 'matmul/sgemm_blocked/64' \
		--out-dir="$tmp/plots2"
fi

expect_exit 0 '"format": "kbench-history"' $V "$HIST" "$DB" export
expect_exit 0 "" "$HIST" "$DB" export 3 --out="$tmp/run3-export.json"
grep -q '"git": "rev3000000000"' "$tmp/run3-export.json" || fail "export 3 is not run 3"
[ "$(grep -c '"id": "matmul/sgemm_naive/64"' "$tmp/run3-export.json")" -eq 1 ] ||
	fail "export 3 holds more than one run"

# the same 20 % inside one revision (runs 2-3 of revD) is machine drift,
# never a change point
for i in 1 2 3 4 5 6; do
	case $i in 2|3) src=$DATA/current.json old_git=3333bbbb4444 old_date=2026-11-25T10:00:00Z ;;
	*) src=$DATA/baseline.json old_git=1111aaaa2222 old_date=2026-11-20T10:00:00Z ;; esac
	sed -e "s/\"$old_git\"/\"revD00000000\"/" -e "s/\"$old_date\"/\"2026-12-10T10:0${i}:00Z\"/" \
		"$src" >"$tmp/drift$i.json"
done
DB2=--db=$tmp/drift.db
expect_exit 0 "added" "$HIST" "$DB2" add "$tmp"/drift[1-6].json
expect_exit 0 "drift: runs 2-3 of revD00000000 were 20." "$HIST" "$DB2" trend 'matmul/sgemm_blocked/512' \
	--no-plot
grep -q 'slower than runs 4-6 of the same revision' "$tmp/out" || fail "the drift note does not name the reference runs"
grep -q 'change point at' "$tmp/out" && fail "drift inside one revision reported as a change point"
grep -q 'one revision: no revision boundary' "$tmp/out" || fail "trend does not say why there is no change point"

# not a history
expect_exit 2 "is not an SQLite database" "$HIST" --db="$DATA/current.json" list
expect_exit 2 "--z is gone" "$HIST" "$DB" trend --z=4 'a'
expect_exit 2 "--fdr=0" "$HIST" "$DB" trend --fdr=0 'a'
expect_exit 2 "--fdr=100" "$HIST" "$DB" trend --fdr=100 'a'
expect_exit 2 "--permutations=5" "$HIST" "$DB" trend --permutations=5 'a'

[ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "ok"
