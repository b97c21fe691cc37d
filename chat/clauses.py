"""A sentence's clauses, and how much of a question a piece of text says.

*Coverage* is the IDF-weighted share of the question's content words a text holds (words
found only in its context, the passage or headline, at a discount): the reader's one measure
of whether a sentence meets the question's constraints. Written here rather than taken from
a library because Chinese text has no spaces: a word counts when it occurs as a substring,
and a long word whose character pairs occur scattered earns part credit.
"""

from __future__ import annotations

import re

CLAUSE_END = re.compile(r"[，；：,;:。！？!?]")
OPEN, CLOSE = '“《（(「‘"', '”》）)」’"'


def credit(word: str, text: str) -> float:
    """1 for the word itself; a long word whose bigrams all occur scattered earns half."""
    if word in text:
        return 1.0
    if len(word) >= 3:
        grams = [word[i : i + 2] for i in range(len(word) - 1)]
        share = sum(g in text for g in grams) / len(grams)
        return 0.5 * share if share >= 0.5 else 0.0
    return 0.0


def coverage(text: str, context: str, w: dict[str, float], ctx_credit: float) -> float:
    """IDF-weighted share of the question's words in ``text`` (``context`` at a discount)."""
    total = sum(w.values())
    if not total:
        return 0.0
    low, ctx = text.lower(), context.lower()
    got = sum(v * max(credit(t, low), ctx_credit * credit(t, ctx)) for t, v in w.items())
    return got / total


def clauses(text: str) -> list[tuple[int, int]]:
    """Clause ranges of a sentence, never cut inside quotes, titles or brackets."""
    out, start, depth = [], 0, 0
    for i, ch in enumerate(text):
        if ch in OPEN and not (ch == '"' and depth):
            depth += 1
        elif ch in CLOSE and depth:
            depth -= 1
        elif depth == 0 and CLAUSE_END.match(ch):
            out.append((start, i + 1))
            start = i + 1
    if start < len(text):
        out.append((start, len(text)))
    return [c for c in out if text[c[0] : c[1]].strip()]
