"""From scored sentences to an answer: one reading per thing asked, lists gathered, text cited.

``read`` decides found/refused with the one threshold of :data:`chat.policy.POLICY`;
``render`` turns the picks into the answer (clauses, each ``[n]``), the short answer and the
evidence cards (whole sentences, one card per story with its copies listed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ingest import squash

from . import policy
from .compose import ITEM, Scored, announced, citation, items_after
from .models import Citation
from .policy import Policy
from .qtype import Ask, predicate
from .reader import Pick, Reading, clauses, read_one

LISTED = "资料列出了其中{n}项。"


def read(
    question: str,
    asks: list[Ask],
    scored: list[Scored],
    need: set[str],
    compare: bool,
    weights: Callable[[str], dict[str, float]],
    context: Callable[[Scored], str],
    p: Policy | None = None,
    english: bool = False,
    story: Callable[[Scored], str] | None = None,
) -> Reading:
    """The picks that answer each ask (per place when the question compares places)."""
    p = p or policy.POLICY  # looked up per call, so calibration can try other thresholds
    w_all = _stressed(weights(question), question, p)
    threshold = p.refusal_threshold * (p.refusal_scale_en if english else 1.0)
    groups: list[tuple[Ask, Callable[[Scored], bool]]] = []
    places = sorted(e for e in need if not e.isdigit())
    for ask in asks:
        if compare and len(places) >= 2:
            for e in places:
                groups.append((ask, lambda s, e=e: e in s.scope))
        elif compare:
            groups.append((ask, lambda s: bool(s.scope)))
        else:
            groups.append((ask, lambda s: s.scope == need))
    picks: list[Pick] = []
    best_cov = 0.0
    taken: set[tuple[str, int]] = set()
    for ask, ok in groups:
        w_own = _stressed(weights(ask.text), ask.text, p) if len(asks) > 1 else w_all
        w_ask = w_own
        if len(asks) > 1:  # a later part leans on the first part's subject
            w_ask = {**{k: 0.5 * v for k, v in w_all.items()}, **w_own}
        pk = read_one(
            ask, question, scored, w_all, w_ask, ok, context, p, w_own, frozenset(taken), story
        )
        if pk is not None and pk.span is not None:
            taken.add((pk.s.cand.hit.chunk.source, pk.s.cand.start + pk.span.start))
        if english and pk is not None and pk.s.score < p.english_min_score:
            continue
        best_cov = max(best_cov, pk.cov if pk is not None else 0.0)
        if pk is not None and pk.cov >= threshold:
            picks.append(pk)
    reading = Reading(found=bool(picks), picks=picks, cov=best_cov)
    if picks and picks[0].ask.listing:
        _gather(reading, scored, p)
    reading.short = "、".join(dict.fromkeys(pk.short for pk in reading.picks if pk.short))
    return reading


def _stressed(w: dict[str, float], question: str, p: Policy) -> dict[str, float]:
    """The asked-about word (:func:`chat.qtype.predicate`) weighs ``predicate_boost`` times;
    the words of a document's full name in 《》 weigh less, as news text abbreviates it."""
    pred = predicate(question)
    named = "".join(re.findall(r"《([^》]+)》", question)).lower()  # sentences say 《方案》
    out = {t: v * (p.predicate_boost if t == pred else 1.0) for t, v in w.items()}
    return {t: v * (p.doc_name_coverage if t in named else 1.0) for t, v in out.items()}


def _gather(reading: Reading, scored: list[Scored], p: Policy) -> None:
    """A list announced by its sentence (``提出四项措施``): its items, or say how many were found."""
    first = reading.picks[0]
    n = first.ask.count or announced(first.s.cand.text)
    inline = first.s.cand.text[first.win[0] : first.win[1]].count("、")
    if not n or inline >= n - 1:  # the items are in the sentence itself (甲、乙、丙等三家)
        return
    items = items_after(first.s, scored, n, p.list_reach)
    for it in items:
        text = it.cand.text
        cl = clauses(text) or [(0, len(text))]
        a, b = cl[0]
        if len(ITEM.sub("", text[a:b]).strip("，,：: ")) < 2 and len(cl) > 1:  # "一是，…"
            b = cl[1][1]
        reading.picks.append(Pick(it, first.ask, first.cov, first.score, (a, b), None, ""))
    if items:
        heads = [ITEM.sub("", pk.s.cand.text[pk.win[0] : pk.win[1]]) for pk in reading.picks[1:]]
        heads = [h.strip().rstrip("，,；;：:、。") for h in heads]
        first.short = "、".join(h for h in heads if h)
    if 0 < len(items) < n:
        reading.note = LISTED.format(n=len(items))


def render(
    reading: Reading, copies: Callable[[Any], list[str]], max_cards: int
) -> tuple[str, str, list[Citation]]:
    """``(answer, short_answer, citations)``: each sentence's window once, cited ``[n]``."""
    by_sent: dict[tuple[str, int, int], list[Pick]] = {}
    seen_text: dict[str, tuple[str, int, int]] = {}
    for pk in reading.picks:
        c = pk.s.cand
        key = (c.hit.chunk.source, c.start, c.end)
        same = seen_text.get(squash(c.text))  # a syndicated copy of a sentence already used
        by_sent.setdefault(same or key, []).append(pk)
        seen_text.setdefault(squash(c.text), key)
    cites: list[Citation] = []
    parts: list[str] = []
    for group in list(by_sent.values())[:max_cards]:
        c = group[0].s.cand
        a = min(pk.win[0] for pk in group)
        b = max(pk.win[1] for pk in group)
        n = len(cites) + 1
        cites.append(citation(n, c, copies(c.hit.chunk)))
        clause = c.text[a:b].strip().rstrip("，,；;：:、。")
        parts.append(f"{clause}[{n}]")
    return "；".join(parts) + ("。" if parts else ""), reading.short, cites


def closest_line(
    question: str, related: list[Citation], weights: Callable[[str], dict[str, float]]
) -> str:
    """One line after a refusal: what the closest passage says about the asked entity.

    The entity is the question's rarest word that the closest passage names; the line quotes
    the clause of that passage which holds it (the passage itself is listed under related).
    """
    if not related:
        return ""
    w = weights(question)
    quote = related[0].quote
    named = [t for t in sorted(w, key=lambda t: -w[t]) if t in quote.lower()]
    if not named:
        return ""
    a, b = next(((a, b) for a, b in clauses(quote) if named[0] in quote[a:b].lower()), (0, 0))
    clause = quote[a:b].strip().rstrip("，,；;：:、。")
    return f"资料中关于“{named[0]}”的最接近内容：{clause}（见相关段落1）。" if clause else ""
