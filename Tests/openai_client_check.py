#!/usr/bin/env python3
"""The proxy against the official `openai` Python client (run by `make test` after swift test).

Starts two llama-server upstreams (vendor/build-tools/bin, `make peer`) serving SmolLM2 as
"strong" and "weak", and `causal-router serve --upstreams FILE` in front of them; then asks
through openai.OpenAI(base_url=the proxy): whole and streamed chat completions, router-0.0 and
router-1.0 (headers via with_raw_response), the model list, an unknown model (NotFoundError), a
legacy completion, session affinity (a conversation kept on its tier with the answers sent back as
the client returns them, whole and streamed; a hard turn moving it up; X-Session-Id, `new` and
`user`), and a streamed answer after the weak upstream was killed (failover), whose conversation
then stays on the tier that answered. Cleans up
every process it started. Exit 0 when every check holds.

Every wait has a deadline, so a server that hangs or stops logging fails the check instead of
hanging CI: the router's log is read on a thread and waited on with a timeout, health checks and
client calls time out, and a watchdog (DEADLINE_SECONDS) ends the whole run.
"""
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import openai

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LLAMA_SERVER = os.path.join(ROOT, "vendor/build-tools/bin/llama-server")
MODEL = os.path.join(ROOT, "models/SmolLM2-135M-Instruct.Q4_1.gguf")
ROUTER = os.environ.get("CAUSAL_ROUTER", os.path.join(ROOT, ".build/debug/causal-router"))
# The whole check, start-ups included, must end within this (it takes well under a minute).
DEADLINE_SECONDS = int(os.environ.get("OPENAI_CHECK_DEADLINE", "600"))

processes = []
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1
    print(f"  ok  {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except Exception:
        return False


def wait_healthy(url, process, what, seconds=180):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if healthy(url):
            return
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited during start-up (status {process.returncode})")
        time.sleep(0.2)
    raise RuntimeError(f"{what} not healthy within {seconds} s")


class StderrLines:
    """A child's stderr, drained line by line on a thread (so the pipe never fills and stalls
    the child) and waited on with a deadline."""

    def __init__(self, process, what):
        self.what = what
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._drain, args=(process.stderr,), daemon=True).start()

    def _drain(self, stream):
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pattern, seconds):
        """The match of the first line from now on that matches `pattern`; raises when the stream
        ends or `seconds` pass first."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise RuntimeError(f"{self.what} did not log /{pattern}/ within {seconds} s; log: {''.join(self.seen)!r}")
            if line is None:
                raise RuntimeError(f"{self.what} closed its log before /{pattern}/; log: {''.join(self.seen)!r}")
            self.seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match


def on_deadline(signum, frame):
    raise TimeoutError(f"openai_client_check: not finished within {DEADLINE_SECONDS} s (a server stopped answering?)")


def start_llama(alias):
    port = free_port()
    process = subprocess.Popen(
        [LLAMA_SERVER, "-m", MODEL, "--alias", alias, "--host", "127.0.0.1", "--port", str(port),
         "-c", "1024", "-np", "2", "-n", "16", "-t", "1", "--no-webui"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes.append(process)
    wait_healthy(f"http://127.0.0.1:{port}/health", process, f"llama-server {alias}")
    return process, port


def main():
    for path, fix in [(LLAMA_SERVER, "make peer"), (MODEL, "make model"), (ROUTER, "swift build")]:
        if not os.path.exists(path):
            sys.exit(f"openai_client_check: {path} is missing: run `{fix}`")
    strong, strong_port = start_llama("strong")
    weak, weak_port = start_llama("weak")
    upstreams = {
        "strong": {"base_url": f"http://127.0.0.1:{strong_port}/v1", "model": "strong"},
        "weak": {"base_url": f"http://127.0.0.1:{weak_port}/v1", "model": "weak"},
        "timeouts": {"first_byte_ms": 30000},
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(upstreams, file)
        upstreams_path = file.name
    router = subprocess.Popen([ROUTER, "serve", "--port", "0", "--upstreams", upstreams_path, "--timeout-ms", "60000"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    processes.append(router)
    log = StderrLines(router, "causal-router serve")
    port = int(log.wait_for(r"listening on http://127\.0\.0\.1:(\d+)", 60).group(1))
    log.wait_for(r"ready in", 120)
    check(healthy(f"http://127.0.0.1:{port}/healthz"), "the router is ready and healthy")
    os.unlink(upstreams_path)

    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="not-needed", max_retries=0, timeout=60)
    messages = [{"role": "user", "content": "What is the capital of France?"}]

    print("openai_client_check: openai", openai.__version__, "against the proxy on port", port)
    answer = client.chat.completions.create(model="router", messages=messages, max_tokens=8)
    check(answer.choices[0].message.content, "a routed whole answer has content")

    raw = client.chat.completions.with_raw_response.create(model="router-0.0", messages=messages, max_tokens=8)
    check(raw.headers.get("x-router-upstream") == "strong", "router-0.0 is answered by strong")
    check(raw.parse().choices[0].message.content, "... with content")
    raw = client.chat.completions.with_raw_response.create(model="router-1.0", messages=messages, max_tokens=8)
    check(raw.headers.get("x-router-upstream") == "weak" and raw.headers.get("x-router-failover") == "0",
          "router-1.0 is answered by weak, no failover")
    check(raw.headers.get("x-router-label") in {"1", "2", "3", "4", "5"}, "the label header is there")

    pieces = []
    for chunk in client.chat.completions.create(model="router", messages=messages, max_tokens=16, stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    check(len(pieces) >= 2 and "".join(pieces).strip(), f"a streamed answer arrives in pieces ({len(pieces)})")

    ids = [model.id for model in client.models.list()]
    check(ids[0] == "router" and {"strong", "weak"} <= set(ids), f"models.list(): {ids}")

    try:
        client.chat.completions.create(model="no-such-model", messages=messages)
        check(False, "an unknown model is refused")
    except openai.NotFoundError as error:
        check(error.status_code == 404, "an unknown model is a NotFoundError (404)")

    completion = client.completions.create(model="router-1.0", prompt="Once upon a time", max_tokens=8)
    check(completion.choices[0].text is not None, "a legacy completion is forwarded")

    check_sessions(client)

    weak.send_signal(signal.SIGKILL)
    weak.wait(timeout=30)
    raw = client.chat.completions.with_raw_response.create(model="router-1.0", messages=messages, max_tokens=8, stream=True)
    pieces = [c.choices[0].delta.content for c in raw.parse() if c.choices and c.choices[0].delta.content]
    check(raw.headers.get("x-router-upstream") == "strong" and raw.headers.get("x-router-failover") == "1" and pieces,
          "with weak killed, a streamed router-1.0 request is answered by strong (failover)")
    conversation = [{"role": "user", "content": f"Say hello. ({time.time()})"}]
    raw = client.chat.completions.with_raw_response.create(model="router-1.0", messages=conversation, max_tokens=8)
    check(raw.headers.get("x-router-failover") == "1" and raw.headers.get("x-router-session") == "new",
          "a new conversation routed weak fails over to strong")
    conversation += [raw.parse().choices[0].message, {"role": "user", "content": "Again."}]
    raw = client.chat.completions.with_raw_response.create(model="router-1.0", messages=conversation, max_tokens=8)
    check(raw.headers.get("x-router-route") == "strong" and raw.headers.get("x-router-failover") == "0"
          and raw.headers.get("x-router-session") == "pinned", "... and its next turn goes to strong, where it was answered")
    print(f"openai_client_check: {checks} checks passed")


def check_sessions(client):
    """Session affinity through the client as applications use it: each turn appends the answer
    object the client returned (or, streamed, the joined deltas) and the next user message."""
    def turn(conversation, model, stream=False, **extra):
        raw = client.chat.completions.with_raw_response.create(model=model, messages=conversation, max_tokens=8,
                                                               stream=stream, **extra)
        if stream:
            text = "".join(c.choices[0].delta.content or "" for c in raw.parse() if c.choices)
            conversation.append({"role": "assistant", "content": text})
        else:
            conversation.append(raw.parse().choices[0].message)
        return raw.headers.get("x-router-route"), raw.headers.get("x-router-session")

    conversation = [{"role": "user", "content": f"Derive the quadratic formula. ({time.time()})"}]
    check(turn(conversation, "router-0.0") == ("strong", "new"), "a conversation starts on strong (new session)")
    conversation.append({"role": "user", "content": "Thanks!"})
    check(turn(conversation, "router-1.0", stream=True) == ("strong", "pinned"), "a trivial follow-up stays strong (streamed)")
    conversation.append({"role": "user", "content": "ok"})
    check(turn(conversation, "router-1.0") == ("strong", "pinned"), "... and the turn after the streamed answer too")

    conversation = [{"role": "user", "content": f"hi ({time.time()})"}]
    check(turn(conversation, "router-1.0") == ("weak", "new"), "another conversation starts on weak")
    conversation.append({"role": "user", "content": "Prove that there are infinitely many primes."})
    check(turn(conversation, "router-0.0") == ("strong", "upgraded"), "a hard follow-up moves it to strong")
    conversation.append({"role": "user", "content": "thanks"})
    check(turn(conversation, "router-1.0") == ("strong", "pinned"), "... where it stays")

    name = f"check-{time.time()}"
    check(turn([{"role": "user", "content": "Design a cache."}], "router-0.0", extra_headers={"X-Session-Id": name})
          == ("strong", "new"), "X-Session-Id names a session")
    check(turn([{"role": "user", "content": "hi"}], "router-1.0", extra_headers={"X-Session-Id": name})
          == ("strong", "pinned"), "... which other messages with the same id stay in")
    check(turn([{"role": "user", "content": "hi"}], "router-1.0", extra_headers={"X-Session-Id": "new"})
          == ("weak", "new"), "X-Session-Id: new routes afresh")
    user = f"user-{time.time()}"
    check(turn([{"role": "user", "content": "Prove it."}], "router-0.0", user=user) == ("strong", "new")
          and turn([{"role": "user", "content": "hi"}], "router-1.0", user=user) == ("strong", "pinned"),
          "the request's user names a session too")


if __name__ == "__main__":
    signal.signal(signal.SIGALRM, on_deadline)
    signal.alarm(DEADLINE_SECONDS)
    try:
        main()
    finally:
        signal.alarm(0)
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
