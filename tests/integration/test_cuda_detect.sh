#!/bin/sh
# How the Makefile finds CUDA, against fake toolkits (no GPU or nvcc needed):
#
#  1. nvcc on PATH is a wrapper script outside the toolkit (as
#     /usr/local/bin/nvcc exec'ing /usr/local/cuda-13.0/bin/nvcc): the
#     toolkit root comes from nvcc's own TOP=, so the headers and libraries
#     are found and CUDA is on, whatever CUDA_HOME and PATH say;
#  2. the libraries only under targets/<arch>-linux/lib: found there;
#  3. nvcc without libcudart/libcublas: CUDA off with a warning naming what
#     is missing, and CUDA=1 refused with a message naming CUDA_HOME;
#  4. with the real toolkit, the same wrapper layout resolves to it.
#
# Runs once (skips in the sanitizer build, which is made with CUDA off).
set -eu
root=${KB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${KB_BUILD:-$root/build}
case "$build" in
*asan | */asan/)
	echo "skip [san-once]: CUDA detection is checked once, in the normal build"
	exit 77
	;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
arch=$(uname -m)

# A fake nvcc that answers --dryrun like the real one does.
fake_toolkit() { # dir
	mkdir -p "$1/bin"
	cat > "$1/bin/nvcc" <<SH
#!/bin/sh
case " \$* " in *" --dryrun "*) echo "#\\\$ TOP=$1/bin/.." >&2 ;; esac
exit 0
SH
	chmod +x "$1/bin/nvcc"
}
wrapper() { # dir real-nvcc
	mkdir -p "$1"
	printf '#!/bin/sh\nexec %s "$@"\n' "$2" > "$1/nvcc"
	chmod +x "$1/nvcc"
}
# make's view of the CUDA variables, with nothing inherited from this shell
# (make must succeed: a failed make prints none of the variables, and a
# negative grep on its output would pass)
probe() { # PATH [make args...]
	p=$1
	shift
	env -i HOME="$tmp" PATH="$p" make -C "$root" -pn B="$tmp/b" "$@" all > "$tmp/probe.out" 2>&1 ||
		{ cat "$tmp/probe.out" >&2; fail "make -pn $* with PATH=$p failed"; }
	cat "$tmp/probe.out"
}
var() { # file name
	sed -n "s/^$2 := //p" "$1" | head -n 1
}

# ---- 1. wrapper outside the toolkit, lib64 layout --------------------------------
tk="$tmp/tk1"
fake_toolkit "$tk"
mkdir -p "$tk/include" "$tk/lib64"
touch "$tk/include/cuda_runtime.h" "$tk/lib64/libcudart.so" "$tk/lib64/libcublas.so"
wrapper "$tmp/w1" "$tk/bin/nvcc"
probe "$tmp/w1:/usr/bin:/bin" > "$tmp/p1.txt"
[ "$(var "$tmp/p1.txt" CUDA)" = 1 ] || fail "wrapper nvcc: CUDA not on: $(grep -i cuda "$tmp/p1.txt" | head)"
[ "$(var "$tmp/p1.txt" NVCC)" = "$tmp/w1/nvcc" ] || fail "NVCC is not the wrapper on PATH"
[ "$(var "$tmp/p1.txt" CUDA_LIBDIR)" = "$tk/lib64" ] ||
	fail "wrapper nvcc: CUDA_LIBDIR is '$(var "$tmp/p1.txt" CUDA_LIBDIR)', expected $tk/lib64"
[ "$(var "$tmp/p1.txt" CUDA_INCDIR)" = "$tk/include" ] || fail "wrapper nvcc: CUDA_INCDIR wrong"
grep -q -- "-L$tk/lib64 -Wl,-rpath,$tk/lib64 -lcublas -lcudart" "$tmp/p1.txt" ||
	fail "the link line does not use $tk/lib64"

# ---- 2. targets/<arch>-linux layout, no lib64 -------------------------------------
tk="$tmp/tk2"
fake_toolkit "$tk"
mkdir -p "$tk/targets/$arch-linux/include" "$tk/targets/$arch-linux/lib"
touch "$tk/targets/$arch-linux/include/cuda_runtime.h" \
	"$tk/targets/$arch-linux/lib/libcudart.so" "$tk/targets/$arch-linux/lib/libcublas.so"
probe "$tk/bin:/usr/bin:/bin" > "$tmp/p2.txt"
[ "$(var "$tmp/p2.txt" CUDA)" = 1 ] || fail "targets layout: CUDA not on"
[ "$(var "$tmp/p2.txt" CUDA_LIBDIR)" = "$tk/targets/$arch-linux/lib" ] ||
	fail "targets layout: CUDA_LIBDIR is '$(var "$tmp/p2.txt" CUDA_LIBDIR)'"

# ---- 3. nvcc without the libraries --------------------------------------------------
tk="$tmp/tk3"
fake_toolkit "$tk"
mkdir -p "$tk/include"
touch "$tk/include/cuda_runtime.h" "$tk/include/libcudart.so"
probe "$tk/bin:/usr/bin:/bin" > "$tmp/p3.txt"
[ "$(var "$tmp/p3.txt" CUDA)" = 0 ] || fail "no libraries: CUDA is not off"
grep -q "CUDA parts off: $tk/bin/nvcc found, but not libcudart.so+libcublas.so under $tk" "$tmp/p3.txt" ||
	fail "no warning naming the missing libraries: $(grep -i cuda "$tmp/p3.txt" | head -n 3)"
if env -i HOME="$tmp" PATH="$tk/bin:/usr/bin:/bin" make -C "$root" -n B="$tmp/b" CUDA=1 all > "$tmp/e3.txt" 2>&1; then
	fail "CUDA=1 without the libraries was accepted"
fi
grep -q "CUDA=1 but libcudart.so+libcublas.so not found under $tk (nvcc is $tk/bin/nvcc); set CUDA_HOME=" "$tmp/e3.txt" ||
	fail "CUDA=1 error does not name what is missing: $(cat "$tmp/e3.txt")"
probe "$tk/bin:/usr/bin:/bin" CUDA=0 > "$tmp/p3b.txt"
grep -q "^CUDA = 0$" "$tmp/p3b.txt" || fail "CUDA=0: CUDA is not 0 in make's database"
! grep -q "CUDA parts off" "$tmp/p3b.txt" || fail "CUDA=0 still warns"

# ---- 4. the real toolkit behind a wrapper -----------------------------------------
real=""
for d in ${CUDA_HOME:-} /usr/local/cuda; do
	[ -x "$d/bin/nvcc" ] && { real=$d/bin/nvcc; break; }
done
if [ -n "$real" ]; then
	wrapper "$tmp/w4" "$real"
	probe "$tmp/w4:/usr/bin:/bin" > "$tmp/p4.txt"
	[ "$(var "$tmp/p4.txt" CUDA)" = 1 ] || fail "real toolkit behind a wrapper: CUDA not on"
	lib=$(var "$tmp/p4.txt" CUDA_LIBDIR)
	[ -e "$lib/libcudart.so" ] && [ -e "$lib/libcublas.so" ] ||
		fail "real toolkit behind a wrapper: no libraries in '$lib'"
	echo "real toolkit: $real -> $lib"
else
	echo "no real toolkit here; fake toolkits only"
fi
echo "ok"
