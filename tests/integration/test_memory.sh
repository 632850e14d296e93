#!/bin/sh
# Memory per benchmark (docs/method.md, "Memory") end to end, through the
# worker processes: a benchmark holding 64 MiB through kb_alloc plus 1 MiB
# of inputs (tests/integration/src/mem_bench.c) reports 65 MiB requested and,
# where /proc/self/clear_refs resets the high-water mark, an RSS growth of
# about 65 MiB; one that allocates nothing reports 0 and a small growth.
# kbench-report shows them in its memory column.
set -u
. "$(dirname "$0")/bench_env.sh"
bench_env memory
bench_build mem_bench.c "$tmp/mem"
reset=0
[ -w /proc/self/clear_refs ] && reset=1

for procs in 1 3; do
	"$tmp/mem" --quick --no-peaks --processes=$procs --out="$tmp/run$procs.json" >"$tmp/run$procs.txt" 2>&1 ||
		fail "--processes=$procs: exit $? $(tail -n 3 "$tmp/run$procs.txt")"
	python3 - "$tmp/run$procs.json" "$reset" <<'PY' || fail "--processes=$procs: the memory figures"
import json, sys
d = json.load(open(sys.argv[1]))
reset = sys.argv[2] == "1"
MiB = 1 << 20
got = {b["id"]: b["memory"] for b in d["benchmarks"]}
big, none = got["mem/alloc64/4096"], got["mem/none"]
assert big["requested_bytes"] == 65 * MiB, big
assert none["requested_bytes"] == 0, none
if reset:
    assert big["rss_method"] == "reset" and none["rss_method"] == "reset", got
    assert 60 * MiB <= big["rss_growth_bytes"] <= 100 * MiB, "64 MiB + 1 MiB held, RSS growth %s" % big
    assert none["rss_growth_bytes"] < 16 * MiB, none
    assert big["peak_rss_bytes"] >= big["rss_growth_bytes"], big
else:
    assert big["rss_method"] in ("delta", None), big
assert big["device_requested_bytes"] is None and big["device_in_use_bytes"] is None, big
PY
done
"$B/kbench-report" --no-plots --quiet --out-dir="$tmp/report" "$tmp/run3.json" >"$tmp/rep.txt" 2>&1 ||
	fail "kbench-report: exit $? $(tail -n 2 "$tmp/rep.txt")"
grep -q "| memory | note |" "$tmp/report/report.md" 2>/dev/null || fail "report.md has no memory column"
grep -q "| mem/alloc64/4096 | ok | .*| 65.0 MiB" "$tmp/report/report.md" 2>/dev/null ||
	fail "report.md does not show 65.0 MiB for mem/alloc64/4096: $(grep alloc64 "$tmp/report/report.md")"

[ "$failures" -eq 0 ] && echo "ok: memory" && exit 0
exit 1
