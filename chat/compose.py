"""Candidate scoring and the answer's text: verbatim clauses, each cited ``[n]`` to a sentence.

No model generates text here, so nothing can be invented: the answer is the answering clause(s)
the reader (:mod:`chat.reader`) cut from whole sentences, and each citation is the whole
sentence with its raw offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.bm25 import tokenize

from .evidence import YEAR, Candidate, places
from .intent import Intent, has_date, has_number, has_unit
from .models import Citation
from .policy import POLICY


@dataclass
class Scored:
    cand: Candidate
    score: float
    lexical: float
    semantic: float
    scope: frozenset[str]  # question entities its article mentions


def score(
    query: str,
    focus: str,
    cands: list[Candidate],
    idf: dict[str, float],
    sims: np.ndarray | None,
    need: set[str],
    articles: dict[str, str],
    intent: Intent,
    mode: str,
    gazetteer: dict[str, str],
) -> list[Scored]:
    """Lexical (IDF-weighted overlap, the user's own words counting double) + rank prior; for
    English questions also ``sims`` (cross-lingual similarity; ``None`` for Chinese ones)."""
    weights = {t: idf[t] for t in tokenize(query, mode) if t in idf}  # unseen tokens prove nothing
    for t in tokenize(focus, mode):
        if t in weights:
            weights[t] *= POLICY.focus_boost
    for name in re.findall(r"《[^》]+》", focus):  # a document's name says what, not the answer
        for t in tokenize(name, mode):
            if t in weights:
                weights[t] *= POLICY.doc_name_weight
    total = sum(weights.values()) or 1.0
    english = intent.english
    out = []
    for i, c in enumerate(cands):
        toks = set(tokenize(c.text, mode))
        lex = sum(w for t, w in weights.items() if t in toks) / total
        sem = max(0.0, float(sims[i])) if sims is not None else 0.0
        prior = POLICY.rank_prior / (1 + c.hit.rank)
        if english:  # only numbers and Latin names can match lexically
            s = POLICY.lexical_weight_en * lex + POLICY.semantic_weight_en * sem + prior
        else:
            s = lex + prior
        if intent.number and not has_number(c.text):
            s *= POLICY.missing_number
        if intent.when and not has_date(c.text):
            s *= POLICY.missing_date
        if intent.unit and not has_unit(c.text, intent.unit):
            s *= POLICY.missing_unit
        if intent.count and re.search(rf"{intent.count}(?:大|项|个|条|类|方面)", c.text):
            s += POLICY.count_bonus  # "哪四项…" is answered where the text announces four items
        scope = covered_entities(c, need, articles, gazetteer)
        out.append(Scored(c, s, lex, sem, scope))
    return sorted(out, key=lambda x: (-x.score, x.cand.hit.rank, x.cand.pos))


def covered_entities(
    c: Candidate, need: set[str], articles: dict[str, str], gazetteer: dict[str, str]
) -> frozenset[str]:
    """Which named places/years a quote speaks for.

    A quote that names the entity covers it. A quote naming none of that kind (no place, no
    year) inherits its context: the chunk for years, the article for places. A quote naming a
    *different* place or year does not: in a regional round-up, 安徽's figure is not 四川's.
    """
    chunk = c.hit.chunk.title + c.hit.chunk.text
    article = articles.get(c.hit.chunk.article_id, chunk)
    own_places, own_years = places(c.text, gazetteer), set(YEAR.findall(c.text))
    out = set()
    for e in need:
        if e in c.text:
            out.add(e)
        elif e.isdigit():
            as_year = re.compile(rf"(?<!\d){e}(?=\s*(?:年|[-—–至到]))")
            chunk_years = set(YEAR.findall(chunk))
            if not own_years and (
                as_year.search(chunk) or (not chunk_years and as_year.search(article))
            ):
                out.add(e)
        elif not own_places and (e in chunk or (e in article and not places(chunk, gazetteer))):
            out.add(e)
    return frozenset(out)


COUNT = re.compile(r"([一二三四五六七八九十两]|\d+)(?:大|项|个|条|类|方面|点)")
ZH_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九十", 0)} | {"两": 2}
ITEM = re.compile(
    r"^(?:[一二三四五六七八九十]+是|[一二三四五六七八九十]+、|第[一二三四五六七八九十]+|[（(]?[一二三四五六七八九十\d]+[)）.、])"
)


def announced(text: str) -> int:
    """How many items a sentence announces (``提出四项措施`` → 4), 0 when none."""
    m = COUNT.search(text)
    if not m:
        return 0
    g = m.group(1)
    return int(g) if g.isdigit() else ZH_DIGIT.get(g, 0)


def items_after(best: Scored, scored: list[Scored], n: int, reach: int) -> list[Scored]:
    """``…提出四项保障措施。`` announces a list: the items (``一是…``) that follow it.

    "Follow" is reading order (chunk, then sentence), not raw offsets: a page's fragments may
    be out of order in the raw file.
    """

    def order(s: Scored) -> tuple[int, int]:
        return s.cand.hit.chunk.seq, s.cand.pos

    later = sorted(
        (
            s
            for s in scored
            if s.cand.hit.chunk.article_id == best.cand.hit.chunk.article_id
            and order(s) > order(best)
            and ITEM.match(s.cand.text)
        ),
        key=order,
    )
    out: list[Scored] = []
    for s in later:
        if out and order(s) == order(out[-1]):
            continue
        if s.cand.hit.chunk.seq - best.cand.hit.chunk.seq > max(1, reach * max(n, 1) // 400):
            break
        out.append(s)
    return out[:n] if n else out


def is_comparison(need: set[str], intent: Intent) -> bool:
    """Several places, or a multi-part question naming several years: quotes may split them."""
    places_named = [e for e in need if not e.isdigit()]
    return len(places_named) >= 2 or (intent.multi and len(need) - len(places_named) >= 2)


def citation(n: int, c: Candidate, copies: list[str] | None = None) -> Citation:
    ch = c.hit.chunk
    return Citation(
        n=n,
        source=ch.source,
        title=ch.title,
        byline=ch.byline,
        date=ch.date,
        outlet=ch.outlet,
        copies=copies or [],
        quote=c.text,
        start=c.start,
        end=c.end,
        chunk_id=ch.id,
        passage=ch.text,
    )


EN_PREFACE = "The sources are in Chinese; the passages that answer the question:\n"
