"""The proxy soak's fault schedule: one cycle of every fault the issue names, run on its own
thread against the tiers (upstreams.Tier), each fault recorded as a window when it ends.

A cycle (durations for the 10-minute run; shorter runs scale them, with a floor):

  kill      SIGKILL one tier's llama-server, restart it on its port 10 s later
  sigstop   SIGSTOP the other tier's llama-server for 25 s, then SIGCONT (a hang longer than
            the soak's first_byte_ms, so requests on it fail over)
  slow      the first tier's relay waits 1 s before forwarding, for 30 s
  status429 the other tier's relay answers 429 (Retry-After: 2) for 15 s
  status5xx the first tier's relay answers 503 for 10 s
  down      the first tier down for 60 s: its relay stops listening (connections refused) and its
            llama-server is killed; then both back
  both_down both tiers down for 20 s

A 10-minute run has two cycles, the second with the tiers swapped; a run under 5 minutes one.
The end of the run is left without faults, so breakers probe and close again."""
import threading
import time

# (kind, which tier of the cycle: 0 first, 1 other, 2 both, seconds after the cycle's start,
# duration) for the 10-minute run.
CYCLE = [("kill", 0, 0, 10), ("sigstop", 1, 25, 25), ("slow", 0, 60, 30), ("status429", 1, 100, 15),
         ("status5xx", 0, 125, 10), ("down", 0, 145, 60), ("both_down", 2, 215, 20)]
CYCLE_S = 245
MIN_DURATION_S = 3


def plan(seconds, tiers=("weak", "strong")):
    """[(start offset s, kind, [tier names], duration s)] for a run of `seconds`."""
    cycles = 2 if seconds >= 300 else 1
    lead = max(3.0, 0.025 * seconds)
    quiet = max(15.0, 0.15 * seconds)
    gap = 0.025 * seconds if cycles > 1 else 0
    scale = (seconds - lead - quiet - gap * (cycles - 1)) / (CYCLE_S * cycles)
    events = []
    for c in range(cycles):
        first, other = (tiers[0], tiers[1]) if c == 0 else (tiers[1], tiers[0])
        base = lead + c * (CYCLE_S * scale + gap)
        for kind, which, offset, duration in CYCLE:
            names = [first] if which == 0 else [other] if which == 1 else [first, other]
            events.append((base + offset * scale, kind, names, max(MIN_DURATION_S, duration * scale)))
    return events


class FaultRunner:
    """Runs a plan against the tiers on its own thread; `windows` holds every fault's window
    (wall-clock start and end; end None while it lasts)."""

    def __init__(self, tiers, events, log):
        self.tiers = {t.name: t for t in tiers}
        self.events = events
        self.log = log
        self.windows = []
        self.errors = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.origin = time.monotonic()
        self.thread.start()
        return self

    def run(self):
        for offset, kind, names, duration in self.events:
            if self.stop.wait(max(0.0, self.origin + offset - time.monotonic())):
                return
            try:
                self.apply(kind, [self.tiers[n] for n in names], duration)
            except Exception as error:  # noqa: BLE001 - reported, and the run goes on
                self.errors.append("%s on %s: %r" % (kind, names, error))
                self.log("fault %s on %s failed: %r" % (kind, names, error))

    def wait(self, seconds):
        self.stop.wait(seconds)

    def apply(self, kind, tiers, duration):
        windows = [{"tier": t.name, "kind": kind, "start": time.time(), "end": None, "duration_s": duration} for t in tiers]
        self.windows.extend(windows)
        self.log("fault %s on %s for %.1f s" % (kind, ", ".join(t.name for t in tiers), duration))
        if kind == "kill":
            tiers[0].kill()
            self.wait(duration)
            tiers[0].restart()
        elif kind == "sigstop":
            tiers[0].sigstop()
            self.wait(duration)
            tiers[0].sigcont()
        elif kind == "slow":
            tiers[0].control({"mode": "slow", "delay_ms": 1000})
            self.wait(duration)
            tiers[0].control({"mode": "pass"})
        elif kind in ("status429", "status5xx"):
            status = {"mode": "status", "status": 429, "retry_after": 2} if kind == "status429" else {"mode": "status", "status": 503}
            tiers[0].control(status)
            self.wait(duration)
            tiers[0].control({"mode": "pass"})
        elif kind in ("down", "both_down"):
            for t in tiers:
                t.control({"listen": False})
                t.kill()
            self.wait(duration)
            for t in tiers:
                t.restart()
                t.control({"listen": True})
        for w in windows:
            w["end"] = time.time()

    def finish(self, timeout_s):
        """Waits for the plan to end (it should have); on timeout stops it."""
        self.thread.join(timeout_s)
        if self.thread.is_alive():
            self.stop.set()
            self.thread.join(120)
