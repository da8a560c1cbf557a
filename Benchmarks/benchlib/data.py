"""Rows and prompts of the routing-data files in data/ (JSONL, one routing row a line)."""
import json

from benchlib.paths import ARENA_HARD, GSM8K

# Short exam questions and long real chat prompts.
PROMPT_SETS = [GSM8K, ARENA_HARD]


def read_jsonl(path):
    """The rows of a JSONL file, blank lines skipped."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def rows(path, split="all", contaminated=False):
    """The rows of a routing-data file in one split ("all": every split), in file order; rows
    marked contaminated are left out unless `contaminated`."""
    return [row for row in read_jsonl(path)
            if (contaminated or not row.get("contaminated")) and (split == "all" or row.get("split") == split)]


def test_prompts(path, count):
    """The prompts of the first `count` test-split rows of a routing-data file (contaminated
    rows included, as the by-hand checks have always taken them)."""
    return [row["prompt"] for row in rows(path, "test", contaminated=True)[:count]]


def test_prompts_of_every_set(count):
    """The first `count` test prompts of GSM8K, then of Arena-Hard (the by-hand checks:
    reproducibility_check.py, manipulation_check.py)."""
    return [p for path in PROMPT_SETS for p in test_prompts(path, count)]
