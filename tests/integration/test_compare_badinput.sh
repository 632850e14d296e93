#!/bin/sh
# kbench-compare on the bad-input corpus (tests/data/bad/EXPECT): every file,
# on either side, exits 2 with a message naming the file and the problem,
# and never crashes.  Plus: missing, unreadable, directory and huge files,
# bad usage, machine mismatch.  In a normal build, with valgrind installed,
# one corpus file per reader path is also run under valgrind
# --leak-check=full (the sanitizer build runs every file under ASan/LSan).
set -u
B=${KB_BUILD:-build}
R=${KB_ROOT:-.}
CMP=$B/kbench-compare
GOOD=$R/tests/data/good_kbench.json
BAD=$R/tests/data/bad
[ -x "$CMP" ] || { echo "missing $CMP (build first)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-badinput.XXXXXX")
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
. "$R/tests/integration/cli_env.sh"

# The corpus, as CURRENT and as BASELINE.
n=0
while IFS='	' read -r file frag; do
	case $file in '#'* | '') continue ;; esac
	[ -f "$BAD/$file" ] || { fail "corpus file $file is missing"; continue; }
	expect_exit 2 "$file" "$CMP" "$GOOD" "$BAD/$file"
	grep -qF -- "$frag" "$tmp/out" || fail "$file as CURRENT: no \"$frag\" in: $(cat "$tmp/out")"
	expect_exit 2 "$file" "$CMP" "$BAD/$file" "$GOOD"
	grep -qF -- "$frag" "$tmp/out" || fail "$file as BASELINE: no \"$frag\" in: $(cat "$tmp/out")"
	n=$((n + 1))
done <"$BAD/EXPECT"
[ "$n" -ge 50 ] || fail "only $n corpus files"

# Files that cannot be used.
expect_exit 2 "cannot open" "$CMP" "$GOOD" "$tmp/does-not-exist.json"
mkdir "$tmp/emptydir"
expect_exit 2 "no *.json results" "$CMP" "$tmp/emptydir" "$GOOD"
truncate -s 300M "$tmp/huge.json" 2>/dev/null || dd if=/dev/zero of="$tmp/huge.json" bs=1 count=0 seek=300M 2>/dev/null
expect_exit 2 "256 MiB" "$CMP" "$GOOD" "$tmp/huge.json"
rm -f "$tmp/huge.json"
if [ "$(id -u)" -ne 0 ]; then
	cp "$GOOD" "$tmp/unreadable.json"
	chmod 000 "$tmp/unreadable.json"
	expect_exit 2 "Permission denied" "$CMP" "$GOOD" "$tmp/unreadable.json"
fi

# Bad usage.
expect_exit 2 "usage" "$CMP" "$GOOD"
expect_exit 2 "usage" "$CMP"
expect_exit 2 "too many files" "$CMP" "$GOOD" "$GOOD" "$GOOD"
expect_exit 2 "unknown option --frobnicate" "$CMP" --frobnicate "$GOOD" "$GOOD"
expect_exit 2 "not a percentage" "$CMP" --threshold=fast "$GOOD" "$GOOD"
expect_exit 2 "--alpha" "$CMP" --alpha=2 "$GOOD" "$GOOD"
expect_exit 2 "--format=xml" "$CMP" --format=xml "$GOOD" "$GOOD"
expect_exit 2 "--fail-on=maybe: expected regressed or regressed,inconclusive" "$CMP" --fail-on=maybe "$GOOD" "$GOOD"
expect_exit 2 "a regression always fails" "$CMP" --fail-on=inconclusive "$GOOD" "$GOOD"
expect_exit 0 "PASS" "$CMP" --fail-on=regressed,inconclusive "$GOOD" "$GOOD"
# a misspelt counter would skip every row and pass the gate: refused
expect_exit 2 "--counter=gbsp: no benchmark in" "$CMP" --counter=gbsp "$GOOD" "$GOOD"
expect_exit 2 "expected NAME, NAME:higher or NAME:lower" "$CMP" --counter=gbps:sideways "$GOOD" "$GOOD"
expect_exit 2 "not a percentage" env KBENCH_THRESHOLD=x "$CMP" "$GOOD" "$GOOD"
printf 'matmul/*  lots\n' >"$tmp/bad.conf"
expect_exit 2 "bad.conf:1:" "$CMP" --config="$tmp/bad.conf" "$GOOD" "$GOOD"
expect_exit 2 "cannot open" "$CMP" --config="$tmp/nope.conf" "$GOOD" "$GOOD"
expect_exit 0 "usage" "$CMP" --help

# Different machines: refused, unless --allow-mismatch, which warns on every output.
sed 's/"fingerprint": "x86_64-test-cpu-2c-nogpu-gcc12"/"fingerprint": "other-cpu-8c-nogpu-gcc13"/' \
	"$GOOD" >"$tmp/other.json"
expect_exit 2 "machine fingerprints differ" "$CMP" "$GOOD" "$tmp/other.json"
for fmt in console markdown json; do
	expect_exit 0 "MACHINE MISMATCH" "$CMP" --allow-mismatch --format=$fmt "$GOOD" "$tmp/other.json"
done
expect_exit 0 "MACHINE MISMATCH" env KBENCH_ALLOW_MISMATCH=1 "$CMP" "$GOOD" "$tmp/other.json"
expect_exit 0 "widened by 25 %" "$CMP" --allow-mismatch "$GOOD" "$tmp/other.json"
expect_exit 0 "widened by 40 %" "$CMP" --allow-mismatch --mismatch-widen=40 "$GOOD" "$tmp/other.json"
expect_exit 0 "widened by 40 %" env KBENCH_MISMATCH_WIDEN=40% "$CMP" --allow-mismatch "$GOOD" "$tmp/other.json"
expect_exit 0 "not widened" "$CMP" --allow-mismatch --mismatch-widen=0 "$GOOD" "$tmp/other.json"
expect_exit 2 "--mismatch-widen: \"lots\" is not a percentage" "$CMP" --allow-mismatch --mismatch-widen=lots "$GOOD" "$tmp/other.json"

# Under valgrind (normal build only): no leak, no invalid access.  The
# sanitizer build runs every corpus file above under ASan+LSan+UBSan, so
# valgrind adds what they cannot see -- the normal build's own binary --
# on one file per reader path, not all 64 again (50 s): a parse error, a
# schema error in each format, a refusal after a full read, the good path.
if grep -q __asan_init "$CMP" 2>/dev/null; then
	echo "sanitizer build: ASan/UBSan/LSan checked every corpus file above"
elif command -v valgrind >/dev/null 2>&1; then
	vg="valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99"
	for file in truncated.json binary_nul.json duplicate_id.json sample_string_elem.json \
		summary_n_mismatch.json gb_duplicate_rep.json gb_mixed_units.json noise_huge.json; do
		grep -q "^$file	" "$BAD/EXPECT" || fail "valgrind subset: $file is not in EXPECT"
		# shellcheck disable=SC2086
		expect_exit 2 "$file" $vg "$CMP" "$GOOD" "$BAD/$file"
	done
	# shellcheck disable=SC2086
	expect_exit 0 "" $vg "$CMP" --resamples=200 "$GOOD" "$GOOD"
	# shellcheck disable=SC2086
	expect_exit 2 "fingerprints differ" $vg "$CMP" "$GOOD" "$tmp/other.json"
	# shellcheck disable=SC2086
	expect_exit 0 "" $vg "$CMP" --resamples=200 --format=json --allow-mismatch "$GOOD" "$tmp/other.json"
else
	echo "skip [no-valgrind]: valgrind not installed: leak pass not run"
	exit 77
fi

echo "$checked checks, $failures failures"
[ "$failures" -eq 0 ]
