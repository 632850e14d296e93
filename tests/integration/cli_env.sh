# cli_env.sh - sourced by the tools' command-line tests (test_history_cli.sh,
# test_history_pg.sh, test_report_cli.sh, test_compare_badinput.sh) after they set $tmp (a temporary
# folder): fail, expect_exit, and (with $DATA, tests/data/report) the eight
# runs both history tests store.
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# expect_exit CODE FRAGMENT CMD...: exit code, message fragment on
# stdout+stderr, no sanitizer report; counts the checks in $checked.  (Its
# variables are its own: a caller's loop over $frag survives the call.)
checked=0
expect_exit() {
	want=$1 efrag=$2
	shift 2
	"$@" >"$tmp/out" 2>&1
	rc=$?
	checked=$((checked + 1))
	if [ "$rc" -ne "$want" ]; then
		fail "exit $rc (wanted $want): $*"
		sed 's/^/    | /' "$tmp/out" | head -n 12
	elif [ -n "$efrag" ] && ! grep -qF -- "$efrag" "$tmp/out"; then
		fail "no \"$efrag\" in the output of: $*"
		sed 's/^/    | /' "$tmp/out" | head -n 12
	elif grep -q 'AddressSanitizer\|runtime error:\|LeakSanitizer' "$tmp/out"; then
		fail "sanitizer report: $*"
		sed 's/^/    | /' "$tmp/out" | head -n 20
	fi
}

# Eight runs, $tmp/run1.json .. run8.json, one revision each
# (rev1000000000 ...): days 1-4 like the baseline, days 5-8 like the current
# run (matmul/sgemm_blocked/512 20 % slower).
history_runs() {
	for i in 1 2 3 4 5 6 7 8; do
		if [ "$i" -le 4 ]; then src=$DATA/baseline.json old_git=1111aaaa2222 old_date=2026-11-20T10:00:00Z
		else src=$DATA/current.json old_git=3333bbbb4444 old_date=2026-11-25T10:00:00Z; fi
		sed -e "s/\"$old_git\"/\"rev${i}000000000\"/" -e "s/\"$old_date\"/\"2026-12-0${i}T10:00:00Z\"/" \
			"$src" >"$tmp/run$i.json"
	done
}
