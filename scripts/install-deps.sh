#!/bin/sh
# Install the Debian packages kbench needs, or print the command that would.
# Called by `make bench` and by `make test` (as `install-deps.sh test`);
# quiet when everything is present.
#
# `test` adds clang (the fuzz target's replay), the PostgreSQL server (the
# history's PostgreSQL test), Slurm and munge (the fleet test) and Chromium, which the HTML report test
# renders pages with; Chromium is installed where root or passwordless sudo
# allows, and otherwise that one test is skipped with the reason (no failure
# for a missing browser).
set -eu

pkgs="gcc make pkg-config libopenblas-dev libhwloc-dev hwloc gnuplot-nox libjansson-dev libsqlite3-dev libcmocka-dev valgrind"
# libpfm4-dev: the header of --counters' event encoding (libpfm4 itself is loaded at run time)
pkgs="$pkgs libpfm4-dev"
# libpq-dev: kbench-history's PostgreSQL backend (optional at build time)
pkgs="$pkgs libpq-dev"
# clang: the libFuzzer target, whose corpus `make test` replays;
# postgresql: the server test_history_pg.sh starts in a temporary folder;
# slurm-wlm, munge: the single-host Slurm test_fleet_slurm.sh starts
[ "${1:-}" = test ] && pkgs="$pkgs clang postgresql slurm-wlm munge"
if [ "${1:-}" = test ] && { [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; }; then
	pkgs="$pkgs chromium"
fi

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: this is not a Debian system; install the equivalents of:$missing" >&2
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO="sudo -n"
	else
		echo "install-deps: missing packages:$missing" >&2
		echo "install-deps: run: sudo apt-get install -y$missing" >&2
		exit 1
	fi
else
	SUDO=""
fi

echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
