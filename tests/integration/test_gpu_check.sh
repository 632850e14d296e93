#!/bin/sh
# scripts/gpu-check.sh on a machine with no GPU: it builds (a no-op after
# make), then says clearly that there is no usable CUDA device, with the
# driver's reason, and exits 3, distinct from a failure (1) and a usage or
# build error (2); summary.md says the same and no suite was run.  Without
# its one argument it exits 2.
#
# Skips (77) without nvcc, in the sanitizer build (CUDA off), and where a
# GPU is present (there the script itself is the check: run it).
set -eu
. "$(dirname "$0")/cuda_env.sh"
cuda_env built

# what the driver says here, through the build's own probe
"$build/kbench" --filter='^memory/d2d/4KiB$' --max-time=0.05 --out="$tmp/probe.json" > /dev/null 2>&1 || true
reason=$(python3 - "$tmp/probe.json" <<'PY'
import json, sys
gpu = json.load(open(sys.argv[1]))["context"]["gpu"]
print("GPU" if gpu["status"] == "ok" else gpu["reason"])
PY
)
if [ "$reason" = GPU ]; then
	echo "skip: a GPU is present; run scripts/gpu-check.sh OUT_DIR itself"
	exit 77
fi

sh "$root/scripts/gpu-check.sh" > "$tmp/usage.txt" 2>&1 && rc=0 || rc=$?
[ "$rc" -eq 2 ] || fail "no argument: exit $rc, expected 2"
grep -q "usage: scripts/gpu-check.sh OUT_DIR" "$tmp/usage.txt" || fail "no usage line: $(cat "$tmp/usage.txt")"

B="$build" JOBS=2 sh "$root/scripts/gpu-check.sh" "$tmp/out" > "$tmp/run.txt" 2>&1 && rc=0 || rc=$?
[ "$rc" -eq 3 ] || { cat "$tmp/run.txt"; fail "with no GPU: exit $rc, expected 3"; }
grep -qF "gpu-check: NO GPU: no usable CUDA device on this machine: $reason" "$tmp/run.txt" ||
	{ cat "$tmp/run.txt"; fail "the output does not say there is no GPU, with the reason '$reason'"; }
grep -q "nothing was measured" "$tmp/run.txt" || fail "the output does not say nothing was measured"
grep -qF "No usable CUDA device: $reason" "$tmp/out/summary.md" ||
	fail "summary.md does not give the reason: $(cat "$tmp/out/summary.md")"
[ -f "$tmp/out/build.log" ] || fail "no build.log"
[ -f "$tmp/out/nvidia-smi.txt" ] || fail "no nvidia-smi.txt"
for s in matmul elementwise reduction memory; do
	[ ! -e "$tmp/out/$s.json" ] || fail "$s.json exists: a suite ran with no GPU"
done
echo "ok: no GPU ($reason): exit 3, said so, nothing run"
