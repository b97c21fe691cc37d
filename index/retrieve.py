"""Hybrid retrieval with filters: fuse dense and BM25, one slot per story, prefer the asked period.

The pieces, in order: the searcher's candidate pool (dense top-n ∪ BM25 top-n, both scores for
every member, filters applied on both sides), the fusion rule (:mod:`index.fusion`, chosen by
``python -m eval fusion``), a boost for passages of the period the question names
(:mod:`index.period`), then one slot per story: syndicated copies in other files (ingest's
``copy_group``) ride along on the story's best hit instead of taking the slots of other
stories. An optional cross-encoder reranks the result.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ingest import Chunk

from .fusion import Candidates, rule_by_name
from .period import question_period, speaks_of
from .search import Hit, Searcher
from .settings import IndexStageSettings

# Added to a min-max-normalised fused score (range 0–1) when a passage concerns the period the
# question names. 0.1 lifts an on-period passage over an off-period one that scored within
# 10% of the pool's spread, never over a clearly better match. Measured with `python -m eval
# run` on the seeds gold and crud-dev (README, "Retrieval").
PERIOD_BONUS = 0.1


def _day(value: str, end: bool) -> int:
    """``2023``, ``2023-08`` or ``2023-08-14`` → ``YYYYMMDD`` (the period's first or last day)."""
    parts = value.strip().split("-")
    if not parts[0].isdigit() or len(parts[0]) != 4 or len(parts) > 3:
        raise ValueError(f"not a date: {value!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    y = int(parts[0])
    m = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
    d = int(parts[2]) if len(parts) > 2 else (31 if end else 1)
    if not (1 <= m <= 12 and 1 <= d <= 31):
        raise ValueError(f"not a date: {value!r}")
    return y * 10000 + m * 100 + d


@dataclass(frozen=True)
class Filters:
    """What the user restricted the search to; an article without a date fails a date filter."""

    since: str | None = None  # YYYY[-MM[-DD]], inclusive
    until: str | None = None
    outlets: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # file names or glob patterns, relative to the corpus folder

    def __post_init__(self) -> None:
        for v, end in ((self.since, False), (self.until, True)):
            if v:
                _day(v, end)  # fail at construction, with the user's value in the message

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.outlets or self.sources)

    def bounds(self) -> tuple[int, int]:
        lo = _day(self.since, False) if self.since else 0
        hi = _day(self.until, True) if self.until else 99991231
        return lo, hi

    def allows(self, c: Chunk, sources: set[str] | None) -> bool:
        if sources is not None and c.source not in sources:
            return False
        if self.outlets and (c.outlet or "") not in self.outlets:
            return False
        if self.since or self.until:
            lo, hi = self.bounds()
            digits = (c.date or "")[:10].replace("-", "")
            return digits.isdigit() and len(digits) == 8 and lo <= int(digits) <= hi
        return True

    def where(self, sources: set[str] | None) -> dict[str, Any] | None:
        """The same filter for Chroma (``date_num`` is YYYYMMDD, 0 when unknown)."""
        conds: list[dict[str, Any]] = []
        if sources is not None:
            conds.append({"source": {"$in": sorted(sources)}})
        if self.outlets:
            conds.append({"outlet": {"$in": list(self.outlets)}})
        if self.since or self.until:
            lo, hi = self.bounds()
            conds += [{"date_num": {"$gte": max(lo, 1)}}, {"date_num": {"$lte": hi}}]
        if not conds:
            return None
        return conds[0] if len(conds) == 1 else {"$and": conds}


def story(c: Chunk) -> str:
    """Syndicated copies of one report (ingest's copy group) are one story; other chunks are
    their own. Merging every chunk of an article into one slot was measured too: the
    article's best-scoring chunk is often not the one holding the answer, and crud-dev hit@5
    fell from 0.99 to 0.88 (`python -m eval run`), so chunks of one article keep their slots."""
    return c.copy_group or c.id


class Retriever:
    """Dense, keyword or fused retrieval over one committed index, with filters."""

    def __init__(self, settings: IndexStageSettings, searcher: Searcher | None = None) -> None:
        self.settings = settings
        self.searcher = searcher or Searcher(settings)
        self.rule = rule_by_name(settings.fusion)
        self._sources = sorted({c.source for c in self.searcher.chunks.values()})
        self._reranker: Any = None
        if settings.reranker:
            from sentence_transformers import CrossEncoder

            self._reranker = CrossEncoder(settings.reranker, device="cpu")

    def resolve_sources(self, patterns: tuple[str, ...] | list[str]) -> set[str]:
        """File names and globs (``2023-08-*.txt``) → the indexed sources they name."""
        out: set[str] = set()
        for p in patterns:
            out.update(s for s in self._sources if s == p or fnmatch.fnmatchcase(s, p))
        return out

    def retrieve(
        self,
        query: str,
        k: int | None = None,
        mode: str = "hybrid",
        sources: list[str] | None = None,
        filters: Filters | None = None,
    ) -> list[Hit]:
        """The top ``k`` stories' best passages for ``query`` (``mode``: hybrid|dense|bm25)."""
        s = self.settings
        k = k or s.top_k
        f = filters or Filters()
        if sources:
            f = replace(f, sources=f.sources + tuple(sources))
        allowed = self.resolve_sources(f.sources) if f.sources else None
        if allowed is not None and not allowed:
            return []
        pool = max(k, s.dense_k, s.bm25_k)
        ids, cos, bm = self.searcher.candidates(
            query, pool, f.where(allowed), (lambda c: f.allows(c, allowed)) if f else None
        )
        if not ids:
            return []
        cands = Candidates(ids, cos, bm)
        rule = rule_by_name(mode) if mode in ("dense", "bm25") else self.rule
        scores = _unit(rule.scores(cands))
        if (period := question_period(query)) is not None:
            chunks = self.searcher.chunks
            scores = scores + PERIOD_BONUS * np.array(
                [speaks_of(period, chunks[c].text, chunks[c].date) for c in ids], dtype=float
            )
        hits = self._stories(cands, scores, mode, k)
        if self._reranker is not None and hits:
            scored = self._reranker.predict([(query, h.chunk.text) for h in hits])
            ranked = sorted(zip(hits, scored, strict=True), key=lambda p: -float(p[1]))
            hits = [replace(h, score=float(sc), rank=i + 1) for i, (h, sc) in enumerate(ranked)]
        return hits

    def _stories(self, c: Candidates, scores: np.ndarray, mode: str, k: int) -> list[Hit]:
        """Best passage per story, in score order; the story's other passages ride along."""
        label = mode if mode in ("dense", "bm25") else "fused"
        order = sorted(range(len(c.ids)), key=lambda i: (-scores[i], c.ids[i]))
        best: dict[str, int] = {}
        also: dict[str, list[Chunk]] = {}
        for i in order:
            ch = self.searcher.chunks[c.ids[i]]
            key = story(ch)
            if key in best:
                also[key].append(ch)
            elif len(best) < k:
                best[key], also[key] = i, []
        return [
            Hit(
                self.searcher.chunks[c.ids[i]],
                float(scores[i]),
                label,
                rank + 1,
                tuple(also[key]),
            )
            for rank, (key, i) in enumerate(best.items())
        ]


def _unit(x: np.ndarray) -> np.ndarray:
    """Min-max to 0–1 over the pool, so bonuses mean the same under every fusion rule."""
    span = float(x.max() - x.min()) if x.size else 0.0
    return (x - x.min()) / span if span > 0 else np.ones_like(x, dtype=float)
