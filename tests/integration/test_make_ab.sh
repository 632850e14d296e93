#!/bin/sh
# make ab's driver, scripts/ab.sh, in a small git repository of its own, with
# the two builds stood in for by a fake $MAKE that puts fake kbench and
# kbench-ab binaries in place (so it runs in seconds, not minutes):
#
#  1. a change to suites/calibration.c: measured with --filter=^(calibration)/
#     and only those benchmarks, reports written, the worktree removed;
#  2. kernel files map to their suite and two suites are joined; an explicit
#     FILTER is kept as given;
#  3. a harness change selects every suite and says which file; a failing
#     build exits 2 with the log's tail, and the worktree is removed;
#  4. a change to nothing the binary runs (README) is an A/A over every suite;
#  5. a BASE that is not a commit: exit 2, named;
#  6. Ctrl-C (SIGINT to the process group) while OLD builds, SIGTERM and
#     SIGHUP: exit 130 / 143 / 129 (128 + the signal), the worktree and its directory gone;
#  7. a failing OLD build: exit 2 with its log's tail, NEW not built;
#  8. OLD and NEW get the same CC, OPT, CFLAGS, LDFLAGS and CUDA setting,
#     from ab.sh and from make ab itself; kbench-ab's arguments and exit
#     status (a fake kbench-ab: its statistics are test_ab's).
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
# Stands in for make: copies the fake binaries to the targets asked for,
# and logs the variables each build was given (one line per build: the
# VAR=value arguments, B= and -j left out, as both builds must share them).
dir=.
targets=""
vars=""
while [ $# -gt 0 ]; do
	case $1 in
	-C) dir=$2; shift 2 ;;
	B=*) shift ;;
	*=*) vars="$vars $1"; shift ;;
	-*) shift ;;
	*) targets="$targets $1"; shift ;;
	esac
done
echo "fake make in $dir:$targets"
if [ "$dir" = "$FAKE_ROOT" ]; then echo "NEW$vars" >> "$FAKE_VARS"; else echo "OLD$vars" >> "$FAKE_VARS"; fi
case "$FAKE_MODE:$dir" in
fail-new:"$FAKE_ROOT") echo "harness/core/runner.c:1:1: error: expected ';' (fake)"; exit 2 ;;
fail-old:"$FAKE_ROOT") ;;
fail-old:*) echo "suites/calibration.c:9:1: error: old tree broken (fake)"; exit 2 ;;
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
# the "built" binaries: kbench-ab is what ab.sh hands over to, so a fake one
# records its arguments, writes the two reports and exits $FAKE_AB_RC (the
# statistics are test_ab's; this test is the driver's)
fb="$tmp/fakebin"
mkdir -p "$fb"
printf '#!/bin/sh\necho fake kbench\n' > "$fb/kbench"
cat > "$fb/kbench-ab" <<'SH'
#!/bin/sh
printf '%s\n' "$@" > "$FAKE_AB_ARGS"
for a in "$@"; do
	case $a in
	--markdown-out=*) echo "### kbench-ab (fake)" > "${a#--markdown-out=}" ;;
	--json-out=*) echo '{"rows": []}' > "${a#--json-out=}" ;;
	esac
done
echo "fake kbench-ab: exit ${FAKE_AB_RC:-0}"
exit "${FAKE_AB_RC:-0}"
SH
chmod +x "$fb/kbench" "$fb/kbench-ab"

# ab [mode] VAR=value... : runs ab.sh as `make ab` does; output in $tmp/ab.txt, status in $rc
ab() {
	mode=$1
	shift
	rc=0
	: > "$tmp/vars"
	: > "$tmp/ab-args"
	(cd "$repo" && env MAKE="$tmp/fake-make" FAKE_MODE="$mode" FAKE_ROOT="$repo" FAKE_BIN="$fb" \
		FAKE_FLAG="$tmp/flag" FAKE_VARS="$tmp/vars" FAKE_AB_ARGS="$tmp/ab-args" TMPDIR="$tmp/t" \
		B="$tmp/out" "$@" sh scripts/ab.sh) > "$tmp/ab.txt" 2>&1 || rc=$?
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
[ "$rc" -eq 0 ] || { cat "$tmp/ab.txt"; fail "suite change: exit $rc, want 0"; }
said "ab: the change touches only --filter=^(calibration)/" "suite change"
said "kbench-ab HEAD (" "suite change"
said "ab: report in $tmp/out/ab-report.md and $tmp/out/ab-report.json" "suite change"
[ -f "$tmp/out/ab-report.json" ] && [ -f "$tmp/out/ab-report.md" ] || fail "no ab-report.json/.md in B"
# kbench-ab got the filter, AB_FLAGS, the report paths and OLD then NEW
printf '%s\n' "--filter=^(calibration)/" --max-time=60 --quiet "--markdown-out=$tmp/out/ab-report.md" \
	"--json-out=$tmp/out/ab-report.json" "$tmp/out/ab/kbench-old" "$tmp/out/ab/kbench-new" > "$tmp/want-args"
cmp -s "$tmp/want-args" "$tmp/ab-args" || { diff "$tmp/want-args" "$tmp/ab-args"; fail "kbench-ab's arguments"; }
[ -x "$tmp/out/ab/kbench-old" ] && [ -x "$tmp/out/ab/kbench-new" ] || fail "the OLD and NEW binaries were not kept in B/ab"
no_worktree "suite change"
# kbench-ab's exit status is make ab's: 1 on a regression, the report kept
ab ok BASE=HEAD FAKE_AB_RC=1
[ "$rc" -eq 1 ] || { cat "$tmp/ab.txt"; fail "a regression: exit $rc, want kbench-ab's 1"; }
said "ab: report in" "a regression"
no_worktree "a regression"

# ---- 1b. the same compiler, flags and CUDA setting for both builds ---------------
ab ok BASE=HEAD CC=fake-cc OPT=-O3 CFLAGS="-march=native -DX=1" LDFLAGS=-L/opt/x AB_CUDA=1
[ "$rc" -eq 0 ] || { cat "$tmp/ab.txt"; fail "flags: exit $rc"; }
printf '%s\n' "OLD CUDA=1 CC=fake-cc OPT=-O3 CFLAGS=-march=native -DX=1 LDFLAGS=-L/opt/x" \
	"NEW CUDA=1 CC=fake-cc OPT=-O3 CFLAGS=-march=native -DX=1 LDFLAGS=-L/opt/x" > "$tmp/want-vars"
cmp -s "$tmp/want-vars" "$tmp/vars" || { diff "$tmp/want-vars" "$tmp/vars"; fail "OLD and NEW not built with the same CC, OPT, CFLAGS, LDFLAGS, CUDA"; }
# and through make ab itself: the Makefile passes them on
rc=0
(cd "$repo" && cp "$root/Makefile" Makefile.kb && env MAKE="$tmp/fake-make" FAKE_MODE=ok FAKE_ROOT="$repo" \
	FAKE_BIN="$fb" FAKE_VARS="$tmp/vars" FAKE_AB_ARGS="$tmp/ab-args" TMPDIR="$tmp/t" \
	make --no-print-directory -f Makefile.kb ab BASE=HEAD B="$tmp/out" CC=fake-cc OPT=-O1 CFLAGS=-g3) \
	> "$tmp/ab.txt" 2>&1 || rc=$?
rm -f "$repo/Makefile.kb"
grep -q "^OLD CUDA=0 CC=fake-cc OPT=-O1 CFLAGS=-g3$" "$tmp/vars" && grep -q "^NEW CUDA=0 CC=fake-cc OPT=-O1 CFLAGS=-g3$" "$tmp/vars" ||
	{ cat "$tmp/ab.txt" "$tmp/vars"; fail "make ab CC= OPT= CFLAGS=: not passed to both builds"; }
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

# ---- 2b. a failing OLD build: exit 2 with its log's tail, worktree removed --------------
echo "/* touched */" >> "$repo/suites/calibration.c"
ab fail-old BASE=HEAD
[ "$rc" -eq 2 ] || { cat "$tmp/ab.txt"; fail "failing OLD build: exit $rc, expected 2"; }
said "suites/calibration.c:9:1: error: old tree broken (fake)" "failing OLD build (log tail)"
said "ab: building HEAD failed (log: $tmp/out/ab/build-old.log)" "failing OLD build"
grep -q "^NEW" "$tmp/vars" && fail "failing OLD build: NEW was built anyway"
no_worktree "failing OLD build"
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
for sig in INT TERM HUP; do
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
	# scripts/ab.sh exits 128 + the signal: 143 on SIGTERM, 129 on SIGHUP (a closed terminal)
	[ "$sig" = TERM ] && want=143
	[ "$sig" = HUP ] && want=129
	[ "$rc" -eq "$want" ] || { cat "$tmp/ab.txt"; fail "SIG$sig: exit $rc, expected $want"; }
	no_worktree "SIG$sig"
done
echo "ok"
