"""Keyword retrieval for Chinese: BM25 over character bigrams and/or jieba words.

Default BM25 setups split on whitespace, which turns a Chinese paragraph into one "word" and
gives all-zero scores. Character bigrams need no dictionary and match any term; jieba words add
precision for multi-character names. Both are offline (the dictionary ships in the wheel).

Words come from ``rjieba`` (jieba's algorithm and dictionary in Rust), which cuts the same words
as Python jieba several times faster (measured in ``python -m eval bench``): a 100k-chunk build
spent most of its time in Python jieba.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
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
        tokens += ["w:" + w for w in _words(text) if len(w) > 1 and _HAN_RUN.fullmatch(w)]
    return tokens


def _words(text: str) -> list[str]:
    """jieba's search-mode words (HMM on, as ``jieba.lcut_for_search``)."""
    import rjieba

    return rjieba.cut_for_search(text)


class _CompactDocs(list[np.ndarray]):
    """Per-document int32 token-id arrays that bm25s reads as lists of ints, one at a time.

    Why: the token lists of 100k chunks as Python strings peak at ~5 GB during a build; int32
    arrays hold the same corpus in ~200 MB, and each list exists only while bm25s reads it.
    """

    def __iter__(self) -> Iterator[list[int]]:  # type: ignore[override]
        return (a.tolist() for a in super().__iter__())


class Tokens:
    """A corpus as token ids plus the vocabulary, filled in order by ``add``."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.vocab: dict[str, int] = {}
        self.docs = _CompactDocs()

    def add(self, texts: Iterable[str]) -> Tokens:
        vocab = self.vocab
        for t in texts:
            words = tokenize(t, self.mode) or ["\x00"]
            self.docs.append(
                np.fromiter((vocab.setdefault(w, len(vocab)) for w in words), np.int32)
            )
        return self


class TokenThread:
    """BM25 tokens of ``texts``, computed in a daemon thread; ``result()`` waits for them.

    Why: tokenising is pure CPU on one core while the embedder's runtime releases the GIL, so an
    index build runs both at once instead of one after the other."""

    def __init__(self, mode: str, texts: list[str]) -> None:
        self.tokens = Tokens(mode)
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(texts,), name="bm25", daemon=True)
        self._thread.start()

    def _run(self, texts: list[str]) -> None:
        try:
            for i in range(0, len(texts), 256):  # a stop is seen within ~50 ms (256 chunks)
                if self._stop.is_set():
                    return
                self.tokens.add(texts[i : i + 256])
        except BaseException as e:  # re-raised in the building thread by result()
            self.error = e

    def result(self) -> Tokens:
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.tokens

    def stop(self) -> None:
        self._stop.set()


class BM25Index:
    """A bm25s index plus the chunk ids it scores, persisted in one folder."""

    def __init__(self, model: object, ids: list[str], mode: str) -> None:
        self.model, self.ids, self.mode = model, ids, mode

    @classmethod
    def build(
        cls, ids: list[str], texts: list[str], mode: str, tokens: Tokens | None = None
    ) -> BM25Index:
        """``tokens``: the texts already tokenised (the slow part; a build does it in a thread)."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        tokens = Tokens(mode).add(texts) if tokens is None else tokens
        if len(tokens.docs) != len(ids):
            raise ValueError(f"{len(tokens.docs)} tokenised texts for {len(ids)} ids")
        model = bm25s.BM25()
        model.index((tokens.docs, tokens.vocab), show_progress=False)
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
