#!/bin/sh
# Robust in real use (docs/flags.md, "Output files" and "Interrupting a run"):
#   1. --out follows a symlink and replaces its target, the link stays;
#      a dangling link gets its target made;
#   2. --out to a character device (/dev/null) or a FIFO is written
#      directly, never renamed over (the FIFO stays a FIFO);
#   3. a full disk (a 64 KiB tmpfs) is an error naming the path, exit 2,
#      the old file intact and no temporary left; the same for
#      kbench-compare --out;
#   4. a directory or block-device-like target is refused before measuring;
#   5. SIGINT during a run: exit 130, the table and the JSON of what was
#      measured, "interrupted": true, unfinished benchmarks "interrupted";
#      kbench-compare reads that file and skips those rows; SIGTERM: 143;
#      a second SIGINT stops at once (no file written);
#   6. SIGTERM to kbench-ab reaps its children (no orphan in ps), writes its
#      report and exits 143;  kbench-ab passes flags after -- to both arms;
#   7. two kbench-history adds at the same time both land.
# No verdict depends on speed: the runs interrupted are made too long to
# end before the signal (--rounds=100000), and whatever they measured by
# then is accepted.
set -u
B=${KB_BUILD:-build}
R=${KB_ROOT:-.}
K=$B/kbench
[ -x "$K" ] || { echo "missing $K (build first)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-robust.XXXXXX")
mnt=""
cleanup() {
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null
	pkill -KILL -f "$tmp/" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
QUICK="--filter=^calibration/empty$ --quick --no-peaks --format=json"
is_json() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }

# ---- 1. symlinks -------------------------------------------------------------
echo '{"old": true}' > "$tmp/dated.json"
ln -s dated.json "$tmp/latest.json"
"$K" $QUICK --out="$tmp/latest.json" >/dev/null 2>"$tmp/err" || fail "--out=symlink: exit $?: $(cat "$tmp/err")"
[ -L "$tmp/latest.json" ] || fail "--out replaced the symlink itself"
grep -q '"schema_version"' "$tmp/dated.json" || fail "--out did not write the symlink's target"
ls "$tmp" | grep -q '\.tmp\.' && fail "a temporary file was left beside the target"
ln -s made-by-kbench.json "$tmp/dangling.json"
"$K" $QUICK --out="$tmp/dangling.json" >/dev/null 2>&1 || fail "--out=dangling link: exit $?"
[ -L "$tmp/dangling.json" ] && is_json "$tmp/made-by-kbench.json" || fail "a dangling link's target was not made"

# ---- 2. devices and FIFOs: written directly -------------------------------------
"$K" $QUICK --out=/dev/null >/dev/null 2>"$tmp/err" || fail "--out=/dev/null: exit $?: $(cat "$tmp/err")"
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
mkfifo "$tmp/fifo"
cat "$tmp/fifo" > "$tmp/from-fifo" &
reader=$!
"$K" $QUICK --out="$tmp/fifo" >/dev/null 2>"$tmp/err" || fail "--out=FIFO: exit $?: $(cat "$tmp/err")"
wait "$reader"
[ -p "$tmp/fifo" ] || fail "the FIFO was replaced by a regular file"
is_json "$tmp/from-fifo" || fail "the FIFO's reader did not get the JSON"
# /dev/stdout-style: a link of ours to /proc/self/fd/1 (never the real
# /dev/stdout: a regression would rename a file over it); with stdout a pipe,
# the JSON comes through the pipe and the link stays
ln -s /proc/self/fd/1 "$tmp/stdout-link"
"$K" $QUICK --format=console --out="$tmp/stdout-link" 2>/dev/null | grep -q '"schema_version"' ||
	fail "--out=<link to /proc/self/fd/1> did not reach the pipe"
[ -L "$tmp/stdout-link" ] || fail "the link to /proc/self/fd/1 was replaced"

# ---- 3. a full disk -----------------------------------------------------------------
if [ "$(id -u)" -eq 0 ] && mkdir "$tmp/mnt" && mount -t tmpfs -o size=64k kbench-test "$tmp/mnt" 2>/dev/null; then
	mnt=$tmp/mnt
	echo '{"keep": "me"}' > "$mnt/r.json"
	dd if=/dev/zero of="$mnt/fill" bs=1k count=64 2>/dev/null
	"$K" $QUICK --out="$mnt/r.json" >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "ENOSPC: exit $rc (wanted 2)"
	grep -q "$mnt/r.json" "$tmp/err" && grep -q "No space left" "$tmp/err" ||
		fail "ENOSPC message does not name the path and the cause: $(cat "$tmp/err")"
	[ "$(cat "$mnt/r.json")" = '{"keep": "me"}' ] || fail "ENOSPC: the old file was changed"
	[ "$(ls "$mnt" | sort | tr '\n' ' ')" = "fill r.json " ] || fail "ENOSPC left files behind: $(ls "$mnt")"
	"$B/kbench-compare" --out="$mnt/cmp.md" --format=markdown "$R/tests/data/report/baseline.json" \
		"$R/tests/data/report/current.json" >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 2 ] || fail "kbench-compare --out on a full disk: exit $rc (wanted 2)"
	grep -q "No space left" "$tmp/err" || fail "kbench-compare ENOSPC message: $(cat "$tmp/err")"
	[ -e "$mnt/cmp.md" ] && fail "kbench-compare left a partial $mnt/cmp.md"
	umount "$mnt" && mnt=""
else
	fail "cannot mount a 64 KiB tmpfs (the full-disk checks need root and tmpfs)"
fi

# ---- 4. refused before measuring -------------------------------------------------
mkdir "$tmp/adir"
"$K" $QUICK --out="$tmp/adir" >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "is a directory" "$tmp/err" || fail "--out=DIR: exit $rc, $(cat "$tmp/err")"

# ---- 5. SIGINT and SIGTERM ------------------------------------------------------------
LONG="--filter=^reduction/sum_f32 --rounds=100000 --no-peaks --processes=1"
"$K" $LONG --out="$tmp/int.json" >"$tmp/table" 2>"$tmp/err" &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 130 ] || fail "SIGINT: exit $rc (wanted 130): $(tail -n 3 "$tmp/err")"
grep -q "interrupted by SIGINT" "$tmp/err" || fail "SIGINT: no message on stderr"
grep -q "the run was interrupted (SIGINT)" "$tmp/table" || fail "SIGINT: the table does not say so"
python3 - "$tmp/int.json" <<'PY' || fail "SIGINT: the JSON of what was measured is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d.get("interrupted") is True, "no interrupted: true"
st = [b["status"] for b in d["benchmarks"]]
assert "interrupted" in st, st
assert set(st) <= {"ok", "skipped", "interrupted"}, st
measured = [b for b in d["benchmarks"] if b["status"] == "interrupted" and b["samples_ns"]]
assert measured, "no interrupted benchmark kept its samples"
PY
"$B/kbench-compare" "$tmp/int.json" "$tmp/int.json" >"$tmp/cmp" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "kbench-compare of an interrupted file: exit $rc"
grep -q "interrupted before this benchmark finished" "$tmp/cmp" || fail "kbench-compare does not skip interrupted rows"

"$K" $LONG --format=json >/dev/null 2>&1 &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 143 ] || fail "SIGTERM: exit $rc (wanted 143)"

# a second SIGINT inside a batch of at least a second (2 M iterations of
# a 1000-step spin, about 1.2 us each here): the process dies of the signal at once, writing nothing.
# Both are sent once it has spent 0.5 s of CPU (its start costs less), so
# both land in that batch whatever the machine's speed.
python3 - "$K" "$tmp/twice.json" <<'PY' || fail "a second SIGINT did not stop the run at once"
import os, signal, subprocess, sys, time
k, out = sys.argv[1], sys.argv[2]
p = subprocess.Popen([k, "--filter=^calibration/spin/1000$", "--min-time=2000000x", "--no-peaks", "--processes=1",
                      "--format=json", "--out=" + out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
tick = os.sysconf("SC_CLK_TCK")
def cpu_s():
    f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
while p.poll() is None and cpu_s() < 0.5:
    time.sleep(0.02)
p.send_signal(signal.SIGINT)
time.sleep(0.2)
p.send_signal(signal.SIGINT)
rc = p.wait()
assert rc == -signal.SIGINT, "exit %d, wanted death by SIGINT" % rc
assert not os.path.exists(out), "the results were written"
PY

# ---- 6. kbench-ab: children reaped on SIGTERM; flags after -- ------------------------
cp "$K" "$tmp/kbench-arm"
"$B/kbench-ab" --quiet --filter='^reduction/sum_f32_naive' --json-out="$tmp/ab.json" \
	"$tmp/kbench-arm" "$tmp/kbench-arm" -- --quick --no-peaks >"$tmp/ab.txt" 2>"$tmp/ab.err" &
pid=$!
sleep 3
kill -TERM "$pid"
wait "$pid"
rc=$?
[ "$rc" -eq 143 ] || fail "kbench-ab SIGTERM: exit $rc (wanted 143): $(tail -n 3 "$tmp/ab.err")"
sleep 0.2
pgrep -f "$tmp/kbench-arm" >/dev/null && fail "kbench-ab left a child running: $(pgrep -af "$tmp/kbench-arm")"
python3 - "$tmp/ab.json" <<'PY' || fail "kbench-ab: the report of the rounds run is missing or wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d.get("interrupted") is True
ids = [b["id"] for b in d["rows"]]
# --quick reached both arms: the quick sizes, never the full 1 M-element one
assert ids and all(not i.endswith("/1048576") for i in ids), ids
PY
"$B/kbench-ab" "$K" "$K" -- --seed=3 >/dev/null 2>"$tmp/err"
rc=$?
[ "$rc" -eq 2 ] && grep -q "use kbench-ab's --seed before --" "$tmp/err" ||
	fail "kbench-ab -- --seed: exit $rc, $(cat "$tmp/err")"

# ---- 7. concurrent history writers -------------------------------------------------------
DATA=$R/tests/data/report
for i in 1 2 3 4; do
	sed -e "s/\"1111aaaa2222\"/\"conc${i}00000000\"/" -e "s/2026-11-20T10:00:00Z/2026-12-0${i}T10:00:00Z/" \
		"$DATA/baseline.json" > "$tmp/h$i.json"
done
for i in 1 2 3 4; do
	"$B/kbench-history" --db="$tmp/h.db" add "$tmp/h$i.json" >"$tmp/add$i.out" 2>&1 &
	eval "p$i=$!"
done
for i in 1 2 3 4; do
	eval "wait \$p$i" || fail "concurrent add $i: exit $?: $(cat "$tmp/add$i.out")"
done
n=$("$B/kbench-history" --db="$tmp/h.db" list 2>/dev/null | grep -c 'conc[1-4]0000')
[ "$n" -eq 4 ] || fail "concurrent adds: $n of 4 runs in the history"

[ "$failures" -eq 0 ] || exit 1
echo "ok"
