#!/usr/bin/env python3
"""The cost effect of session affinity on MT Bench's two-turn conversations.

Starts `causal-router serve` (default model and head) and routes both turns of each of MT
Bench's 80 questions (data/routellm/mt_bench.jsonl: `turns`, per-turn judge scores in
`turn_scores`) through /v1/route at each threshold: turn 1 as its `query`, turn 2 as
`messages` (turn 1, an empty assistant answer: the data holds no answers, and turn 2).
Without affinity each turn goes where its own verdict says; with affinity both turns name one
session (`session_id`), so turn 2 stays on turn 1's model unless its strong win rate passes the
threshold by the config's session_upgrade_margin (new/pinned/upgraded counted).

Reports per threshold the strong share of the 160 turns and the mean judge score (1-10), with
each turn scored by the model that answered it. MT Bench's judges scored each model continuing
its own first answer, so a conversation that switched models in the middle is scored here as if
the second model had written turn 1 as well: the figures without affinity are optimistic for
switched conversations (the cost of a model that never saw how the other one reasoned is not in
the data). Standard library only.

    python3 Benchmarks/session_cost.py [--thresholds 0.4,0.5,0.6] [--threads 2] [--router PATH]
"""
import http.client
import json
import sys

from benchlib import cli
from benchlib.data import read_jsonl
from benchlib.paths import ROOT, relative, router_binary
from benchlib.process import Server, ServerError, free_port

MT_BENCH = f"{ROOT}/data/routellm/mt_bench.jsonl"


def main():
    parser = cli.parser(__doc__)
    parser.add_argument("--thresholds", default="",
                        help="comma-separated thresholds (default: the one in force, and 0.1 either side)")
    parser.add_argument("--threads", type=int, default=2, help="the router's scoring threads (default 2)")
    cli.add_router_option(parser)
    args = parser.parse_args()
    router = router_binary(args.router)
    rows = [row for row in read_jsonl(MT_BENCH) if len(row.get("turns", [])) == 2]

    port = free_port()
    server = Server("causal-router", [router, "serve", "--port", str(port), "--threads", str(args.threads),
                                      "--timeout-ms", "600000"]).start()
    try:
        try:
            server.wait_healthy(port, deadline_s=600)
        except ServerError as error:
            sys.exit(f"serve did not start: {error}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

        def post(path, body):
            connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            text = response.read()
            if response.status != 200:
                sys.exit(f"{path}: status {response.status}: {text[:200]!r}")
            return json.loads(text)

        connection.request("GET", "/v1/config")
        config = json.loads(connection.getresponse().read())
        threshold = config["threshold"]
        margin = config["session_upgrade_margin"]
        thresholds = ([float(t) for t in args.thresholds.split(",")] if args.thresholds
                      else [round(threshold - 0.1, 3), threshold, round(threshold + 0.1, 3)])

        results = []
        for t in thresholds:
            plain, kept, outcomes = [], [], {}
            for row in rows:
                first, second = row["turns"]
                conversation = [{"role": "user", "content": first}, {"role": "assistant", "content": ""},
                                {"role": "user", "content": second}]
                base = {"threshold": t, "timeout_ms": 600000}
                one = post("/v1/route", {**base, "query": first})
                two = post("/v1/route", {**base, "messages": conversation})
                if one["fallback"] or two["fallback"]:
                    sys.exit("a fallback verdict: raise --timeout-ms or free the machine")
                plain.append((row, one["route"], two["route"]))
                session = f"{row['id']}@{t}"
                one = post("/v1/route", {**base, "query": first, "session_id": session})
                two = post("/v1/route", {**base, "messages": conversation, "session_id": session})
                outcomes[two["session"]] = outcomes.get(two["session"], 0) + 1
                kept.append((row, one["route"], two["route"]))
            results.append((t, plain, kept, outcomes))
    finally:
        server.stop()

    def figures(routed):
        turns = [(row, turn, route) for row, first, second in routed for turn, route in ((0, first), (1, second))]
        strong = sum(route == "strong" for _, _, route in turns) / len(turns)
        score = sum(row["turn_scores"][route][turn] for row, turn, route in turns) / len(turns)
        switched = sum(first != second for _, first, second in routed)
        return strong, score, switched

    every = [(row, "strong", "strong") for row in rows]
    none = [(row, "weak", "weak") for row in rows]
    print("python3 Benchmarks/session_cost.py" + (f" --thresholds {args.thresholds}" if args.thresholds else ""))
    print(f"router: {relative(router)}; MT Bench, {len(rows)} conversations of two turns; "
          f"session_upgrade_margin {margin}")
    print("| threshold | affinity | strong share | mean score | conversations switching model | turn 2 (with affinity) |")
    print("|---|---|---|---|---|---|")
    for t, plain, kept, outcomes in results:
        for name, routed, extra in (("no", plain, ""), ("yes", kept, ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))):
            strong, score, switched = figures(routed)
            print(f"| {t:.3f} | {name} | {strong:.1%} | {score:.3f} | {switched} | {extra} |")
    for name, routed in (("all strong", every), ("all weak", none)):
        strong, score, _ = figures(routed)
        print(f"| {name} | | {strong:.1%} | {score:.3f} | 0 | |")


if __name__ == "__main__":
    main()
