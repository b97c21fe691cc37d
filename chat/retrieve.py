"""Hybrid retrieval: dense (Chroma) ⊕ Chinese BM25, fused by weighted reciprocal rank.

Own RRF rather than llama-index's ``QueryFusionRetriever``: its reciprocal-rank mode ignores
retriever weights and the RRF constant, and its constructor resolves an LLM even when no query
generation is wanted, which fails offline without a key.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from index import Hit, Searcher
from ingest import Settings


def rrf(lists: list[list[Hit]], weights: list[float], k: int, c: int = 60) -> list[Hit]:
    """Weighted reciprocal-rank fusion: score = Σ w / (c + rank)."""
    scores: dict[str, float] = {}
    first: dict[str, Hit] = {}
    for hits, w in zip(lists, weights, strict=True):
        for h in hits:
            scores[h.chunk.id] = scores.get(h.chunk.id, 0.0) + w / (c + h.rank)
            first.setdefault(h.chunk.id, h)
    order = sorted(scores, key=lambda cid: (-scores[cid], cid))[:k]
    return [
        replace(first[cid], score=scores[cid], retriever="fused", rank=i + 1)
        for i, cid in enumerate(order)
    ]


class Retriever:
    """Dense, keyword or hybrid retrieval with optional source filter and cross-encoder."""

    def __init__(self, settings: Settings, searcher: Searcher | None = None) -> None:
        self.settings = settings
        self.searcher = searcher or Searcher(settings)
        self._reranker: Any = None
        if settings.reranker:
            from sentence_transformers import CrossEncoder

            self._reranker = CrossEncoder(settings.reranker, device="cpu")

    def retrieve(
        self,
        query: str,
        k: int | None = None,
        mode: str = "hybrid",
        sources: list[str] | None = None,
    ) -> list[Hit]:
        s = self.settings
        k = k or s.top_k
        if mode == "dense":
            hits = self.searcher.dense(query, max(k, s.dense_k), sources)
        elif mode == "bm25":
            hits = self.searcher.keyword(query, max(k, s.bm25_k), sources)
        else:
            dense = self.searcher.dense(query, s.dense_k, sources)
            kw = self.searcher.keyword(query, s.bm25_k, sources)
            hits = rrf([dense, kw], [s.dense_weight, s.bm25_weight], max(k, s.dense_k), s.rrf_k)
        if self._reranker is not None and hits:
            scores = self._reranker.predict([(query, h.chunk.text) for h in hits])
            ranked = sorted(zip(hits, scores, strict=True), key=lambda p: -float(p[1]))
            hits = [replace(h, score=float(sc), rank=i + 1) for i, (h, sc) in enumerate(ranked)]
        return hits[:k]
