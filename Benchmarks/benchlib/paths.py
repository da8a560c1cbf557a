"""Where things are: the repository, the binaries the benchmarks run, the data and the models."""
import os

BENCHMARKS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCHMARKS)

ROUTER = os.path.join(ROOT, ".build/release/causal-router")
ROUTER_DEBUG = os.path.join(ROOT, ".build/debug/causal-router")
LLAMA_SERVER = os.path.join(ROOT, "vendor/build-tools/bin/llama-server")
LLAMA_BENCH = os.path.join(ROOT, "vendor/build-tools/bin/llama-bench")

GSM8K = os.path.join(ROOT, "data/routellm/gsm8k.jsonl")
ARENA_HARD = os.path.join(ROOT, "data/arena_hard/gpt4_0613_vs_gpt35_turbo.jsonl")
MMLU = os.path.join(ROOT, "data/routellm/mmlu.jsonl")
CATALOG = os.path.join(ROOT, "models", "catalog.tsv")


def router_binary(explicit=None):
    """The causal-router binary: `explicit` when given (a --router/--binary option), else the
    release build, else the debug build; the release path when neither exists (so that the
    caller's "missing" message names the build to make)."""
    if explicit:
        return explicit
    return next((p for p in (ROUTER, ROUTER_DEBUG) if os.path.exists(p)), ROUTER)


def model_path(name):
    """The GGUF file of a models/catalog.tsv name, or `name` itself when it is a file; None
    when it is neither."""
    with open(CATALOG) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields and fields[0] == name:
                return os.path.join(ROOT, "models", fields[1])
    return name if os.path.isfile(name) else None


def relative(path):
    """`path` relative to the repository (as the docs print commands)."""
    return os.path.relpath(path, ROOT)
