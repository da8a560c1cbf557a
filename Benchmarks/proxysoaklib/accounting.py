"""The proxy soak's accounting (pure logic): every client request against the proxy's documented
rules (`serve --help`, README "Uptime rerouting", docs/reliability.md), with the relays' logs
and the fault windows as evidence.

  answered        200 with a whole answer (a stream ending with [DONE]); the tier in
                  X-Router-Upstream must be the one tier whose relay passed that id's 2xx answer
                  to the proxy completely
  502             allowed only while both tiers were failing or skipped: each tier had a fault
                  window overlapping the request, or one that ended less than `tail_s` before it
                  (a breaker's cool-down, a 429's Retry-After); no relay may have delivered it
  stream error    allowed only after the first byte (a 200 head came) and ending with the
                  proxy's error event, while the answering tier had a fault
  hung_up         the client closed mid-stream on purpose: at most one delivery
  anything else   outside the rules: another status, no answer, a cut without the error event,
                  a bad body, a client timeout

Answered twice: more than one relay passed a 2xx answer for the same id completely, or a relay
passed one for an id whose client got no answer from that tier. Past the deadline: a request
that took longer than `deadline_s` (scoring deadline + total_ms + grace). Unaccounted: a
request with no ending recorded, or a relay delivery of an id no client sent."""
from benchlib.stats import percentile


def overlaps(windows, tier, start, end, tail_s):
    """Whether `tier` had a fault window touching [start, end], its end extended by tail_s."""
    return any(w["tier"] == tier and w["start"] <= end and (w["end"] is None or w["end"] + tail_s >= start)
               for w in windows)


def account(records, deliveries, windows, tiers, deadline_s, tail_s):
    """Returns the accounting: counts by outcome, tier and failover, and the lists of
    violations (each with the request's record and why)."""
    delivered = {}
    unknown_ids = []
    for entry in deliveries:
        rid = entry.get("id")
        if rid not in records:
            if rid is not None:
                unknown_ids.append(entry)
            continue
        if entry.get("complete") and entry.get("status") is not None and 200 <= entry["status"] < 300:
            delivered.setdefault(rid, []).append(entry["tier"])
    result = {"requests": len(records), "by_outcome": {}, "by_tier": {}, "failovers": 0, "unjustified_failovers": 0,
              "unaccounted": [], "answered_twice": [], "outside_rules": [], "past_deadline": [],
              "unknown_relay_ids": len(unknown_ids), "by_client": {}}

    def violation(kind, record, why):
        result[kind].append({"id": record["id"], "why": why, "outcome": record.get("outcome"),
                             "status": record.get("status"), "upstream": record.get("upstream"),
                             "detail": record.get("detail", "")[:200], "ms": round(record.get("ms") or 0)})

    for rid, record in records.items():
        outcome = record.get("outcome")
        if record.get("end") is None or outcome is None:
            violation("unaccounted", record, "no ending recorded")
            continue
        result["by_outcome"][outcome] = result["by_outcome"].get(outcome, 0) + 1
        per_client = result["by_client"].setdefault(record["client"], {})
        per_client[outcome] = per_client.get(outcome, 0) + 1
        start, end = record["start"], record["end"]
        tiers_delivered = delivered.get(rid, [])
        if record.get("upstream") and record.get("status") == 200:
            result["by_tier"][record["upstream"]] = result["by_tier"].get(record["upstream"], 0) + 1
        if record.get("failover") == "1" and record.get("status") == 200:
            result["failovers"] += 1
            routed = set(tiers) - {record.get("upstream")}
            if not any(overlaps(windows, t, start, end, tail_s) for t in routed):
                result["unjustified_failovers"] += 1
        if len(tiers_delivered) > 1:
            violation("answered_twice", record, "complete 2xx answers from %s" % ", ".join(tiers_delivered))
        if outcome != "hung_up" and record.get("ms", 0) > deadline_s * 1000:
            violation("past_deadline", record, "%.1f s > %.1f s" % (record["ms"] / 1000, deadline_s))
        if outcome == "answered":
            if record.get("upstream") not in tiers:
                violation("outside_rules", record, "answered without X-Router-Upstream naming a tier")
            elif not tiers_delivered:
                violation("unaccounted", record, "answered by %s, but no relay delivered it" % record["upstream"])
            elif tiers_delivered != [record["upstream"]]:
                violation("answered_twice", record, "client got %s, relays delivered %s" % (record["upstream"], tiers_delivered))
        elif outcome == "http_502":
            if tiers_delivered:
                violation("answered_twice", record, "502 to the client, yet %s delivered an answer" % tiers_delivered)
            unexcused = [t for t in tiers if not overlaps(windows, t, start, end, tail_s)]
            if unexcused:
                violation("outside_rules", record, "502 while %s had no fault" % ", ".join(unexcused))
        elif outcome == "stream_error_event":
            if record.get("first_byte") is None:
                violation("outside_rules", record, "an error event without a 200 head")
            elif not overlaps(windows, record.get("upstream"), start, end, tail_s):
                violation("outside_rules", record, "stream broken while %s had no fault" % record.get("upstream"))
        elif outcome == "hung_up":
            pass
        else:
            violation("outside_rules", record, outcome)
    result["answered_twice_count"] = len({v["id"] for v in result["answered_twice"]})
    return result


def healthy_tier_latency(records, windows, tiers, kinds=("sigstop", "slow")):
    """Latency of plain, non-failover answers from one tier while the other one hung (SIGSTOP)
    or was slow, against answers while no fault was active anywhere: {label: {n, p50, p95, p99}}."""
    def stats(values):
        return {"n": len(values), "p50_ms": percentile(values, 50), "p95_ms": percentile(values, 95),
                "p99_ms": percentile(values, 99)}
    quiet, during = [], {k: [] for k in kinds}
    for r in records.values():
        if r.get("outcome") != "answered" or r.get("failover") != "0" or r.get("stream"):
            continue
        active = [w for w in windows if w["start"] <= r["end"] and (w["end"] is None or w["end"] >= r["start"])]
        if not active:
            quiet.append(r["ms"])
            continue
        for kind in kinds:
            if all(w["kind"] == kind and w["tier"] != r["upstream"] for w in active):
                during[kind].append(r["ms"])
    out = {"no fault": stats(quiet)}
    for kind in kinds:
        out["other tier " + kind] = stats(during[kind])
    return out
