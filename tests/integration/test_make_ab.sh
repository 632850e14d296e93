#!/bin/sh
# make ab's driver, scripts/ab.sh, in a small git repository of its own, with
# the two builds stood in for by a fake $MAKE that copies this build's
# kbench and kbench-ab into place (so it runs in seconds, not minutes):
#
#  1. a change to suites/calibration.c: measured with --filter=^(calibration)/
#     and only those benchmarks, reports written, the worktree removed;
#  2. kernel files map to their suite and two suites are joined; an explicit
#     FILTER is kept as given;
#  3. a harness change selects every suite and says which file; a failing
#     build exits 2 with the log's tail, and the worktree is removed;
#  4. a change to nothing the binary runs (README) is an A/A over every suite;
#  5. a BASE that is not a commit: exit 2, named;
#  6. Ctrl-C (SIGINT to the process group) while OLD builds, and SIGTERM:
#     exit 130 / 143, the worktree and its directory gone.
#
# Runs once (skips in the sanitizer build).
set -eu
root=${KB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KB_BUILD:-$root/build}
case "$build" in
*asan | */asan/)
	echo "skip [san-once]: make ab's driver is checked once, with the normal build"
	exit 77
	;;
esac
command -v git > /dev/null || { echo "skip [no-git]: git not found"; exit 77; }
bin=$(cd "$build" && pwd)
[ -x "$bin/kbench" ] && [ -x "$bin/kbench-ab" ] || { echo "FAIL: $bin/kbench or kbench-ab not built" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# ---- a repository with the layout ab.sh maps, and a fake make ----------------------
repo="$tmp/repo"
mkdir -p "$repo/scripts" "$repo/suites" "$repo/kernels/cpu" "$repo/harness/core"
cp "$root/scripts/ab.sh" "$repo/scripts/ab.sh"
for f in suites/calibration.c suites/reduction.c suites/matmul.c kernels/cpu/kb_reduce_simd.c \
	kernels/cpu/kb_gemm_blocked.c harness/core/runner.c README.md; do
	echo "/* $f */" > "$repo/$f"
done
echo "build/" > "$repo/.gitignore"
g() { git -C "$repo" -c user.name=kbench-test -c user.email=test@kbench.invalid "$@"; }
g init -q
g add -A
g commit -q -m base

cat > "$tmp/fake-make" <<'SH'
#!/bin/sh
# Stands in for make: copies the built binaries to the targets asked for.
dir=.
targets=""
while [ $# -gt 0 ]; do
	case $1 in
	-C) dir=$2; shift 2 ;;
	-* | *=*) shift ;;
	*) targets="$targets $1"; shift ;;
	esac
done
echo "fake make in $dir:$targets"
case "$FAKE_MODE:$dir" in
fail-new:"$FAKE_ROOT") echo "harness/core/runner.c:1:1: error: expected ';' (fake)"; exit 2 ;;
sleep:"$FAKE_ROOT") ;;
sleep:*) : > "$FAKE_FLAG"; sleep 60 ;;
esac
for t in $targets; do
	case $t in /*) p=$t ;; *) p=$dir/$t ;; esac
	mkdir -p "$(dirname "$p")"
	cp "$FAKE_BIN/$(basename "$t")" "$p"
done
SH
chmod +x "$tmp/fake-make"
mkdir -p "$tmp/t"

# ab [mode] VAR=value... : runs ab.sh as `make ab` does; output in $tmp/ab.txt, status in $rc
ab() {
	mode=$1
	shift
	rc=0
	(cd "$repo" && env MAKE="$tmp/fake-make" FAKE_MODE="$mode" FAKE_ROOT="$repo" FAKE_BIN="$bin" \
		FAKE_FLAG="$tmp/flag" TMPDIR="$tmp/t" B="$tmp/out" "$@" sh scripts/ab.sh) \
		> "$tmp/ab.txt" 2>&1 || rc=$?
}
no_worktree() { # what
	[ "$(g worktree list | wc -l)" -eq 1 ] || fail "$1: a worktree is left: $(g worktree list)"
	left=$(ls "$tmp/t")
	[ -z "$left" ] || fail "$1: left in TMPDIR: $left"
}
said() { # text what
	grep -qF -- "$1" "$tmp/ab.txt" || { cat "$tmp/ab.txt"; fail "$2: the output does not say: $1"; }
}

# ---- 1. a suite change: only that suite is measured ---------------------------------
echo "/* touched */" >> "$repo/suites/calibration.c"
ab ok BASE=HEAD AB_FLAGS="--max-time=60 --quiet"
[ "$rc" -le 1 ] || { cat "$tmp/ab.txt"; fail "suite change: exit $rc"; }
said "ab: the change touches only --filter=^(calibration)/" "suite change"
said "kbench-ab HEAD (" "suite change"
[ -f "$tmp/out/ab-report.json" ] && [ -f "$tmp/out/ab-report.md" ] || fail "no ab-report.json/.md in B"
python3 - "$tmp/out/ab-report.json" <<'PY' || fail "ab-report.json does not hold just the calibration suite"
import json, sys
names = sorted(r["id"] for r in json.load(open(sys.argv[1]))["rows"])
assert names and all(n.startswith("calibration/") for n in names), names
PY
no_worktree "suite change"
g checkout -q -- .

# ---- 2. kernels map to their suites; FILTER is kept -----------------------------------
echo "/* touched */" >> "$repo/kernels/cpu/kb_reduce_simd.c"
echo "/* touched */" >> "$repo/kernels/cpu/kb_gemm_blocked.c"
ab fail-new BASE=HEAD
[ "$rc" -eq 2 ] || fail "failing build: exit $rc, expected 2"
said "ab: the change touches only --filter=^(matmul|reduction)/" "kernel change"
said "harness/core/runner.c:1:1: error: expected ';' (fake)" "failing build (log tail)"
said "ab: building the working tree failed (log: $tmp/out/ab/build-new.log)" "failing build"
no_worktree "failing build"
ab fail-new BASE=HEAD FILTER='^memory/'
! grep -q "the change touches" "$tmp/ab.txt" || fail "an explicit FILTER was replaced"
g checkout -q -- .

# ---- 3. a harness change: every suite ----------------------------------------------------
echo "/* touched */" >> "$repo/harness/core/runner.c"
echo "/* touched */" >> "$repo/suites/matmul.c"
ab fail-new BASE=HEAD
said "ab: the change touches harness/core/runner.c, which every suite runs: measuring them all" "harness change"
g checkout -q -- .

# ---- 4. nothing the binary runs ----------------------------------------------------------
echo "more words" >> "$repo/README.md"
ab fail-new BASE=HEAD
said "ab: the change touches no suite or kernel: measuring them all (an A/A check)" "README change"
g checkout -q -- .

# ---- 5. a bad BASE -------------------------------------------------------------------------
ab ok BASE=no-such-rev
[ "$rc" -eq 2 ] || fail "bad BASE: exit $rc"
said "ab: BASE=no-such-rev is not a commit here (try git fetch)" "bad BASE"
ab ok BASE=
[ "$rc" -eq 2 ] || fail "no BASE: exit $rc"
said "usage: make ab BASE=<rev>" "no BASE"

# ---- 6. interrupted while OLD builds --------------------------------------------------------
for sig in INT TERM; do
	rm -f "$tmp/flag"
	# The driver in its own process group, with SIGINT at its default (a
	# background job's is ignored), as a terminal's Ctrl-C reaches it.
	(cd "$repo" && exec env MAKE="$tmp/fake-make" FAKE_MODE=sleep FAKE_ROOT="$repo" FAKE_BIN="$bin" \
		FAKE_FLAG="$tmp/flag" TMPDIR="$tmp/t" B="$tmp/out" BASE=HEAD FILTER=. \
		perl -e '$SIG{INT} = "DEFAULT"; setpgrp(0, 0); exec @ARGV or die "exec: $!"' sh scripts/ab.sh) \
		> "$tmp/ab.txt" 2>&1 &
	pid=$!
	i=0
	while [ ! -f "$tmp/flag" ]; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || { perl -e "kill q(KILL), -\$ARGV[0]" "$pid"; fail "SIG$sig: OLD never started building"; }
		sleep 0.05
	done
	[ "$(g worktree list | wc -l)" -eq 2 ] || fail "SIG$sig: no worktree while OLD builds"
	perl -e 'kill $ARGV[0], -$ARGV[1] or die "kill: $!\n"' "$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	want=130
	[ "$sig" = TERM ] && want=143
	[ "$rc" -eq "$want" ] || { cat "$tmp/ab.txt"; fail "SIG$sig: exit $rc, expected $want"; }
	no_worktree "SIG$sig"
done
echo "ok"
