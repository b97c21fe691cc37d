"""One small, pure function per metric (ragas style), so each can be tested on hand-made input.

"Same text" is always :func:`ingest.squash` (whitespace and private-use/control glyphs
removed), the project's single definition; :func:`normalize` only adds case-folding so that
English facts such as ``5G`` match ``5g``.

Matching a gold quote to a retrieved chunk: the chunk contains the squashed quote, or, because
a quote may straddle a chunk boundary (chunks overlap by one sentence, but not always enough),
at least :data:`BIGRAM_OVERLAP` of the quote's character bigrams occur in the chunk. Bigrams are
taken over letters, digits and CJK only, so punctuation differences do not count.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from ingest import squash

BIGRAM_OVERLAP = 0.6
_NON_WORD = re.compile(r"[\W_]+")


class Quoted(Protocol):
    """What a citation needs for the citation metrics (``chat.models.Citation`` fits)."""

    source: str
    quote: str
    start: int
    end: int


# --- text helpers ---------------------------------------------------------------------------


def normalize(text: str) -> str:
    """The comparison key: ``squash`` plus case-folding."""
    return squash(text).casefold()


def bigrams(text: str) -> set[str]:
    """Character bigrams of the letters/digits/CJK of ``text`` (a lone character is its own)."""
    s = _NON_WORD.sub("", normalize(text))
    if len(s) < 2:
        return {s} if s else set()
    return {s[i : i + 2] for i in range(len(s) - 1)}


def bigram_overlap(part: str, whole: str) -> float:
    """Share of ``part``'s bigrams that occur in ``whole`` (0.0 when ``part`` has none)."""
    grams = bigrams(part)
    return len(grams & bigrams(whole)) / len(grams) if grams else 0.0


def contains_quote(passage: str, quote: str) -> bool:
    """A passage holds a gold quote: verbatim (squashed), or most of it across a boundary."""
    q = normalize(quote)
    return bool(q) and (q in normalize(passage) or bigram_overlap(quote, passage) >= BIGRAM_OVERLAP)


# --- retrieval ------------------------------------------------------------------------------


def relevant_ranks(passages: Sequence[str], quotes: Sequence[str]) -> list[int]:
    """1-based ranks of the passages that contain at least one gold quote."""
    return [i + 1 for i, p in enumerate(passages) if any(contains_quote(p, q) for q in quotes)]


def hit_at_k(passages: Sequence[str], quotes: Sequence[str], k: int) -> float:
    """1.0 when any of the top ``k`` passages contains a gold quote."""
    return 1.0 if relevant_ranks(passages[:k], quotes) else 0.0


def reciprocal_rank(passages: Sequence[str], quotes: Sequence[str]) -> float:
    """1 / rank of the first relevant passage (0.0 when none is); its mean is MRR."""
    ranks = relevant_ranks(passages, quotes)
    return 1.0 / ranks[0] if ranks else 0.0


def evidence_recall(passages: Sequence[str], quotes: Sequence[str]) -> float:
    """Share of gold quotes found in some retrieved passage (list questions need them all)."""
    if not quotes:
        return 0.0
    return sum(any(contains_quote(p, q) for p in passages) for q in quotes) / len(quotes)


# --- correctness ----------------------------------------------------------------------------


def facts_present(answer: str, facts: Sequence[Sequence[str]]) -> bool:
    """Every fact group has at least one alternative in the answer (squash on both sides)."""
    text = normalize(answer)
    return all(any(normalize(alt) in text for alt in group) for group in facts)


def fact_correct(answer: str, found: bool, facts: Sequence[Sequence[str]]) -> bool:
    """An answerable item is right when it was answered and states every gold fact."""
    return found and facts_present(answer, facts)


def refusal_correct(found: bool) -> bool:
    """An unanswerable item is right when the system refused (``found`` is false)."""
    return not found


def false_refusal(found: bool) -> bool:
    """An answerable item that the system refused."""
    return not found


# --- faithfulness and citations -------------------------------------------------------------


def faithfulness(supported: Sequence[bool]) -> float | None:
    """Supported claims / claims; ``None`` for a refusal, which makes no claim."""
    return sum(supported) / len(supported) if supported else None


@lru_cache(maxsize=32)
def _squash_map(raw: str) -> tuple[str, tuple[int, ...]]:
    """``squash(raw)`` and, for each of its characters, the index in ``raw``."""
    kept = [(i, ch) for i, ch in enumerate(raw) if squash(ch)]
    return "".join(ch for _, ch in kept), tuple(i for i, _ in kept)


def locate(quote: str, raw: str) -> tuple[int, int] | None:
    """Raw offsets ``(start, end)`` of the first occurrence of a quote, ignoring whitespace."""
    q = squash(quote)
    text, offsets = _squash_map(raw)
    pos = text.find(q) if q else -1
    if pos < 0:
        return None
    return offsets[pos], offsets[pos + len(q) - 1] + 1


def citation_valid(cite: Quoted, raw: str | None) -> bool:
    """The quote traces to its offsets: ``squash(raw[start:end]) == squash(quote)``."""
    if raw is None or not (0 <= cite.start < cite.end <= len(raw)):
        return False
    return bool(squash(cite.quote)) and squash(raw[cite.start : cite.end]) == squash(cite.quote)


def evidence_cited(
    source: str, quote: str, span: tuple[int, int] | None, cites: Sequence[Quoted]
) -> bool:
    """A gold quote is cited when a citation overlaps it: same source and overlapping raw
    offsets, or (offsets unknown or shifted) ≥ :data:`BIGRAM_OVERLAP` of its bigrams quoted."""
    for c in cites:
        if c.source != source:
            continue
        if span is not None and c.start < span[1] and span[0] < c.end:
            return True
        if bigram_overlap(quote, c.quote) >= BIGRAM_OVERLAP:
            return True
    return False


# --- aggregation ----------------------------------------------------------------------------


def rate(flags: Sequence[bool | float]) -> float | None:
    """Mean of flags or scores; ``None`` when there is nothing to average (not 0: unknown)."""
    return float(sum(flags)) / len(flags) if flags else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0–100): always a value that was actually observed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# --- the reader's answer shape ---------------------------------------------------------------


def median_length(answers: Sequence[str]) -> float | None:
    """Median character length of the answers given (refusals excluded by the caller)."""
    return float(statistics.median(len(a) for a in answers)) if answers else None


def short_answer_match(short: str, facts: Sequence[Sequence[str]], gold: str = "") -> bool:
    """The short answer states a gold fact, or is itself part of the gold answer.

    Containment either way: ``2300万美元至2600万美元之间`` matches the fact ``2300万美元至2600万美元``
    and ``首尔家庭法院`` matches a short answer ``家庭法院`` only through the gold answer text.
    """
    s = normalize(short)
    if not s:
        return False
    alts = [normalize(a) for g in facts for a in g] + ([normalize(gold)] if gold else [])
    return any(a and (a in s or (s in a and 2 * len(s) >= len(a))) for a in alts)


def refusal_breakdown(answerable: Sequence[bool], found: Sequence[bool]) -> dict[str, int]:
    """Counts of right and wrong refusals and answers: the confusion matrix of ``found``."""
    pairs = list(zip(answerable, found, strict=True))
    return {
        "answered_answerable": sum(a and f for a, f in pairs),
        "refused_answerable": sum(a and not f for a, f in pairs),
        "refused_unanswerable": sum(not a and not f for a, f in pairs),
        "answered_unanswerable": sum(not a and f for a, f in pairs),
    }


# --- faithfulness that means something in embedded mode ------------------------------------


def supported_relevant(facts: Sequence[Sequence[str]], supported_quotes: Sequence[str]) -> bool:
    """Answer-level "supported and relevant": every gold fact lies inside a quote that a
    judge-supported claim of the answer cites. An embedded answer that quotes verbatim is
    always "faithful"; this asks whether the quoted span is the one that answers."""
    text = normalize("".join(supported_quotes))
    return bool(facts) and all(any(normalize(a) in text for a in g) for g in facts)
