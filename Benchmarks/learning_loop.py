#!/usr/bin/env python3
"""The learning loop on real local components, measured (docs/learning.md, `make learning-loop`).

Four parts, each optional (--parts):

  loop   record -> judge -> train -> eval -> SIGHUP -> more traffic, end to end: two llama-server
         upstreams from the catalog (weak: SmolLM2-135M; strong: --strong, Qwen2.5-Coder by
         default), `causal-router serve --record --record-answers --shadow-rate 1` in front of
         them, real prompts from data/ as traffic (Arena-Hard, GSM8K with its reference answer in
         the request's `metadata`, MMLU), `causal-router judge` with the strong upstream as judge,
         `train --split time` on the judged rows, `eval --split time` of the new head against the
         shipped one, the new head swapped in with SIGHUP, and more traffic routed by it.
  agree  how often an LLM judge agrees with exact grading: GSM8K test questions with GPT-4's and
         Mixtral's real answers (../shared/data/routellm/gsm8k_pairs.jsonl or data/routellm/,
         RouteLLM's correctness grades), turned into records and judged by `judge` with the
         --judge model (both orders), and by `judge --reference` (the exact grader itself).
  curve  the learning curve: the same pairs replayed as recorded traffic whose answers are known
         (time order: gsm8k.jsonl's train rows first, its test rows last, so its split is kept),
         judged by `judge --reference metadata.reference`; a head trained on the oldest 100, 250,
         500 and 1,000 judged rows is evaluated on the newest 20% beside the shipped head, both
         length rules, random and the oracle.
  pair   the learning curve on labels the shipped head never saw: a user's own model pair
         (--pair-weak, --pair-strong; Qwen2.5-Coder 0.5B and 1.5B by default) answering
         data/short_answers/questions.jsonl through `serve --record --record-answers
         --shadow-rate 1` (both answer each question, in the order sent, unless a shadow is
         skipped at --shadow-max-inflight), graded by
         `judge --reference metadata.reference`; heads trained on the oldest 100, 250, 500 and
         1,000 judged rows against the shipped head on the newest 20%. Not in the default parts
         (about 45 minutes on 2 cores).

    python3 Benchmarks/learning_loop.py [--parts loop,agree,curve,pair] [--requests 40] [--agree-rows 60]
        [--strong qwen2.5-coder-0.5b] [--judge qwen2.5-coder-1.5b] [--pair-rows 1300] [--work DIR] [--write-docs]

Prints each part's figures as markdown; --write-docs puts them into docs/learning.md after the
`<!-- learning-loop -->` marker.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from benchlib.data import read_jsonl, rows as data_rows
from benchlib.paths import ARENA_HARD, GSM8K, LLAMA_SERVER, MMLU, ROOT, model_path, relative, router_binary
from benchlib.process import Server, free_port, request

DATA = os.path.join(ROOT, "data")
PAIRS = next((p for p in (os.path.join(DATA, "routellm", "gsm8k_pairs.jsonl"),
                          os.path.join(ROOT, "..", "shared", "data", "routellm", "gsm8k_pairs.jsonl")) if os.path.exists(p)), None)
SHIPPED_HEAD = os.path.join(ROOT, "models", "heads", "smollm2-135m-iq4_nl-rating.json")
CURVE_SIZES = (100, 250, 500, 1000)
SHORT_ANSWERS = os.path.join(DATA, "short_answers", "questions.jsonl")
# What the pair's user asks of both models: a short answer that exact grading can read.
PAIR_SYSTEM = "Answer with the final answer only: a number, or the letter of the right option."


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def stamp(index, start=datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)):
    """The index-th request's time: one a minute from `start` (ISO-8601 with milliseconds)."""
    return (start + datetime.timedelta(minutes=index)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def run(command, what, timeout=7200):
    """Runs a causal-router command; its stdout, or SystemExit with its stderr when it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        sys.exit(f"{what} failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    return done.stdout, done.stderr, time.perf_counter() - start


def gsm8k_splits():
    return {row["id"]: row["split"] for row in data_rows(GSM8K)}


def pair_records(pairs, splits):
    """gsm8k_pairs rows as `serve --record` records holding both answers (time order: the train
    split first, then the test split, each in id order), with the reference in `metadata`."""
    kept = [p for p in pairs if p["id"] in splits]
    kept.sort(key=lambda p: (splits[p["id"]] != "train", int(p["id"].split("-")[1])))
    return [{"id": p["id"], "time": stamp(i), "path": "/v1/chat/completions", "query": p["prompt"],
             "messages": [{"role": "user", "content": p["prompt"]}],
             "metadata": {"reference": p["reference"], "benchmark": "gsm8k"},
             "answers": {"strong": p["answers"]["strong"], "weak": p["answers"]["weak"]},
             "models": p["models"], "correct": p["correct"]} for i, p in enumerate(kept)]


def exact_label(correct):
    """data/README.md's `correct` scale: 5 weak right, 3 both wrong, 1 only the strong one right."""
    if correct["weak"]:
        return 5
    return 1 if correct["strong"] else 3


def evaluate(router, data, split, heads, cache):
    out, _, _ = run([router, "eval", "--data", data, "--split", split, "--json", "--cache", cache]
                    + [a for h in heads for a in ("--head", h)], "eval")
    return json.loads(out.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# curve


def curve_table(router, work, rows, tag, train_flags=()):
    """Heads trained on the oldest K of `rows` (time order), each against the shipped head on the
    newest 20%: markdown table lines and (K, APGRs, n) per size."""
    cut = int(len(rows) * 0.8)
    older, newest = rows[:cut], rows[cut:]
    lines = ["| judged rows | traffic head | shipped head | longer first | shorter first | random | oracle |",
             "|---|---|---|---|---|---|---|"]
    cache = os.path.join(ROOT, ".cache", "scores")
    results = []
    for size in [s for s in CURVE_SIZES if s <= len(older)]:
        data = os.path.join(work, f"{tag}-{size}.jsonl")
        write_jsonl(data, [dict(r, split="train") for r in older[:size]] + [dict(r, split="test") for r in newest])
        head = os.path.join(work, f"{tag}-head-{size}.json")
        run([router, "train", "--data", data, "--out", head, "--name", f"traffic-{size}", "--cache", cache, *train_flags],
            f"train {size}")
        report = evaluate(router, data, "test", [SHIPPED_HEAD, head], cache)
        r = report["routers"]
        model = next(k for k in r if k.endswith(f"+traffic-{size}"))
        shipped = next(k for k in r if k.endswith("+smollm2-135m-iq4_nl-rating"))
        row = [r[model]["apgr"], r[shipped]["apgr"], r["length (longer->strong)"]["apgr"],
               r["length (shorter->strong)"]["apgr"], r["random"]["apgr"], r["oracle"]["apgr"]]
        results.append((size, row, report["n"]))
        lines.append(f"| {size} | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    return lines, results


def part_curve(args, router, work):
    pairs = read_jsonl(PAIRS)
    records = pair_records(pairs, gsm8k_splits())
    records_path = os.path.join(work, "curve-records.jsonl")
    write_jsonl(records_path, records)
    judged = os.path.join(work, "curve-judged.jsonl")
    for stale in (judged, judged + ".errors.jsonl"):
        if os.path.exists(stale):
            os.unlink(stale)
    _, judge_log, seconds = run([router, "judge", "--input", records_path, "--output", judged,
                                 "--reference", "metadata.reference"], "judge --reference")
    rows = sorted(read_jsonl(judged), key=lambda r: (r["time"], r["id"]))
    by_id = {r["id"]: r for r in records}
    agree = sum(r["label"] == exact_label(by_id[r["id"]]["correct"]) for r in rows)
    newest = rows[int(len(rows) * 0.8):]
    lines = [f"Exact grading (`judge --reference metadata.reference`) of {len(rows)} replayed GSM8K records in "
             f"{seconds:.1f} s: the label equals RouteLLM's grade on {agree}/{len(rows)} rows.",
             f"Newest 20%: n={len(newest)} (the rows of gsm8k.jsonl's test split, in domain for the shipped head, "
             f"which was trained on the train split).", ""]
    table, results = curve_table(router, work, rows, "curve")
    lines += table
    return "\n".join(lines), results


# ---------------------------------------------------------------------------------------------
# upstreams


def llama_server(label, name, ctx):
    """A started llama-server on catalog model `name` and its port (not waited for)."""
    path = model_path(name)
    if path is None or not os.path.exists(path):
        sys.exit(f"model {name} is missing: make model MODEL={name}")
    port = free_port()
    server = Server(label, [LLAMA_SERVER, "-m", path, "--port", str(port), "--host", "127.0.0.1",
                            "-c", str(ctx), "-np", "1", "-t", "2", "--no-webui"])
    return server.start(), port


class Upstreams:
    """Two llama-server upstreams (weak, strong) and an upstreams file naming them."""

    def __init__(self, work, weak, strong, ctx=4096):
        self.work, self.servers, self.ports = work, {}, {}
        for tier, name in (("weak", weak), ("strong", strong)):
            self.servers[tier], self.ports[tier] = llama_server(f"llama-server-{tier}", name, ctx)
        self.names = {"weak": weak, "strong": strong}
        for tier, server in self.servers.items():
            server.wait_healthy(self.ports[tier], "/health", deadline_s=300)
        self.path = os.path.join(work, "upstreams.json")
        with open(self.path, "w") as f:
            json.dump({tier: {"base_url": f"http://127.0.0.1:{self.ports[tier]}/v1", "model": self.names[tier]}
                       for tier in ("strong", "weak")} | {"timeouts": {"first_byte_ms": 600000, "total_ms": 1200000}}, f)

    def stop(self):
        for server in self.servers.values():
            server.stop()


class JudgeServer:
    """A llama-server for the judge alone, and an upstreams file whose strong tier it is."""

    def __init__(self, work, name, ctx=4096):
        self.server, port = llama_server("llama-server-judge", name, ctx)
        self.server.wait_healthy(port, "/health", deadline_s=300)
        self.path = os.path.join(work, "judge.json")
        upstream = {"base_url": f"http://127.0.0.1:{port}/v1", "model": name}
        with open(self.path, "w") as f:
            json.dump({"strong": upstream, "weak": upstream, "timeouts": {"first_byte_ms": 600000, "total_ms": 1200000}}, f)

    def stop(self):
        self.server.stop()


# ---------------------------------------------------------------------------------------------
# agree


def part_agree(args, router, work):
    pairs = read_jsonl(PAIRS)
    splits = gsm8k_splits()
    records = pair_records(pairs, splits)
    # A fixed sample (smallest SHA-256 of the id), balanced: half where exact grading says the
    # weak answer is not good enough (only the strong one right), half where it is (weak right).
    strong_only = sorted((r for r in records if r["correct"]["strong"] and not r["correct"]["weak"]), key=lambda r: sha(r["id"]))
    weak_right = sorted((r for r in records if r["correct"]["weak"]), key=lambda r: sha(r["id"]))
    half = args.agree_rows // 2
    sample = strong_only[:half] + weak_right[:args.agree_rows - half]
    path = os.path.join(work, "agree-records.jsonl")
    write_jsonl(path, sample)
    judged = os.path.join(work, "agree-judged.jsonl")
    for stale in (judged, judged + ".errors.jsonl"):
        if os.path.exists(stale):
            os.unlink(stale)
    judge = JudgeServer(work, args.judge)
    summary_path = os.path.join(work, "agree-summary.json")
    try:
        _, log, seconds = run([router, "judge", "--input", path, "--output", judged, "--judge", judge.path,
                               "--summary", summary_path, "--max-tokens", str(args.judge_max_tokens)], "judge")
    finally:
        judge.stop()
    rows = {r["id"]: r for r in read_jsonl(judged)}
    by_id = {r["id"]: r for r in sample}
    # The binary question a user routing for cost asks: is the weak answer good enough?
    agree = [(rows[i]["label"] >= 4) == by_id[i]["correct"]["weak"] for i in rows]
    on_strong_only = [rows[i]["label"] >= 4 for i in rows if not by_id[i]["correct"]["weak"]]
    on_weak_right = [rows[i]["label"] >= 4 for i in rows if by_id[i]["correct"]["weak"]]
    summary = json.load(open(summary_path)) if os.path.exists(summary_path) else {}
    n = len(rows)
    lines = [f"Judge {args.judge} on {n} GSM8K pairs (GPT-4 vs Mixtral, half of them only GPT-4 right), both orders, "
             f"{seconds:.0f} s in all ({seconds / max(1, n):.1f} s a row on {os.cpu_count()} cores):",
             "", "| | rows | judge says weak good enough (label >= 4) |", "|---|---|---|",
             f"| only the strong answer right | {len(on_strong_only)} | {sum(on_strong_only)} |",
             f"| the weak answer right | {len(on_weak_right)} | {sum(on_weak_right)} |",
             "", f"Agreement with exact grading: {sum(agree)}/{n} = {sum(agree) / max(1, n):.1%}. "
             f"Summary: {json.dumps(summary, sort_keys=True)[:600]}"]
    return "\n".join(lines), summary, seconds / max(1, n)


# ---------------------------------------------------------------------------------------------
# loop


def traffic(count, offset=0):
    """Real prompts from data/, interleaved: Arena-Hard (train rows), GSM8K (train rows, with the
    reference answer in `metadata`), MMLU (train rows)."""
    arena = data_rows(ARENA_HARD, "train")
    references = {p["id"]: p["reference"] for p in read_jsonl(PAIRS)} if PAIRS else {}
    gsm8k = data_rows(GSM8K, "train")
    mmlu = [r for r in read_jsonl(MMLU)[:4000:7] if r["split"] == "train"]
    sources = [(arena, "arena_hard"), (gsm8k, "gsm8k"), (mmlu, "mmlu")]
    out = []
    for i in range(offset, offset + count):
        rows, name = sources[i % 3]
        row = rows[(i // 3) % len(rows)]
        metadata = {"benchmark": name}
        if row["id"] in references:
            metadata["reference"] = references[row["id"]]
        out.append((row["prompt"], metadata))
    return out


def send(port, prompts, max_tokens, system=None):
    """Proxied chat requests, one after another: (prompt, metadata) pairs, after a system message
    when one is given. Returns their statuses."""
    statuses = []
    for prompt, metadata in prompts:
        messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
        status, body = request(port, "POST", "/v1/chat/completions",
                               {"model": "router", "max_tokens": max_tokens, "temperature": 0, "seed": 1, "metadata": metadata,
                                "messages": messages}, timeout=1200)
        statuses.append(status)
    return statuses


def recording_server(router, port, upstreams, record_dir, head_args=()):
    """`serve` in front of the upstreams, recording every request with both answers (shadow rate 1)."""
    return Server("causal-router-serve", [router, "serve", "--port", str(port), "--upstreams", upstreams.path, *head_args,
                                          "--record", record_dir, "--record-answers", "--shadow-rate", "1",
                                          # a loaded 2-core machine must not turn verdicts into timeout fallbacks
                                          "--timeout-ms", "120000"])


def records_in(folder):
    out = []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".jsonl"):
            out += read_jsonl(os.path.join(folder, name))
    return out


def part_loop(args, router, work, upstreams):
    record_dir = os.path.join(work, "records")
    shutil.rmtree(record_dir, ignore_errors=True)
    head = os.path.join(work, "head.json")
    shutil.copy(SHIPPED_HEAD, head)
    port = free_port()
    serve = recording_server(router, port, upstreams, record_dir, ("--head", head)).start()
    lines = []
    try:
        serve.wait_healthy(port, deadline_s=300)
        start = time.perf_counter()
        statuses = send(port, traffic(args.requests), args.max_tokens)
        serve.wait_until(lambda: len([r for r in records_in(record_dir) if len(r.get("answers") or {}) == 2]) >= args.requests, 1800, 1)
        traffic_s = time.perf_counter() - start
        judged = os.path.join(work, "loop-judged.jsonl")
        for stale in (judged, judged + ".errors.jsonl"):
            if os.path.exists(stale):
                os.unlink(stale)
        summary_path = os.path.join(work, "loop-summary.json")
        _, _, judge_s = run([router, "judge", "--input", record_dir, "--output", judged, "--judge", upstreams.path,
                             "--summary", summary_path], "judge")
        rows = read_jsonl(judged)
        traffic_head = os.path.join(work, "traffic-head.json")
        cache = os.path.join(work, "cache")
        run([router, "train", "--data", judged, "--split", "time", "--out", traffic_head, "--name", "traffic", "--cache", cache], "train")
        report = evaluate(router, judged, "time", [SHIPPED_HEAD, traffic_head], cache)
        shutil.copy(traffic_head, head)
        serve.process.send_signal(signal.SIGHUP)
        serve.wait_until(lambda: "head swapped" in serve.log_tail(20000), 60)
        more = send(port, traffic(args.requests // 4, offset=args.requests), args.max_tokens)
        serve.wait_until(lambda: sum(1 for r in records_in(record_dir) if (r.get("verdict") or {}).get("head") == "traffic")
                         >= len(more), 600, 1)
        summary = json.load(open(summary_path)) if os.path.exists(summary_path) else {}
        r = report["routers"]
        lines += [f"{args.requests} proxied requests ({args.max_tokens} tokens at most, weak {upstreams.names['weak']}, strong "
                  f"{upstreams.names['strong']}, shadow rate 1): statuses {sorted(set(statuses))}, {traffic_s:.0f} s with the "
                  f"shadow answers; {len(rows)} judged rows in {judge_s:.0f} s ({judge_s / max(1, len(rows)):.1f} s a row, judge "
                  f"{upstreams.names['strong']}); labels {summary.get('labels', '?')}.",
                  f"eval --split time (newest 20%, n={report['n']}): " + ", ".join(
                      f"{k} {v['apgr']:.3f}" for k, v in sorted(r.items()) if "apgr" in v) + ".",
                  f"SIGHUP swapped the traffic head in; {len(more)} more requests were routed by it (statuses {sorted(set(more))})."]
    finally:
        serve.stop()
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# pair


def pair_traffic(args, router, work, record_dir, questions, already):
    """Sends the questions through the proxy in front of the pair, one after another, recording
    into `record_dir` (added to the `already` records it holds); waits for one record per
    request (with both answers, unless the shadow was dropped at --shadow-max-inflight). Returns
    the statuses and the seconds it took."""
    upstreams = Upstreams(work, args.pair_weak, args.pair_strong)
    port = free_port()
    serve = recording_server(router, port, upstreams, record_dir)
    try:
        serve.start()
        serve.wait_healthy(port, deadline_s=300)
        start = time.perf_counter()
        statuses = send(port, [(q["prompt"], {"reference": q["metadata"]["reference"], "category": q["category"],
                                              "benchmark": "short_answers"}) for q in questions],
                        args.pair_max_tokens, system=PAIR_SYSTEM)
        # One record per request: written when its shadow answer is in, failed, or skipped.
        serve.wait_until(lambda: len(records_in(record_dir)) >= already + len(questions), 1800, 1)
        return statuses, time.perf_counter() - start
    finally:
        serve.stop()
        upstreams.stop()


def part_pair(args, router, work):
    """The pair answers the first --pair-rows short-answer questions through the proxy (with
    --pair-records, an earlier run's folder: only those it lacks); exact grading; the curve."""
    questions = read_jsonl(SHORT_ANSWERS)[:args.pair_rows]
    record_dir = args.pair_records or os.path.join(work, "pair-records")
    if not args.pair_records:
        shutil.rmtree(record_dir, ignore_errors=True)
    def asked(record):
        return next((m.get("content") for m in record.get("messages") or [] if m.get("role") == "user"), None)
    # Records are not written in the order sent (a skipped shadow is recorded at once), so what a
    # folder lacks is found by the questions' text, not by counting.
    existing = records_in(record_dir) if os.path.isdir(record_dir) else []
    recorded = {asked(r) for r in existing}
    missing = [q for q in questions if q["prompt"] not in recorded]
    sent = ""
    if missing:
        statuses, traffic_s = pair_traffic(args, router, work, record_dir, missing, len(existing))
        sent = (f"{len(statuses)} sent in this run: statuses {sorted(set(statuses))}, {traffic_s:.0f} s with both answers "
                f"({traffic_s / max(1, len(statuses)):.2f} s a question); ")
    asked_now = {q["prompt"] for q in questions}
    records = [r for r in records_in(record_dir) if asked(r) in asked_now]
    both = sum(1 for r in records if len(r.get("answers") or {}) == 2)
    judged = os.path.join(work, "pair-judged.jsonl")
    for stale in (judged, judged + ".errors.jsonl"):
        if os.path.exists(stale):
            os.unlink(stale)
    summary_path = os.path.join(work, "pair-summary.json")
    _, _, judge_s = run([router, "judge", "--input", record_dir, "--output", judged, "--reference", "metadata.reference",
                         "--summary", summary_path], "judge --reference")
    rows = sorted(read_jsonl(judged), key=lambda r: (r["time"], r["id"]))
    labels = {k: sum(1 for r in rows if r["label"] == k) for k in (1, 3, 5)}
    newest = rows[int(len(rows) * 0.8):]
    lines = [f"{len(records)} questions of data/short_answers/questions.jsonl sent one after another through `serve --record "
             f"--record-answers --shadow-rate 1` (weak {args.pair_weak}, strong {args.pair_strong}, both llama-server; "
             f"system message \"{PAIR_SYSTEM}\", {args.pair_max_tokens} tokens at most): {sent}{both} records hold both "
             f"answers (the others' shadow was dropped at `--shadow-max-inflight`). `judge --reference metadata.reference`: "
             f"{len(rows)} rows in {judge_s:.1f} s; labels: weak right (5) {labels[5]}, both wrong (3) {labels[3]}, "
             f"only the strong one right (1) {labels[1]}.",
             f"Newest 20%: n={len(newest)} (out of domain for the shipped head: it never saw this pair or these questions). "
             f"Traffic heads: `train --target strong_better --features {args.pair_features}` (label 3 here means both wrong).", ""]
    # Exact grading's label 3 is "both wrong": routing such a row changes nothing, so the head
    # learns whether only the strong answer is right (`--target strong_better`), not the label.
    # Blocks 5, 9 and 15 averaged over the query, the final state, logits and counts: of six
    # recipes, the best validation APGR on the oldest 1,000 rows' own held-out tenth
    # (docs/learning.md).
    table, results = curve_table(router, work, rows, "pair", ["--target", "strong_better", "--features", args.pair_features])
    lines += table
    return "\n".join(lines), results


# ---------------------------------------------------------------------------------------------


def write_docs(text):
    path = os.path.join(ROOT, "docs", "learning.md")
    marker = "<!-- learning-loop -->"
    with open(path) as f:
        doc = f.read()
    head, found, _ = doc.partition(marker)
    if not found:
        sys.exit(f"{relative(path)} has no {marker} marker")
    with open(path, "w") as f:
        f.write(head + marker + "\n" + text + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="curve,agree,loop", help="comma-separated: loop, agree, curve, pair")
    parser.add_argument("--requests", type=int, default=40, help="loop: proxied requests before the swap")
    parser.add_argument("--max-tokens", type=int, default=96, help="loop: the upstreams' answer length cap")
    parser.add_argument("--agree-rows", type=int, default=60, help="agree: GSM8K pairs judged by the LLM judge")
    parser.add_argument("--weak", default="smollm2-135m", help="loop: the weak upstream's catalog model")
    parser.add_argument("--strong", default="qwen2.5-coder-0.5b", help="loop: the strong upstream's catalog model (the loop's judge)")
    parser.add_argument("--judge", default="qwen2.5-coder-1.5b", help="agree: the judge's catalog model")
    parser.add_argument("--judge-max-tokens", type=int, default=256, help="agree: the judge's reply length cap")
    parser.add_argument("--pair-weak", default="qwen2.5-coder-0.5b", help="pair: the user's weak model (catalog name)")
    parser.add_argument("--pair-strong", default="qwen2.5-coder-1.5b", help="pair: the user's strong model (catalog name)")
    parser.add_argument("--pair-rows", type=int, default=1300, help="pair: questions sent (data/short_answers/questions.jsonl)")
    parser.add_argument("--pair-records", help="pair: an earlier run's records folder: send only the questions it lacks, then grade it all")
    parser.add_argument("--pair-features", default="b5,b9,b15,final,logits,stats", help="pair: the traffic heads' --features")
    parser.add_argument("--pair-max-tokens", type=int, default=16, help="pair: the answers' length cap")
    parser.add_argument("--router", help="the causal-router binary (default: the release build)")
    parser.add_argument("--work", help="working folder (default: a new temporary one, kept)")
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/learning.md")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    router = router_binary(args.router)
    work = args.work or tempfile.mkdtemp(prefix="learning-loop-")
    os.makedirs(work, exist_ok=True)
    if PAIRS is None:
        sys.exit("gsm8k_pairs.jsonl not found (data/routellm/ or ../shared/data/routellm/)")
    sections = [f"Measured {datetime.date.today()} on {platform.machine()}, {os.cpu_count()} cores; "
                f"`python3 Benchmarks/learning_loop.py --parts {args.parts}` (work folder {work})."]
    if "curve" in parts:
        text, _ = part_curve(args, router, work)
        sections.append("### The learning curve (GSM8K pairs replayed, exact grading)\n\n" + text)
        print(sections[-1], flush=True)
    if "agree" in parts:
        text, _, _ = part_agree(args, router, work)
        sections.append("### The judge against exact grading\n\n" + text)
        print(sections[-1], flush=True)
    if "loop" in parts:
        upstreams = Upstreams(work, args.weak, args.strong)
        try:
            sections.append("### The whole loop\n\n" + part_loop(args, router, work, upstreams))
            print(sections[-1], flush=True)
        finally:
            upstreams.stop()
    if "pair" in parts:
        text, _ = part_pair(args, router, work)
        sections.append("### The learning curve on a user's own pair (short answers, exact grading)\n\n" + text)
        print(sections[-1], flush=True)
    if args.write_docs:
        write_docs("\n\n".join(sections))


if __name__ == "__main__":
    main()
