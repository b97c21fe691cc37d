"""Keyword retrieval for Chinese: BM25 over character bigrams and/or jieba words.

Default BM25 setups split on whitespace, which turns a Chinese paragraph into one "word" and
gives all-zero scores. Character bigrams need no dictionary and match any term; jieba words add
precision for multi-character names. Both are offline (jieba ships its dictionary).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9][a-z0-9.%+\-]*[a-z0-9%]|[a-z0-9]")
MODES = ("bigram", "jieba", "bigram+jieba")


def tokenize(text: str, mode: str = "bigram+jieba") -> list[str]:
    """Tokens for BM25; Latin words and numbers (``4.8``, ``5g``, ``13.7%``) are kept whole."""
    if mode not in MODES:
        raise ValueError(f"unknown BM25 tokenizer {mode!r}: use one of {', '.join(MODES)}")
    text = text.lower()
    tokens = _WORD.findall(text)
    if "bigram" in mode:
        for run in _HAN_RUN.findall(text):
            tokens += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
    if "jieba" in mode:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tokens += [
            "w:" + w for w in jieba.lcut_for_search(text) if len(w) > 1 and _HAN_RUN.fullmatch(w)
        ]
    return tokens


class _CompactDocs(list[np.ndarray]):
    """Per-document int32 token-id arrays that bm25s reads as lists of ints, one at a time.

    Why: the token lists of 100k chunks as Python strings peak at ~5 GB during a build; int32
    arrays hold the same corpus in ~200 MB, and each list exists only while bm25s reads it.
    """

    def __iter__(self) -> Iterator[list[int]]:  # type: ignore[override]
        return (a.tolist() for a in super().__iter__())


class BM25Index:
    """A bm25s index plus the chunk ids it scores, persisted in one folder."""

    def __init__(self, model: object, ids: list[str], mode: str) -> None:
        self.model, self.ids, self.mode = model, ids, mode

    @classmethod
    def build(cls, ids: list[str], texts: list[str], mode: str) -> BM25Index:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        vocab: dict[str, int] = {}
        docs = _CompactDocs(
            np.fromiter(
                (vocab.setdefault(w, len(vocab)) for w in tokenize(t, mode) or ["\x00"]), np.int32
            )
            for t in texts
        )
        model = bm25s.BM25()
        model.index((docs, vocab), show_progress=False)
        return cls(model, ids, mode)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(str(folder))  # type: ignore[attr-defined]
        meta = {"ids": self.ids, "mode": self.mode}
        (folder / "ids.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        import bm25s

        meta = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        return cls(bm25s.BM25.load(str(folder)), meta["ids"], meta["mode"])

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        tokens = tokenize(query, self.mode)
        if not tokens or not self.ids:
            return []
        k = min(k, len(self.ids))
        docs, scores = self.model.retrieve([tokens], k=k, show_progress=False)  # type: ignore[attr-defined]
        out = []
        for d, s in zip(np.asarray(docs)[0], np.asarray(scores)[0], strict=True):
            if s > 0:
                out.append((self.ids[int(d)], float(s)))
        return out

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document, in ``ids`` order (zeros when no query term occurs).

        Fusion needs the BM25 score of passages only the dense list proposed, and filters
        need the best *allowed* documents rather than the best overall; both read this array.
        """
        tokens = tokenize(query, self.mode)
        vocab = self.model.vocab_dict  # type: ignore[attr-defined]
        known = [vocab[t] for t in tokens if t in vocab]
        if not known or not self.ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.model.get_scores_from_ids(known), dtype=np.float32)  # type: ignore[attr-defined]

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """BM25 idf of each token the corpus contains (unseen tokens are left out)."""
        import math

        vocab = self.model.vocab_dict  # type: ignore[attr-defined]
        indptr = self.model.scores["indptr"]  # type: ignore[attr-defined]
        n = len(self.ids)
        out = {}
        for t in set(tokens):
            tid = vocab.get(t)
            df = int(indptr[tid + 1] - indptr[tid]) if tid is not None else 0
            if df:
                out[t] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return out
