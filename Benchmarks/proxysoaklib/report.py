"""The proxy soak's Markdown report and its one-line summary."""


def fmt(value, digits=0):
    if value is None:
        return "—"
    return ("%%.%df" % digits) % value if isinstance(value, float) else str(value)


def kinds(sample):
    d = sample.get("descriptors") or {}
    return ", ".join("%s %s" % kv for kv in d.items()) or "—"


def render(r):
    a = r["accounting"]
    out = ["## Proxy soak: %d s, %d clients, max_tokens %d" % (r["seconds"], r["clients"], r["max_tokens"]), ""]
    out.append("Router: `%s`; timeouts %s; breaker %s; deadline checked: %s s (scoring deadline + total_ms + grace)." % (
        r.get("router_command", "—"), r["timeouts"], r["breaker"], fmt(r.get("deadline_s"), 1)))
    for note in r["notes"]:
        out.append("Note: " + note)
    out += ["", "Faults (offset from the start of the run):", ""]
    for w in r.get("windows", []):
        out.append("- %s on %s at %.0f s: %.1f s" % (w["kind"], w["tier"], w["start"] - r.get("origin_wall", w["start"]),
                                                   (w["end"] or w["start"]) - w["start"]))
    out += ["", "| requests by outcome | count |", "|---|---:|"]
    for outcome, n in sorted(a["by_outcome"].items(), key=lambda kv: -kv[1]):
        out.append("| %s | %d |" % (outcome, n))
    out.append("| **total** | **%d** |" % a["requests"])
    out += ["", "By client kind: " + "; ".join("%s %s" % (k, ", ".join("%s %d" % kv for kv in sorted(v.items())))
                                            for k, v in sorted(a["by_client"].items()))]
    out.append("Answered by tier: %s; failed over (200 with X-Router-Failover: 1): %d, of which with no fault on the "
               "routed tier: %d." % (", ".join("%s %d" % kv for kv in sorted(a["by_tier"].items())), a["failovers"],
                                     a["unjustified_failovers"]))
    out.append("Relay log (%d requests seen by the upstreams' relays): %s." % (
        r["deliveries"]["total"], ", ".join("%s %d" % kv for kv in sorted(r["deliveries"]["by_how"].items()))))
    out += ["", "| check | count |", "|---|---:|",
            "| unaccounted (no ending, or an answer no relay delivered, or a relay id no client sent) | %d |" % (
                len(a["unaccounted"]) + a["unknown_relay_ids"]),
            "| answered twice | %d |" % a["answered_twice_count"],
            "| errors outside the documented rules | %d |" % len(a["outside_rules"]),
            "| past the deadline | %d |" % len(a["past_deadline"])]
    for kind in ("unaccounted", "answered_twice", "outside_rules", "past_deadline"):
        for v in a[kind][:8]:
            out.append("- %s: %s — %s (%s, status %s, %s ms) %s" % (kind, v["id"], v["why"], v["outcome"], v["status"],
                                                                 v["ms"], v["detail"][:120]))
    out += ["", "Latency of non-streamed answers without failover (ms):", "", "| while | n | p50 | p95 | p99 |",
            "|---|---:|---:|---:|---:|"]
    for label, s in r["latency"].items():
        out.append("| %s | %d | %s | %s | %s |" % (label, s["n"], fmt(s["p50_ms"]), fmt(s["p95_ms"]), fmt(s["p99_ms"])))
    samples = r.get("samples", [])
    if samples:
        out += ["", "Router process over the run (every sample):", "", "| t s | RSS MiB | descriptors | of them clients, upstream, wakeup, other, closed sockets | threads | breakers |",
                "|---:|---:|---:|---|---:|---|"]
        step = max(1, len(samples) // 24)
        for s in samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else []):
            b = s.get("breakers")
            d = s.get("descriptors") or {}
            out.append("| %s | %s | %s | %s | %s | %s |" % (s["t"], s.get("rss_mib"), s.get("fds"), ", ".join(
                str(d.get(k, "—")) for k in ("clients", "upstream", "wakeup", "other", "closed_sockets")), s.get("threads"),
                                                      ", ".join("%s %s" % kv for kv in sorted(b.items())) if isinstance(b, dict) else b))
    i0, i1 = r.get("idle_start") or {}, r.get("idle_end") or {}
    out += ["", "Idle after warm-up / idle at the end: RSS %s / %s MiB, descriptors %s / %s (%s / %s), threads %s / %s." % (
        i0.get("rss_mib"), i1.get("rss_mib"), i0.get("fds"), i1.get("fds"), kinds(i0), kinds(i1), i0.get("threads"),
        i1.get("threads"))]
    out.append("End: %d probe requests after the run (one at a time, until both breakers closed); breakers %s, /healthz %s, "
               "SIGTERM %s." % (r.get("end_probes", 0), r.get("breakers_end"), r.get("healthz_end"), r.get("sigterm")))
    m = r.get("metrics_end") or {}
    if m:
        out.append("The router's /metrics at the end: " + ", ".join(
            "%s %d" % (k.replace("causal_router_", ""), v) for k, v in sorted(m.items())) + ".")
    out += ["", "| end check | |", "|---|---|"]
    for name, ok in r.get("checks", {}).items():
        out.append("| %s | %s |" % (name, "yes" if ok else "**no**"))
    return "\n".join(out)


def summary_line(r):
    a = r["accounting"]
    i0, i1 = r.get("idle_start") or {}, r.get("idle_end") or {}
    return ("proxy-soak: %s: %d requests in %d s (%s); unaccounted %d, answered twice %d, outside the rules %d, "
            "past the deadline %d; descriptors idle %s -> %s, RSS idle %s -> %s MiB; breakers %s; /healthz %s; SIGTERM exit %s") % (
        "PASS" if r.get("pass") else "FAIL", a["requests"], r["seconds"],
        ", ".join("%s %d" % kv for kv in sorted(a["by_outcome"].items(), key=lambda kv: -kv[1])),
        len(a["unaccounted"]) + a["unknown_relay_ids"], a["answered_twice_count"], len(a["outside_rules"]),
        len(a["past_deadline"]), i0.get("fds"), i1.get("fds"), i0.get("rss_mib"), i1.get("rss_mib"),
        "closed" if r.get("checks", {}).get("breakers closed at the end") else r.get("breakers_end"),
        r.get("healthz_end"), (r.get("sigterm") or {}).get("exit"))
