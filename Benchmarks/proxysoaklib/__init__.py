"""The proxy soak's parts (Benchmarks/proxy_soak.py is its command line):

  relay       the fault injector in front of one llama-server (its own process): logs every
              request by id, injects slowness, 429s, 5xx, refused connections
  upstreams   per tier a llama-server and its relay; SIGKILL/restart, SIGSTOP/SIGCONT
  schedule    the fault plan and the thread that runs it, recording each fault's window
  clients     raw HTTP and openai clients, one record per request
  accounting  every record against the documented rules (pure logic)
  report      the Markdown and the one-line summary
"""
