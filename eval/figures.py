"""Figures of a claim and whose they are: a claimed figure must be a token of the cited
passages (:mod:`ingest.numbers`), with a compatible bound, and belong to what the claim says
it measures (:func:`owner`); dates belong to the nearest date stated before the fact."""

from __future__ import annotations

import re

from ingest import squash
from ingest.numbers import NumberToken, number_tokens, same_number

from .align import AND_FIGURE, Clause, Figure, Support, grams, spans
from .lexicon import BASELINE, DATE_UNITS, strip_preds

CLOCK = ("时", "分")  # units of a time of day: facts of their own, not the date of a fact

# Relative tolerance for a figure the claim states as approximate (约2.37亿 for 23696.80万):
# a half-percent covers rounding to three significant digits, not a different figure.
APPROX = 0.005

# Characters of the claim's counted thing (the words right after a figure) that another figure
# of the passage sentence shares and the owner does not: 2 (one word) tells 体验中心 from
# 体验馆; set on the dev claims.
STOLEN_RUN = 2
# Subject bigrams a rival figure's subject must share with the claim beyond the owner's, and
# bigrams of the owner's own subject the claim must lack, to call the figure misattributed:
# 2 leaves a shared generic word (营收, 企业) alone; set on the dev claims.
SUBJECT_MARGIN = 2

# Weight of the words a figure borrows from the previous clause (its subject there) against
# those of its own segment: lower lets "47家数字化车间" beat "36家智能工厂" sharing one lead
# clause, higher lets "266个项目…" keep the 深圳 of its lead clause; set on the dev claims.
PREV_WEIGHT = 0.5


def strip_figures(text: str) -> str:
    """The text with its figures blanked out (same length: offsets stay valid)."""
    for t in reversed(number_tokens(text)):
        text = text[: t.start] + " " * (t.end - t.start) + text[t.end :]
    return text


def bounds_ok(claim: NumberToken, passage: NumberToken) -> bool:
    """A claim may drop a bound ("1000亿元" for "超1000亿元") or round ("约"), but not state
    another ("超过" for "接近", "不低于" for "不超过")."""
    return (
        not claim.bound
        or claim.bound == passage.bound
        or (claim.bound == "~" and not passage.bound)
    )


def equal(c: NumberToken, p: NumberToken) -> bool:
    return same_number(c, p, APPROX if c.bound == "~" else 1e-9) and bounds_ok(c, p)


def competes(x: NumberToken) -> bool:
    """Figures whose owner is checked: amounts, counts, shares and clock times (a take-off
    at 8时05分 is not the landing at 11时10分); not dates, not bare labels (悟道2.0)."""
    if not x.unit:
        return x.value >= 1e4 and not re.fullmatch(r"[\d.,]+", x.text)  # "2600亿"
    return x.unit in CLOCK or not x.unit.startswith(("id:", *DATE_UNITS))


def overlap(claim_grams: set[str], text: str) -> int:
    return len(claim_grams & grams(text))


def owner(
    x: NumberToken, clause: str, context: str, sup: Support, anchored: set[str]
) -> Figure | str:
    """The passage figure that ``x`` states, or why it states none: among the figures of the
    same unit, the one whose context best matches the claim's words must equal ``x``."""
    hits = [f for f in sup.figures if equal(x, f.tok)]
    if not hits:
        return f"figure not in the cited passages: {x.text}"
    wide = grams(strip_figures(context)) & anchored
    if not competes(x):  # a label (5G, 2.0): no owner to check, but say where it is stated
        return max(hits, key=lambda f: overlap(wide, f.clause.prev + f.clause.text))
    near = near_weights(x, clause, anchored)

    mine = [t for t in number_tokens(clause) if t.unit.startswith(DATE_UNITS) and not competes(t)]

    def key(f: Figure) -> tuple[int, float, int, int]:
        own, prev = grams(f.near), grams(f.prev)  # a borrowed subject counts half
        return (
            sum(any(equal(d, t) for t in number_tokens(f.near)) for d in mine),
            round(
                sum(
                    w if b in own else w * PREV_WEIGHT if b in prev else 0.0
                    for b, w in near.items()
                ),
                6,
            ),
            overlap(wide, f.context),
            overlap(wide, f.clause.prev + f.clause.text),
        )

    rivals = [f for f in sup.figures if f.tok.unit == x.unit and competes(f.tok)] + hits
    best = max(key(f) for f in rivals)
    won = [f for f in hits if key(f) == best]
    if won:
        return won[0]
    top = next(f for f in rivals if key(f) == best)
    return f"{x.text} is the passage's figure for something else ({top.near[:30]})"


def near_weights(x: NumberToken, clause: str, anchored: set[str]) -> dict[str, float]:
    """The claim's words that say what ``x`` measures, weighted 1/(1+distance) from it; in a
    ``分别`` clause, the words of the list item that ``x`` belongs to, weighted 1."""
    if "分别" in clause:
        me = next((f for f in Support.of({0: clause}, [0]).figures if f.tok.start == x.start), None)
        if me is not None and me.near.find("分别") > 0:
            return {g: 1.0 for g in grams(me.near.split("分别")[0]) & anchored}
    out: dict[str, float] = {}
    text = strip_figures(clause)
    stop = next((i for i in range(x.end, len(text)) if text[i] in "、，,；;。"), len(text))
    text = text[:stop]  # what follows a figure past a separator is the next item's subject
    for i in range(len(text) - 1):
        g = grams(text[i : i + 2])
        if g and (b := next(iter(g))) in anchored:
            d = x.start - (i + 2) if i + 2 <= x.start else i - x.end
            out[b] = max(out.get(b, 0.0), 1.0 / (1 + max(0, d)))
    return out


def dates(text: str, unit: str) -> list[NumberToken]:
    """Dates of ``unit`` in ``text`` that date it (not a baseline: 较2022年, 2019年同期)."""
    toks = [t for t in number_tokens(text) if t.unit == unit]
    return [
        t
        for t in toks
        if not BASELINE.search(text[: t.start]) and not text[t.end :].startswith("同期")
    ]


def date_ok(x: NumberToken, c: Clause, pos: int, sup: Support) -> bool:
    """A date belongs to the last date of that unit stated before position ``pos`` of the
    passage (with the other end of its range); with none before, to any in the passage."""
    text = sup.passages[c.n]
    toks = [t for t in dates(text, x.unit) if t.start < pos]
    if not toks:
        return any(equal(x, t) for t in number_tokens(text))
    last = [toks[-1]]
    if len(toks) > 1 and re.fullmatch(r"\s*[-—~至到]\s*", text[toks[-2].end : toks[-1].start]):
        last.append(toks[-2])
    return any(equal(x, t) for t in last)


def _sides(text: str, start: int, end: int) -> tuple[str, str]:
    """The words before and after a figure at ``text[start:end]``, each up to the next figure."""
    toks = number_tokens(text)
    a = max((t.end for t in toks if t.end <= start), default=0)
    b = min((t.start for t in toks if t.start >= end), default=len(text))
    return squash(text[a:start]), squash(text[end:b])


def _prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def stolen(x: NumberToken, clause: str, got: Figure, sup: Support) -> str:
    """The claim says of ``x`` what the passage says of another figure of the same sentence:
    the counted thing after it (``1-2个…体验中心`` where the passage counts 体验馆 and the
    中心 are another figure's), or its subject (``市域新能源汽车营收超7300亿元`` where the
    passage's 7300亿元 is 电子信息制造业营收 and 市域新能源汽车 has its own figure)."""
    text = AND_FIGURE.sub("、", clause)
    a, b = next(((a, b) for a, b in spans(text, "、，,；;：:") if a <= x.start < b), (0, len(text)))
    before, after = _sides(clause[a:b], x.start - a, x.end - a)
    mine = grams(strip_preds(before))

    def sides(f: Figure) -> tuple[str, str]:
        i = max(0, f.near.find(f.tok.text))
        return _sides(f.near, i, i + len(f.tok.text))

    own_before, own_after = sides(got)
    own = len(mine & (grams(strip_preds(own_before)) | grams(got.prev)))
    for f in sup.figures:
        if (
            f.clause.sent != got.clause.sent
            or f.near == got.near
            or not competes(f.tok)
            or equal(x, f.tok)  # the same figure stated twice (headline and body)
        ):
            continue
        f_before, f_after = sides(f)
        if _prefix(after, f_after) >= STOLEN_RUN and _prefix(after, f_after) > _prefix(
            after, own_after
        ):
            return f"“{after[: _prefix(after, f_after)]}” is what the passage counts with another figure"
        if f.clause is got.clause and "分别" in f.near and "分别" in got.near:
            item, mine_item = (grams(g.near.split("分别")[0]) for g in (f, got))
            said = mine if "分别" not in clause else set(near_weights(x, clause, mine | item))
            if len(said & (item - mine_item)) > len(said & (mine_item - item)):
                return f"{x.text} is the passage's figure for {f.near.split('分别')[0]}"
        if f.clause.idx == 0 < got.clause.idx:  # the sentence's topic: later clauses inherit it
            continue
        theirs = len(mine & grams(strip_preds(f_before)))
        if theirs > own + SUBJECT_MARGIN and len(grams(own_before) - mine) >= SUBJECT_MARGIN:
            return f"{x.text} belongs to another subject of the passage"
    return ""
