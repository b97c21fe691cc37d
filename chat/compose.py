"""Embedded answers: pick the quotes that answer the question, cite each one, or refuse.

No model generates text here, so nothing can be invented: the answer is a short sequence of
verbatim sentences or clauses, each followed by its ``[n]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.bm25 import tokenize

from .evidence import YEAR, Candidate, places
from .intent import SPEAKER, Intent, has_date, has_number, has_unit, is_english
from .models import Citation


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
    sims: np.ndarray,
    need: set[str],
    articles: dict[str, str],
    intent: Intent,
    mode: str,
    gazetteer: dict[str, str],
) -> list[Scored]:
    """Lexical (IDF-weighted overlap, the user's own words counting double) + semantic + prior."""
    weights = {t: idf[t] for t in tokenize(query, mode) if t in idf}  # unseen tokens prove nothing
    for t in tokenize(focus, mode):
        if t in weights:
            weights[t] *= 2
    for name in re.findall(r"《[^》]+》", focus):  # a document's name says what, not the answer
        for t in tokenize(name, mode):
            if t in weights:
                weights[t] *= 0.5
    total = sum(weights.values()) or 1.0
    english = is_english(focus)
    out = []
    for i, c in enumerate(cands):
        toks = set(tokenize(c.text, mode))
        lex = sum(w for t, w in weights.items() if t in toks) / total
        sem = max(0.0, float(sims[i]))
        prior = 1.0 / (1 + c.hit.rank)
        if english:  # only numbers and Latin names can match lexically
            s = 0.25 * lex + 0.75 * sem + 0.15 * prior
        else:
            s = 0.6 * lex + 0.4 * sem + 0.15 * prior
        if intent.number and not has_number(c.text):
            s *= 0.7
        if intent.when and not has_date(c.text):
            s *= 0.8
        if intent.unit and not has_unit(c.text, intent.unit):
            s *= 0.8
        if intent.who and SPEAKER.search(c.text):
            s += 0.05
        if intent.count and re.search(rf"{intent.count}(?:大|项|个|条|类|方面)", c.text):
            s += 0.3  # "哪四项…" is answered where the text announces four items
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


def select(
    scored: list[Scored], need: set[str], intent: Intent, max_chars: int = 420
) -> list[Scored]:
    """The best quote, quotes covering entities still missing, then close runners-up."""
    if not scored:
        return []
    compare = is_comparison(need, intent)

    def fits(x: Scored) -> bool:
        unit_ok = not intent.unit or has_unit(x.cand.text, intent.unit)
        return (
            (compare or x.scope == need)
            and unit_ok
            and (not intent.number or has_number(x.cand.text))
        )

    best = next((x for x in scored if fits(x) and x.score >= 0.5 * scored[0].score), scored[0])
    chosen = [best]
    covered = set(best.scope)
    floor = intent.floor
    size = len(best.cand.text)
    limit = max_chars * (2 if intent.listing else 1)
    for s in scored[1:]:
        if len(chosen) >= intent.max_quotes or size + len(s.cand.text) > limit:
            continue
        adds_entity = compare and bool(s.scope - covered) and s.score >= 0.5 * best.score
        if not adds_entity and (s.score < floor * best.score or s.scope != best.scope):
            continue
        if any(_overlaps(s, c) for c in chosen):
            continue
        chosen.append(s)
        covered |= s.scope
        size += len(s.cand.text)
    if intent.who:
        chosen += _attributions(chosen, scored)
    if intent.listing:
        chosen += _enumeration(best, scored, chosen, intent)
    order = {c.cand.hit.chunk.article_id: c.cand.hit.rank for c in reversed(chosen)}
    return sorted(chosen, key=lambda s: (order[s.cand.hit.chunk.article_id], s.cand.start))


def _attributions(chosen: list[Scored], scored: list[Scored]) -> list[Scored]:
    """A quoted statement whose speaker is named in the next short sentence (``”X告诉记者。``)."""
    extra = []
    for c in chosen:
        if SPEAKER.search(c.cand.text):
            continue
        for s in scored:
            nxt = s.cand
            follows = nxt.hit.chunk.id == c.cand.hit.chunk.id and 0 < nxt.pos - c.cand.pos <= 3
            if follows and len(nxt.text) <= 30 and SPEAKER.search(nxt.text) and s not in chosen:
                extra.append(s)
                break
    return extra


COUNT = re.compile(r"([一二三四五六七八九十两]|\d+)(?:大|项|个|条|类|方面|点)")
ZH_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九十", 0)} | {"两": 2}


def _enumeration(
    best: Scored, scored: list[Scored], chosen: list[Scored], intent: Intent
) -> list[Scored]:
    """``…提出四项保障措施。`` announces a list: quote the items (``一是…``) that follow it."""
    m = COUNT.search(best.cand.text)
    n = (int(m.group(1)) if m.group(1).isdigit() else ZH_DIGIT.get(m.group(1), 0)) if m else 0
    later = sorted(
        (
            s
            for s in scored
            if s.cand.hit.chunk.article_id == best.cand.hit.chunk.article_id
            and s.cand.start > best.cand.start
            and ITEM.match(s.cand.text)
            and s not in chosen
        ),
        key=lambda s: s.cand.start,
    )
    items: list[Scored] = []
    for s in later:
        if items and s.cand.start < items[-1].cand.end:
            continue
        items.append(s)
    near = [s for s in items if s.cand.start - best.cand.end < 300 * max(n, 1)]
    return near[:n] if m else []


ITEM = re.compile(
    r"^(?:[一二三四五六七八九十]+是|[一二三四五六七八九十]+、|第[一二三四五六七八九十]+|[（(]?[一二三四五六七八九十\d]+[)）.、])"
)


def _overlaps(a: Scored, b: Scored) -> bool:
    same = a.cand.hit.chunk.source == b.cand.hit.chunk.source
    return same and a.cand.start < b.cand.end and b.cand.start < a.cand.end


def is_comparison(need: set[str], intent: Intent) -> bool:
    """Several places, or a multi-part question naming several years: quotes may split them."""
    places_named = [e for e in need if not e.isdigit()]
    return len(places_named) >= 2 or (intent.multi and len(need) - len(places_named) >= 2)


def supported(chosen: list[Scored], need: set[str], intent: Intent, threshold: float) -> bool:
    """Found only when the quotes score well, cover every named place/year and the asked unit.

    One quote must cover all of them, unless the question compares several places.
    """
    if intent.english:  # cross-lingual similarities run lower than same-language ones
        threshold *= 0.8
    if not chosen or max(c.score for c in chosen) < threshold:
        return False
    if is_comparison(need, intent):
        return need <= set().union(*(c.scope for c in chosen))
    top = max(chosen, key=lambda c: c.score)
    return top.scope == need and (not intent.unit or has_unit(top.cand.text, intent.unit))


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
    return "".join(f"{c.quote}[{c.n}]" for c in cites), cites


EN_PREFACE = "The sources are in Chinese; the passages that answer the question:\n"
