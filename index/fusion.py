"""Fusing the dense and BM25 lists: every candidate rule, as pure functions over both scores.

Each rule sees the same :class:`Candidates` (the union of both retrievers' top lists, with *both*
scores for every member: a passage BM25 found still has its cosine, and vice versa), so rules
differ only in how they combine, never in what they see. ``python -m eval fusion`` scores every
rule here on a gold set; ``RetrievalSettings.fusion`` names the one chosen by that measurement (README,
"Retrieval").

Own code rather than llama-index's ``QueryFusionRetriever``: its modes ignore per-retriever
weights (reciprocal rank) or normalise over each list separately (relative score), so a passage
missing from one list scores zero there instead of its real, measurable score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Candidates:
    """Candidate chunk ids with their cosine to the query and BM25 score (0 when no term hits)."""

    ids: list[str]
    dense: np.ndarray
    bm25: np.ndarray

    def ranks(self, scores: np.ndarray) -> np.ndarray:
        """1-based rank of each candidate under ``scores`` (ties broken by id, deterministically)."""
        order = sorted(range(len(self.ids)), key=lambda i: (-scores[i], self.ids[i]))
        out = np.empty(len(self.ids), dtype=np.int64)
        out[order] = np.arange(1, len(self.ids) + 1)
        return out


def _minmax(x: np.ndarray) -> np.ndarray:
    span = float(x.max() - x.min()) if x.size else 0.0
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


def _maxnorm(x: np.ndarray) -> np.ndarray:
    """Share of the best score: keeps how far ahead the leader is (min-max stretches a
    near-tie at the top of a flat list to the full 0–1 range)."""
    top = float(np.abs(x).max()) if x.size else 0.0
    return x / top if top > 0 else np.zeros_like(x)


def _zscore(x: np.ndarray) -> np.ndarray:
    sd = float(x.std()) if x.size else 0.0
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def rrf(c: Candidates, w_bm25: float = 0.5, k: int = 60) -> np.ndarray:
    """Weighted reciprocal-rank fusion: ``(1-w)/(k+rank_dense) + w/(k+rank_bm25)``."""
    return (1 - w_bm25) / (k + c.ranks(c.dense)) + w_bm25 / (k + c.ranks(c.bm25))


def convex(c: Candidates, w_bm25: float = 0.5, norm: str = "minmax") -> np.ndarray:
    """Convex combination of per-query normalised scores (``minmax``, ``zscore`` or ``max``)."""
    f = {"minmax": _minmax, "zscore": _zscore, "max": _maxnorm}[norm]
    return (1 - w_bm25) * f(c.dense) + w_bm25 * f(c.bm25)


def bm25_first(c: Candidates, top_n: int = 20, w_bm25: float = 0.5) -> np.ndarray:
    """BM25 decides the pool (its top ``n``), a convex min-max mix orders it; the rest follow."""
    pool = c.ranks(c.bm25) <= top_n
    mixed = convex(c, w_bm25)
    return np.where(pool, 1.0 + mixed, mixed - 1.0)


@dataclass(frozen=True)
class Rule:
    """A named fusion rule with its parameters, so eval can list and score every one."""

    name: str
    kind: str  # rrf | convex | bm25_first | dense | bm25
    w_bm25: float = 0.5
    norm: str = "minmax"
    k: int = 60
    top_n: int = 20

    def scores(self, c: Candidates) -> np.ndarray:
        if self.kind == "dense":
            return c.dense.astype(float)
        if self.kind == "bm25":
            return c.bm25 + 1e-6 * c.dense  # cosine only breaks BM25 ties (and all-zero lists)
        if self.kind == "rrf":
            return rrf(c, self.w_bm25, self.k)
        if self.kind == "convex":
            return convex(c, self.w_bm25, self.norm)
        if self.kind == "bm25_first":
            return bm25_first(c, self.top_n, self.w_bm25)
        raise ValueError(f"unknown fusion rule {self.kind!r}")


def candidate_rules() -> list[Rule]:
    """Every rule ``python -m eval fusion`` compares (the single retrievers first)."""
    weights = (0.5, 0.6, 0.7, 0.8, 0.9)
    rules = [Rule("dense", "dense"), Rule("bm25", "bm25")]
    rules += [Rule(f"rrf w={w}", "rrf", w) for w in weights]
    rules += [Rule(f"convex-minmax w={w}", "convex", w) for w in weights]
    rules += [Rule(f"convex-z w={w}", "convex", w, "zscore") for w in weights]
    rules += [Rule(f"convex-max w={w}", "convex", w, "max") for w in weights]
    rules += [Rule(f"bm25-first n=20 w={w}", "bm25_first", w) for w in (0.5, 0.7)]
    return rules


def rule_by_name(name: str) -> Rule:
    for r in candidate_rules():
        if r.name == name:
            return r
    raise ValueError(f"unknown fusion rule {name!r}: see `python -m eval fusion`")
