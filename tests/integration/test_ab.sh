#!/bin/sh
# kbench-ab end to end on the calibration spin (a known amount of work):
#   - A/A with a fake binary printing fixed results as both arms: nothing
#     regressed, exit 0, and each process got its pair's env padding;
#   - +100 % work injected in the NEW arm only (--new-env=KBENCH_SPIN_EXTRA),
#     a real run: regressed and confirmed, exit 1;
#   - binaries that list different benchmarks, or print no kbench JSON, or
#     bad usage: a clear error and exit 2.
# Needs $KB_BUILD (build dir) and $KB_ROOT.  Under ASan all but the real
# +100 % run (which adds time, not sanitizer coverage).
set -u
build=${KB_BUILD:?KB_BUILD not set}
ab=$build/kbench-ab
kb=$build/kbench
[ -x "$ab" ] && [ -x "$kb" ] || { echo "missing $ab or $kb"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kbench-test-ab.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
spin='^calibration/spin/100000$'
common="--filter=$spin --quiet --max-time=40"

# jq-free JSON checks: the report is indented one key per line.
count_of() { # verdict file
	sed -n "s/^  \"$1\": \([0-9]*\),*$/\1/p" "$2" | head -n 1
}

# 1. A/A, deterministic: OLD and NEW are the same fake binary that lists
# what kbench lists and prints fixed results (synth.py: identical samples in
# every process), so "nothing regressed" is decided by the data, not by how
# busy the machine is.  The fake also records KBENCH_AB_PAD, the environment
# padding kbench-ab must give each process.
"$kb" --filter="$spin" --rounds=2 --min-time=10x --warmup=0 --no-peaks --format=json > "$tmp/spin.json" 2>/dev/null ||
	{ echo "FAIL: kbench --quick --filter=$spin"; exit 1; }
python3 "$KB_ROOT/tests/integration/synth.py" "$tmp/spin.json" "$tmp/fixed.json" '.=time=50000'
cat >"$tmp/fixed.sh" <<EOF
#!/bin/sh
for a in "\$@"; do [ "\$a" = --list ] && exec "$kb" "\$@"; done
printf '%s\n' "\${#KBENCH_AB_PAD}" >> "$tmp/pads.txt"
cat "$tmp/fixed.json"
EOF
chmod +x "$tmp/fixed.sh"
# shellcheck disable=SC2086
"$ab" $common --seed=3 --json-out="$tmp/aa.json" "$tmp/fixed.sh" "$tmp/fixed.sh" >"$tmp/aa.txt" 2>&1
rc=$?
cat "$tmp/aa.txt"
[ "$rc" -eq 0 ] || fail "A/A exited $rc, expected 0"
[ "$(count_of regressed "$tmp/aa.json")" = 0 ] || fail "A/A: a regressed verdict"
[ "$(count_of unchanged "$tmp/aa.json")" = 1 ] || fail "A/A: not unchanged"
grep -q '"log_ratio"' "$tmp/aa.json" || fail "A/A: no per-round data in the JSON"
grep -q 'same binary: an A/A run' "$tmp/aa.txt" || fail "A/A: no A/A warning"
# each process got the padding its pair records, and it varies
python3 - "$tmp/aa.json" "$tmp/pads.txt" <<'PY' || fail "A/A: the environment padding is not what the pairs record"
import json, sys
pairs = json.load(open(sys.argv[1]))["processes"]
got = [int(x) for x in open(sys.argv[2]).read().split()]
want = [p["env_pad"] for p in pairs for _ in (0, 1)]
assert got == want, (got[:8], want[:8])
assert len(set(want)) >= 2, want
PY

# 2. (normal build) +100 % work in NEW only, a real run: the point is that kbench-ab finds
# a real slowdown; twice the work is a margin a busy machine cannot hide
# (paired rounds share whatever load there is)
case "$build" in
*asan | */asan/) echo "sanitizer build: the real +100 % run is made with the normal build" ;;
*)
# shellcheck disable=SC2086
"$ab" $common --seed=5 --new-env=KBENCH_SPIN_EXTRA=1 --json-out="$tmp/inj.json" \
	--markdown-out="$tmp/inj.md" "$kb" "$kb" >"$tmp/inj.txt" 2>&1
rc=$?
cat "$tmp/inj.txt"
[ "$rc" -eq 1 ] || fail "+100 %: exited $rc, expected 1"
[ "$(count_of regressed "$tmp/inj.json")" = 1 ] || fail "+100 %: not regressed"
grep -q 'regressed .*confirmed on [0-9]* fresh rounds' "$tmp/inj.txt" || fail "+100 %: no confirmation note"
grep -Eq '\+([6-9][0-9]|1[0-4][0-9])\.[0-9] % \[\+[0-9]+\.[0-9] %, \+[0-9]+\.[0-9] %\]' "$tmp/inj.txt" ||
	fail "+100 %: no '+X % [+L %, +H %]' estimate near +100 %"
grep -q '^### kbench-ab: :x: FAIL: regression' "$tmp/inj.md" || fail "+100 %: Markdown headline"
	;;
esac

# 3. different benchmark lists: exit 2, naming the difference
cat >"$tmp/extra.sh" <<EOF
#!/bin/sh
for a in "\$@"; do [ "\$a" = --list ] && { "$kb" "\$@"; echo calibration/spin/7; exit 0; }; done
exec "$kb" "\$@"
EOF
chmod +x "$tmp/extra.sh"
"$ab" --quiet --filter=calibration "$kb" "$tmp/extra.sh" >"$tmp/mis.txt" 2>&1
rc=$?
cat "$tmp/mis.txt"
[ "$rc" -eq 2 ] || fail "list mismatch: exited $rc, expected 2"
grep -q 'only in NEW: calibration/spin/7' "$tmp/mis.txt" || fail "list mismatch: message"

# 4. a NEW that does not print kbench JSON: exit 2
cat >"$tmp/garbage.sh" <<EOF
#!/bin/sh
for a in "\$@"; do [ "\$a" = --list ] && exec "$kb" "\$@"; done
echo '{"not": "kbench"'
EOF
chmod +x "$tmp/garbage.sh"
# shellcheck disable=SC2086
"$ab" $common "$kb" "$tmp/garbage.sh" >"$tmp/garb.txt" 2>&1
rc=$?
cat "$tmp/garb.txt"
[ "$rc" -eq 2 ] || fail "bad JSON: exited $rc, expected 2"
grep -q 'NEW binary .* does not print kbench JSON' "$tmp/garb.txt" || fail "bad JSON: message"

# 5. usage
"$ab" "$kb" >/dev/null 2>&1
[ $? -eq 2 ] || fail "one binary: expected exit 2"
"$ab" --threshold=abc "$kb" "$kb" >/dev/null 2>&1
[ $? -eq 2 ] || fail "--threshold=abc: expected exit 2"
"$ab" "$kb" "$tmp/nonexistent" >"$tmp/ne.txt" 2>&1
[ $? -eq 2 ] && grep -q 'no such file' "$tmp/ne.txt" || fail "missing binary: expected exit 2 and a message"
"$ab" --quiet /bin/true "$kb" >"$tmp/true.txt" 2>&1
[ $? -eq 2 ] && grep -q 'OLD lists no benchmarks (NEW lists [0-9]*): is it a kbench binary' "$tmp/true.txt" ||
	fail "not a kbench binary: expected exit 2 and a message: $(cat "$tmp/true.txt")"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "ok"
