"""Which figures and names a question binds to: its subject, the words next to a span.

The reader keeps a sentence only when the question's subject occurs in its article
(:func:`subject`), and prefers the span whose clause says what the question asks
(:func:`bound`); a ``分别`` question takes every span bound about as well (:func:`several`).
"""

from __future__ import annotations

import re

from .clauses import clauses, coverage
from .policy import Policy
from .qtype import predicate
from .spans import Span, posseg

# One wh-word asking for several figures at once (``甲、乙、丙分别增长多少``).
PLURAL = re.compile(r"分别|各自|各是|各为|各有|各占")


def several(
    text: str,
    found: list[Span],
    span: Span,
    bind: float,
    win: tuple[int, int],
    w: dict[str, float],
    p: Policy,
) -> tuple[tuple[int, int], str]:
    """The clause run holding every span bound to the question about as well as the best one
    (``plural_bind`` of its binding), within ``plural_chars``; and those spans, joined."""
    keep = [sp for sp in found if bound(text, sp, w, p) >= p.plural_bind * bind]
    keep = sorted({sp.start: sp for sp in [span, *keep]}.values(), key=lambda sp: sp.start)
    cl = clauses(text) or [(0, len(text))]
    a = min(next((c[0] for c in cl if c[0] <= sp.start < c[1]), win[0]) for sp in keep)
    b = max(next((c[1] for c in cl if c[0] <= sp.start < c[1]), win[1]) for sp in keep)
    if b - a > p.plural_chars:
        return win, span.text
    return (min(a, win[0]), max(b, win[1])), "、".join(sp.text for sp in keep)


def subject(w: dict[str, float], question: str) -> str:
    """The question's rarest word (a name, usually: 某某集团, 某某大桥), not its predicate.

    An article that never mentions it is about something else, however many of the other
    words its sentences share.
    """
    pred = predicate(question)
    named = _named_words(question)
    names = [
        t for t in w if len(t) >= 2 and t != pred and not t.isascii() and any(n in t for n in named)
    ]
    return max(names, key=lambda t: w[t]) if names else ""


# jieba.posseg tags of proper names: person, place, organisation, other proper noun. Only a name
# gates passages: a common word (海外, 市场) is often paraphrased by the text (欧美及东南亚),
# and gating on it refused 34% of the answerable seeds gold (measured with eval.calibrate).
NAME_TAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})


def _named_words(question: str) -> set[str]:
    """Proper names in the question, and whatever it puts in 《》 or quotation marks."""
    out = {w.lower() for w, f in posseg(question) if f in NAME_TAGS}
    for quoted in re.findall(r"[《“\"]([^》”\"]{2,30})[》”\"]", question):
        out.add(quoted.lower())
    return out


def bound(text: str, sp: Span, w: dict[str, float], p: Policy) -> float:
    """How much of the question the words bound to a span say: its clause's coverage, plus the
    coverage of the few characters right before it (``…演出接待游客`` 79.90万人次)."""
    a, b = next(((a, b) for a, b in clauses(text) if a <= sp.start < b), (0, len(text)))
    near = text[max(a, sp.start - p.bind_chars) : sp.start]
    return coverage(text[a:b], "", w, 0.0) + coverage(near, "", w, 0.0)
