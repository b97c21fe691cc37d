"""Which BM25 tokenizer should the project use? Retrieval metrics per tokenizer.

Building a BM25 index over the snapshot's chunks takes about a second, so every run scores
each tokenizer of ``index.bm25.MODES`` on the same (rewritten) gold queries, alone and fused
with the dense list exactly as ``chat.retrieve`` fuses them. Answers are not regenerated: the
tokenizer only changes which passages reach the answerer, and that is what is measured here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from chat.retrieve import rrf
from index import Hit, Searcher
from index.bm25 import MODES, BM25Index
from index.embed import passage_text

from .metrics import evidence_recall, hit_at_k, rate, reciprocal_rank

K = 5


@dataclass(frozen=True)
class Query:
    """A gold question as retrieval sees it: the rewritten query and the gold quotes."""

    text: str
    quotes: tuple[str, ...]


def retrieval_scores(ranked: Sequence[Sequence[str]], quotes: Sequence[Sequence[str]]) -> dict:
    """hit@1/3/5, MRR and evidence recall over queries (ranked passage texts per query)."""
    pairs = list(zip(ranked, quotes, strict=True))
    return {
        "hit_at_1": rate([hit_at_k(p, q, 1) for p, q in pairs]),
        "hit_at_3": rate([hit_at_k(p, q, 3) for p, q in pairs]),
        "hit_at_5": rate([hit_at_k(p, q, K) for p, q in pairs]),
        "mrr": rate([reciprocal_rank(p, q) for p, q in pairs]),
        "evidence_recall": rate([evidence_recall(p, q) for p, q in pairs]),
    }


def _keyword(index: BM25Index, searcher: Searcher, query: str, k: int) -> list[Hit]:
    hits: list[Hit] = []
    for cid, score in index.search(query, k):
        if cid in searcher.chunks:
            hits.append(Hit(searcher.chunks[cid], score, "bm25", len(hits) + 1))
    return hits


def compare_tokenizers(searcher: Searcher, queries: Sequence[Query]) -> dict[str, dict]:
    """``{"bm25 <mode>": scores, "hybrid <mode>": scores}`` for every tokenizer mode."""
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets itself to DEBUG
    s = searcher.settings
    chunks = [searcher.chunks[cid] for cid in searcher.manifest.ids if cid in searcher.chunks]
    ids, texts = [c.id for c in chunks], [passage_text(c.title, c.text) for c in chunks]
    dense = [searcher.dense(q.text, s.dense_k) for q in queries]
    quotes = [q.quotes for q in queries]
    out: dict[str, dict] = {}
    for mode in MODES:
        index = BM25Index.build(ids, texts, mode)
        kw = [_keyword(index, searcher, q.text, max(K, s.bm25_k)) for q in queries]
        fused = [
            rrf([d, w], [s.dense_weight, s.bm25_weight], max(K, s.dense_k), s.rrf_k)
            for d, w in zip(dense, kw, strict=True)
        ]
        out[f"bm25 {mode}"] = retrieval_scores([[h.chunk.text for h in w[:K]] for w in kw], quotes)
        out[f"hybrid {mode}"] = retrieval_scores(
            [[h.chunk.text for h in f[:K]] for f in fused], quotes
        )
    return out
