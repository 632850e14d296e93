#!/bin/sh
# Every kbench flag, through the binary, in every spelling: --name=VALUE,
# --name VALUE, its Google Benchmark alias, and its KBENCH_<NAME> mirror.
# The flags are read from `kbench --help` (cli.c's table), so a flag added
# without a case here fails the test; each spelling must reach the recorded
# config (or the output it changes), and a bad value, as a flag and in the
# environment, must be refused with exit 2 naming where it came from.
set -u
case "$KB_BUILD" in
*asan | */asan/)
	# ~110 processes; the parser itself runs under ASan in test_cli
	echo "skip [san-once]: every flag spelling is checked through the normal build"
	exit 77
	;;
esac
kb="$KB_BUILD/kbench"
[ -x "$kb" ] || { echo "missing $kb (build first)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kb-flags.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
# no mirror of the caller's may leak in
for v in $(env | sed -n 's/^\(KBENCH_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
printf 'cpu.model = Flag Test CPU\n' > "$tmp/k.conf"

python3 - "$kb" "$tmp" <<'PY'
import json, os, re, subprocess, sys
kb, tmp = sys.argv[1], sys.argv[2]
env0 = {k: v for k, v in os.environ.items() if not k.startswith("KBENCH_")}

help_text = subprocess.run([kb, "--help"], capture_output=True, text=True, check=True).stdout
names = re.findall(r"^  --([a-z-]+)", help_text, re.M)
names = [n for n in names if n not in ("help", "version")]
takes_value = {m.group(1) for m in re.finditer(r"^  --([a-z-]+) +[A-Z]+ ", help_text, re.M)}
aliases_help = set(re.findall(r"--(benchmark_[a-z_]+)", help_text))

GB = {"benchmark_filter": "filter", "benchmark_list_tests": "list", "benchmark_format": "format",
      "benchmark_out": "out", "benchmark_out_format": "out-format", "benchmark_min_time": "min-time",
      "benchmark_repetitions": "rounds", "benchmark_min_warmup_time": "warmup",
      "benchmark_perf_counters": "counters"}
BASE = {"filter": "^calibration/empty$", "min-time": "1x", "rounds": "1", "samples": "1",
        "warmup": "0", "no-peaks": None, "format": "json", "pin": "none", "processes": "1"}
out = tmp + "/out.json"

def cfg(key, want):
    return lambda r: r["config"][key] == want or "config.%s is %r, want %r" % (key, r["config"][key], want)

# flag: (good value, extra args, check on the parsed stdout JSON or raw text, bad value)
CASES = {
    "filter": ("^calibration/spin/1000$", [], lambda r: [b["id"] for b in r["benchmarks"]] == ["calibration/spin/1000"] or "ids", None),
    "list": ("true", [], lambda t: t == "calibration/empty\n" or "list output %r" % t[:80], "maybe"),
    "format": ("csv", [], lambda t: t.startswith("id,status,median_ns") or "not CSV", "xml"),
    "out": (out, [], lambda r: json.load(open(out))["benchmarks"][0]["id"] == "calibration/empty" or "out", ""),
    "out-format": ("gbench", ["--out=" + out], lambda r: "run_type" in json.load(open(out))["benchmarks"][0] or "not gbench", "console"),
    "min-time": ("0.002", [], cfg("min_time_s", 0.002), "fast"),
    "warmup": ("0.01", [], cfg("warmup_s", 0.01), "-1"),
    "refill": ("0.002", [], cfg("refill_s", 0.002), "soon"),
    "target-ci": ("3", [], cfg("target_ci", 0.03), "0"),
    "max-time": ("0.5", [], cfg("max_time_s", 0.5), "soon"),
    "rounds": ("2", [], cfg("rounds", 2), "0"),
    "min-rounds": ("3", [], cfg("min_rounds", 3), "x"),
    "samples": ("2", [], cfg("samples_per_round", 2), "-2"),
    "seed": ("7", [], cfg("seed", 7), "-3"),
    "threads": ("1", [], cfg("threads", 1), "0"),
    "processes": ("2", [], lambda r: (r["config"]["processes"] == 2 and r["config"]["processes_run"] == 2
                                      and r["benchmarks"][0]["processes"] == 2) or "processes %r" % r["config"], "0"),
    "worker-timeout": ("30", [], cfg("worker_timeout_s", 30), "later"),
    "drift": ("none", [], cfg("drift", "none"), "/nonexistent/drift.txt"),
    "pin": ("none", [], cfg("pin", "none"), "9999"),
    "quick": ("true", [], cfg("quick", True), "maybe"),
    "large": ("true", [], cfg("large", True), "maybe"),
    "no-peaks": ("true", [], cfg("measure_peaks", False), "maybe"),
    "remeasure-peaks": ("true", [], cfg("remeasure_peaks", True), "maybe"),
    "peak-cache": (tmp + "/peaks.conf", [], lambda r: r["config"]["peak_cache"] == tmp + "/peaks.conf" or "peak_cache %r" % r["config"].get("peak_cache"), None),
    "metric": ("time", ["--quick"], cfg("metric", "time"), "cycles"),
    "require-gpu": ("true", [], cfg("require_gpu", True), "maybe"),
    "counters": ("task-clock,page-faults", [], lambda r: (r["config"]["counters"] == "task-clock,page-faults"
                                                        and "page-faults" in r["benchmarks"][0]["counters"]) or "counters %r" % r["config"], "task-clock,"),
    "config": (tmp + "/k.conf", [], lambda r: r["context"]["cpu"]["model"] == "Flag Test CPU" or "config not read", "/nonexistent/k.conf"),
}
TEXT = {"list", "format"}
errors = []
missing = sorted(set(names) - set(CASES))
if missing:
    errors.append("flags in --help with no case here: %s" % missing)
if set(CASES) - set(names):
    errors.append("cases for flags --help does not list: %s" % sorted(set(CASES) - set(names)))
if aliases_help != set(GB):
    errors.append("Google Benchmark aliases in --help %s, tested %s" % (sorted(aliases_help), sorted(GB)))

def run(name, spelled, env_extra):
    args = [a for k, v in BASE.items() if k != name and not (name == "list" and k == "format")
            for a in (["--" + k] if v is None else ["--%s=%s" % (k, v)])]
    env = dict(env0, **env_extra)
    if os.path.exists(out):
        os.remove(out)
    return subprocess.run([kb] + args + CASES[name][1] + spelled, capture_output=True, text=True, env=env)

def spellings(name, value):
    env_name = "KBENCH_" + name.upper().replace("-", "_")
    bool_flag = name not in takes_value
    s = [("--%s=%s" % (name, value), ["--%s=%s" % (name, value)], {}),
         ("%s=%s" % (env_name, value), [], {env_name: value})]
    if bool_flag and value == "true":
        s.append(("--" + name, ["--" + name], {}))
    if not bool_flag and value:
        s.append(("--%s %s" % (name, value), ["--" + name, value], {}))
    for alias, flag in GB.items():
        if flag == name:
            s.append(("--%s=%s" % (alias, value), ["--%s=%s" % (alias, value)], {}))
    return s

checked = 0
for name in names:
    if name not in CASES:
        continue
    good, extra, check, bad = CASES[name]
    for label, argv, env in spellings(name, good):
        p = run(name, argv, env)
        checked += 1
        if p.returncode != 0:
            errors.append("%s: exit %d: %s" % (label, p.returncode, p.stderr.strip()[-200:]))
            continue
        try:
            res = check(p.stdout if name in TEXT else json.loads(p.stdout))
        except Exception as e:  # a wrong output is a failure, with its reason
            res = "%s: %r" % (type(e).__name__, e)
        if res is not True:
            errors.append("%s: %s" % (label, res))
    if bad is None:
        continue
    # refusals: --name=BAD, KBENCH_NAME=BAD and the Google Benchmark alias,
    # whose message must name the alias the user typed ("--name BAD" reaches
    # the same parser as --name=BAD, checked above with good values)
    for label, argv, env in [sp for k, sp in enumerate(spellings(name, bad))
                             if k < 2 or sp[0].startswith("--benchmark_")]:
        p = run(name, argv, env)
        checked += 1
        origin = label.split("=")[0]
        # --pin, --config and --drift are checked when used, after parsing: their
        # message names the value rather than where it came from
        named = origin.lstrip("-") in p.stderr or (name in ("pin", "config", "drift") and bad in p.stderr)
        if p.returncode != 2:
            errors.append("%s (bad): exit %d, want 2" % (label, p.returncode))
        elif not named:
            errors.append("%s (bad): the message does not name %s: %s" % (label, origin, p.stderr.strip()))
for e in errors:
    print("FAIL:", e)
print("%d flags, %d spellings checked, %d failures" % (len(names), checked, len(errors)))
sys.exit(1 if errors else 0)
PY
