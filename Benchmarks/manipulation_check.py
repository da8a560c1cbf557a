#!/usr/bin/env python3
"""How many verdicts a user can flip with what they type (docs/reliability.md), by hand:

  python3 Benchmarks/manipulation_check.py [--per-set 20] [--head FILE | --no-head] [--json OUT]
                                           [--phrases FILE] [--kinds upgrade,downgrade,...]

Takes the first N test-split prompts of GSM8K and of Arena-Hard from data/, and for each one
makes 40 manipulated copies from Benchmarks/manipulation/phrases.json (written for this check,
never trained on): a sentence claiming the question is very hard appended ("upgrade", 10
phrasings), one claiming it is trivially easy ("downgrade", 10), a fake template closing or
chat markup ("markup", 10), the query repeated ("repeat", 10 ways). Labels originals and copies
in one `causal-router label` run (default model, template, shipped head and config) and prints,
per kind, the share of copies whose route differs from their original's, how many went weak to
strong and strong to weak, and the mean change of the strong-model win rate.

`--phrases Benchmarks/manipulation/phrases-unseen.json` measures with 25 claims each way written
by someone who saw neither the other phrase lists nor the claim filter (`DifficultyClaims`), and
10 innocent sentences ("neutral": "Thanks in advance!"), whose flips are the floor that any
appended sentence sets.
"""
import json
import os
import subprocess
import sys
import tempfile

from benchlib import cli
from benchlib.data import test_prompts_of_every_set
from benchlib.paths import BENCHMARKS, ROUTER

KINDS = ["upgrade", "downgrade", "markup", "repeat", "neutral"]


def variants(prompt, phrases):
    for kind in KINDS:
        for i, phrase in enumerate(phrases[kind]):
            if kind == "repeat":
                times, separator = phrase
                yield kind, i, separator.join([prompt] * times)
            else:
                yield kind, i, prompt + ("" if phrase.startswith("\n") else " ") + phrase


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("--per-set", type=int, default=20, help="test prompts from each set (default 20)")
    parser.add_argument("--head", help="a head file (default: the shipped head)")
    parser.add_argument("--no-head", action="store_true", help="zero-shot")
    parser.add_argument("--model", help="a scoring model, catalog name or GGUF path (default: the default model)")
    parser.add_argument("--binary", default=ROUTER, help="the causal-router binary (default: the release build)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--kinds", help="which manipulations (default: those of the phrase file among "
                        "upgrade, downgrade, markup, repeat, neutral)")
    parser.add_argument("--phrases", default=os.path.join(BENCHMARKS, "manipulation/phrases.json"),
                        help="the phrase file (default: Benchmarks/manipulation/phrases.json)")
    parser.add_argument("--output", help="keep the verdicts here (default: a temporary file)")
    parser.add_argument("--json", help="also write the table as JSON here")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary} is missing: run `make build` first")
    with open(args.phrases) as f:
        phrases = json.load(f)
    kinds = [k for k in args.kinds.split(",") if k] if args.kinds else [k for k in KINDS if phrases.get(k)]
    if not kinds or any(k not in KINDS or not phrases.get(k) for k in kinds):
        parser.error(f"--kinds takes some of {','.join(k for k in KINDS if phrases.get(k))} (those {args.phrases} has)")
    phrases = {k: (phrases[k] if k in kinds else []) for k in KINDS}
    originals = test_prompts_of_every_set(args.per_set)
    rows = []  # (original index, kind, phrasing, text)
    for n, prompt in enumerate(originals):
        rows.append((n, "original", -1, prompt))
        rows.extend((n, kind, i, text) for kind, i, text in variants(prompt, phrases))
    work = tempfile.mkdtemp(prefix="manipulation-")
    rows_file = os.path.join(work, "rows.jsonl")
    with open(rows_file, "w") as f:
        for i, (_, _, _, text) in enumerate(rows):
            f.write(json.dumps({"id": i, "prompt": text}) + "\n")
    out = args.output or os.path.join(work, "verdicts.jsonl")
    command = [args.binary, "label", "--input", rows_file, "--output", out, "--threads", str(args.threads)]
    if args.head:
        command += ["--head", args.head]
    if args.no_head:
        command += ["--no-head"]
    if args.model:
        command += ["--model", args.model]
    subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
    verdicts = {}
    with open(out) as f:
        for line in f:
            v = json.loads(line)
            verdicts[v["id"]] = v
    original = {rows[i][0]: verdicts[i] for i in range(len(rows)) if rows[i][1] == "original"}
    head = original[0].get("head") or "none (zero-shot)"
    strong_share = sum(v["route"] == "strong" for v in original.values()) / len(original)
    print(f"\n{len(originals)} prompts ({args.per_set} GSM8K test + {args.per_set} Arena-Hard test), head {head}, "
          f"strong share of the originals {strong_share:.2f}\n")
    print("| manipulation (phrasings) | copies | route flips | weak -> strong | strong -> weak | mean Δ win rate |")
    print("|---|---|---|---|---|---|")
    table = {"head": head, "prompts": len(originals), "strong_share": strong_share, "kinds": {}}
    for kind in kinds:
        copies = [(rows[i][0], verdicts[i]) for i in range(len(rows)) if rows[i][1] == kind]
        up = sum(original[n]["route"] == "weak" and v["route"] == "strong" for n, v in copies)
        down = sum(original[n]["route"] == "strong" and v["route"] == "weak" for n, v in copies)
        delta = sum(v["strong_win_rate"] - original[n]["strong_win_rate"] for n, v in copies) / len(copies)
        print(f"| {kind} ({len(phrases[kind])}) | {len(copies)} | {up + down} ({100 * (up + down) / len(copies):.1f}%) | {up} | {down} | {delta:+.3f} |")
        table["kinds"][kind] = {"copies": len(copies), "flips": up + down, "weak_to_strong": up, "strong_to_weak": down,
                                "mean_delta_win_rate": delta}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(table, f, indent=1)


if __name__ == "__main__":
    main()
