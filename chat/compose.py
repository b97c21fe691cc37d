"""Embedded answers: pick the quotes that answer the question, cite each one, or refuse.

No model generates text here, so nothing can be invented: the answer is a short sequence of
verbatim sentences or clauses, each followed by its ``[n]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.bm25 import tokenize

from .evidence import ASKS_NUMBER, NUMBER, Candidate, entities
from .models import Citation

CJK = re.compile(r"[\u4e00-\u9fff]")


def is_english(question: str) -> bool:
    return not CJK.search(question) and bool(re.search(r"[A-Za-z]", question))


@dataclass
class Scored:
    cand: Candidate
    score: float
    lexical: float
    semantic: float
    covers: bool  # mentions every place/year the question names


def score(
    question: str,
    cands: list[Candidate],
    idf: dict[str, float],
    q_vec: np.ndarray | None,
    c_vecs: np.ndarray | None,
    gazetteer: dict[str, str],
    mode: str,
) -> list[Scored]:
    """Lexical (IDF-weighted token overlap) + semantic (multilingual USE) + retrieval prior."""
    q_tokens = {t for t in tokenize(question, mode) if t in idf}  # unseen tokens prove nothing
    total = sum(idf.get(t, 0.0) for t in q_tokens) or 1.0
    english = is_english(question)
    need = entities(question, gazetteer)
    wants_number = bool(ASKS_NUMBER.search(question))
    out = []
    for i, c in enumerate(cands):
        lex = sum(idf.get(t, 0.0) for t in q_tokens & set(tokenize(c.text, mode))) / total
        sem = float(c_vecs[i] @ q_vec) if q_vec is not None and c_vecs is not None else 0.0
        scope = c.hit.chunk.title + c.hit.chunk.text
        covers = all(e in scope for e in need)
        prior = 1.0 / (1 + c.hit.rank)
        if english:  # only numbers and Latin names can match lexically
            s = 0.2 * lex + 0.8 * max(0.0, sem) + 0.15 * prior
        else:
            s = 0.6 * lex + 0.4 * max(0.0, sem) + 0.15 * prior
        if wants_number and NUMBER.search(c.text):
            s += 0.05
        out.append(Scored(c, s, lex, sem, covers))
    return sorted(out, key=lambda x: (-x.score, x.cand.hit.rank, x.cand.pos))


def select(scored: list[Scored], max_quotes: int = 3, max_chars: int = 360) -> list[Scored]:
    """The best quote plus close runners-up, then put back in reading order."""
    if not scored:
        return []
    best = scored[0]
    chosen = [best]
    size = len(best.cand.text)
    for s in scored[1:]:
        if len(chosen) == max_quotes or s.score < 0.8 * best.score or not s.covers:
            continue
        if size + len(s.cand.text) > max_chars or any(_overlaps(s, c) for c in chosen):
            continue
        chosen.append(s)
        size += len(s.cand.text)
    order = {c.cand.hit.chunk.article_id: c.cand.hit.rank for c in reversed(chosen)}
    return sorted(chosen, key=lambda s: (order[s.cand.hit.chunk.article_id], s.cand.start))


def _overlaps(a: Scored, b: Scored) -> bool:
    same = a.cand.hit.chunk.source == b.cand.hit.chunk.source
    return same and a.cand.start < b.cand.end and b.cand.start < a.cand.end


def citation(n: int, c: Candidate) -> Citation:
    ch = c.hit.chunk
    return Citation(
        n=n,
        source=ch.source,
        title=ch.title,
        byline=ch.byline,
        quote=c.text,
        start=c.start,
        end=c.end,
        chunk_id=ch.id,
        passage=ch.text,
    )


def compose(chosen: list[Scored], english: bool) -> tuple[str, list[Citation]]:
    cites = [citation(i + 1, s.cand) for i, s in enumerate(chosen)]
    body = "".join(f"{c.quote}[{c.n}]" for c in cites)
    if english:
        body = "The sources are in Chinese; the passages that answer the question:\n" + body
    return body, cites
