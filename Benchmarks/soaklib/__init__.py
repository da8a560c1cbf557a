"""The soak test's parts (Benchmarks/soak.py is its command line):

  wire     HTTP/1.1 over asyncio: raw requests, responses, how a connection ended
  valid    the valid traffic: route, chat and batch clients
  faults   malformed, oversized, half-open, slowloris and vanishing clients
  harness  the mix of kinds, the Soak state and run, the queue and process watchers
  report   the summary (--json) and the Markdown the soak prints
"""
