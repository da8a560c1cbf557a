"""The soak's report: the summary of the counters and samples (what --json writes) and its
Markdown rendering (what the soak prints)."""
import re

from benchlib.stats import percentile
from soaklib.faults import VALID
from soaklib.harness import MIX


def fmt_ms(v):
    return "—" if v is None else "%.0f" % v


def summarise(soak, extra):
    deadline = soak.deadline_ms
    kinds = [k for k, _ in MIX]
    per_kind = {}
    for kind in kinds:
        s = soak.stats[kind]
        lat = s["latency_ms"]
        answered = s["scored"] + s["fallback"]
        ended = sum(c for o, c in s["outcomes"].items() if not o.endswith("_extra"))
        if s["sent"] > ended:  # requests still open when the clients were stopped
            s["outcomes"]["stopped_at_end"] = s["sent"] - ended
        per_kind[kind] = {
            "connections": s["connections"], "sent": s["sent"], "outcomes": s["outcomes"],
            "keepalive_retries": s.get("keepalive_retries", 0),
            "variants": s["variants"],
        }
        if kind in VALID or kind == "batch":
            per_kind[kind].update({
                "answered_200": len(lat), "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
                "max_ms": max(lat) if lat else None,
                "over_deadline_share": (sum(1 for v in lat if v > deadline) / len(lat)) if lat else None,
                "fallback_reasons": s["reasons"],
            })
        if kind in VALID:
            per_kind[kind].update({
                "scored": s["scored"], "fail_open": s["fallback"],
                "fail_open_share": s["fallback"] / answered if answered else None,
                "p50_scored_ms": percentile(s["latency_scored_ms"], 50),
                "p99_scored_ms": percentile(s["latency_scored_ms"], 99),
                "p50_fallback_ms": percentile(s["latency_fallback_ms"], 50),
                "p99_fallback_ms": percentile(s["latency_fallback_ms"], 99),
            })
        if kind == "batch":
            per_kind[kind].update({"verdicts": s["verdicts"], "verdict_fail_open": s["verdict_fallbacks"],
                                   "verdict_fail_open_share": s["verdict_fallbacks"] / s["verdicts"] if s["verdicts"] else None})
        if s["held_s"]:
            per_kind[kind].update({"held_s_p50": percentile(s["held_s"], 50), "held_s_max": max(s["held_s"])})
    # route + chat together
    lat = soak.stats["route"]["latency_ms"] + soak.stats["chat"]["latency_ms"]
    scored = soak.stats["route"]["scored"] + soak.stats["chat"]["scored"]
    fallback = soak.stats["route"]["fallback"] + soak.stats["chat"]["fallback"]
    reasons = {}
    for k in VALID:
        for r, c in soak.stats[k]["reasons"].items():
            reasons[r] = reasons.get(r, 0) + c
    valid = {"answered_200": len(lat), "scored": scored, "fail_open": fallback,
             "fail_open_share": fallback / (scored + fallback) if scored + fallback else None,
             "fallback_reasons": reasons, "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
             "max_ms": max(lat) if lat else None,
             "over_deadline_share": (sum(1 for v in lat if v > deadline) / len(lat)) if lat else None}
    depths = [q[1] for q in soak.queue_samples if q[1] is not None]
    queue = {"samples": len(soak.queue_samples), "answered_samples": len(depths),
             "median": percentile(depths, 50), "max": max(depths) if depths else None,
             "max_queue": soak.max_queue,
             "at_cap_share": (sum(1 for d in depths if soak.max_queue is not None and d >= soak.max_queue) / len(depths))
             if depths else None,
             "metrics_ms_p50": percentile([q[4] for q in soak.queue_samples if q[4] is not None], 50),
             "metrics_ms_max": max([q[4] for q in soak.queue_samples if q[4] is not None], default=None)}
    return dict(extra, deadline_ms=deadline, per_kind=per_kind, valid=valid, queue=queue,
                proc_samples=soak.proc_samples, queue_samples=soak.queue_samples)


def render(summary):
    out = []
    a = summary
    out.append("## Soak: %d s, %d connections, deadline %d ms" % (a["seconds"], a["connections"], a["deadline_ms"]))
    out.append("")
    out.append("server: `%s`%s" % (a["server_command"], "" if not a.get("notes") else " — " + "; ".join(a["notes"])))
    out.append("")
    kinds = list(a["per_kind"])
    numeric, other = set(), set()
    for k in kinds:
        for o in a["per_kind"][k]["outcomes"]:
            (numeric if o.isdigit() else other).add(o)
    columns = sorted(numeric, key=int) + sorted(other)
    out.append("| client kind | connections | sent | " + " | ".join(columns) + " |")
    out.append("|---|" + "---:|" * (2 + len(columns)))
    totals = {c: 0 for c in columns}
    tc = ts = 0
    for k in kinds:
        p = a["per_kind"][k]
        tc += p["connections"]
        ts += p["sent"]
        cells = []
        for c in columns:
            v = p["outcomes"].get(c, 0)
            totals[c] += v
            cells.append(str(v) if v else "·")
        out.append("| %s | %d | %d | %s |" % (k, p["connections"], p["sent"], " | ".join(cells)))
    out.append("| **total** | %d | %d | %s |" % (tc, ts, " | ".join(str(totals[c]) for c in columns)))
    out.append("")
    out.append("Outcomes: HTTP status of the (first) answer; `closed`: the server closed without answering; "
               "`reset`: connection reset; `vanished`: the client closed after sending (at once, or while it "
               "was scored); `vanished_mid_response`: it reset the connection after reading the first bytes of the answer; `client_timeout`: no answer in the client's wait; "
               "`N_extra`: a further response on the same connection (the lying Content-Length's leftover); "
               "`stopped_at_end`: still open when the clients were stopped.")
    out.append("")
    d = a["deadline_ms"]
    out.append("| valid requests | answered 200 | scored | fail-open | fail-open share | reasons | p50 ms | p99 ms | max ms | over %d ms |" % d)
    out.append("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")

    def share(v):
        return "—" if v is None else "%.1f %%" % (100 * v)

    def reasons(r):
        return ", ".join("%s %d" % kv for kv in sorted(r.items(), key=lambda kv: -kv[1])) or "—"

    for name, p in [("route", a["per_kind"]["route"]), ("chat", a["per_kind"]["chat"]), ("**route + chat**", a["valid"])]:
        out.append("| %s | %d | %d | %d | %s | %s | %s | %s | %s | %s |" % (
            name, p["answered_200"], p["scored"], p["fail_open"], share(p["fail_open_share"]), reasons(p["fallback_reasons"]),
            fmt_ms(p["p50_ms"]), fmt_ms(p["p99_ms"]), fmt_ms(p["max_ms"]), share(p["over_deadline_share"])))
    b = a["per_kind"]["batch"]
    out.append("| batch (per request; verdicts: %d) | %d | %d | %d | %s | %s | %s | %s | %s | %s |" % (
        b["verdicts"], b["answered_200"], b["verdicts"] - b["verdict_fail_open"], b["verdict_fail_open"],
        share(b["verdict_fail_open_share"]), reasons(b["fallback_reasons"]), fmt_ms(b["p50_ms"]),
        fmt_ms(b["p99_ms"]), fmt_ms(b["max_ms"]), share(b["over_deadline_share"])))
    r, c = a["per_kind"]["route"], a["per_kind"]["chat"]
    out.append("")
    out.append("Scored route+chat verdicts: p50 %s / p99 %s ms; fail-open ones: p50 %s / p99 %s ms (route)." % (
        fmt_ms(r.get("p50_scored_ms")), fmt_ms(r.get("p99_scored_ms")),
        fmt_ms(r.get("p50_fallback_ms")), fmt_ms(r.get("p99_fallback_ms"))))
    for k in ("halfopen", "slowloris"):
        p = a["per_kind"][k]
        held = ", ".join("%s %s s" % (v, fmt_ms(percentile(x.get("held_s", []), 50)) if x.get("held_s") else "—")
                         for v, x in sorted(p["variants"].items()))
        out.append("%s: connection held until the server answered or closed, median per variant: %s." % (k, held))
    q = a["queue"]
    out.append("")
    out.append("Scoring queue (GET /metrics every 2 s, %d of %d answered): depth median %s, max %s of --max-queue %s; "
               "at the cap in %s of samples; /metrics answered in p50 %s / max %s ms." % (
                   q["answered_samples"], q["samples"], fmt_ms(q["median"]), fmt_ms(q["max"]), q["max_queue"],
                   share(q["at_cap_share"]), fmt_ms(q["metrics_ms_p50"]), fmt_ms(q["metrics_ms_max"])))
    out.append("")
    s0, s1 = a["proc_start"] or {}, a["proc_end"] or {}
    loads = [s for _, ph, s in a["proc_samples"] if s and ph.startswith("load")]
    first, last = (loads[0], loads[-1]) if loads else ({}, {})

    def g(s, key):
        v = s.get(key) if s else None
        return "—" if v is None else str(v)

    out.append("| server | start (idle, after warm-up) | under load, first sample | under load, last | max under load | end (idle, after %d s quiet) |" % a["quiet_s"])
    out.append("|---|---:|---:|---:|---:|---:|")
    for key, label in (("rss_mib", "RSS (MiB)"), ("fds", "open descriptors"), ("threads", "threads")):
        mx = max((s[key] for s in loads if s.get(key) is not None), default=None)
        out.append("| %s | %s | %s | %s | %s | %s |" % (label, g(s0, key), g(first, key), g(last, key),
                                                         "—" if mx is None else mx, g(s1, key)))
    out.append("")
    out.append("End: %s; GET /healthz %s%s; %s." % (
        "server process alive" if a["alive_at_end"] else "**server process gone**",
        a["healthz_status"], "" if a["healthz_ms"] is None else " in %.0f ms" % a["healthz_ms"],
        a.get("exit_note", "server left running")))
    m = a.get("metrics_end") or {}
    if m:
        keys = ["causal_router_connections_accepted_total", "causal_router_connections_evicted_total",
                "causal_router_connections_refused_total", "causal_router_request_timeouts_total",
                "causal_router_queries_abandoned_total", "causal_router_open_connections"]
        fb = {k.split('"')[1]: int(v) for k, v in m.items() if k.startswith("causal_router_fallbacks_total{")}
        req = {}
        for k, v in m.items():
            if k.startswith("causal_router_requests_total{"):
                st = re.search(r'status="(\d+)"', k)
                if st:
                    req[st.group(1)] = req.get(st.group(1), 0) + int(v)
        out.append("/metrics at the end: requests by status %s; fallbacks %s; %s." % (
            ", ".join("%s %d" % kv for kv in sorted(req.items())), ", ".join("%s %d" % kv for kv in sorted(fb.items())),
            ", ".join("%s %d" % (k.replace("causal_router_", ""), int(m[k])) for k in keys if k in m)))
    if a.get("run_wall_s"):
        wall = a["run_wall_s"]
        server = a.get("server_cpu_s")
        out.append("CPU during the %.0f s of traffic: server %s, this client %.1f s (%.2f cores)." % (
            wall, "—" if server is None else "%.1f s (%.2f cores)" % (server, server / wall),
            a["client_cpu_s"], a["client_cpu_s"] / wall))
    v = a["verdict"]
    out.append("")
    out.append("Verdict: %s" % v)
    return "\n".join(out)
