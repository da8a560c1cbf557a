"""Test prompts from the routing data in data/, shared by the by-hand checks
(reproducibility_check.py, manipulation_check.py)."""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Short exam questions and long real chat prompts.
SETS = ["data/routellm/gsm8k.jsonl", "data/arena_hard/gpt4_0613_vs_gpt35_turbo.jsonl"]


def test_prompts(path, count):
    """The prompts of the first `count` test-split rows of a routing-data file."""
    rows = []
    with open(os.path.join(ROOT, path)) as f:
        for line in f:
            row = json.loads(line)
            if row.get("split") == "test":
                rows.append(row["prompt"])
            if len(rows) == count:
                break
    return rows


def test_prompts_of_every_set(count):
    """The first `count` test prompts of GSM8K, then of Arena-Hard."""
    return [p for path in SETS for p in test_prompts(path, count)]
