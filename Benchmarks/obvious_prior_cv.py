#!/usr/bin/env python3
"""The obvious-cases prior judged on train rows only (docs/heads.md, rounds 10 and 11).

  python3 Benchmarks/obvious_prior_cv.py [--folds 5] [--kind-groups 4] [--work DIR] [--reuse]
      [--obvious FILE] [--neither FILE,...] [--gate-hidden N] [--gate-members K]

The prior's real-traffic figures in docs/heads.md rest on test splits of 103 (Arena-Hard) to 805
rows, and they may not choose anything. This script measures the shipped recipe (`train
--experts`, then `train --base ... --obvious ... --neither ...`, run with the CLI itself, so every
head and gate is fitted exactly as shipped) on rows that no step of it saw, using only train
splits:

- **In domain, k-fold**: the train rows of Arena-Hard, MT Bench, GSM8K and the 300 MMLU rows the
  default trains on (the ones `--sample 300` picks) are cut into k folds by a hash of the id.
  For each fold the mixture and then its prior are fitted on the other folds (their rows also
  teach the gate "neither", with the everyday prompts), and both heads are evaluated on the fold.
- **Out of domain, leave one file out**: the mixture and its prior fitted without one file
  (Arena-Hard, GSM8K or MMLU), evaluated on that file's train rows (MMLU: 2,000 of them; the test
  rows are the leave-one-out figures of docs/heads.md).
- **Obvious kinds the gate never saw**: the kinds with train rows dealt into groups (4 by default,
  each with easy and hard kinds, as the set's seven held-out kinds are left out together; 0: one
  kind at a time), the prior put on the shipped head's mixture by a gate fitted without a group;
  each group's train rows are routed by the gate that never saw it. One kind at a time promised
  far better than the held-out kinds then gave (docs/heads.md, rounds 10 and 11); groups are
  nearer, and still promise too much.

`--obvious` and `--neither` fit the gates on other sets (e.g. the shipped set with
data/obvious/more_kinds.jsonl appended; everyday.jsonl,everyday_technical.jsonl), as round 11 did;
`--gate-hidden` and `--gate-members` are passed to every `train --obvious` (round 12).

The first two print `eval`'s figures (the head without the prior, with it, the change, random,
both length rules, the oracle; in-domain figures are means over the folds). Then a NumPy replica
of `ObviousPrior.apply` on the same heads (the feature cache of the default model) says which
side of the band each change comes from, and what cut-offs on the gate's beliefs would do (a
belief counted only past c, as (P - c) / (1 - c); not shipped: docs/heads.md, round 10), with the
pair round 10's rule picks. Needs the
release binary (`make build`), numpy, and the default model's feature cache (`eval` and `train`
fill it; a fresh clone extracts the missing rows on the first run).
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib.data import rows as read_rows  # noqa: E402
from benchlib.paths import ROOT  # noqa: E402
from obvious_prior_sides import Head, apgr, auc, beliefs, read_cache, sample, with_prior  # noqa: E402

FILES = {"arena_hard": "data/arena_hard/gpt4_0613_vs_gpt35_turbo.jsonl", "mt_bench": "data/routellm/mt_bench.jsonl",
         "gsm8k": "data/routellm/gsm8k.jsonl", "mmlu": "data/routellm/mmlu.jsonl"}
LEFT_OUT = ["arena_hard", "gsm8k", "mmlu"]
OBVIOUS, EVERYDAY = "data/obvious/obvious_cases.jsonl", "data/obvious/everyday.jsonl"
NO_PRIOR = "models/heads/smollm2-135m-iq4_nl-rating-no-prior.json"
MMLU_ROWS = 300
# MMLU's train split has 11,222 rows; the leave-one-out check reads the 2,000 the distilled
# students were taught on (`--sample 2000`), whose features are cached.
MMLU_EVAL_ROWS = 2000
BASELINES = ["random", "length (longer->strong)", "length (shorter->strong)", "oracle"]
CUTOFFS = [0.0, 0.25, 0.5, 0.75, 0.9]
STATISTICS = 8  # PromptStatistics.count: the last values of every cached vector


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def in_fold(row, folds, fold):
    return int(sha("fold:" + row["id"]), 16) % folds == fold


def write(path, rows):
    with open(path, "w") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")


REUSE = False
# The obvious-cases set and the "neither" prompts the gates learn from (--obvious, --neither).
SETS = {"obvious": OBVIOUS, "neither": EVERYDAY}
# `train` options for the gates (--gate-hidden, --gate-members).
GATE = []


def run(binary, args, log):
    """One CLI run; with --reuse, a head file already in the work folder is kept."""
    if REUSE and os.path.exists(args[args.index("--out") + 1]):
        return
    with open(log, "w") as out:
        subprocess.run([binary] + args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=True)


def final_and_logits(directory, stem):
    """{prompt SHA-256: final state + label logits} from every cache file of `stem` (the default
    context, features after the template's suffix): a file with pooled blocks holds them first."""
    out = {}
    for name in sorted(os.listdir(directory)):
        if not (name.startswith(stem) and "-c384-" in name and name.endswith(".f32") and "-qe-" not in name):
            continue
        rest = name[:-4].split("-f2")[-1]
        blocks = len(rest[2:].split(".")) if rest.startswith("-p") else 0
        for key, values in read_cache(os.path.join(directory, name)).items():
            width = (len(values) - 5 - STATISTICS) // (blocks + 1)
            out.setdefault(key, values[blocks * width: (blocks + 1) * width + 5])
    return out


def put_prior(binary, base, data, prefix, obvious=None, samples=None):
    prior = prefix + "-prior.json"
    run(binary, ["train", "--base", base, "--obvious", obvious or SETS["obvious"], "--neither", SETS["neither"],
                 "--data", ",".join(data)] + GATE
        + (["--sample", samples] if samples else []) + ["--out", prior], prefix + "-prior.log")
    return prior


def fit(binary, data, prefix):
    """The shipped recipe on `data`: the mixture, then its prior. Returns both head files."""
    inner = prefix + "-inner.json"
    run(binary, ["train", "--experts", "--target", "strong_better", "--features", "final,logits",
                 "--data", ",".join(data), "--out", inner], prefix + "-inner.log")
    return inner, put_prior(binary, inner, data, prefix)


def evaluate(binary, head, data, split, samples=None):
    """{benchmark: {"n", "head", baselines...}} from `eval --json`."""
    out = subprocess.run([binary, "eval", "--head", head, "--data", ",".join(data), "--split", split, "--json"]
                         + (["--sample", str(samples)] if samples else []),
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    figures = {}
    for line in out.splitlines():
        obj = json.loads(line)
        routers = obj["routers"]
        learned = [k for k in routers if "+" in k and "ood" not in k]
        figures[obj["benchmark"]] = {"n": obj["n"], "head": routers[learned[0]]["apgr"]} | {k: routers[k]["apgr"] for k in BASELINES}
    return figures


def table(title, results):
    print(f"\n{title}\n")
    print("| set | n | without the prior | with it | change | random | longer first | shorter first | oracle |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, (n, without, with_prior, base) in results.items():
        print(f"| {name} | {n} | {without:.3f} | {with_prior:.3f} | {with_prior - without:+.3f} | "
              + " | ".join(f"{base[k]:.3f}" for k in BASELINES) + " |")


class Prior:
    """A head file with its prior, replicated: the mixture's win rates and the gate's beliefs."""

    def __init__(self, path, cache):
        head = json.load(open(path))
        self.inner, self.gate = Head(head), Head(head["obvious_prior"]["gate"])
        self.ceiling, self.floor = head["obvious_prior"]["easy_ceiling"], head["obvious_prior"]["hard_floor"]
        self.cache = cache

    def win_rates(self, rows, easy=True, hard=True, cutoffs=(0.0, 0.0)):
        """The mixture's win rates, and with the prior (`cutoffs`: P(easy) and P(hard) count
        only past them, as (P - c) / (1 - c); not shipped)."""
        x = np.array([self.cache[sha(r["prompt"])] for r in rows], dtype=np.float64)
        m, g = self.inner.win_rate(x), beliefs(self.gate, x)
        cut = np.stack([np.clip((g[:, k] - c) / (1 - c), 0, 1) for k, c in enumerate(cutoffs)], axis=1)
        return m, with_prior(m, cut, self.ceiling, self.floor, easy, hard)


def gains(rows):
    return np.array([r["strong"]["score"] for r in rows], float), np.array([r["weak"]["score"] for r in rows], float)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--work", help="folder for the fold files and heads (default: a temporary one)")
    parser.add_argument("--causal-router", default=os.path.join(ROOT, ".build/release/causal-router"))
    parser.add_argument("--reuse", action="store_true", help="keep the heads an earlier run left in --work")
    parser.add_argument("--kind-groups", type=int, default=4,
                        help="leave the obvious kinds out in this many groups (0: one kind at a time)")
    parser.add_argument("--obvious", default=OBVIOUS, help=f"the obvious-cases set the gates learn from (default {OBVIOUS})")
    parser.add_argument("--neither", default=EVERYDAY,
                        help=f"comma-separated files of prompts that teach the gates \"neither\" (default {EVERYDAY})")
    parser.add_argument("--gate-hidden", type=int, default=0, help="rectified units in the gates (train --gate-hidden; 0: linear)")
    parser.add_argument("--gate-members", type=int, default=1, help="networks averaged in each gate (train --gate-members)")
    args = parser.parse_args()
    if args.gate_hidden:
        GATE.extend(["--gate-hidden", str(args.gate_hidden), "--gate-members", str(args.gate_members)])
    elif args.gate_members != 1:
        sys.exit("--gate-members goes with --gate-hidden N")
    global REUSE
    REUSE = args.reuse
    SETS.update(obvious=args.obvious, neither=args.neither)
    obvious = read_rows(os.path.join(ROOT, SETS["obvious"]), "train")
    classes = {r["category"]: r["class"] for r in obvious}
    smaller = min(sum(c == "easy" for c in classes.values()), sum(c == "hard" for c in classes.values()))
    if args.kind_groups != 0 and not 2 <= args.kind_groups <= smaller:
        sys.exit(f"--kind-groups: 0 (one kind at a time) or 2 to {smaller} (the kinds of the smaller class)")
    binary = args.causal_router
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary}: not built (make build)")
    work = args.work or tempfile.mkdtemp(prefix="prior-cv-")
    os.makedirs(work, exist_ok=True)
    # The gates' file names do not say which sets fitted them: a folder keeps one choice of sets,
    # so that --reuse never takes a gate fitted on other ones.
    stamp = hashlib.sha256()
    for path in [SETS["obvious"]] + SETS["neither"].split(","):
        stamp.update(open(os.path.join(ROOT, path), "rb").read())
    if GATE:  # a linear gate's folder keeps round 11's stamp
        stamp.update(" ".join(GATE).encode())
    stamp_path = os.path.join(work, "sets.sha256")
    if REUSE and os.path.exists(stamp_path) and open(stamp_path).read().strip() != stamp.hexdigest():
        sys.exit(f"--reuse: the heads in {work} were fitted on other --obvious/--neither sets or gates; use another --work")
    with open(stamp_path, "w") as out:
        out.write(stamp.hexdigest() + "\n")
    train = {name: sample(read_rows(os.path.join(ROOT, path), "train"), MMLU_ROWS if name == "mmlu" else None)
             for name, path in FILES.items()}

    # In domain: k folds of the train rows.
    per_fold, fold_priors = {name: [] for name in FILES}, []
    for fold in range(args.folds):
        data = []
        for name, rows in train.items():
            path = f"{work}/{name}-fold{fold}of{args.folds}.jsonl"
            write(path, [dict(r, split="test" if in_fold(r, args.folds, fold) else "train") for r in rows])
            data.append(path)
        inner, prior = fit(binary, data, f"{work}/fold{fold}of{args.folds}")
        fold_priors.append(prior)
        without, with_prior = evaluate(binary, inner, data, "test"), evaluate(binary, prior, data, "test")
        for name in FILES:
            per_fold[name].append((without[name], with_prior[name]))
        print(f"fold {fold}: " + ", ".join(f"{n} {with_prior[n]['head'] - without[n]['head']:+.3f}" for n in FILES),
              file=sys.stderr, flush=True)
    results = {}
    for name, folds in per_fold.items():
        results[f"{name} train rows, {args.folds}-fold (in domain)"] = (
            sum(w["n"] for w, _ in folds), np.mean([w["head"] for w, _ in folds]), np.mean([p["head"] for _, p in folds]),
            {k: np.mean([w[k] for w, _ in folds]) for k in BASELINES})
    table(f"In domain: each fold scored by heads fitted on the other {args.folds - 1} (`eval`, mean over folds)", results)

    # Out of domain: leave one file out, evaluated on its train rows.
    results, left_priors = {}, {}
    for left in LEFT_OUT:
        data = []
        for name, rows in train.items():
            if name != left:
                write(f"{work}/{name}-all.jsonl", rows)
                data.append(f"{work}/{name}-all.jsonl")
        inner, prior = fit(binary, data, f"{work}/without-{left}")
        left_priors[left] = prior
        target, count = os.path.join(ROOT, FILES[left]), MMLU_EVAL_ROWS if left == "mmlu" else None
        without = evaluate(binary, inner, [target], "train", count)[left]
        with_prior = evaluate(binary, prior, [target], "train", count)[left]
        results[f"{left} train rows, file left out (out of domain)"] = (
            without["n"], without["head"], with_prior["head"], {k: without[k] for k in BASELINES})
    table("Out of domain: the mixture and its prior fitted without the file (`eval`)", results)

    # Obvious kinds the gate never saw: the train kinds, sorted by class and then by their names'
    # SHA-256, dealt round robin into --kind-groups groups (with no more groups than the smaller
    # class has kinds, each group holds easy and hard kinds); one gate per group fitted without
    # it, as the held-out kinds are left out of the shipped gate together.
    order = sorted(classes, key=lambda k: (classes[k], sha("kind:" + k)))
    group_count = args.kind_groups or len(order)
    groups = {(order[i] if group_count == len(order) else f"{group_count}-{i}"): order[i::group_count]
              for i in range(group_count)}
    kind_priors = {}
    everything = [os.path.join(ROOT, p) for p in FILES.values()]
    for name, kinds in groups.items():
        path = f"{work}/obvious-without-{name}.jsonl"
        write(path, [dict(r, split="held" if r["category"] in kinds else "train") for r in obvious])
        kind_priors[name] = put_prior(binary, os.path.join(ROOT, NO_PRIOR), everything, f"{work}/without-kind-{name}",
                                      obvious=path, samples="all,all,all,300")

    # The replica: which side each change comes from, and a cut-off on P(easy).
    head = json.load(open(os.path.join(ROOT, NO_PRIOR)))
    # The default context's file of the heads' model and template, read after the template's suffix.
    stem = f"{head['model_sha256'][:16]}-{head['template_sha256'][:16]}-"
    cache = final_and_logits(os.path.join(ROOT, ".cache/scores"), stem)
    folds = [Prior(p, cache) for p in fold_priors]
    lefts = {k: Prior(p, cache) for k, p in left_priors.items()}
    kind_gates = {k: Prior(p, cache) for k, p in kind_priors.items()}
    # Rows whose query the engine normalises first are cached under another key: left out here
    # (a handful; their count is printed).
    cached = lambda rows: [r for r in rows if sha(r["prompt"]) in cache]
    replica_train = {name: cached(rows) for name, rows in train.items()}
    traffic = [r for rows in replica_train.values() for r in rows]
    left_all = {left: sample(read_rows(os.path.join(ROOT, FILES[left]), "train"), MMLU_EVAL_ROWS if left == "mmlu" else None)
                for left in LEFT_OUT}
    left_rows = {left: cached(rows) for left, rows in left_all.items()}
    obvious_kept = cached(obvious)
    every = {r["prompt"] for rows in list(train.values()) + list(left_all.values()) + [obvious] for r in rows}
    missing = sum(sha(p) not in cache for p in every)

    def changes(easy, hard, cutoffs):
        out = {}
        for name, rows in replica_train.items():
            diffs = []
            for fold, prior in enumerate(folds):
                held = [r for r in rows if in_fold(r, args.folds, fold)]
                if len(held) < 2:
                    continue  # every row of the fold lacks cached features
                strong, weak = gains(held)
                m, w = prior.win_rates(held, easy, hard, cutoffs)
                diffs.append(apgr(w, strong, weak) - apgr(m, strong, weak))
            out[f"{name} (folds)"] = np.mean(diffs) if diffs else float("nan")
        for left, rows in left_rows.items():
            strong, weak = gains(rows)
            m, w = lefts[left].win_rates(rows, easy, hard, cutoffs)
            out[f"{left} (left out)"] = apgr(w, strong, weak) - apgr(m, strong, weak)
        scores, routed, hard_class = [], [], []
        for name, prior in kind_gates.items():
            held = [r for r in obvious_kept if r["category"] in groups[name]]
            threshold = np.median(prior.win_rates(traffic, easy, hard, cutoffs)[1])
            w = prior.win_rates(held, easy, hard, cutoffs)[1]
            scores += list(w)
            routed += list(w >= threshold)
            hard_class += [r["class"] == "hard" for r in held]
        scores, routed, hard_class = np.array(scores), np.array(routed), np.array(hard_class)
        return out, (auc(scores, hard_class), routed[~hard_class].mean(), routed[hard_class].mean())

    print("\nThe replica (NumPy, the same heads): APGR change from the prior, by side and with cut-offs on the beliefs; "
          "obvious kinds routed by gates that never saw them (AUC; easy, hard routed strong at the median win rate of "
          f"the training traffic, as `train` sets a head's threshold); {missing} prompts without cached features left out\n")
    names = [f"{n} (folds)" for n in FILES] + [f"{n} (left out)" for n in LEFT_OUT]
    print("| variant | " + " | ".join(names) + " | unseen kinds: AUC | easy -> strong | hard -> strong |")
    print("|---|" + "---|" * (len(names) + 3))
    variants = [("both sides (shipped)", True, True, (0.0, 0.0)), ("only the easy side", True, False, (0.0, 0.0)),
                ("only the hard side", False, True, (0.0, 0.0))]
    variants += [(f"cut-offs: P(easy) {e}, P(hard) {h}", True, True, (e, h)) for e in CUTOFFS for h in CUTOFFS[:4]
                 if e or h]
    best = None
    for label, easy, hard, cutoffs in variants:
        out, (a, e, h) = changes(easy, hard, cutoffs)
        print(f"| {label} | " + " | ".join(f"{out[n]:+.3f}" for n in names) + f" | {a:.3f} | {e:.1%} | {h:.1%} |")
        # The rule (docs/heads.md, round 10): the obvious-cases bar on the unseen kinds (AUC >= 0.95,
        # at most 10% of easy and at least 90% of hard prompts routed strong), no file's mean change
        # over the folds below -0.005, then the best mean change on the left-out files.
        left_mean = np.mean([out[f"{n} (left out)"] for n in LEFT_OUT])
        if (easy and hard and a >= 0.95 and e <= 0.10 and h >= 0.90 and min(out[f"{n} (folds)"] for n in FILES) >= -0.005
                and (best is None or left_mean > best[0])):
            best = (left_mean, label)
    print(f"\nThe rule picks: {best[1] if best else 'none'}" + (f" (mean change on the left-out files {best[0]:+.3f})" if best else ""))
    print(f"\n(heads and logs in {work})")


if __name__ == "__main__":
    main()
