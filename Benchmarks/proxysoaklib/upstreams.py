"""The proxy soak's upstreams: per tier one llama-server and the fault-injecting relay in front of
it (relay.py, its own process), and the faults the schedule applies to them. Every fault is
recorded as a window (tier, kind, start, end) in wall-clock seconds: the accounting judges each
failure a client saw against them."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from benchlib.paths import LLAMA_SERVER, ROOT
from benchlib.process import Server, ServerError, free_port, request

MODELS = {"strong": os.path.join(ROOT, "models/SmolLM2-135M-Instruct.Q4_1.gguf"),
          "weak": os.path.join(ROOT, "models/SmolLM2-135M-Instruct.IQ4_NL.gguf")}
RELAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "relay.py")


class Tier:
    """One upstream tier: llama-server on a private port, the relay on the port the proxy uses."""

    def __init__(self, name, log_dir, slots=4):
        self.name = name
        self.alias = "soak-" + name
        self.upstream_port, self.relay_port = free_port(), free_port()
        self.slots = slots
        self.server = None
        self.relay = None
        self.relay_log = os.path.join(log_dir, "relay-%s.jsonl" % name)
        self.windows = []   # [{"tier", "kind", "start", "end"}]
        self.stopped = False

    @property
    def upstream_entry(self):
        return {"base_url": "http://127.0.0.1:%d/v1" % self.relay_port, "model": self.alias}

    def start_server(self):
        command = [LLAMA_SERVER, "-m", MODELS[self.name], "--alias", self.alias, "--host", "127.0.0.1",
                   "--port", str(self.upstream_port), "-c", str(512 * self.slots), "-np", str(self.slots), "-n", "32",
                   "-t", "1", "--no-webui"]
        self.server = Server("llama-server " + self.name, command, log_prefix="proxy-soak-" + self.name).start()
        self.server.wait_healthy(self.upstream_port, "/health", deadline_s=120)

    def start(self):
        self.start_server()
        self.relay = subprocess.Popen([sys.executable, RELAY, "--listen", str(self.relay_port), "--upstream",
                                       str(self.upstream_port), "--tier", self.name, "--log", self.relay_log],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        if self.relay.stdout.readline().strip() != "listening":
            raise ServerError("the %s relay did not start" % self.name)
        return self

    def control(self, command):
        self.relay.stdin.write(json.dumps(command) + "\n")
        self.relay.stdin.flush()
        if self.relay.stdout.readline().strip() != "ok":
            raise ServerError("the %s relay did not take %s" % (self.name, command))

    # Faults: each returns when it has taken effect; `recover` undoes it and closes its window.

    def kill(self):
        """SIGKILL llama-server (mid-answer or not)."""
        self.server.process.send_signal(signal.SIGCONT)
        self.server.process.kill()
        self.server.process.wait(30)
        self.server.log.close()
        os.unlink(self.server.log_path)
        self.server = None

    def restart(self):
        """llama-server again on its port, waited for until healthy."""
        self.start_server()

    def sigstop(self):
        os.kill(self.server.pid, signal.SIGSTOP)
        self.stopped = True

    def sigcont(self):
        os.kill(self.server.pid, signal.SIGCONT)
        self.stopped = False

    def healthy(self):
        try:
            return request(self.upstream_port, "GET", "/health", timeout=5)[0] == 200
        except OSError:
            return False

    def stop(self):
        """At the end: the relay, then llama-server (SIGTERM, then SIGKILL)."""
        if self.relay is not None:
            try:
                self.relay.stdin.close()
                self.relay.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.relay.kill()
                self.relay.wait()
            self.relay = None
        if self.server is not None:
            if self.stopped:
                self.sigcont()
            self.server.stop(10)
            self.server = None

    def deliveries(self):
        """The relay's log: one entry per request it saw (control lines left out)."""
        entries = []
        try:
            with open(self.relay_log) as f:
                for line in f:
                    entry = json.loads(line)
                    if "control" not in entry:
                        entries.append(entry)
        except OSError:
            pass
        return entries


def temporary_dir():
    return tempfile.mkdtemp(prefix="proxy-soak-")
