"""What the benchmark scripts in Benchmarks/ share (standard library only).

  paths    the repository, its binaries (router, llama-server, llama-bench), data and models
  data     rows and prompts of the routing-data files in data/
  stats    percentile: the one definition every script uses
  process  free ports, the /proc figures of a process, a server process started and waited
           for with a deadline, then stopped; plain HTTP requests to a loopback port
  metrics  the Prometheus text of GET /metrics
  cli      the argument parser the scripts share, and their --router option

The scripts are run as `python3 Benchmarks/NAME.py`, so Benchmarks/ is on the import path and
`from benchlib import ...` finds this package.
"""
