#!/usr/bin/env python3
"""The proxy soak's accounting (Benchmarks/proxysoaklib/accounting.py) on made-up records: each
rule it enforces must flag the request that breaks it and pass the one that keeps it, so a soak
that prints 0 violations has really checked something. Standard library only; run by `make test`.

    python3 Tests/proxy_soak_accounting_check.py
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Benchmarks"))
from proxysoaklib.accounting import account  # noqa: E402

TIERS = ["strong", "weak"]
DEADLINE_S, TAIL_S = 45.0, 10.0


def record(rid, outcome, start=100.0, ms=500.0, upstream="strong", status=200, first_byte=True, client="plain"):
    return {"id": rid, "client": client, "outcome": outcome, "start": start, "end": start + ms / 1000, "ms": ms,
            "upstream": upstream, "status": status, "failover": "0", "first_byte": start if first_byte else None,
            "detail": ""}


def delivery(rid, tier, status=200, complete=True):
    return {"id": rid, "tier": tier, "status": status, "complete": complete}


def window(tier, start, end, kind="kill"):
    return {"tier": tier, "kind": kind, "start": start, "end": end}


def check(name, records, deliveries, windows, expect):
    """expect: {violation list name: ids flagged}; every other list must be empty."""
    result = account({r["id"]: r for r in records}, deliveries, windows, TIERS, DEADLINE_S, TAIL_S)
    failures = []
    for kind in ("unaccounted", "answered_twice", "outside_rules", "past_deadline"):
        flagged = sorted({v["id"] for v in result[kind]})
        wanted = sorted(expect.get(kind, []))
        if flagged != wanted:
            failures.append("%s: %s flagged %s, expected %s" % (name, kind, flagged, wanted))
    if expect.get("unknown_relay_ids", 0) != result["unknown_relay_ids"]:
        failures.append("%s: unknown relay ids %d, expected %d" % (name, result["unknown_relay_ids"],
                                                                  expect.get("unknown_relay_ids", 0)))
    return failures


def main():
    failures = []
    # Kept: one answer delivered by the tier the client was told; a 502 while both tiers were
    # down; a 502 just after a fault (a breaker still open); a stream broken after its head while
    # its tier was killed; a client that hung up with its answer half delivered.
    failures += check("rules kept", [
        record("a", "answered"),
        record("b", "http_502", start=200, status=502, upstream=None),
        record("c", "http_502", start=215, status=502, upstream=None),
        record("d", "stream_error_event", start=301, upstream="weak"),
        record("e", "hung_up", upstream="weak", client="hangup"),
    ], [delivery("a", "strong"), delivery("a", "weak", status=503), delivery("e", "weak", complete=False)],
        [window("strong", 195, 210), window("weak", 190, 210), window("weak", 300, 305)], {})
    # Broken: two complete answers for one id; an answer from a tier that delivered nothing; a
    # 502 while the weak tier was fine; a 502 for a request an upstream answered; an error event
    # without a head; a stream cut without the error event; no answer at all; past the deadline;
    # a record with no ending; a relay id no client sent.
    unended = record("j", "answered")
    unended["end"] = None
    failures += check("rules broken", [
        record("a", "answered"),
        record("b", "answered", upstream="weak"),
        record("c", "http_502", start=200, status=502, upstream=None),
        record("d", "http_502", start=100, status=502, upstream=None),
        record("e", "stream_error_event", first_byte=False, status=None, upstream=None),
        record("f", "stream_cut", upstream="weak"),
        record("g", "no_answer", status=None, upstream=None),
        record("h", "answered", ms=46_000),
        unended,
    ], [delivery("a", "strong"), delivery("a", "weak"), delivery("d", "strong"), delivery("h", "strong"),
        delivery("zz", "weak")],
        [window("strong", 195, 210), window("strong", 90, 110), window("weak", 90, 110)],
        {"answered_twice": ["a", "d"], "unaccounted": ["b", "j"], "outside_rules": ["c", "e", "f", "g"],
         "past_deadline": ["h"], "unknown_relay_ids": 1})
    for failure in failures:
        print("proxy soak accounting: " + failure, file=sys.stderr)
    print("proxy soak accounting: %s" % ("FAIL" if failures else "every rule flags what breaks it and passes what keeps it"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
