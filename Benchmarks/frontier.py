#!/usr/bin/env python3
"""The quality/speed frontier of router configurations (`make frontier`).

Every configuration in CONFIGS is a point: its quality is the mean APGR over the four sets
below (`causal-router eval`, scores cached in .cache/scores, so a re-run only re-measures
speed), its speed the requests per second `causal-router serve` answers from 16 closed-loop
clients on each workload (GSM8K test questions; Arena-Hard prompts). Beside them, llama.cpp's
llama-server on the same model and rendered prompts (the peer of `make bench`): its quality is
the zero-shot APGR of the same template on the same model (the same next-token distribution
of the same prompt), its speed measured in the same run, servers taking turns.

Quality sets (what each is to the heads: in domain when a head's training mix holds its train
split, out of domain otherwise; AlpacaEval is never trained on):
  gsm8k   GSM8K test (287)          arena   Arena-Hard test (103)
  mmlu    MMLU test, 500-row sample  alpaca  AlpacaEval, all 805 (out of domain for every head)
and the baselines random, oracle and the prompt-length rule both ways, on the same rows.

Writes docs/frontier.md (the table, with the command) and docs/frontier.svg (APGR against
req/s, one panel per workload, peer points hollow) unless --no-docs. Run it with the machine
otherwise idle.
"""
from html import escape
import json
import os
import subprocess
import sys
import time

import bench
import loadgen
from benchlib import cli
from benchlib.paths import ARENA_HARD, GSM8K, LLAMA_SERVER, MMLU, ROOT, ROUTER

DERIVED = os.path.join(ROOT, ".cache", "frontier")
DOCS_MD = os.path.join(ROOT, "docs", "frontier.md")
DOCS_SVG = os.path.join(ROOT, "docs", "frontier.svg")
DATA = {
    "gsm8k": (GSM8K, ["--split", "test"]),
    "arena": (ARENA_HARD, ["--split", "test"]),
    "mmlu": (MMLU, ["--split", "test", "--sample", "500"]),
    "alpaca": (os.path.join(ROOT, "..", "shared", "data", "alpaca_eval", "mixtral_vs_gpt4.jsonl"), ["--split", "all"]),
}
# The hand-written reading of the figures below this line survives a re-run.
ANALYSIS = "<!-- analysis: kept by frontier.py -->"
SET_TITLES = {"gsm8k": "GSM8K test", "mmlu": "MMLU test sample", "arena": "Arena-Hard test", "alpaca": "AlpacaEval"}
# What the heads were trained on (for the in/out-of-domain marks of the table).
TRAINED_ON = ("Arena-Hard, MT Bench, GSM8K train splits and 300 MMLU train rows (the students: 2,000 MMLU train rows, "
              "and the everyday prompts of data/obvious/)")

# name, model (catalog name, or (catalog name, blocks kept) for an early-exit copy made by
# `causal-router truncate`), head (a file, or None for zero-shot), how it was made.
TRAIN = ("`causal-router train --experts --target strong_better --data A,M,G,U --sample all,all,all,300` "
         "(the shipped head's files and sample)")


def student(blocks, features):
    """Another point of the students' curve over K (docs/frontier.md, "Distillation"): the shipped
    13-block student's recipe on the default's file cut to `blocks` blocks, reading `features`."""
    return {"name": f"distilled student: {blocks} of 30 blocks + head ({features} at the query's end)",
            "model": ("smollm2-135m-iq4_nl", blocks), "head": f"models/heads/smollm2-135m-iq4_nl-b{blocks}-rating.json",
            "made": f"`truncate --layers {blocks}` of the catalog's `smollm2-135m-iq4_nl`, then the shipped student's "
                    f"`causal-router train --teacher ...` with `--features {features},query-end` (docs/frontier.md, distillation)"}


CONFIGS = [
    {"name": "default: SmolLM2-135M IQ4_NL + shipped head", "model": "smollm2-135m-iq4_nl",
     "head": "models/heads/smollm2-135m-iq4_nl-rating.json",
     "made": "the default of `make run`: the catalog's `smollm2-135m-iq4_nl` (`causal-router quantize --type IQ4_NL` of "
             "SmolLM2's Q4_1 file, weights llama.cpp's CPU backend repacks for its fastest kernels), then " + TRAIN
             + " on it (docs/heads.md, round 7)"},
    {"name": "SmolLM2-135M Q4_1 + its head (the previous default)", "model": "smollm2-135m",
     "head": "models/heads/smollm2-135m-rating.json",
     "made": "the catalog's Q4_1 file, features final,logits at the label position (docs/heads.md)"},
    {"name": "SmolLM2-135M zero-shot", "model": "smollm2-135m", "head": None,
     "made": "`--no-head`: the template's label logits"},
    {"name": "SmolLM2-135M + head at the query's end", "model": "smollm2-135m",
     "head": "models/heads/smollm2-135m-query-end-rating.json",
     "made": TRAIN + " with `--features final,logits,query-end`: the final state and logits at the query's last token, "
             "the template's suffix never decoded"},
    {"name": "early exit: 11 of 30 blocks + head (b9,final,logits)", "model": ("smollm2-135m", 11),
     "head": "models/heads/smollm2-135m-b11-final-rating.json",
     "made": "`truncate --layers 11`, then " + TRAIN + " with `--features b9,final,logits`"},
    {"name": "early exit: 11 of 30 blocks + head (b9 at the query's end)", "model": ("smollm2-135m", 11),
     "head": "models/heads/smollm2-135m-b11-rating.json",
     "made": "`truncate --layers 11`, then " + TRAIN + " with `--features b9,query-end`: block 9 mean-pooled over the "
             "query, no suffix decoded"},
    {"name": "early exit: 8 of 30 blocks + head (b6 at the query's end)", "model": ("smollm2-135m", 8),
     "head": "models/heads/smollm2-135m-b8-rating.json",
     "made": "`truncate --layers 8`, then " + TRAIN + " with `--features b6,query-end`"},
    {"name": "distilled student: 13 of 30 blocks + head (b9,b11 at the query's end)", "model": "smollm2-135m-iq4_nl-b13",
     "head": "models/heads/smollm2-135m-iq4_nl-b13-ridge-rating.json",
     "made": "the catalog's `smollm2-135m-iq4_nl-b13` (the default's file cut to 13 blocks on first use), then "
             "`causal-router train --teacher models/heads/smollm2-135m-iq4_nl-rating.json --features b9,b11,query-end "
             "--obvious data/obvious/obvious_cases.jsonl --data A,M,G,U,data/obvious/everyday.jsonl --sample all,all,all,2000,all`: "
             "a ridge fit to the default's win rates before its prior, and a prior of its own (docs/frontier.md, distillation; "
             "the shipped student until 2026-12-08)"},
    {"name": "distilled student: 13 of 30 blocks + network head (b9,b11,stats at the query's end)", "model": "smollm2-135m-iq4_nl-b13",
     "head": "models/heads/smollm2-135m-iq4_nl-b13-rating.json",
     "made": "the shipped student: the ridge student's command with `--features b9,b11,stats,query-end --student-hidden 64 "
             "--student-members 3`: three networks of 64 rectified units fitted to the same log-odds, averaged "
             "(docs/frontier.md, \"A student with a hidden layer\")"},
    *[student(blocks, features) for blocks, features in ((8, "b4,b6"), (11, "b7,b9"), (12, "b8,b10"), (16, "b12,b14"))],
    {"name": "Gemma-3-270M zero-shot", "model": "gemma3-270m", "head": None,
     "made": "`--model gemma3-270m --no-head` (no Gemma head: docs/heads.md, round 4)"},
]


def log(message):
    print(f"frontier: {message}", file=sys.stderr, flush=True)


def model_file(model):
    """The GGUF path of a configuration's model, making an early-exit copy when needed."""
    if isinstance(model, str):
        return bench.model_file(model)  # a derived catalog model is made on first use
    name, blocks = model
    path = os.path.join(DERIVED, f"{name}-b{blocks}.gguf")
    if not os.path.isfile(path):
        os.makedirs(DERIVED, exist_ok=True)
        log(f"truncate {name} to {blocks} blocks -> {path}")
        out = subprocess.run([ROUTER, "truncate", "--layers", str(blocks), "--out", path, "--model", name],
                             capture_output=True, text=True)
        if out.returncode != 0:
            bench.fail(f"truncate failed: {out.stderr.strip()}")
    return path


def quality(config, path, threads):
    """APGR of the configuration on each set, and the baselines, from `causal-router eval --json`."""
    head_args = ["--head", os.path.join(ROOT, config["head"])] if config["head"] else ["--no-head"]
    figures, baselines, sizes = {}, {}, {}
    for key, (data, split_args) in DATA.items():
        command = [ROUTER, "eval", "--json", "--data", data, "--model", path, "--threads", str(threads)] + split_args + head_args
        log(f"{config['name']}: eval {SET_TITLES[key]}")
        out = subprocess.run(command, capture_output=True, text=True)
        if out.returncode != 0:
            bench.fail(f"eval failed: {out.stderr.strip()[-1000:]}")
        report = json.loads(out.stdout.strip().splitlines()[-1])
        routers = report["routers"]
        model_rows = [name for name in routers if ":" in name]
        # With a head: its own row (not the zero-shot one, nor the "+ood->strong" variant).
        chosen = [name for name in model_rows if "+" in name and "ood->" not in name] if config["head"] else model_rows
        if len(chosen) != 1:
            bench.fail(f"eval printed routers {sorted(routers)}; expected one {'head' if config['head'] else 'zero-shot'} row")
        figures[key] = routers[chosen[0]]["apgr"]
        sizes[key] = report["n"]
        baselines[key] = {name: routers[name]["apgr"] for name in routers if ":" not in name}
    return figures, baselines, sizes


def serve_command(config, path, port, threads, parallel):
    command = [ROUTER, "serve", "--model", path, "--port", str(port), "--parallel", str(parallel), "--threads",
               str(threads), "--timeout-ms", "600000", "--verdict-cache", "0"]
    return command + (["--head", os.path.join(ROOT, config["head"])] if config["head"] else ["--no-head"])


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for every server (default: all cores)")
    parser.add_argument("--parallel", type=int, default=8, help="router --parallel and llama-server -np (default: 8)")
    parser.add_argument("--clients", type=int, default=16, help="closed-loop clients (default: 16)")
    parser.add_argument("--requests", type=int, default=48, help="requests per run (default: 48)")
    parser.add_argument("--rounds", type=int, default=2, help="runs per server and workload, servers taking turns (default: 2)")
    parser.add_argument("--only", help="comma-separated configuration numbers (1-based) to measure (default: all)")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/frontier.md and docs/frontier.svg")
    parser.add_argument("--port", type=int, default=18531, help="first port (default: 18531)")
    parser.add_argument("--alpaca", default=DATA["alpaca"][0],
                        help="AlpacaEval routing data (evaluation only, not in the repository; default: ../shared/data/...)")
    parser.add_argument("--no-alpaca", action="store_true",
                        help="leave AlpacaEval out: the mean is then over the three sets in data/ (the table says so)")
    args = parser.parse_args()
    if args.no_alpaca:
        del DATA["alpaca"]
    else:
        DATA["alpaca"] = (args.alpaca, DATA["alpaca"][1])

    for tool in (ROUTER, LLAMA_SERVER):
        if not os.access(tool, os.X_OK):
            bench.fail(f"{tool} is missing: run `make frontier` (it builds everything first)")
    for key, (data, _) in DATA.items():
        if not os.path.isfile(data):
            bench.fail(f"{data} is missing ({SET_TITLES[key]})" + ("; pass --alpaca PATH or --no-alpaca" if key == "alpaca" else ""))
    configs = CONFIGS
    if args.only:
        configs = [CONFIGS[int(i) - 1] for i in args.only.split(",")]

    points = []
    for config in configs:
        path = model_file(config["model"])
        figures, baselines, sizes = quality(config, path, args.threads)
        points.append({"config": config, "path": path, "apgr": figures, "baselines": baselines, "n": sizes})

    # Speed: every router configuration and one llama-server per base model, all started, then
    # taking turns on each workload so drift hits all alike.
    sides, port = [], args.port
    peer_models = []
    for point in points:
        config = point["config"]
        probe = {"query": "What is 2 + 2?", "timeout_ms": 600000}
        point["side"] = bench.Side(config["name"], serve_command(config, point["path"], port, args.threads, args.parallel),
                                   port, "router", probe, "/v1/route")
        sides.append(point["side"])
        port += 1
        base = config["model"] if isinstance(config["model"], str) else config["model"][0]
        if base not in peer_models:
            peer_models.append(base)
    peers = []
    for base in peer_models:
        gguf = bench.model_path(base)
        zero_shot = next((p for p in points if p["config"]["model"] == base and not p["config"]["head"]), None)
        command = [LLAMA_SERVER, "-m", gguf, "--port", str(port), "--host", "127.0.0.1", "-t", str(args.threads),
                   "-np", str(args.parallel), "-c", str(args.parallel * bench.DEFAULT_CTX), "-b", "512", "-ub", "512", "--no-webui", "--metrics"]
        probe = bench.render(["What is 2 + 2?"], base, bench.DEFAULT_CTX)[0]
        side = bench.Side(f"llama-server {base}", command, port, "llama", loadgen.body_for("llama", probe), "/completion")
        peers.append({"base": base, "side": side, "apgr": zero_shot["apgr"] if zero_shot else None})
        sides.append(side)
        port += 1
    speed = {}
    try:
        for side in sides:
            log(f"starting {side.name}")
            side.start()
        for workload in ("gsm8k", "arena"):
            rows = bench.workload_rows(workload, bench.WORKLOADS[workload][2])
            queries = [row["prompt"] for row in rows]
            rendered = {p["base"]: [{"prompt": r["prompt"]} for r in bench.render(queries, p["base"], bench.DEFAULT_CTX)] for p in peers}
            for round_index in range(args.rounds):
                # Each round its own slice: llama-server's slot cache would answer a repeat.
                offset = (round_index * args.requests) % len(queries)
                for side in sides:
                    if side.kind == "router":
                        work = [{"query": q} for q in queries]
                    else:
                        work = rendered[next(p["base"] for p in peers if p["side"] is side)]
                    work = work[offset:] + work[:offset]
                    log(f"{workload} round {round_index + 1}/{args.rounds}: {side.name}")
                    run = loadgen.run(f"http://127.0.0.1:{side.port}{side.probe_path}", work, args.requests, args.clients,
                                      side.kind, keep_latencies=True)
                    side.check_alive()
                    speed.setdefault((side.name, workload), []).append(run)
    finally:
        for side in sides:
            side.stop()

    def rps(name, workload):
        return bench.pooled(speed[(name, workload)])

    for point in points:
        point["speed"] = {w: rps(point["config"]["name"], w) for w in ("gsm8k", "arena")}
    for peer in peers:
        peer["speed"] = {w: rps(peer["side"].name, w) for w in ("gsm8k", "arena")}
    result = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": bench.machine(),
              "command": " ".join(["python3", "Benchmarks/frontier.py"] + sys.argv[1:]), "threads": args.threads,
              "parallel": args.parallel, "clients": args.clients, "requests": args.requests, "rounds": args.rounds,
              "points": [{"name": p["config"]["name"], "made": p["config"]["made"], "model": p["path"],
                          "head": p["config"]["head"], "apgr": p["apgr"], "n": p["n"],
                          "mean_apgr": round(sum(p["apgr"].values()) / len(p["apgr"]), 3),
                          "speed": p["speed"]} for p in points],
              "peers": [{"name": p["side"].name, "apgr": p["apgr"],
                         "mean_apgr": round(sum(p["apgr"].values()) / len(p["apgr"]), 3) if p["apgr"] else None,
                         "speed": p["speed"]} for p in peers],
              "baselines": points[0]["baselines"]}
    with open(os.path.join(DERIVED if os.path.isdir(DERIVED) else "/tmp", "frontier.json"), "w") as f:
        json.dump(result, f, indent=2)
    table = render_table(result)
    print(table)
    if not args.no_docs:
        write_docs(result, table)


def render_table(result):
    sets = list(DATA)
    reference = result["peers"][0]
    head = ("| point | " + " | ".join(f"{SET_TITLES[s]}" for s in sets) + " | mean APGR | GSM8K req/s | "
            f"x {reference['name']} | Arena-Hard req/s | x {reference['name']} |")
    lines = [head, "|" + "---|" * (len(sets) + 6)]

    def speed_cells(speed):
        return " | ".join(f"{speed[w]['rps']:.2f} | {speed[w]['rps'] / reference['speed'][w]['rps']:.2f}x" for w in ("gsm8k", "arena"))

    for p in result["points"]:
        cells = [f"{p['apgr'][s]:.3f}" for s in sets]
        lines.append(f"| {p['name']} | " + " | ".join(cells) + f" | **{p['mean_apgr']:.3f}** | {speed_cells(p['speed'])} |")
    for peer in result["peers"]:
        cells = [f"{peer['apgr'][s]:.3f}" if peer["apgr"] else "-" for s in sets]
        mean = f"{peer['mean_apgr']:.3f}" if peer["mean_apgr"] is not None else "-"
        lines.append(f"| peer: {peer['name']} (zero-shot, same template) | " + " | ".join(cells) + f" | {mean} | {speed_cells(peer['speed'])} |")
    for name in result["baselines"]["gsm8k"]:
        values = [result["baselines"][s].get(name) for s in sets]
        mean = sum(values) / len(values)
        lines.append(f"| baseline: {name} | " + " | ".join(f"{v:.3f}" for v in values) + f" | {mean:.3f} | - | - | - | - |")
    sizes = result["points"][0]["n"]
    lines.append("")
    lines.append("n: " + ", ".join(f"{SET_TITLES[s]} {sizes[s]}" for s in sets) + ". req/s: "
                 f"{result['clients']} closed-loop clients, {result['rounds']} x {result['requests']} requests per server "
                 f"and workload, servers taking turns; {result['threads']} threads, --parallel {result['parallel']}.")
    return "\n".join(lines)


def svg(result):
    """Two panels (GSM8K, Arena-Hard): mean APGR against req/s; routers filled, peers hollow."""
    legend_height = 16 * ((len(result["points"]) + 2) // 2) + 14
    width, plot_height, pad = 880, 400, 60
    height = plot_height + legend_height
    panel = (width - pad) // 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    values = [p["mean_apgr"] for p in result["points"]] + [p["mean_apgr"] for p in result["peers"] if p["mean_apgr"]]
    low, high = min(values + [0.5]) - 0.01, max(values) + 0.01
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
    for index, (workload, title) in enumerate((("gsm8k", "GSM8K test queries"), ("arena", "Arena-Hard prompts"))):
        x0 = pad + index * panel
        speeds = [p["speed"][workload]["rps"] for p in result["points"] + result["peers"]]
        top = max(speeds + [3 * result["peers"][0]["speed"][workload]["rps"]]) * 1.1

        def px(v):
            return x0 + (v / top) * (panel - 40)

        def py(v):
            return plot_height - pad - (v - low) / (high - low) * (plot_height - 2 * pad)

        parts.append(f'<text x="{x0 + (panel - 40) / 2}" y="20" text-anchor="middle" font-size="13">{title}</text>')
        parts.append(f'<line x1="{x0}" y1="{plot_height - pad}" x2="{x0 + panel - 40}" y2="{plot_height - pad}" stroke="black"/>')
        parts.append(f'<line x1="{x0}" y1="{pad}" x2="{x0}" y2="{plot_height - pad}" stroke="black"/>')
        for k in range(6):
            v = top * k / 5
            parts.append(f'<text x="{px(v):.1f}" y="{plot_height - pad + 15}" text-anchor="middle">{v:.1f}</text>')
            a = low + (high - low) * k / 5
            parts.append(f'<text x="{x0 - 5}" y="{py(a) + 4:.1f}" text-anchor="end">{a:.2f}</text>')
        parts.append(f'<text x="{x0 + (panel - 40) / 2}" y="{plot_height - pad + 32}" text-anchor="middle">req/s at {result["clients"]} clients</text>')
        if index == 0:
            parts.append(f'<text x="14" y="{plot_height / 2}" transform="rotate(-90 14 {plot_height / 2})" text-anchor="middle">mean APGR ({len(DATA)} sets)</text>')
        random = sum(result["baselines"][s]["random"] for s in DATA) / len(DATA)
        parts.append(f'<line x1="{x0}" y1="{py(random):.1f}" x2="{x0 + panel - 40}" y2="{py(random):.1f}" stroke="#999" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{x0 + panel - 42}" y="{py(random) - 4:.1f}" text-anchor="end" fill="#777">random</text>')
        target = 3 * result["peers"][0]["speed"][workload]["rps"]
        if target < top:
            parts.append(f'<line x1="{px(target):.1f}" y1="{pad}" x2="{px(target):.1f}" y2="{plot_height - pad}" stroke="#c00" stroke-dasharray="4 3"/>')
            parts.append(f'<text x="{px(target) - 4:.1f}" y="{pad + 10}" text-anchor="end" fill="#c00">3x {escape(result["peers"][0]["name"])}</text>')
        for i, p in enumerate(result["points"]):
            x, y = px(p["speed"][workload]["rps"]), py(p["mean_apgr"])
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{colors[i % len(colors)]}"/>')
            parts.append(f'<text x="{x + 8:.1f}" y="{y + 4:.1f}">{i + 1}</text>')
        for p in result["peers"]:
            if p["mean_apgr"] is not None:
                parts.append(f'<circle cx="{px(p["speed"][workload]["rps"]):.1f}" cy="{py(p["mean_apgr"]):.1f}" r="7" fill="none" stroke="black" stroke-width="2"/>')
    # The legend: one line per point, two columns, under the panels.
    entries = [(colors[i % len(colors)], f"{i + 1}. {p['name']}", False) for i, p in enumerate(result["points"])]
    entries.append(("black", "llama-server on the same model (peer)", True))
    for k, (color, label, hollow) in enumerate(entries):
        x, y = 20 + (k % 2) * (width // 2), height - legend_height + 14 + (k // 2) * 16
        fill = 'fill="none" stroke="black" stroke-width="2"' if hollow else f'fill="{color}"'
        parts.append(f'<circle cx="{x}" cy="{y - 4}" r="5" {fill}/>')
        parts.append(f'<text x="{x + 10}" y="{y}">{escape(label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_docs(result, table):
    with open(DOCS_SVG, "w") as f:
        f.write(svg(result))
    text = [
        "# Frontier: quality against speed",
        "",
        "Written by `Benchmarks/frontier.py` (`make frontier`); do not edit by hand. Every router configuration tried",
        f"is a point: mean APGR over {', '.join(SET_TITLES[s] for s in DATA)} (MMLU: a 500-row test sample)",
        "(`causal-router eval`), and the requests per second `serve` answers on each workload; llama-server on",
        "the same model and rendered prompts is the peer, its quality the same model's zero-shot APGR with the",
        "same template. How each point was made, and what the figures mean, below the table.",
        "",
        f"Run: `{result['command']}` on {result['date']}; {result['machine']}.",
        "",
        table,
        "",
        "A, M, G, U: data/arena_hard/gpt4_0613_vs_gpt35_turbo.jsonl, data/routellm/mt_bench.jsonl,",
        "data/routellm/gsm8k.jsonl, data/routellm/mmlu.jsonl.",
        "",
        f"In domain / out of domain: every head was trained on {TRAINED_ON}, so its GSM8K, MMLU and",
        "Arena-Hard figures are in domain (test splits of its training distributions) and AlpacaEval is out",
        "of domain; zero-shot rows are out of domain everywhere.",
        "",
        "![frontier](frontier.svg)",
        "",
        "## The points",
        "",
    ]
    for i, p in enumerate(result["points"], 1):
        head = f" (`{p['head']}`)" if p["head"] else ""
        text.append(f"{i}. **{p['name']}**{head}: {p['made']}.")
    text.append("")
    kept = ""
    if os.path.isfile(DOCS_MD):
        with open(DOCS_MD) as f:
            old = f.read()
        if ANALYSIS in old:
            kept = old[old.index(ANALYSIS):]
    with open(DOCS_MD, "w") as f:
        f.write("\n".join(text) + ("\n" + kept if kept else ""))
    log(f"wrote {DOCS_MD} and {DOCS_SVG}")


if __name__ == "__main__":
    main()
