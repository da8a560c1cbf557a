#!/usr/bin/env python3
"""Which side of the obvious-cases prior's band costs what (docs/heads.md, round 9).

  python3 Benchmarks/obvious_prior_sides.py [--head models/heads/smollm2-135m-iq4_nl-rating.json]

A NumPy replica of `ObviousPrior.apply` over the features `eval` and `train` cached in
.cache/scores (final hidden state and label logits: the shipped head's features; run `eval`
on the sets first to fill it). For each set it prints APGR with no prior, with both sides of
the band (as shipped), with only the easy side (win rates moved down to the ceiling), with
only the hard side (moved up to the floor), and with the head's log-odds shifted by beta x
(P(hard) - P(easy)) for beta 0.5 and 1 (not shipped), the mean of the head's OOD score, and a paired bootstrap's 95% interval of
the prior's change (both sides against none; 2,000 resamples of the set's rows); for the held-out obvious kinds, AUC and the share of
easy and hard prompts routed strong at the head's threshold. Rows without cached features are
left out (their count is printed). Needs numpy.
"""
import argparse
import glob
import hashlib
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib.data import rows  # noqa: E402
from benchlib.paths import ROOT  # noqa: E402

HELD_OUT = {"small_talk", "unit_conversion", "formatting", "concurrency", "research_science",
            "multipart_analysis", "expert_professional"}
SETS = [("Arena-Hard test", "data/arena_hard/gpt4_0613_vs_gpt35_turbo.jsonl", "test", None),
        ("GSM8K test", "data/routellm/gsm8k.jsonl", "test", None),
        ("MMLU 500", "data/routellm/mmlu.jsonl", "test", 500),
        ("AlpacaEval", "../shared/data/alpaca_eval/mixtral_vs_gpt4.jsonl", "all", None)]


def read_cache(path):
    """FeatureCache's vector file: a 64-byte hex key, a little-endian u32 count, padding to 72
    bytes, then count float32s, record after record."""
    data, out, offset = open(path, "rb").read(), {}, 0
    while offset + 72 <= len(data):
        key = data[offset:offset + 64].decode()
        count, = struct.unpack_from("<I", data, offset + 64)
        out[key] = np.frombuffer(data, dtype="<f4", count=count, offset=offset + 72)
        offset += 72 + 4 * count
    return out


class Head:
    def __init__(self, obj):
        self.mean, self.scale = np.array(obj["mean"]), np.array(obj["scale"])
        self.weights, self.bias = np.array(obj["weights"]), np.array(obj["bias"])
        hidden = obj.get("hidden")
        self.hidden = (np.array(hidden["weights"]), np.array(hidden["bias"])) if hidden else None
        self.experts = [Head(e) for e in obj.get("experts") or []]

    def own(self, x):
        z = (x - self.mean) / self.scale
        if self.hidden is not None:  # rectified units (`train --gate-hidden`)
            z = np.maximum(0, z @ self.hidden[0].T + self.hidden[1])
        z = z @ self.weights.T + self.bias
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def win_rate(self, x):
        if not self.experts:
            return self.own(x)[:, :3].sum(axis=1)
        gate = self.own(x)[:, :len(self.experts)]
        gate = gate / gate.sum(axis=1, keepdims=True)
        return sum(gate[:, i] * e.win_rate(x) for i, e in enumerate(self.experts))


def beliefs(gate, x):
    """ObviousPrior.beliefs: the gate's P(easy), P(hard), P(neither), over those three classes."""
    g = gate.own(x)[:, :3]
    return g / g.sum(axis=1, keepdims=True)


def with_prior(m, g, ceiling, floor, easy=1.0, hard=1.0):
    """ObviousPrior.apply on win rates `m`: each side's belief (`g`'s easy and hard columns, times
    `easy` and `hard`) moves them down to the ceiling and up to the floor."""
    return m + easy * g[:, 0] * (np.minimum(m, ceiling) - m) + hard * g[:, 1] * (np.maximum(m, floor) - m)


def auc(scores, hard):
    """The share of (hard, easy) pairs with the hard prompt scored above the easy one."""
    order = scores.argsort().argsort() + 1
    return (order[hard].sum() - hard.sum() * (hard.sum() + 1) / 2) / (hard.sum() * (~hard).sum())


def sample(data, count):
    """`--sample N`: the N rows with the smallest SHA-256 of their id (all with no count)."""
    return sorted(data, key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())[:count] if count else data


def apgr(win, strong, weak):
    """QualityCurve's APGR: strong calls in order of falling win rate, ties sharing their gain."""
    n, order = len(win), np.argsort(-win, kind="stable")
    ordered, gains = win[order], (strong - weak)[order].astype(float)
    i = 0
    while i < n:
        j = i
        while j < n and ordered[j] == ordered[i]:
            j += 1
        gains[i:j] = gains[i:j].mean()
        i = j
    gap = strong.mean() - weak.mean()
    pgr = np.concatenate([[0.0], np.cumsum(gains) / n / gap])
    return float(np.sum((pgr[1:] + pgr[:-1]) / 2) / n)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--head", default=os.path.join(ROOT, "models/heads/smollm2-135m-iq4_nl-rating.json"))
    parser.add_argument("--cache", help="the .f32 vector file (default: the one in .cache/scores of the head's model and template with the final state and logits)")
    args = parser.parse_args()
    head = json.load(open(args.head))
    # The cache of the head's own model and template, read after the template's suffix (its
    # file names start with both SHA-256s; "-qe-" marks features read at the query's end).
    stem = f"{head['model_sha256'][:16]}-{head['template_sha256'][:16]}-"
    found = sorted(p for p in glob.glob(os.path.join(ROOT, ".cache/scores", stem + "*-f2.f32")) if "-qe-" not in p)
    if not args.cache and not found:
        sys.exit("no cached features for the head's model: run `causal-router eval` on the sets first")
    cache_path = args.cache or found[0]
    cache = read_cache(cache_path)
    inner, gate = Head(head), Head(head["obvious_prior"]["gate"])
    ceiling, floor = head["obvious_prior"]["easy_ceiling"], head["obvious_prior"]["hard_floor"]
    width = head["feature_size"]

    def ood_score(x):
        """HeadNeighbourhood's ood_score: the share of held-out training rows nearer to the
        training rows (mean distance to the k nearest, in the principal-component space)."""
        ood = head["ood"]
        z = (x - np.array(head["mean"])) / np.array(head["scale"])
        projected, points = z @ np.array(ood["components"]).T, np.array(ood["points"])
        distances = np.sqrt(((projected[:, None, :] - points[None, :, :]) ** 2).sum(-1))
        distances.sort(axis=1)
        return np.searchsorted(np.sort(np.array(ood["reference"])), distances[:, :ood["k"]].mean(1)) / len(ood["reference"])

    def variants(x):
        m, g = inner.win_rate(x), beliefs(gate, x)
        # Not shipped: the head's log-odds shifted by beta x (P(hard) - P(easy)) (docs/heads.md).
        logit = np.log(np.clip(m, 1e-6, 1 - 1e-6) / np.clip(1 - m, 1e-6, 1))
        shifted = {f"shift {b}": 1 / (1 + np.exp(-(logit + b * (g[:, 1] - g[:, 0])))) for b in (0.5, 1.0)}
        return {"none": m, "both": with_prior(m, g, ceiling, floor), "easy side": with_prior(m, g, ceiling, floor, hard=0),
                "hard side": with_prior(m, g, ceiling, floor, easy=0)} | shifted

    def features(data):
        keys = [hashlib.sha256(r["prompt"].encode()).hexdigest() for r in data]
        kept = [(r, cache[k][:width]) for r, k in zip(data, keys) if k in cache]
        return [r for r, _ in kept], np.array([v for _, v in kept]), len(data) - len(kept)

    def interval(none, both, strong, weak, resamples=2000):
        """A paired bootstrap of the prior's change (both sides - none): its 95% interval."""
        rng, n = np.random.default_rng(0), len(strong)
        changes = []
        for _ in range(resamples):
            pick = rng.integers(0, n, n)
            changes.append(apgr(both[pick], strong[pick], weak[pick]) - apgr(none[pick], strong[pick], weak[pick]))
        return np.quantile(changes, [0.025, 0.975])

    print(f"head {os.path.relpath(args.head, ROOT)}, cache {os.path.basename(cache_path)}")
    print("| set (n, missing) | no prior | both sides | only the easy side | only the hard side | logit shift 0.5 | logit shift 1.0 "
          "| mean OOD score | both sides - none: 95% bootstrap interval |\n|---|---|---|---|---|---|---|---|---|")
    for name, path, split, count in SETS:
        data = rows(os.path.join(ROOT, path), split)
        data = sample(data, count)
        kept, x, missing = features(data)
        strong, weak = np.array([r["strong"]["score"] for r in kept]), np.array([r["weak"]["score"] for r in kept])
        routes = variants(x)
        figures = [apgr(w, strong, weak) for w in routes.values()]
        low, high = interval(routes["none"], routes["both"], strong, weak)
        print(f"| {name} ({len(kept)}, {missing}) | " + " | ".join(f"{f:.3f}" for f in figures)
              + f" | {ood_score(x).mean():.2f} | {low:+.3f} to {high:+.3f} |")
    data = [r for r in rows(os.path.join(ROOT, "data/obvious/obvious_cases.jsonl"), "test") if r["category"] in HELD_OUT]
    kept, x, missing = features(data)
    hard = np.array([r["class"] == "hard" for r in kept])
    cells = []
    for w in variants(x).values():
        routed = w >= head["threshold"]
        cells.append(f"{auc(w, hard):.3f}; {routed[~hard].mean():.1%}, {routed[hard].mean():.1%}")
    print(f"| held-out obvious kinds ({(~hard).sum()} easy / {hard.sum()} hard, {missing}): AUC; easy, hard routed strong | "
          + " | ".join(cells) + f" | {ood_score(x).mean():.2f} | |")


if __name__ == "__main__":
    main()
