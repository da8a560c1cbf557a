#!/usr/bin/env python3
"""causal-router against its peer, side by side in one run on one machine (`make bench`).

The peer is llama.cpp's own llama-server, built from the same pinned source
(vendor/build-peer-tools.sh), asked for the next-token distribution of the same rendered
prompt (`causal-router render --jsonl`): /completion with n_predict 1, n_probs 20,
cache_prompt true, --parallel equal to the router's. The physical limit is llama-bench's
prompt-processing rate for the same model and threads.

Cases, each reported with the router/peer ratio:
  cold start   process start to the first verdict: first start (no template prefix saved
               in .cache/prefix-states) and restart (the same command again)
  sidecar c=K  the workload's queries from K closed-loop clients (K = 1, 4, 16), runs
               alternating router, peer, router, peer so drift hits both
  invariance   the router's default batch-invariant scoring against the same router with
               --continuous-batching, in the same alternating runs: the throughput cost of
               bit-identical verdicts (docs/reproducibility.md); --no-continuous skips it
  deadline     the largest K again with a deadline (default 2,000 ms): the share of requests
               an application gets no scored verdict for in time (the router's fallbacks,
               and answers of either side that came after the deadline)
  label        `causal-router label` over the workload's rows vs the peer doing the same rows
               at its best sidecar concurrency
  memory       peak RSS (VmHWM) of both servers after the sidecar runs

Workloads (--workload, reported separately, each in its own section of docs/benchmarks.md):
gsm8k (GSM8K test questions, ~70 tokens) and arena (the 498 Arena-Hard prompts, real chat
requests of a few hundred tokens), from the repository's data/.

--peer-model NAME|PATH: llama-server serves that model for the ratios instead of --model's (a
router model cut to fewer blocks against the model a user would otherwise run, `make
bench-student`); a third server, llama-server on --model's own file, then runs in the same
alternating sidecar rounds (router, peer, own-file peer, ...) beside them, its req/s and the
router's ratio against it in extra columns. Each llama-server gets the prompts rendered for its
own model. The deadline and label cases compare against the --peer-model server only.

Prints a table (or --json) and writes docs/benchmarks.md (unless --no-docs). Run it with the
machine otherwise idle: both sides share its cores.
"""
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import loadgen
from benchlib import cli, metrics
from benchlib.data import rows as data_rows
from benchlib.paths import ARENA_HARD, GSM8K, LLAMA_BENCH, LLAMA_SERVER as SERVER, ROOT, ROUTER, model_path as catalog_path
from benchlib.process import Server, ServerError, kib_to_mib, proc_status, request
from benchlib.stats import latency_percentiles_ms

# The router's default context (ScoringEngineSettings.defaultContextLength): tokens per prompt,
# template included; both sides get the prompts rendered (and truncated) for it.
DEFAULT_CTX = 384
# name -> (title, data file, split the sidecar runs use)
WORKLOADS = {
    "gsm8k": ("GSM8K test queries", GSM8K, "test"),
    "arena": ("Arena-Hard prompts", ARENA_HARD, "all"),
}
DOCS = os.path.join(ROOT, "docs", "benchmarks.md")


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def fail(message):
    print(f"bench: error: {message}", file=sys.stderr)
    sys.exit(1)


def model_path(name):
    return catalog_path(name) or fail(f"unknown model '{name}' (not in models/catalog.tsv, not a file)")


def model_file(name):
    """model_path, and the file made when it is a derived catalog model not made yet (the router
    writes one on first use); llama-server and llama-bench need the file itself."""
    path = model_path(name)
    if not os.path.isfile(path):
        log(f"making {name} ({os.path.basename(path)})")
        out = subprocess.run([ROUTER, "route", "--model", name, "--no-head", "x"], capture_output=True, text=True)
        if out.returncode != 0 or not os.path.isfile(path):
            fail(f"cannot make {name}: {out.stderr.strip()[-1000:]}")
    return path


# The third server's name when --peer-model differs from --model: llama-server on --model's file.
OWN = "llama-server (own file)"


def workload_rows(workload, split):
    return data_rows(WORKLOADS[workload][1], split)


def render(queries, model, ctx):
    text = "".join(json.dumps({"query": q}) + "\n" for q in queries)
    out = subprocess.run([ROUTER, "render", "--jsonl", "--model", model, "--ctx", str(ctx)], input=text,
                         capture_output=True, text=True)
    if out.returncode != 0:
        fail(f"render failed: {out.stderr.strip()}")
    return [json.loads(line) for line in out.stdout.splitlines()]


class Side(Server):
    """One server process: the router or the peer (its log in a file, kept when it fails)."""

    def __init__(self, name, command, port, kind, probe_body, probe_path):
        super().__init__(name, command, cwd=None, log_prefix=f"bench-{name}")
        self.port, self.kind = port, kind
        self.probe_body, self.probe_path = probe_body, probe_path

    def answers_probe(self):
        status, data = request(self.port, "POST", self.probe_path, self.probe_body, timeout=60)
        return status == 200 and not (self.kind == "router" and json.loads(data).get("fallback"))

    def start(self):
        """Starts the process; returns seconds to the first good answer (cold start)."""
        start = time.perf_counter()
        super().start()
        try:
            self.wait_until(self.answers_probe, 300, interval=0.01)
        except ServerError as error:
            fail(str(error))
        return time.perf_counter() - start

    def check_alive(self):
        if not self.running():
            fail(f"{self.name} exited with status {self.process.returncode}: {self.log_tail(3000)}")

    def metric(self, name):
        """A metric of this server's GET /metrics, summed over its labels; None without an answer."""
        status, text = request(self.port, "GET", "/metrics")
        return metrics.total(metrics.parse(text.decode()), name) if status == 200 else None

    def tokens(self):
        """Prompt tokens this server has processed so far (from its /metrics)."""
        return self.metric("causal_router_tokens_processed_total" if self.kind == "router" else "llamacpp:prompt_tokens_total")

    def decode_seconds(self):
        return self.metric("causal_router_decode_seconds_total") if self.kind == "router" else None


def pooled(runs):
    latencies = [x for r in runs for x in r["latencies"]]
    seconds = sum(r["seconds"] for r in runs)
    return {
        "requests": len(latencies), "errors": sum(r["errors"] for r in runs),
        "fallbacks": sum(r["fallbacks"] for r in runs), "seconds": round(seconds, 3),
        "rps": round(len(latencies) / seconds, 3) if seconds else 0.0,
        **latency_percentiles_ms(latencies),
        "runs_rps": [r["rps"] for r in runs],
    }


def llama_bench(model, threads, prompt_sizes):
    out = subprocess.run([LLAMA_BENCH, "-m", model, "-t", str(threads), "-p", ",".join(map(str, prompt_sizes)), "-n", "0",
                          "-o", "json"], capture_output=True, text=True)
    if out.returncode != 0:
        fail(f"llama-bench failed: {out.stderr.strip()[-1000:]}")
    return {entry["n_prompt"]: entry["avg_ts"] for entry in json.loads(out.stdout)}


def ratio(a, b):
    return round(a / b, 3) if a and b else None


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("--model", default="smollm2-135m-iq4_nl", help="catalog name or GGUF path (default: smollm2-135m-iq4_nl)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for both sides (default: all cores)")
    parser.add_argument("--parallel", type=int, default=8, help="router --parallel and llama-server -np (default: 8)")
    parser.add_argument("--ctx", type=int, default=DEFAULT_CTX, help=f"tokens per request (default: {DEFAULT_CTX}, the router's)")
    parser.add_argument("--concurrency", default="1,4,16", help="client counts (default: 1,4,16)")
    parser.add_argument("--requests", type=int, default=32, help="requests per run at c=1; 2x that at higher c (default: 32)")
    parser.add_argument("--rounds", type=int, default=2, help="A/B rounds per concurrency (default: 2: A B A B)")
    parser.add_argument("--label-rows", type=int, default=0, help="rows of the workload to label (default: 0 = all)")
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="gsm8k",
                        help="gsm8k (short exam questions, default) or arena (real chat prompts)")
    parser.add_argument("--deadline-ms", type=int, default=2000,
                        help="the deadline case's deadline (default: 2000; 0 skips the case)")
    parser.add_argument("--head", help="also pass --head FILE to the router (sidecar and label)")
    parser.add_argument("--peer-model", help="catalog name or GGUF path llama-server serves for the ratios (default: --model's);"
                        " when it differs, llama-server on --model's own file runs beside it as a third server")
    parser.add_argument("--no-continuous", action="store_true",
                        help="skip the --continuous-batching router (the invariant path's cost)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of the table")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--port", type=int, default=18431, help="router port; the peer uses the next, the continuous router +2, the own-file peer +3 (default: 18431)")
    args = parser.parse_args()

    for tool in (ROUTER, SERVER, LLAMA_BENCH):
        if not os.access(tool, os.X_OK):
            fail(f"{tool} is missing: run `make bench` (it builds everything first)")
    data = WORKLOADS[args.workload][1]
    if not os.path.isfile(data):
        fail(f"{data} is missing")
    gguf = model_file(args.model)
    peer_model = args.peer_model or args.model
    peer_gguf = model_file(peer_model)
    # A third server only when llama-server would otherwise serve another file than the router's.
    own_file = os.path.realpath(peer_gguf) != os.path.realpath(gguf)
    levels = [int(c) for c in args.concurrency.split(",")]
    results = {"machine": machine(), "model": args.model, "threads": args.threads, "parallel": args.parallel,
               "ctx": args.ctx, "head": args.head, "workload": args.workload, "command": " ".join(["python3", "Benchmarks/bench.py"] + sys.argv[1:]),
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}

    test = workload_rows(args.workload, WORKLOADS[args.workload][2])
    queries = [row["prompt"] for row in test]
    rendered = render(queries, args.model, args.ctx)
    router_rows = [{"query": q} for q in queries]
    # Each llama-server gets the prompts rendered for its own model (what it needs to produce the
    # same label distribution); the own-file peer the router's rendering.
    own_rows = [{"prompt": r["prompt"]} for r in rendered]
    peer_rendered = render(queries, peer_model, args.ctx) if own_file else rendered
    peer_rows = [{"prompt": r["prompt"]} for r in peer_rendered]
    per_request = statistics.mean(r["query_tokens"] + r["suffix_tokens"] for r in rendered)
    results["tokens_per_request"] = round(per_request, 1)
    results["prefix_tokens"] = rendered[0]["prefix_tokens"]
    if own_file:
        peer_per_request = statistics.mean(r["query_tokens"] + r["suffix_tokens"] for r in peer_rendered)
        results.update({"peer_model": peer_model, "peer_file": os.path.basename(peer_gguf),
                        "own_file": os.path.basename(gguf), "peer_tokens_per_request": round(peer_per_request, 1),
                        "peer_prefix_tokens": peer_rendered[0]["prefix_tokens"],
                        "peer_prompts_identical": [r["prompt"] for r in peer_rendered] == [r["prompt"] for r in rendered]})

    log(f"llama-bench: prompt processing of {round(per_request)} and 512 tokens, {args.threads} threads")
    pp = llama_bench(gguf, args.threads, [round(per_request), 512])
    limit_rate = pp[round(per_request)]
    results["llama_bench_tokens_per_s"] = {str(k): round(v, 1) for k, v in pp.items()}
    results["raw_decode_ms"] = round(per_request / limit_rate * 1000, 1)
    results["limit_rps"] = round(limit_rate / per_request, 3)
    if own_file:
        log(f"llama-bench: {os.path.basename(peer_gguf)}, prompt processing of {round(peer_per_request)} and 512 tokens")
        peer_pp = llama_bench(peer_gguf, args.threads, [round(peer_per_request), 512])
        results["peer_llama_bench_tokens_per_s"] = {str(k): round(v, 1) for k, v in peer_pp.items()}
        results["peer_limit_rps"] = round(peer_pp[round(peer_per_request)] / peer_per_request, 3)

    # --verdict-cache 0: every round re-sends the same queries; the verdict cache would answer the
    # repeats without decoding, and the ratio is about scoring unique queries.
    router_cmd = [ROUTER, "serve", "--model", args.model, "--port", str(args.port), "--parallel", str(args.parallel),
                  "--ctx", str(args.ctx), "--threads", str(args.threads), "--timeout-ms", "600000", "--verdict-cache", "0"]
    if args.head:
        router_cmd += ["--head", args.head]

    def llama_cmd(path, port):
        return [SERVER, "-m", path, "--port", str(port), "--host", "127.0.0.1", "-t", str(args.threads),
                "-np", str(args.parallel), "-c", str(args.parallel * args.ctx), "-b", "512", "-ub", "512",
                "--no-webui", "--metrics"]

    router = Side("router", router_cmd, args.port, "router", {"query": queries[0], "timeout_ms": 600000}, "/v1/route")
    router.rows = router_rows
    peer = Side("llama-server", llama_cmd(peer_gguf, args.port + 1), args.port + 1, "llama",
                loadgen.body_for("llama", peer_rows[0]), "/completion")
    peer.rows = peer_rows
    sides = (router, peer)
    if own_file:
        own = Side(OWN, llama_cmd(gguf, args.port + 3), args.port + 3, "llama", loadgen.body_for("llama", own_rows[0]),
                   "/completion")
        own.rows = own_rows
        sides += (own,)
    if not args.no_continuous:
        continuous = Side("router-continuous", router_cmd[:4] + ["--port", str(args.port + 2)] + router_cmd[6:]
                          + ["--continuous-batching"], args.port + 2, "router",
                          {"query": queries[0], "timeout_ms": 600000}, "/v1/route")
        continuous.rows = router_rows
        sides += (continuous,)
    try:
        # First start: no template prefix saved from an earlier run (the router then decodes it
        # and saves it in .cache/prefix-states); restart: the same command again, as after a
        # crash or an upgrade on the same machine (the router restores the saved prefix).
        shutil.rmtree(os.path.join(ROOT, ".cache", "prefix-states"), ignore_errors=True)
        cold, restart = {}, {}
        for side in sides:
            log(f"starting {side.name}")
            cold[side.name] = side.start()
        results["cold_start_s"] = {k: round(v, 3) for k, v in cold.items()}
        for side in sides:
            log(f"restarting {side.name}")
            side.stop()
            restart[side.name] = side.start()
        results["restart_s"] = {k: round(v, 3) for k, v in restart.items()}

        def rows_for(side, offset):
            return side.rows[offset:] + side.rows[:offset]

        results["sidecar"] = []
        # Every run gets its own slice of the workload (both sides the same slice in a round):
        # repeating a query would let llama-server's per-slot prompt cache answer it from the
        # previous round's KV, a cache the router side runs without (--verdict-cache 0).
        run_index = 0
        for c in levels:
            n = args.requests if c == 1 else 2 * args.requests
            runs = {side.name: [] for side in sides}
            tokens = {side.name: 0.0 for side in sides}
            decode = 0.0
            for round_index in range(args.rounds):
                offset = (run_index * n) % len(router_rows)
                run_index += 1
                for side in sides:
                    log(f"c={c} round {round_index + 1}/{args.rounds}: {side.name}, {n} requests")
                    before, seconds_before = side.tokens(), side.decode_seconds()
                    runs[side.name].append(loadgen.run(f"http://127.0.0.1:{side.port}{side.probe_path}", rows_for(side, offset), n, c,
                                                       side.kind, keep_latencies=True))
                    side.check_alive()
                    tokens[side.name] += side.tokens() - before
                    if side.name == "router":
                        decode += side.decode_seconds() - seconds_before
            case = {"concurrency": c}
            for side in sides:
                summary = pooled(runs[side.name])
                summary["tokens_per_s"] = round(tokens[side.name] / summary["seconds"], 1)
                summary["tokens_per_request"] = round(tokens[side.name] / max(1, summary["requests"]), 1)
                case[side.name] = summary
            case["router"]["decode_ms_per_request"] = round(decode * 1000 / max(1, case["router"]["requests"]), 1)
            case["ratio"] = {
                "rps": ratio(case["router"]["rps"], case["llama-server"]["rps"]),
                "p50": ratio(case["router"]["p50_ms"], case["llama-server"]["p50_ms"]),
                "p95": ratio(case["router"]["p95_ms"], case["llama-server"]["p95_ms"]),
                "p99": ratio(case["router"]["p99_ms"], case["llama-server"]["p99_ms"]),
            }
            if "router-continuous" in case:
                case["ratio"]["invariant_rps"] = ratio(case["router"]["rps"], case["router-continuous"]["rps"])
            if OWN in case:
                case["ratio_own_file"] = {key: ratio(case["router"][field], case[OWN][field])
                                          for key, field in (("rps", "rps"), ("p50", "p50_ms"), ("p95", "p95_ms"), ("p99", "p99_ms"))}
            results["sidecar"].append(case)
        if args.deadline_ms:
            c, n = max(levels), 2 * args.requests
            results["deadline"] = {"deadline_ms": args.deadline_ms, "concurrency": c}
            offset = (run_index * n) % len(router_rows)
            for side in (router, peer):
                log(f"deadline {args.deadline_ms} ms, c={c}: {side.name}, {n} requests")
                run = loadgen.run(f"http://127.0.0.1:{side.port}{side.probe_path}", rows_for(side, offset), n, c, side.kind,
                                  deadline_ms=args.deadline_ms)
                missed = run["fallbacks"] + run["late"] + run["errors"]
                results["deadline"][side.name] = {
                    "requests": run["requests"] + run["errors"], "fallbacks": run["fallbacks"], "late": run["late"],
                    "errors": run["errors"], "fail_open_share": round(missed / max(1, run["requests"] + run["errors"]), 3),
                    "rps": run["rps"], "p50_ms": run["p50_ms"], "p99_ms": run["p99_ms"],
                }
        for side in sides:
            side.check_alive()
        results["peak_rss_mib"] = {side.name: round(kib_to_mib(proc_status(side.pid)["VmHWM"]), 1) for side in sides}
        results["model_mib"] = round(os.path.getsize(gguf) / 2**20, 1)
        if own_file:
            results["peer_model_mib"] = round(os.path.getsize(peer_gguf) / 2**20, 1)
        best = max(results["sidecar"], key=lambda case: case["llama-server"]["rps"])["concurrency"]
        for side in sides:
            if side is not peer:  # the label case runs the router's label command against the peer alone
                side.stop()

        rows = workload_rows(args.workload, "all")
        if args.label_rows:
            rows = rows[:args.label_rows]
        with tempfile.TemporaryDirectory() as folder:
            log_path = os.path.join(folder, "log.jsonl")
            with open(log_path, "w") as f:
                for row in rows:
                    f.write(json.dumps({"id": row["id"], "prompt": row["prompt"]}) + "\n")
            log(f"label: causal-router label over {len(rows)} {args.workload} rows")
            command = [ROUTER, "label", "--input", log_path, "--output", os.path.join(folder, "out.jsonl"), "--model",
                       args.model, "--threads", str(args.threads), "--ctx", str(args.ctx)]
            if args.head:
                command += ["--head", args.head]
            start = time.perf_counter()
            out = subprocess.run(command, capture_output=True, text=True)
            label_seconds = time.perf_counter() - start
            if out.returncode != 0:
                fail(f"label failed: {out.stderr.strip()[-1000:]}")
            log(f"label: llama-server over the same {len(rows)} rows at concurrency {best}")
            label_prompts = [{"prompt": r["prompt"]} for r in render([row["prompt"] for row in rows], peer_model, args.ctx)]
            peer_label = loadgen.run(f"http://127.0.0.1:{peer.port}/completion", label_prompts, len(label_prompts), best, "llama")
        results["label"] = {
            "rows": len(rows),
            "router": {"seconds": round(label_seconds, 1), "rows_per_s": round(len(rows) / label_seconds, 3)},
            "llama-server": {"seconds": peer_label["seconds"], "rows_per_s": peer_label["rps"], "concurrency": best,
                             "errors": peer_label["errors"]},
        }
        results["label"]["ratio"] = ratio(results["label"]["router"]["rows_per_s"], peer_label["rps"])
    finally:
        for side in sides:
            side.stop()

    with open(os.path.join(tempfile.gettempdir(), "causal-router-bench.json"), "w") as f:
        json.dump(results, f, indent=2)  # kept even if printing fails
    table = render_table(results)
    print(json.dumps(results, indent=2) if args.json else table)
    if not args.no_docs:
        write_docs(results, table)


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, {platform.system()} {platform.release()}"


def number(value, spec):
    """`value` formatted, or n/a when a side produced no figure."""
    return format(value, spec) if isinstance(value, (int, float)) else format("n/a", spec.rstrip("f").split(".")[0] or ">")


def render_table(r):
    # With --peer-model (r["own_file"]): the peer's column is llama-server on r["peer_file"] (the
    # ratios), and two more columns at the right: llama-server on the router's own file and the
    # router's ratio against it. Without it the table is the two-server one.
    own = "own_file" in r
    wb = max(26, len(r["peer_file"]) + 2) if own else 26
    wc = max(26, len(OWN) + 2, len(r["own_file"]) + 2) if own else 0

    def beside(value, spec, q=None, ratio_column=True):
        """The own-file peer's cell (`spec` without its width) and the router's ratio against it."""
        if not own:
            return ""
        return number(value, f">{wc}{spec}") + (number(q, ">10.2f") if ratio_column else "")

    lines = [
        f"causal-router vs llama-server: {r['model']}, {r['threads']} threads, parallel {r['parallel']}, ctx {r['ctx']}"
        + (f", head {r['head']}" if r["head"] else ""),
    ]
    if own:
        lines.append(f"peers: llama-server on {r['peer_file']} (--peer-model {r['peer_model']}: the ratios) and {OWN} on"
                     f" {r['own_file']} (the router's model, ratio at the right)")
    lines += [
        f"machine: {r['machine']}",
        f"{WORKLOADS[r.get('workload', 'gsm8k')][0]}{', ' + r['own_file'] if own else ''}: {r['tokens_per_request']} tokens each"
        f" after a shared prefix of {r['prefix_tokens']};"
        f" llama-bench pp {r['llama_bench_tokens_per_s']} tok/s -> raw decode {r['raw_decode_ms']} ms/query,"
        f" limit {r['limit_rps']} req/s",
    ]
    if own:
        lines.append(f"  {r['peer_file']}: {r['peer_tokens_per_request']} tokens each after a shared prefix of {r['peer_prefix_tokens']}"
                     f" (prompts {'identical to' if r['peer_prompts_identical'] else 'not the same as'} the router's);"
                     f" llama-bench pp {r['peer_llama_bench_tokens_per_s']} tok/s -> limit {r['peer_limit_rps']} req/s")
    lines += [
        "",
        f"{'case':<14}{'router':>26}{'llama-server':>{wb}}{'ratio':>10}" + (f"{OWN:>{wc}}{'ratio':>10}" if own else ""),
    ]
    if own:
        lines.append(f"{'':<14}{'':>26}{r['peer_file']:>{wb}}{'':>10}{r['own_file']:>{wc}}")
    cold = r["cold_start_s"]
    lines.append(f"{'cold start':<14}{cold['router']:>25.3f}s{cold['llama-server']:>{wb - 1}.3f}s{cold['router'] / cold['llama-server']:>10.2f}"
                 + (f"{cold[OWN]:>{wc - 1}.3f}s{cold['router'] / cold[OWN]:>10.2f}" if own else ""))
    if "restart_s" in r:
        again = r["restart_s"]
        lines.append(f"{'  restart':<14}{again['router']:>25.3f}s{again['llama-server']:>{wb - 1}.3f}s"
                     f"{again['router'] / again['llama-server']:>10.2f}"
                     + (f"{again[OWN]:>{wc - 1}.3f}s{again['router'] / again[OWN]:>10.2f}" if own else ""))
    for case in r["sidecar"]:
        a, b, q = case["router"], case["llama-server"], case["ratio"]
        c, qc = case.get(OWN, {}), case.get("ratio_own_file", {})
        name = f"c={case['concurrency']}"
        lines.append(f"{name + ' req/s':<14}{a['rps']:>26.2f}{b['rps']:>{wb}.2f}{number(q['rps'], '>10.2f')}"
                     + beside(c.get("rps"), ".2f", qc.get("rps")))
        for p in ("p50", "p95", "p99"):
            lines.append(f"{'  ' + p + ' ms':<14}{a[p + '_ms']:>26.1f}{b[p + '_ms']:>{wb}.1f}{number(q[p], '>10.2f')}"
                         + beside(c.get(p + "_ms"), ".1f", qc.get(p)))
        lines.append(f"{'  tokens/s':<14}{a['tokens_per_s']:>26.1f}{b['tokens_per_s']:>{wb}.1f}"
                     f"{(a['tokens_per_s'] / b['tokens_per_s'] if b['tokens_per_s'] else 0):>10.2f}"
                     + beside(c.get("tokens_per_s"), ".1f", ratio(a["tokens_per_s"], c.get("tokens_per_s"))))
        lines.append(f"{'  tok/request':<14}{a['tokens_per_request']:>26.1f}{b['tokens_per_request']:>{wb}.1f}"
                     + (f"{'':>10}" + beside(c.get("tokens_per_request"), ".1f", ratio_column=False) if own else ""))
        lines.append(f"{'  decode ms/rq':<14}{a['decode_ms_per_request']:>26.1f}")
        if "router-continuous" in case:
            c = case["router-continuous"]
            lines.append(f"{'  invariant':<14}  router (batch-invariant, default) / --continuous-batching:"
                         f" {a['rps']:.2f} / {c['rps']:.2f} req/s = {number(q['invariant_rps'], '.3f')}")
    if r.get("deadline"):
        d = r["deadline"]
        a, b = d["router"], d["llama-server"]
        lines.append(f"{'fail-open':<14}{a['fail_open_share']:>26.3f}{b['fail_open_share']:>{wb}.3f}"
                     f"   share without a scored verdict in {d['deadline_ms']} ms at c={d['concurrency']}")
        lines.append(f"{'  req/s':<14}{a['rps']:>26.2f}{b['rps']:>{wb}.2f}   (router: fallbacks {a['fallbacks']},"
                     f" late {a['late']}; llama-server: late {b['late']}, errors {b['errors']})")
        lines.append(f"{'  p50 / p99 ms':<14}{str(a['p50_ms']) + ' / ' + str(a['p99_ms']):>26}"
                     f"{str(b['p50_ms']) + ' / ' + str(b['p99_ms']):>{wb}}")
    rss = r["peak_rss_mib"]
    lines.append(f"{'peak RSS MiB':<14}{rss['router']:>26.1f}{rss['llama-server']:>{wb}.1f}{rss['router'] / rss['llama-server']:>10.2f}"
                 + beside(rss.get(OWN), ".1f", ratio(rss["router"], rss.get(OWN))))
    label = r["label"]
    lines.append(f"{'label rows/s':<14}{label['router']['rows_per_s']:>26.2f}{label['llama-server']['rows_per_s']:>{wb}.2f}"
                 f"{number(label['ratio'], '>10.2f')}")
    lines.append(f"  label: {label['rows']} rows; router {label['router']['seconds']} s, llama-server {label['llama-server']['seconds']} s"
                 f" at concurrency {label['llama-server']['concurrency']}")
    one = next((c for c in r["sidecar"] if c["concurrency"] == 1), None)
    if one:
        lines.append(f"  sidecar p50 at c=1 / raw decode of the query's own tokens: {one['router']['p50_ms'] / r['raw_decode_ms']:.2f}"
                     " (target <= 1.2)")
    if own:
        lines.append(f"  fail-open and label: against llama-server on {r['peer_file']} only")
    return "\n".join(lines)


ARENA_MARKER = "<!-- workload:arena -->"
PROXY_MARKER = "<!-- proxy-overhead -->"


def write_docs(r, table):
    """docs/benchmarks.md holds one section per workload (GSM8K first, Arena-Hard after its
    marker) and the proxy's section (Benchmarks/proxy_overhead.py, after its marker): a run
    rewrites its own workload's section and keeps the others."""
    name = WORKLOADS[r["workload"]][0]
    heading = "# Benchmarks: causal-router against llama-server" if r["workload"] == "gsm8k" else f"## {name}"
    # --peer-model (a router model against another model's llama-server): one more paragraph.
    peers = "" if "own_file" not in r else f"""
In this run the servers do not all share one model: the router's is `{r['model']}`
({r['own_file']}), and the ratios compare it with llama-server serving another model: `--peer-model {r['peer_model']}` ({r['peer_file']}), the
model a user would otherwise run for this quality (`make bench-student`: a router model cut to
fewer blocks with a learned head). A third server, llama-server on the router's own file
{r['own_file']}, runs in the same alternating rounds (router, peer, own-file peer), and its
figures and the router's ratio against it are the columns at the right. Each llama-server gets
the prompts rendered for its own model. The fail-open and label cases compare against the
`--peer-model` llama-server only.
"""
    text = f"""{heading}

Latest `make bench` run on {name} ({r['date']}), written by `Benchmarks/bench.py`
(`make bench` runs both workloads: GSM8K test questions first, then the Arena-Hard prompts
in their own section below). Command:

    {r['command']}

Both servers run on the same machine, model, threads and queries: causal-router's sidecar
(`serve --verdict-cache 0`, `POST /v1/route`: rounds repeat the queries, each is scored every
time) and llama.cpp's `llama-server` built from the same pinned source
(`vendor/build-peer-tools.sh`), asked for the next-token distribution of the same rendered
prompt (`/completion`, `n_predict` 1, `n_probs` 20, `cache_prompt` true, `-np` = the router's
`--parallel`). Sidecar runs alternate router, peer, router, peer per concurrency so that drift
hits both; figures pool the rounds. Ratios are router / peer (above 1 is better for req/s and
rows/s, below 1 is better for latency, memory and cold start). `fail-open` is the share of
requests at the highest concurrency that got no scored verdict within the deadline (the
router's fallbacks; for both sides, answers that came later). The physical limit is
llama-bench's prompt-processing rate for the model and threads. What the figures mean and
where the time goes: `docs/measurements.md` (hand-written).
{peers}
```
{table}
```

Raw results (JSON):

```json
{json.dumps(r, indent=2)}
```
"""
    old = ""
    if os.path.exists(DOCS):
        with open(DOCS) as f:
            old = f.read()
    # The file's three parts: GSM8K's, Arena-Hard's (from its marker), the proxy's (from its).
    proxy_at = old.find(PROXY_MARKER) if PROXY_MARKER in old else len(old)
    arena_at = old.find(ARENA_MARKER, 0, proxy_at) if ARENA_MARKER in old[:proxy_at] else proxy_at
    first, arena, proxy = old[:arena_at], old[arena_at:proxy_at], old[proxy_at:]
    if r["workload"] == "gsm8k":
        first = text
    else:
        arena = ARENA_MARKER + "\n\n" + text
    parts = [first.rstrip("\n")] + [part.rstrip("\n") for part in (arena, proxy) if part]
    with open(DOCS, "w") as f:
        f.write("\n\n".join(parts) + "\n")
    log(f"wrote {DOCS} ({name} section)")


if __name__ == "__main__":
    main()
