"""Which BM25 tokenizer should the project use? Retrieval metrics per tokenizer.

Building a BM25 index over the snapshot's chunks takes about a second, so every run scores
each tokenizer of ``index.bm25.MODES`` on the same (rewritten) gold queries, alone and fused
with the dense list by the configured fusion rule, as ``index.retrieve`` fuses them. Answers are not regenerated: the
tokenizer only changes which passages reach the answerer, and that is what is measured here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index import Hit, RetrievalSettings, Searcher
from index.bm25 import MODES, BM25Index
from index.embed import passage_text
from index.fusion import Candidates, rule_by_name

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


def _fused(
    searcher: Searcher, index: BM25Index, dense: list[Hit], q: str, n: int, fusion: str
) -> list[str]:
    """Passage texts of the top K under the configured rule, BM25 scored by ``index``."""
    kw = index.scores(q)
    pos = {cid: i for i, cid in enumerate(index.ids)}
    top = [index.ids[int(i)] for i in np.argsort(-kw, kind="stable")[:n] if kw[i] > 0]
    ids = list(dict.fromkeys([h.chunk.id for h in dense] + top))
    cos = {h.chunk.id: h.score for h in dense}
    qv = searcher.embedder.query(q)
    vecs = searcher._vectors([c for c in ids if c not in cos])
    c = Candidates(
        ids,
        np.array([cos[i] if i in cos else float(np.dot(qv, vecs[i])) for i in ids]),
        np.array([float(kw[pos[i]]) for i in ids]),
    )
    ranks = c.ranks(rule_by_name(fusion).scores(c))
    order = sorted(range(len(ids)), key=lambda i: ranks[i])[:K]
    return [searcher.chunks[ids[i]].text for i in order]


def compare_tokenizers(
    searcher: Searcher, queries: Sequence[Query], s: RetrievalSettings
) -> dict[str, dict]:
    """``{"bm25 <mode>": scores, "hybrid <mode>": scores}`` for every tokenizer mode, with the
    pool sizes and fusion rule of ``s`` (the run's retrieval section)."""
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets itself to DEBUG
    chunks = [searcher.chunks[cid] for cid in searcher.manifest.ids if cid in searcher.chunks]
    ids, texts = [c.id for c in chunks], [passage_text(c.title, c.text) for c in chunks]
    n = max(K, s.dense_k)
    dense = [searcher.dense(q.text, n) for q in queries]
    quotes = [q.quotes for q in queries]
    out: dict[str, dict] = {}
    for mode in MODES:
        index = BM25Index.build(ids, texts, mode)
        kw = [_keyword(index, searcher, q.text, max(K, s.bm25_k)) for q in queries]
        fused = [
            _fused(searcher, index, d, q.text, n, s.fusion)
            for d, q in zip(dense, queries, strict=True)
        ]
        out[f"bm25 {mode}"] = retrieval_scores([[h.chunk.text for h in w[:K]] for w in kw], quotes)
        out[f"hybrid {mode}"] = retrieval_scores(fused, quotes)
    return out
