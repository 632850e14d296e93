#!/bin/sh
# The architecture holds: harness/core (libkbench, what a benchmark binary
# runs) never includes a header of harness/analysis (the offline tools'
# library), and the include graph between the modules of harness/ has no
# cycle (foo.c and foo.h are one module; an edge is an #include "bar.h").
# See docs/design.md.
set -eu
root=${KB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
case "${KB_BUILD:-build}" in *asan*) echo "skip [san-once]: layout is checked on the normal build only"; exit 77 ;; esac
cd "$root/harness"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. no arrow from core up into analysis (or into the mains)
for f in core/*.c core/*.h kbench.h; do
	for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		if [ ! -e "core/$h" ] && [ "$h" != kbench.h ] && { [ -e "analysis/$h" ] || [ -e "cmd/$h" ]; }; then
			echo "FAIL: $f includes $h, which is not in harness/core"
			fail=1
		fi
	done
done
[ -n "$(ls core/*.c)" ] && [ -n "$(ls analysis/*.c)" ] || { echo "FAIL: harness/core or harness/analysis is empty"; exit 1; }

# 2. no cycle: module -> module edges, sorted with tsort, which names a loop
for f in core/*.[ch] analysis/*.[ch] kbench.h; do
	from=$(basename "$f"); from=${from%.[ch]}
	echo "$from $from"
	for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		to=${h%.h}
		[ -e "core/$h" ] || [ -e "analysis/$h" ] || [ "$h" = kbench.h ] || continue
		[ "$to" = "$from" ] || echo "$from $to"
	done
done > "$tmp/edges"
# self-test of the check: a known loop must be found
printf 'a b\nb c\nc a\n' | tsort >/dev/null 2>"$tmp/self" || true
grep -q loop "$tmp/self" || { echo "FAIL: tsort does not report loops here; the check would be blind"; exit 1; }
if ! tsort "$tmp/edges" >/dev/null 2>"$tmp/tsort"; then :; fi
if grep -q loop "$tmp/tsort"; then
	echo "FAIL: the include graph of harness/ has a cycle:"
	sed 's/^tsort: /  /' "$tmp/tsort"
	fail=1
fi
[ "$fail" -eq 0 ] || exit 1
echo "ok: $(wc -l < "$tmp/edges") edges, no arrow from core to analysis, no cycle"
