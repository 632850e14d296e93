#!/bin/sh
# kbench-report's HTML page in a real browser: the report of the fixture runs
# (tests/data/report: two runs and a kbench-compare result) is opened from
# disk by headless Chromium, which must find the inline SVG plots in the page
# it parsed (--dump-dom) and draw a screenshot that is not blank and shows the
# plots' colours.  The page must not reference anything on the network.
# Skips (77) without gnuplot or Chromium (scripts/install-deps.sh installs
# both where it can install packages).  Normal build only: kbench-report
# runs under ASan in test_report_cli.
set -u
B=${KB_BUILD:-build}
R=${KB_ROOT:-.}
REPORT=$B/kbench-report
DATA=$R/tests/data/report
[ -x "$REPORT" ] || { echo "missing $REPORT (build first)"; exit 1; }
case "$B" in
*asan | */asan/)
	# kbench-report runs under ASan in test_report_cli; a browser adds no
	# sanitizer coverage, only time and flakiness
	echo "skip [san-once]: the page is rendered with the normal build"
	exit 77
	;;
esac
command -v gnuplot >/dev/null 2>&1 || { echo "skip [no-gnuplot]: gnuplot is not installed (sudo apt-get install gnuplot-nox)"; exit 77; }
browser=${KBENCH_CHROMIUM:-}
if [ -z "$browser" ]; then
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then
			browser=$c
			break
		fi
	done
fi
[ -n "$browser" ] || { echo "skip [no-chromium]: no headless Chromium (sudo apt-get install chromium)"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-report-html.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

if ! "$REPORT" --scripts="$R/scripts" --out-dir="$tmp/report" --compare="$DATA/compare.json" \
	"$DATA/baseline.json" "$DATA/current.json" >"$tmp/report.log" 2>&1; then
	cat "$tmp/report.log"
	echo "FAIL: kbench-report failed"
	exit 1
fi
page=$tmp/report/index.html
[ -s "$page" ] || { echo "FAIL: no $page"; exit 1; }
if grep -q 'AddressSanitizer\|runtime error:\|LeakSanitizer' "$tmp/report.log"; then
	fail "sanitizer report from kbench-report"
	cat "$tmp/report.log"
fi

# Self-contained: no script, nothing fetched (xmlns URIs are names, not fetches).
grep -q '<script' "$page" && fail "the page has a script"
grep -Eq '(src|href)="(https?:)?//' "$page" && fail "the page references the network"
grep -Eq "(src|href)='(https?:)?//" "$page" && fail "the page references the network"
nsvg_file=$(grep -c '<svg' "$page")
# 2 scaling + 1 comparison + 2 distribution plots
[ "$nsvg_file" -ge 5 ] || fail "$nsvg_file inline SVGs in the file, wanted 5"

chrome() { # extra flags...
	profile=$(mktemp -d "$tmp/profile.XXXXXX")
	if command -v timeout >/dev/null 2>&1; then
		set -- timeout 120 "$browser" "$@"
	else
		set -- "$browser" "$@"
	fi
	"$@" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --window-size=1200,2000 "file://$page"
}

# The DOM the browser built: the SVGs must be elements it parsed.
chrome --dump-dom >"$tmp/dom.html" 2>"$tmp/chrome1.log"
nsvg_dom=$(grep -o '<svg' "$tmp/dom.html" | wc -l)
[ "$nsvg_dom" -ge 5 ] || { fail "the browser's DOM has $nsvg_dom SVG elements, wanted 5"; tail -5 "$tmp/chrome1.log"; }
grep -q 'Recommendations' "$tmp/dom.html" || fail "no recommendations section in the DOM"
grep -q 'regressed' "$tmp/dom.html" || fail "no verdicts in the DOM"

# The screenshot: not blank, and with the plots' colours in it.
chrome --screenshot="$tmp/shot.png" >"$tmp/chrome2.log" 2>&1
if [ ! -s "$tmp/shot.png" ]; then
	fail "no screenshot"
	tail -5 "$tmp/chrome2.log"
else
	gnuplot -e "set table '$tmp/pixels.txt'; plot '$tmp/shot.png' binary filetype=png with rgbimage; unset table" 2>"$tmp/gp.log" ||
		fail "gnuplot cannot read the screenshot: $(cat "$tmp/gp.log")"
	# columns: x y r g b alpha; "ink" is anything not white, "colour" a
	# saturated pixel (plot lines and markers, not text or table shading)
	set -- $(awk 'NF >= 5 && $1 + 0 == $1 {
			n++
			if ($3 < 250 || $4 < 250 || $5 < 250) ink++
			mx = $3; if ($4 > mx) mx = $4; if ($5 > mx) mx = $5
			mn = $3; if ($4 < mn) mn = $4; if ($5 < mn) mn = $5
			if (mx - mn > 80) colour++
		} END { printf "%d %.5f %.5f\n", n, ink / (n ? n : 1), colour / (n ? n : 1) }' "$tmp/pixels.txt")
	pixels=$1 ink=$2 colour=$3
	echo "screenshot: $pixels pixels, ink $ink, colour $colour"
	[ "$pixels" -ge 1000000 ] || fail "screenshot has $pixels pixels"
	awk -v v="$ink" 'BEGIN { exit !(v >= 0.05) }' || fail "the screenshot is blank (ink $ink)"
	awk -v v="$colour" 'BEGIN { exit !(v >= 0.001) }' || fail "no plot colours in the screenshot ($colour)"
	if [ -n "${KB_KEEP_SCREENSHOT:-}" ]; then
		cp "$tmp/shot.png" "$KB_KEEP_SCREENSHOT"
	fi
fi

[ "$failures" -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "ok: $nsvg_dom inline SVG plots rendered by $browser"
