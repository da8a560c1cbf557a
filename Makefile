# causal-router: the README's two commands are `make run` and `make test`.
# Each does all set-up on a fresh Debian machine (system packages, llama.cpp from source,
# the default model) before it runs; every step is skipped when already done.
SHELL := /bin/bash
# The Swift toolchain of this machine kind lives in /opt/swift.
export PATH := $(PATH):/opt/swift/usr/bin
MODEL ?= smollm2-135m-iq4_nl
QUERY ?= Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?
SWIFT_FLAGS ?=
# make test's Python environment (git-ignored) for Tests/openai_client_check.py.
VENV_TEST := .venv-test
OPENAI_PIN ?= openai>=1.40,<4

.PHONY: run route test test-sanitized bench bench-student bench-proxy learning-loop soak-proxy frontier probe fuzz fuzz-smoke peer deps llama model build clean distclean

PORT ?= 8321

## run: build everything, fetch the default model, start the sidecar on it and route a sample
## query with curl; it keeps serving until Ctrl-C
run: build model
	@scripts/run-server.sh "$(MODEL)" "$(PORT)" "$(QUERY)"

## route: one verdict from the command line, no server
route: build model
	.build/release/causal-router route --model $(MODEL) "$(QUERY)"

## test: build everything (llama-server too: the proxy tests' real upstreams), fetch the default
## model and run all tests against it, then the official `openai` client against the proxy, then
## the proxy soak's accounting on made-up records (each rule flags what breaks it)
test: llama model peer $(VENV_TEST)/.installed
	swift build $(SWIFT_FLAGS) --build-tests
	swift test $(SWIFT_FLAGS) --skip-build --no-parallel
	$(VENV_TEST)/bin/python Tests/openai_client_check.py
	python3 Tests/proxy_soak_accounting_check.py

## The test-only Python environment (git-ignored) with the official openai client.
$(VENV_TEST)/.installed: | deps
	python3 -m venv $(VENV_TEST)
	$(VENV_TEST)/bin/pip install --quiet "$(OPENAI_PIN)"
	touch $@

## test-sanitized: the engine, server and labeling suites under AddressSanitizer, then under
## ThreadSanitizer (separate builds in .build-asan and .build-tsan); fails on any sanitizer
## report (docs/reliability.md). SANITIZERS=address for one of them
SANITIZERS ?=
test-sanitized: llama model
	scripts/test-sanitized.sh $(SANITIZERS)

## learning-loop: the learning loop on real local components (docs/learning.md): the learning
## curve on replayed GSM8K pairs, an LLM judge against exact grading, and record -> judge ->
## train -> eval -> SIGHUP with two llama-server upstreams (fetches the Qwen2.5-Coder models;
## about an hour on 2 cores, most of it the 1.5B judge; LOOP_FLAGS="--parts curve" for the
## two-minute part, --help for the rest; the curve on a local pair's own labels is
## `python3 Benchmarks/learning_loop.py --parts pair`, about 45 minutes, figures by hand in
## docs/learning.md)
LOOP_FLAGS ?=
learning-loop: build model peer
	models/fetch.sh qwen2.5-coder-0.5b
	models/fetch.sh qwen2.5-coder-1.5b
	python3 Benchmarks/learning_loop.py --write-docs $(LOOP_FLAGS)

## bench-proxy: the proxy's added latency against llama-server directly, and what --record
## --record-answers --shadow-rate 1 add at 16 clients (docs/benchmarks.md)
bench-proxy: build model peer
	python3 Benchmarks/proxy_overhead.py --write-docs
	python3 Benchmarks/proxy_overhead.py --recording --phases 20 --phase-requests 80 --write-docs

## soak-proxy: the proxy under fire (docs/reliability.md, "The proxy soak"): serve --upstreams in
## front of two llama-server upstreams behind fault-injecting relays, 64 clients (raw HTTP and the
## openai client, streamed and not, some hanging up) for SOAK_SECONDS (default 600) while the
## upstreams are killed, stopped, slowed, answer 429s and 5xx, go down; exits 1 when a request is
## unaccounted, answered twice, failed outside the documented rules or past its deadline, or the
## end checks fail (descriptors, breakers, /healthz, SIGTERM); the summary is the last line.
## SOAK_FLAGS="--json proxy-soak.json" for every request's record, --help for the rest
SOAK_SECONDS ?= 600
SOAK_FLAGS ?=
soak-proxy: build model peer $(VENV_TEST)/.installed
	$(VENV_TEST)/bin/python Benchmarks/proxy_soak.py --seconds $(SOAK_SECONDS) $(SOAK_FLAGS)

## bench: causal-router against llama-server (built from the same source) on the same model,
## queries and machine, on two workloads (GSM8K test questions, then the Arena-Hard chat
## prompts): prints each ratio table (fail-open share at a 2 s deadline included) and writes
## both into docs/benchmarks.md (~40 min on 2 cores; BENCH_FLAGS="--label-rows 100" for a
## quicker run, --help for the rest)
BENCH_FLAGS ?=
bench: build model peer
	python3 Benchmarks/bench.py --model $(MODEL) --workload gsm8k $(BENCH_FLAGS)
	python3 Benchmarks/bench.py --model $(MODEL) --workload arena $(BENCH_FLAGS)

## bench-student: the distilled student (the default model cut to fewer blocks, with a head that
## reads at the query's end) against llama-server serving the default model's file, the model a
## user would otherwise run for this quality, with llama-server on the student's own file beside
## them, at 16 clients on both workloads (Benchmarks/bench.py --peer-model); prints the tables and
## leaves docs/benchmarks.md to `make bench` (docs/frontier.md records the student's)
STUDENT_MODEL ?= smollm2-135m-iq4_nl-b13
STUDENT_HEAD ?= models/heads/smollm2-135m-iq4_nl-b13-rating.json
bench-student: build model peer
	python3 Benchmarks/bench.py --model $(STUDENT_MODEL) --head $(STUDENT_HEAD) --peer-model smollm2-135m-iq4_nl --concurrency 16 --no-docs --workload gsm8k $(BENCH_FLAGS)
	python3 Benchmarks/bench.py --model $(STUDENT_MODEL) --head $(STUDENT_HEAD) --peer-model smollm2-135m-iq4_nl --concurrency 16 --no-docs --workload arena $(BENCH_FLAGS)

## frontier: every router configuration tried (model, blocks kept, head) as a point of mean APGR
## (GSM8K, MMLU 500, Arena-Hard test, AlpacaEval) against req/s at 16 clients on both workloads,
## beside llama-server's: docs/frontier.md and docs/frontier.svg. AlpacaEval is not in the
## repository: FRONTIER_FLAGS="--alpaca PATH" or "--no-alpaca". Fetches Gemma-3-270M; about an
## hour on 2 cores from empty caches
FRONTIER_FLAGS ?=
frontier: build model peer
	$(MAKE) model MODEL=gemma3-270m
	python3 Benchmarks/frontier.py $(FRONTIER_FLAGS)

## probe: docs/reproducibility.md's tables: each way llama.cpp can compute a query differently,
## and both engine paths end to end (PROBE=N GSM8K and N Arena-Hard prompts, default 8)
PROBE ?= 8
probe: build model
	.build/release/reproducibility-probe $(PROBE)

## fuzz: libFuzzer with AddressSanitizer over the readers of untrusted input (Fuzz/): builds
## the targets into .build-fuzz and runs each for FUZZ_SECONDS, one after another, from the seed
## corpus in Fuzz/corpus; fails if one crashes (the input lands in .fuzz/artifacts).
## FUZZ_TARGETS="http-request gguf" for some of them (docs/reliability.md)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: llama
	scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

## fuzz-smoke: CI's short run, 30 s per target
fuzz-smoke: llama
	scripts/fuzz.sh 30

## peer: llama-server and llama-bench from the pinned llama.cpp source (vendor/build-tools/bin)
peer: llama
	@vendor/build-peer-tools.sh

deps:
	@scripts/install-system-deps.sh

## llama: download the pinned llama.cpp source, verify and build it into vendor/prefix
llama: deps
	@vendor/build-llama.sh

## model: install a catalog model into models/ (MODEL=name, default smollm2-135m-iq4_nl, which is made
## from smollm2-135m: that one is downloaded)
model: deps
	@models/fetch.sh $(MODEL)

build: llama
	swift build -c release $(SWIFT_FLAGS)

clean:
	rm -rf .build .build-fuzz .fuzz .build-asan .build-tsan .sanitize $(VENV_TEST)

## distclean: also remove llama.cpp's source, build and prefix, and downloaded models
distclean: clean
	rm -rf vendor/llama.cpp vendor/build vendor/prefix vendor/downloads vendor/build.log models/*.gguf models/.downloads
