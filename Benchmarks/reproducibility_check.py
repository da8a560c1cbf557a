#!/usr/bin/env python3
"""The reproducible-verdicts acceptance run (docs/reproducibility.md), by hand:

  python3 Benchmarks/reproducibility_check.py [--per-set 100] [--route 40]

Takes the first N test-split prompts of GSM8K and of Arena-Hard from data/, labels them with
`causal-router label` (default model, template and shipped head) at -np 16 twice and at -np 1,
routes the first --route of them one by one with `causal-router route`, and compares every
verdict with the first run: identical lines, route flips and the largest win-rate difference.
Prints a Markdown table; exits 1 if any route differs.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

from benchlib import cli
from benchlib.data import test_prompts_of_every_set
from benchlib.paths import ROUTER


def label(rows_file, out, parallel, threads):
    start = time.monotonic()
    subprocess.run([ROUTER, "label", "--input", rows_file, "--output", out, "-np", str(parallel),
                    "--threads", str(threads)], check=True, stderr=subprocess.DEVNULL)
    seconds = time.monotonic() - start
    verdicts = {}
    with open(out) as f:
        for line in f:
            v = json.loads(line)
            verdicts[v["line"]] = v
    return verdicts, seconds


def compare(name, reference, other, seconds=None):
    identical = flips = 0
    delta = 0.0
    for key, v in reference.items():
        o = other[key]
        same = {k: v[k] for k in v if k != "latency_ms"} == {k: o[k] for k in o if k != "latency_ms"}
        identical += same
        flips += v["route"] != o["route"]
        delta = max(delta, abs(v["strong_win_rate"] - o["strong_win_rate"]))
    rate = f"{len(other) / seconds:.2f}" if seconds else "-"
    print(f"| {name} | {identical}/{len(reference)} | {flips} ({100 * flips / len(reference):.1f}%) | {delta:.4f} | {rate} |")
    return flips


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("--per-set", type=int, default=100, help="test prompts from each set (default 100)")
    parser.add_argument("--route", type=int, default=40, help="of them, how many to pass through `route` one by one (default 40)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not os.access(ROUTER, os.X_OK):
        sys.exit(f"{ROUTER} is missing: run `make build` first")
    prompts = test_prompts_of_every_set(args.per_set)
    work = tempfile.mkdtemp(prefix="reproducibility-")
    rows_file = os.path.join(work, "rows.jsonl")
    with open(rows_file, "w") as f:
        for i, p in enumerate(prompts):
            f.write(json.dumps({"id": i, "prompt": p}) + "\n")

    first, s1 = label(rows_file, os.path.join(work, "a.jsonl"), 16, args.threads)
    second, s2 = label(rows_file, os.path.join(work, "b.jsonl"), 16, args.threads)
    single, s3 = label(rows_file, os.path.join(work, "c.jsonl"), 1, args.threads)
    print(f"\n{len(prompts)} prompts ({args.per_set} GSM8K test + {args.per_set} Arena-Hard test), shipped head, {args.threads} threads; reference: label -np 16, first run\n")
    print("| against the reference | identical verdicts | route flips | max Δ win rate | rows/s |")
    print("|---|---|---|---|---|")
    flips = compare("label -np 16, second run", first, second, s2)
    flips += compare("label -np 1", first, single, s3)

    routed = {}
    for line in range(1, min(args.route, len(prompts)) + 1):
        out = subprocess.run([ROUTER, "route", "--threads", str(args.threads), "-"], input=prompts[line - 1],
                             capture_output=True, text=True, check=True).stdout
        v = json.loads(out)
        routed[line] = {"label": v["label"], "probabilities": v["probabilities"], "strong_win_rate": v["strong_win_rate"],
                        "route": v["route"]}
    reference = {k: {f: first[k][f] for f in ("label", "probabilities", "strong_win_rate", "route")} for k in routed}
    flips += compare(f"route, one call per query (first {len(routed)})", reference, routed)
    print(f"\n(first run: {s1:.1f} s, {len(prompts) / s1:.2f} rows/s)")
    sys.exit(1 if flips else 0)


if __name__ == "__main__":
    main()
