#!/usr/bin/env python3
"""Synthetic timing inputs for the integration tests.

    synth.py IN.json OUT.json [REGEX=OP[,OP...] ...]

Copies a kbench JSON file (schema 1), rewriting the benchmarks whose id
matches REGEX (re.search) with fixed values, so that a test's verdict never
depends on how noisy the run that made IN.json was.  OPs, applied in order:

  time=NS      40 samples at NS ns, spread +-0.1 % (1 round of 40), summary
               recomputed by the reader (summary: null)
  time         the same, at the benchmark's own median
  x=F          multiply every time sample by F (after time=)
  instr=F      multiply the instruction count by F
  noise=X      record X as the between-run noise (as kbench-baseline does)
  error=MSG    status "error" with MSG (a failed validation)

The samples: NS * (1 + 0.001 * k / 2) for k = -2..2, eight times each, so the
bootstrap interval of a ratio of two such sets is within +-0.1 % whatever
the resampling; a factor x=1.5 is then a change no interval can hide.
"""
import json
import re
import sys

PATTERN = [(k - 2) * 0.0005 for k in range(5)]


def synth_samples(ns):
    return [ns * (1 + PATTERN[i % 5]) for i in range(40)]


def one_process(b):
    """The synthetic samples come from one process: the process-level fields
    of the run that made IN.json no longer describe them."""
    for k in ("sample_process", "process_medians_ns", "interval", "variance"):
        b.pop(k, None)
    b["processes"] = 1


def apply(b, ops):
    for op in ops:
        key, _, val = op.partition("=")
        if key == "time":
            ns = float(val) if val else b["summary"]["median"]
            b["samples_ns"] = synth_samples(ns)
            b["cpu_samples_ns"] = list(b["samples_ns"])
            b["sample_round"] = [0] * 40
            b["summary"] = None
            b["status"] = "ok"
            one_process(b)
        elif key == "x":
            f = float(val)
            b["samples_ns"] = [s * f for s in b["samples_ns"]]
            b["cpu_samples_ns"] = [s * f for s in b["cpu_samples_ns"]]
            b["summary"] = None
            one_process(b)
        elif key == "instr":
            b["instructions"] *= float(val)
        elif key == "noise":
            b["noise"] = float(val)
        elif key == "error":
            b["status"] = "error"
            b["message"] = val
            b["validated"] = False
        else:
            raise SystemExit("synth.py: unknown op " + op)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    d = json.load(open(sys.argv[1]))
    rules = []
    for arg in sys.argv[3:]:
        rx, _, ops = arg.partition("=")
        rules.append((re.compile(rx), ops.split(",")))
    for b in d["benchmarks"]:
        for rx, ops in rules:
            if rx.search(b["id"]) and b["status"] != "skipped":
                apply(b, ops)
    json.dump(d, open(sys.argv[2], "w"), indent=1)


main()
