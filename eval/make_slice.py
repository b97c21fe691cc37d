"""Cut a small, self-contained slice of a news benchmark for CI: ``python -m eval.make_slice``.

``python -m eval.make_slice SRC_DIR DST_DIR [--items 40] [--docs 300] [--seed 7]`` reads
``SRC_DIR/gold.jsonl`` and ``SRC_DIR/docs/``, draws items at random (answerable and
unanswerable in their original proportion), and keeps every article an answerable item cites,
the articles that share the most vocabulary with each question (so same-event distractors stay,
as in the full benchmark), then random articles up to ``--docs``. Unanswerable items stay
unanswerable: their answer-holding articles are already absent from the source.

Why a slice: CI must gate on news it was not tuned on without ``../shared`` (a user's fresh
clone has none), and the full 2,000 articles take minutes to index.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections import Counter
from pathlib import Path

from ingest.clean import bigrams

# Distractors per question: the articles closest to it by shared character bigrams. Five keeps
# same-event reports (the benchmark's hard negatives) while leaving room for random filler.
DISTRACTORS = 5


def _closest(question: str, docs: dict[str, set[str]], n: int) -> list[str]:
    q = bigrams(question)
    df = Counter(g for grams in docs.values() for g in grams & q)
    weight = {g: 1.0 / df[g] for g in df}
    scored = sorted(docs, key=lambda name: (-sum(weight.get(g, 0.0) for g in docs[name] & q), name))
    return scored[:n]


def make_slice(src: Path, dst: Path, n_items: int, n_docs: int, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    items = [
        json.loads(line) for line in (src / "gold.jsonl").read_text("utf-8").splitlines() if line
    ]
    answerable = [it for it in items if it["answerable"]]
    refuse = [it for it in items if not it["answerable"]]
    k_ref = round(n_items * len(refuse) / len(items))
    chosen = rng.sample(answerable, n_items - k_ref) + rng.sample(refuse, k_ref)
    names = sorted(p.name for p in (src / "docs").iterdir() if p.is_file())
    grams = {n: bigrams((src / "docs" / n).read_text("utf-8")) for n in names}
    keep: list[str] = []
    for it in chosen:
        for name in [e["source"] for e in it["evidence"]] + _closest(
            it["question"], grams, DISTRACTORS
        ):
            if name not in keep:
                keep.append(name)
    rest = [n for n in names if n not in keep]
    rng.shuffle(rest)
    keep += rest[: max(0, n_docs - len(keep))]
    if (dst / "docs").exists():
        shutil.rmtree(dst / "docs")
    (dst / "docs").mkdir(parents=True)
    for name in sorted(keep):
        shutil.copyfile(src / "docs" / name, dst / "docs" / name)
    chosen.sort(key=lambda it: it["id"])
    with (dst / "gold.jsonl").open("w", encoding="utf-8") as f:
        for it in chosen:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")
    return len(chosen), len(keep)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.make_slice", description=__doc__)
    p.add_argument("src", type=Path, help="benchmark folder with gold.jsonl and docs/")
    p.add_argument("dst", type=Path)
    p.add_argument("--items", type=int, default=40)
    p.add_argument("--docs", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args(argv)
    if not (a.src / "gold.jsonl").is_file() or not (a.src / "docs").is_dir():
        print(f"error: {a.src} needs gold.jsonl and docs/", file=sys.stderr)
        return 2
    n_items, n_docs = make_slice(a.src, a.dst, a.items, a.docs, a.seed)
    print(f"{n_items} items, {n_docs} articles → {a.dst}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
