#!/bin/sh
# `make install` into a scratch prefix, then build the README's example
# benchmark against the installed libkbench (static and shared) with
# pkg-config and kbench_main.o, and run it: the user's path from the README.
set -eu
case "$KB_BUILD" in *asan*) echo "skip [san-once]: install is checked on the normal build only"; exit 77 ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
make -s -C "$KB_ROOT" B="$KB_BUILD" install PREFIX="$prefix" > "$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; exit 1; }
for f in lib/libkbench.a lib/libkbench.so lib/kbench_main.o include/kbench.h lib/pkgconfig/kbench.pc \
	bin/kbench bin/kbench-compare bin/kbench-report share/kbench/scaling.gp; do
	[ -e "$prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
# the runtime only: no JSON reader, no analysis entry points, no analysis header
if readelf -d "$prefix/lib/libkbench.so" | grep NEEDED | grep -q jansson; then
	echo "FAIL: the installed libkbench.so needs jansson:"; readelf -d "$prefix/lib/libkbench.so" | grep NEEDED
	exit 1
fi
if nm -D --defined-only "$prefix/lib/libkbench.so" | grep -E ' kb_(compare|ab|plot|history|baseline|report_html|report_group)_'; then
	echo "FAIL: the installed libkbench.so exports the analysis symbols above"; exit 1
fi
nm -D --defined-only "$prefix/lib/libkbench.so" | grep -q ' kb_register$' ||
	{ echo "FAIL: nm -D shows no kb_register: the symbol check reads nothing"; exit 1; }
if ls "$prefix/include" | grep -vx kbench.h; then echo "FAIL: headers other than kbench.h installed"; exit 1; fi
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
if pkg-config --libs --static kbench | grep -q jansson || pkg-config --variable=static_libs kbench | grep -q jansson; then
	echo "FAIL: kbench.pc hands -ljansson to users"; exit 1
fi
libdir=$(pkg-config --variable=libdir kbench)
[ "$libdir" = "$prefix/lib" ] || { echo "FAIL: pkg-config libdir is $libdir"; exit 1; }

# static
cc -O2 $(pkg-config --cflags kbench) "$KB_ROOT/examples/demo_sum.c" \
	$(pkg-config --variable=main_object kbench) $(pkg-config --variable=static_libs kbench) \
	-o "$tmp/demo_static"
if ldd "$tmp/demo_static" | grep -q libkbench; then echo "FAIL: static demo needs libkbench.so"; exit 1; fi
# shared
cc -O2 $(pkg-config --cflags kbench) "$KB_ROOT/examples/demo_sum.c" \
	$(pkg-config --variable=main_object kbench) $(pkg-config --libs kbench) \
	-Wl,-rpath,"$libdir" -o "$tmp/demo_shared"
ldd "$tmp/demo_shared" | grep -q "$libdir/libkbench.so" || { echo "FAIL: shared demo does not use libkbench.so"; exit 1; }

for demo in "$tmp/demo_static" "$tmp/demo_shared"; do
	"$demo" --list > "$tmp/list"
	grep -qx "demo/sum_f32/1024" "$tmp/list" || { echo "FAIL: $demo --list"; cat "$tmp/list"; exit 1; }
	"$demo" --quick --format=json > "$tmp/out.json"
	python3 - "$tmp/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
b = d["benchmarks"]
assert [x["id"] for x in b] == ["demo/sum_f32/256"], [x["id"] for x in b]
assert b[0]["status"] == "ok" and b[0]["validated"] is True, b[0]
assert b[0]["counters"]["gbps"] > 0
PY
	# every runner flag is there, with the same refusals
	if "$demo" --bogus 2> "$tmp/err"; then echo "FAIL: --bogus accepted"; exit 1; fi
	grep -q "unknown flag" "$tmp/err"
	"$demo" --help | grep -q -- "--target-ci"
done
echo ok
