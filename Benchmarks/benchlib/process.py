"""Server processes for the benchmarks: free ports, starting one with its output in a log file,
waiting for it with a deadline, stopping it; the /proc figures of a process; plain HTTP to a
loopback port."""
import http.client
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time

from benchlib.paths import ROOT


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, timeout=30, host="127.0.0.1"):
    """One HTTP request to host:port (the loopback) on a fresh connection; `body` (not bytes or
    str) is sent as JSON. Returns (status, response bytes); connection errors raise OSError."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        conn.request(method, path, body, {"Content-Type": "application/json"} if body is not None else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class ServerError(RuntimeError):
    """A server exited, or did not get ready before its deadline."""


def wait_until(ready, deadline_s, process=None, interval=0.2, name="the server"):
    """Calls ready() until it is true (an OSError counts as not yet) and returns the seconds it
    took; raises ServerError when `process` (a Popen, or None for a server this script did not
    start) exits first or deadline_s pass."""
    start = time.perf_counter()
    while True:
        if process is not None and process.poll() is not None:
            raise ServerError(f"{name} exited with status {process.returncode}")
        try:
            if ready():
                return time.perf_counter() - start
        except (OSError, http.client.HTTPException):
            pass
        if time.perf_counter() - start > deadline_s:
            raise ServerError(f"{name} was not ready within {deadline_s} s")
        time.sleep(interval)


def wait_healthy(port, path="/healthz", deadline_s=180, process=None, interval=0.2, name="the server", host="127.0.0.1"):
    """Waits until GET path on host:port answers 200 (wait_until's rules)."""
    return wait_until(lambda: request(port, "GET", path, timeout=5, host=host)[0] == 200, deadline_s, process, interval, name)


class Server:
    """A server process this script starts, its stdout and stderr in a log file (an unread pipe
    fills up and blocks the server). The log is removed when the server ends cleanly (exit 0 or
    SIGTERM) unless keep_log; otherwise its path is printed. cwd None: this script's."""

    def __init__(self, name, command, cwd=ROOT, keep_log=False, log_prefix=None):
        self.name, self.command, self.cwd, self.keep_log = name, command, cwd, keep_log
        self.log_prefix = log_prefix or name
        self.process = self.log = None

    @property
    def pid(self):
        return self.process.pid

    @property
    def log_path(self):
        return self.log.name

    def start(self):
        prefix = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.log_prefix)
        self.log = tempfile.NamedTemporaryFile("w+", prefix=f"{prefix}-", suffix=".log", delete=False)
        self.process = subprocess.Popen(self.command, cwd=self.cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        return self

    def running(self):
        return self.process is not None and self.process.poll() is None

    def log_tail(self, chars=3000):
        try:
            with open(self.log.name, errors="replace") as f:
                return f.read()[-chars:]
        except OSError:
            return ""

    def wait_until(self, ready, deadline_s, interval=0.2):
        """wait_until for this server; the error carries the end of its log."""
        try:
            return wait_until(ready, deadline_s, self.process, interval, self.name)
        except ServerError as error:
            raise ServerError(f"{error}: {self.log_tail(2000)}") from None

    def wait_healthy(self, port, path="/healthz", deadline_s=180, interval=0.2):
        """wait_healthy for this server; the error carries the end of its log."""
        return self.wait_until(lambda: request(port, "GET", path, timeout=5)[0] == 200, deadline_s, interval)

    def stop(self, grace_s=30):
        """SIGTERM, then SIGKILL after grace_s. Returns (how, exit status): how is "sigterm"
        (it exited after SIGTERM), "killed" (it did not within grace_s) or "exited" (it had
        already ended); None when it was never started."""
        if self.process is None:
            return None
        if self.process.poll() is not None:
            how = "exited"
        else:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace_s)
                how = "sigterm"
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                how = "killed"
        code = self.process.returncode
        self.log.close()
        if self.keep_log:
            pass
        elif code in (0, -signal.SIGTERM):
            os.unlink(self.log.name)
        else:
            print(f"{self.name} ended with status {code}; its log: {self.log.name}", file=sys.stderr)
        self.process = None
        return how, code


def proc_status(pid):
    """The fields of /proc/PID/status ({"VmRSS": "1234 kB", ...}); OSError when it is gone."""
    with open(f"/proc/{pid}/status") as f:
        return dict((k, v.strip()) for k, _, v in (line.partition(":") for line in f))


def kib_to_mib(field):
    """A /proc/PID/status size ("1234 kB") in MiB."""
    return int(field.split()[0]) / 1024


def raise_open_files_limit(need, who):
    """Raises this process's soft RLIMIT_NOFILE to `need` (up to the hard limit; says so when
    the hard limit is lower)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need if hard == resource.RLIM_INFINITY else min(hard, need), hard))
        if hard != resource.RLIM_INFINITY and hard < need:
            print(f"{who}: RLIMIT_NOFILE hard limit {hard} is below {need}; connections may fail", file=sys.stderr)
