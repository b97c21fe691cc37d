"""The reader: find the span that answers, cut the shortest clause that holds it, or refuse.

For each thing asked (:mod:`chat.qtype`), the best-scored sentences are read for spans of the
expected type (:mod:`chat.spans`). A sentence counts when it satisfies the question's
constraints: the IDF-weighted share of the question's content words it (or, at a discount,
its headline and neighbours) contains is its *coverage*. The answer is the shortest run of
clauses holding the span and most of that coverage, cited ``[n]`` to the whole sentence; the
short answer is the span. No sentence with a span above the one refusal threshold → refusal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .binding import PLURAL, bound, several, subject
from .clauses import clauses, coverage, credit
from .compose import Scored, announced
from .policy import Policy
from .qtype import NUMBER_ASK, Ask, content
from .slot import frame, slot
from .spans import Span, spans

LEAD = re.compile(r"^[的了是为将在以对与和及并而且即：:，,、\s]+")
TRAIL = re.compile(r"[的了是为将在以对与和及并，,、；;：:\s。]+$")


@dataclass
class Pick:
    """One answering sentence: the scored candidate, its span and its clause window."""

    s: Scored
    ask: Ask
    cov: float
    score: float
    win: tuple[int, int]
    span: Span | None
    short: str


@dataclass
class Reading:
    found: bool
    picks: list[Pick] = field(default_factory=list)
    short: str = ""
    note: str = ""  # 资料列出了其中X项
    cov: float = 0.0  # the best pick's coverage before the threshold: what calibration reads


def terms(
    question: str, idf: Callable[[list[str]], dict[str, float]], unseen: float
) -> dict[str, float]:
    """Content words of the question and their weights (IDF; words the corpus lacks: ``unseen``)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    words: list[str] = []
    for run in content(question):
        for w in jieba.lcut(run):
            w = w.strip().lower()
            if (len(w) >= 2 or (w.isascii() and w.isalnum())) and w not in words:
                words.append(w)
    known = idf(["w:" + w for w in words])
    grams = idf([w[i : i + 2] for w in words for i in range(len(w) - 1)] + words)
    out = {}
    for w in words:
        if "w:" + w in known:
            out[w] = known["w:" + w]
        elif w in grams:
            out[w] = grams[w]
        else:
            bg = [grams.get(w[i : i + 2], unseen) for i in range(len(w) - 1)]
            out[w] = max(bg) if bg else unseen
    return out


def window(
    text: str, span: tuple[int, int] | None, w: dict[str, float], p: Policy
) -> tuple[int, int]:
    """The shortest clause run holding ``span`` and ``window_keep`` of the sentence's coverage."""
    cl = clauses(text)
    if not cl:
        return 0, len(text)
    full = coverage(text, "", w, 0.0)
    best: tuple[float, int, int] | None = None
    for i in range(len(cl)):
        for j in range(i, len(cl)):
            a, b = cl[i][0], cl[j][1]
            if span is not None and not (a <= span[0] and span[1] <= b):
                continue
            if b - a > p.window_chars and (i != j):
                continue
            cov = coverage(text[a:b], "", w, 0.0)
            good = cov >= p.window_keep * full - 1e-9
            key = (0 if good else 1, (b - a) if good else -cov, a)
            if best is None or key < best:
                best = key  # type: ignore[assignment]
                chosen = (a, b)
    if best is None:
        return (span[0], span[1]) if span else (0, len(text))
    return chosen


def extend(
    text: str, win: tuple[int, int], question: str, p: Policy, words: tuple[str, ...] = ()
) -> tuple[int, int]:
    """Grow a description's window over following clauses until, after the last of the
    question's ``words`` it holds, it says something new.

    ``会议探讨了以下主题：`` or ``…业绩预告显示，`` holds the question's words; the answer is
    the next clause.
    """
    a, b = win
    low = text.lower()
    for _, end in [c for c in clauses(text) if c[0] >= b]:
        last = max(
            (low.rfind(w, a, b) + len(w) for w in words if low.rfind(w, a, b) >= 0), default=a
        )
        if len(novel(text[last:b], question)) >= p.min_novel or end - a > p.window_chars:
            break
        b = end
    return a, b


def novel(text: str, question: str) -> str:
    """The longest run of ``text`` the question does not already say (a description's gist)."""
    q = question.lower()
    low = text.lower()
    said = [False] * len(text)
    for i in range(len(text) - 1):
        if low[i : i + 2] in q:
            said[i] = said[i + 1] = True
    best, cur_start = (0, 0), None
    for i, s in enumerate([*said, True]):
        if not s and cur_start is None:
            cur_start = i
        elif s and cur_start is not None:
            if i - cur_start > best[1] - best[0]:
                best = (cur_start, i)
            cur_start = None
    out = text[best[0] : best[1]]
    out = TRAIL.sub("", LEAD.sub("", out))
    return out if len(re.sub(r"\W", "", out)) >= 2 else ""


def _unit_ok(span: Span, unit: str | None) -> bool:
    if not unit:
        return True
    core = unit if unit.endswith("元") and len(unit) > 1 else unit[-1]
    return core in span.text


def _number_asked(span: str, question: str) -> bool:
    """The span says no more than a number the question already gives (``2025年`` for "target
    for 2025"); ``2020年年底`` still answers "when" in a question about 2020's plans."""
    core = re.sub(r"[^\d.]", "", span).strip(".")
    if not core or re.search(rf"(?<![\d.]){re.escape(core)}(?![\d.])", question) is None:
        return False
    rest = re.sub(r"[\d.,\s]+", "", span)
    return question.isascii() or rest in question or len(rest) <= 1


def _typed_spans(text: str, ask: Ask, question: str) -> list[Span]:
    """Spans of the asked type that the question does not already state (no restatement)."""
    q = question
    return [
        s
        for s in spans(text, ask.kinds, ask.unit if NUMBER_ASK.search(ask.text) else None)
        if s.text not in q
        and not _number_asked(s.text, q)
        and _unit_ok(s, ask.unit)
        and not (s.kind == "date" and re.fullmatch(r"\d{4}年", s.text) and "年" not in ask.text)
    ]


def read_one(
    ask: Ask,
    question: str,
    scored: list[Scored],
    w_all: dict[str, float],
    w_ask: dict[str, float],
    ok: Callable[[Scored], bool],
    context: Callable[[Scored], str],
    p: Policy,
    w_own: dict[str, float] | None = None,
    taken: frozenset[tuple[str, int]] = frozenset(),
    story: Callable[[Scored], str] | None = None,
) -> Pick | None:
    """The best answering sentence for one ask among the top ``read_top`` candidates.

    ``w_own`` are the ask's own words (a later part of a multi-part question): the span they
    sit next to answers it. ``taken`` are spans an earlier part already answered with.
    ``story`` is a sentence's whole article: the question's subject must occur there (a news
    sentence names its subject once, paragraphs earlier). Gating on the chunk instead cost
    seeds facts 0.685 → 0.646 at the same threshold and refusal rates (``eval.calibrate``).
    """
    w_own = w_own or w_ask
    top = scored[0].score if scored else 1.0
    best: Pick | None = None
    subj = subject(w_all, question)
    # article (or, with no story, chunk) → whether it names the subject: read once, not per sentence
    named: dict[str, bool] = {}

    def about(s: Scored) -> bool:
        chunk = s.cand.hit.chunk
        key = chunk.article_id if story is not None else chunk.id
        if key not in named:
            text = story(s) if story is not None else chunk.title + chunk.text
            named[key] = bool(credit(subj, text.lower()))
        return named[key]

    frame_ = frame(ask.text) if not ask.typed else ([], "")
    for s in scored[: p.read_top]:
        if not ok(s) or (subj and not about(s)):
            continue
        text = s.cand.text
        cov = coverage(text, context(s), w_all, p.context_credit)
        bind = 0.0
        if ask.typed:
            key = s.cand.hit.chunk.source, s.cand.start
            found = [
                sp
                for sp in _typed_spans(text, ask, question)
                if (key[0], key[1] + sp.start) not in taken
            ]
            if not found:
                continue
            span = max(found, key=lambda sp: (bound(text, sp, w_own, p), -sp.start))
            bind = bound(text, span, w_own, p)
            win = window(text, (span.start, span.end), w_ask, p)
            short = span.text
            if PLURAL.search(ask.text):  # 甲、乙分别增长多少: every figure bound to an item
                win, short = several(text, found, span, bind, win, w_own, p)
        else:
            filled = slot(text, question, *frame_) if frame_[0] or frame_[1] else None
            if filled is not None:
                win = window(text, filled, w_ask, p)
                short = TRAIL.sub("", LEAD.sub("", text[filled[0] : filled[1]]))
            else:
                win = extend(text, window(text, None, w_ask, p), question, p, tuple(w_ask))
                short = novel(text[win[0] : win[1]], question)
            if not short and not (ask.listing and announced(text)):  # items follow it
                continue
            span = None
            bind = coverage(text[win[0] : win[1]], "", w_own, 0.0)
            bind += p.slot_weight if filled is not None else 0.0
        score = cov + p.cand_weight * (s.score / top if top > 0 else 0.0) + p.bind_weight * bind
        if best is None or score > best.score:
            best = Pick(s, ask, cov, score, win, span, short)
    return best


def unseen_weight(n_docs: int) -> float:
    """The IDF a word no passage contains would have: the rarest possible."""
    return math.log(1 + (n_docs + 0.5) / 0.5)
