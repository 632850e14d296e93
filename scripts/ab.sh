#!/bin/sh
# make ab BASE=<rev> [FILTER=regex] [AB_FLAGS="..."] [AB_RUNNER_FLAGS="--quick ..."] [AB_CUDA=0|1]
#
# Builds <rev> in a temporary git worktree and the working tree, both with
# the same compiler, flags and CUDA setting, then runs kbench-ab OLD NEW
# (interleaved rounds, paired test; see harness/analysis/ab.h) over the benchmarks
# FILTER selects.  Without FILTER, the suites the change touches: a suite or
# kernel file names its suite, and a change to anything else that goes into
# the binary (harness/, shared kernel code, the Makefile) selects them all;
# FILTER=. selects everything.  Leaves $B/ab-report.md and $B/ab-report.json, and the two
# binaries in $B/ab/.  The worktree is removed on exit, error or interrupt.
#
# AB_RUNNER_FLAGS go to both binaries (kbench-ab OLD NEW -- FLAGS).  Ctrl-C
# ends kbench-ab after its running round; the report of the rounds run is
# still written, and the exit status is 130 (143 for SIGTERM).
# Environment (set by the Makefile): BASE, FILTER, AB_FLAGS, AB_RUNNER_FLAGS, AB_CUDA (default
# 0: CPU benchmarks only, faster to build), B (build dir, default build),
# CC, OPT, CFLAGS, LDFLAGS (MAKE, default make).  Exit status: kbench-ab's (0 no regression,
# 1 regression, 2 bad input, 130/143/129 on SIGINT/SIGTERM/SIGHUP), or 2 when a build fails.
set -eu

die() {
	echo "ab: $*" >&2
	exit 2
}

[ -n "${BASE:-}" ] || die "usage: make ab BASE=<rev> [FILTER=regex] [AB_FLAGS=...]"
root=$(git rev-parse --show-toplevel 2>/dev/null) || die "not inside a git repository"
cd "$root"
B=${B:-build}
MAKE=${MAKE:-make}
# The builds below are independent makes, not sub-makes of `make ab`.
unset MAKEFLAGS MFLAGS MAKELEVEL
AB_CUDA=${AB_CUDA:-0}
jobs=$(nproc 2>/dev/null || echo 2)
rev=$(git rev-parse --verify --quiet "${BASE}^{commit}") || die "BASE=$BASE is not a commit here (try git fetch)"
short=$(git rev-parse --short=12 "$rev")

case "$B" in
/*) out=$B ;;
*) out=$root/$B ;;
esac
mkdir -p "$out/ab"

# The same compiler and flags for both arms.
set -- CUDA="$AB_CUDA"
[ -n "${CC:-}" ] && set -- "$@" CC="$CC"
[ -n "${OPT:-}" ] && set -- "$@" OPT="$OPT"
[ -n "${CFLAGS:-}" ] && set -- "$@" CFLAGS="$CFLAGS"
[ -n "${LDFLAGS:-}" ] && set -- "$@" LDFLAGS="$LDFLAGS"

# Without FILTER: the suites a change from BASE (committed or not) touches.
# Sets FILTER, or leaves it empty (every suite) and says why.
touched_filter() {
	all=""
	suites=""
	for f in $(git diff --name-only "$rev" --; git ls-files --others --exclude-standard); do
		case "$f" in
		suites/*.c | suites/*.cu)
			s=${f#suites/}
			s=${s%.c}
			s=${s%.cu}
			s=${s%_cuda}
			;;
		kernels/*gemm*) s=matmul ;;
		kernels/*elementwise* | kernels/*stream*) s=elementwise ;;
		kernels/*reduce*) s=reduction ;;
		kernels/*memory*) s=memory ;;
		kernels/* | harness/* | Makefile)
			all=${all:-$f}
			continue
			;;
		*) continue ;;
		esac
		case " $suites " in
		*" $s "*) ;;
		*) suites="$suites $s" ;;
		esac
	done
	if [ -n "$all" ]; then
		echo "ab: the change touches $all, which every suite runs: measuring them all"
	elif [ -z "$suites" ]; then
		echo "ab: the change touches no suite or kernel: measuring them all (an A/A check)"
	else
		# shellcheck disable=SC2086 # word splitting joins the names
		FILTER=$(printf '^(%s)/' "$(echo $suites | tr ' ' '|')")
		echo "ab: the change touches only --filter=$FILTER (FILTER=. measures every suite)"
	fi
}
[ -n "${FILTER:-}" ] || touched_filter

wt=""
cleanup() {
	if [ -n "$wt" ] && [ -d "$wt" ]; then
		git -C "$root" worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
		git -C "$root" worktree prune >/dev/null 2>&1 || true
	fi
	wt=""
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT
trap 'cleanup; trap - EXIT; exit 143' TERM
trap 'cleanup; trap - EXIT; exit 129' HUP

wt=$(mktemp -d "${TMPDIR:-/tmp}/kbench-ab-$short.XXXXXX")
echo "ab: checking out $BASE ($short) in $wt"
git worktree add --quiet --detach "$wt" "$rev" || die "cannot create a worktree for $BASE"

echo "ab: building OLD ($short)"
"$MAKE" --no-print-directory -C "$wt" -j"$jobs" "$@" B=build build/kbench >"$out/ab/build-old.log" 2>&1 ||
	{ tail -n 30 "$out/ab/build-old.log" >&2; die "building $BASE failed (log: $out/ab/build-old.log)"; }
cp "$wt/build/kbench" "$out/ab/kbench-old"
cleanup

echo "ab: building NEW (working tree)"
"$MAKE" --no-print-directory -C "$root" -j"$jobs" "$@" B="$out/ab/new" \
	"$out/ab/new/kbench" "$out/ab/new/kbench-ab" >"$out/ab/build-new.log" 2>&1 ||
	{ tail -n 30 "$out/ab/build-new.log" >&2; die "building the working tree failed (log: $out/ab/build-new.log)"; }
cp "$out/ab/new/kbench" "$out/ab/kbench-new"

echo "ab: kbench-ab $BASE ($short) vs working tree${FILTER:+, --filter=$FILTER}"
status=0
# shellcheck disable=SC2086 # AB_FLAGS is a list of flags
"$out/ab/new/kbench-ab" ${FILTER:+"--filter=$FILTER"} ${AB_FLAGS:-} \
	--markdown-out="$out/ab-report.md" --json-out="$out/ab-report.json" \
	"$out/ab/kbench-old" "$out/ab/kbench-new" ${AB_RUNNER_FLAGS:+-- $AB_RUNNER_FLAGS} || status=$?
if [ "$status" -le 1 ]; then
	echo "ab: report in $B/ab-report.md and $B/ab-report.json"
elif [ "$status" -eq 130 ] || [ "$status" -eq 143 ]; then
	echo "ab: interrupted; the report of the rounds run is in $B/ab-report.md and $B/ab-report.json"
fi
exit "$status"
