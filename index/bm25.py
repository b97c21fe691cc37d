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
from typing import Any

import numpy as np

_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))  # CJK ext. A, unified, compat.
_HAN_RUN = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _HAN_RANGES) + "]+")
_WORD = re.compile(r"[a-z0-9][a-z0-9.%+\-]*[a-z0-9%]|[a-z0-9]")
MODES = ("bigram", "jieba", "bigram+jieba")


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown BM25 tokenizer {mode!r}: use one of {', '.join(MODES)}")


def tokenize(text: str, mode: str = "bigram+jieba") -> list[str]:
    """Tokens for BM25; Latin words and numbers (``4.8``, ``5g``, ``13.7%``) are kept whole."""
    _check_mode(mode)
    text = text.lower()
    tokens = _WORD.findall(text)
    if "bigram" in mode:
        for run in _HAN_RUN.findall(text):
            tokens += [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
    if "jieba" in mode:
        tokens += _jieba_tokens(text)
    return tokens


def _jieba_tokens(low: str) -> list[str]:
    """jieba's Han words of two or more characters in lowercased ``low``, marked ``w:``."""
    return ["w:" + w for w in _words(low) if len(w) > 1 and _HAN_RUN.fullmatch(w)]


def _idf(df: np.ndarray | int, n_docs: int) -> np.ndarray:
    """bm25s's Lucene idf, ``log(1 + (N - df + 0.5) / (df + 0.5))``, for the build and queries."""
    return np.log(1 + (n_docs - np.asarray(df) + 0.5) / (np.asarray(df) + 0.5))


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

    def arrays(self) -> list[np.ndarray]:
        return list(super().__iter__())


def _bm25s() -> Any:
    """The bm25s module, its logger quieted: importing bm25s sets that logger to DEBUG, which
    would print a line per build and load through any handler the CLI configured."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def _bm25_model() -> object:
    """A ``bm25s.BM25`` whose index build is vectorised (same scores, same saved format).

    Why: bm25s counts term and document frequencies with a Python ``Counter`` and set per
    document; at 100k chunks that was ~40% of a BM25 build. One ``np.unique`` over
    (token, document) keys gives both, already in the column order bm25s stores (CSC by token).
    Only bm25s's default Lucene/Robertson scoring is vectorised; other methods use bm25s's own.
    """
    bm25s = _bm25s()

    class _Vectorised(bm25s.BM25):  # type: ignore[misc]
        def build_index_from_ids(self, unique_token_ids, corpus_token_ids, **kw):  # type: ignore[no-untyped-def]
            if self.method not in ("lucene", "robertson") or not isinstance(
                corpus_token_ids, _CompactDocs
            ):
                return super().build_index_from_ids(unique_token_ids, corpus_token_ids, **kw)
            docs = corpus_token_ids.arrays()
            n_docs, n_vocab = len(docs), len(unique_token_ids)
            lens = np.fromiter((len(d) for d in docs), np.int64, n_docs)
            tok = np.concatenate(docs).astype(np.int64) if n_docs else np.zeros(0, np.int64)
            doc = np.repeat(np.arange(n_docs, dtype=np.int64), lens)
            keys, tf = np.unique(tok * n_docs + doc, return_counts=True)
            voc, doc = np.divmod(keys, n_docs)
            df = np.bincount(voc, minlength=n_vocab)
            idf = np.where(df > 0, _idf(df, n_docs), 0.0).astype(self.dtype)  # as bm25s stores it
            avg = lens.mean() if n_docs else 0.0
            norm = self.k1 * ((1 - self.b) + self.b * lens[doc] / avg)
            data = (idf[voc] * (tf / (norm + tf))).astype(self.dtype)
            indptr = np.zeros(n_vocab + 1, np.int64)
            np.cumsum(df, out=indptr[1:])
            self.nonoccurrence_array = None
            return {
                "data": data,
                "indices": doc.astype(self.int_dtype),
                "indptr": indptr,
                "num_docs": n_docs,
            }

    return _Vectorised()


def _han_keys(text: str) -> np.ndarray:
    """The bigram tokens of ``text`` (lowercased) as int64 keys, vectorised over code points.

    ``(a << 21) | b`` for the bigram ``ab``, and the code point itself for a one-character Han
    run: the same tokens :func:`tokenize` makes in ``bigram`` mode, without building a Python
    string per bigram (two thirds of a chunk's tokens; string building and hashing were most
    of a 100k-chunk BM25 build)."""
    cp = np.frombuffer(text.encode("utf-32-le"), np.uint32).astype(np.int64)
    han = np.zeros(cp.size, bool)
    for lo, hi in _HAN_RANGES:
        han |= (cp >= lo) & (cp <= hi)
    pair = han[:-1] & han[1:]
    bigrams = (cp[:-1][pair] << 21) | cp[1:][pair]
    alone = han.copy()
    alone[1:] &= ~han[:-1]
    alone[:-1] &= ~han[1:]
    return np.concatenate([bigrams, cp[alone]])


def _key_text(key: int) -> str:
    return chr(key >> 21) + chr(key & 0x1FFFFF) if key >> 21 else chr(key)


class Tokens:
    """A corpus as token ids plus the vocabulary (token text → id), filled in order by ``add``."""

    def __init__(self, mode: str) -> None:
        _check_mode(mode)
        self.mode = mode
        self.vocab: dict[str, int] = {}
        self._keys = np.zeros(0, np.int64)  # bigram keys seen (see _han_keys), sorted
        self._key_ids = np.zeros(0, np.int32)  # their vocab ids
        self.docs = _CompactDocs()

    def _ids(self, words: list[str]) -> np.ndarray:
        vocab = self.vocab
        for w in dict.fromkeys(words):  # new words only; lookups below run as C-level map calls
            if w not in vocab:
                vocab[w] = len(vocab)
        return np.fromiter(map(vocab.__getitem__, words), np.int32, len(words))

    def _key_ids_of(self, keys: np.ndarray) -> np.ndarray:
        """Vocab ids of bigram keys; known keys are found by binary search over a sorted array,
        so only a key never seen before costs a Python step (its token text for ``vocab``)."""
        uniq, inverse = np.unique(keys, return_inverse=True)
        pos = np.searchsorted(self._keys, uniq)
        known = pos < self._keys.size
        known[known] = self._keys[pos[known]] == uniq[known]
        ids = np.empty(uniq.size, np.int32)
        ids[known] = self._key_ids[pos[known]]
        new = uniq[~known]
        vocab = self.vocab
        new_ids = np.fromiter(
            (vocab.setdefault(_key_text(k), len(vocab)) for k in new.tolist()), np.int32, new.size
        )
        ids[~known] = new_ids
        at = pos[~known]  # uniq is sorted, so these insert points keep _keys sorted
        self._keys, self._key_ids = (
            np.insert(self._keys, at, new),
            np.insert(self._key_ids, at, new_ids),
        )
        return ids[inverse.reshape(-1)]

    def add(self, texts: Iterable[str]) -> Tokens:
        """Append ``texts`` (the same tokens as :func:`tokenize`, in another order: BM25 only
        counts them). Words are looked up per batch; bigrams are int keys (:func:`_han_keys`)."""
        words: list[list[str]] = []
        keys: list[np.ndarray] = []
        for t in texts:
            t = t.lower()
            w = _WORD.findall(t)
            if "jieba" in self.mode:
                w += _jieba_tokens(t)
            k = _han_keys(t) if "bigram" in self.mode else np.zeros(0, np.int64)
            words.append(w if w or k.size else ["\x00"])
            keys.append(k)
        if not words:
            return self
        word_ids = np.split(
            self._ids([x for w in words for x in w]), np.cumsum([len(w) for w in words])[:-1]
        )
        key_ids = np.split(
            self._key_ids_of(np.concatenate(keys)), np.cumsum([k.size for k in keys])[:-1]
        )
        self.docs.extend(np.concatenate(pair) for pair in zip(word_ids, key_ids, strict=True))
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
        tokens = Tokens(mode).add(texts) if tokens is None else tokens
        if len(tokens.docs) != len(ids):
            raise ValueError(f"{len(tokens.docs)} tokenised texts for {len(ids)} ids")
        model = _bm25_model()
        model.index((tokens.docs, tokens.vocab), show_progress=False)
        return cls(model, ids, mode)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(str(folder))  # type: ignore[attr-defined]
        meta = {"ids": self.ids, "mode": self.mode}
        (folder / "ids.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        bm25s = _bm25s()
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
        vocab = self.model.vocab_dict  # type: ignore[attr-defined]
        indptr = self.model.scores["indptr"]  # type: ignore[attr-defined]
        n = len(self.ids)
        out = {}
        for t in set(tokens):
            tid = vocab.get(t)
            df = int(indptr[tid + 1] - indptr[tid]) if tid is not None else 0
            if df:
                out[t] = float(_idf(df, n))
        return out
