"""Where a description question's answer sits in a sentence: the slot its wh-word leaves.

``临安区成立了什么组织`` is answered by the words a sentence puts right after the question's
verb (``成立新农人联合会``) or right before the noun the wh-word asks for (``…污水处理项目``
for ``什么项目``). A sentence that repeats the question's frame instead (``推出的新品正是…``:
the verb opens a relative clause) has the words but not the answer. IDF-weighted coverage
cannot tell the two apart; the slot can, with no model (none that reads Chinese ships offline).
"""

from __future__ import annotations

import re

from .spans import posseg

# Question verbs that carry no frame: a copula, "have", modal and light verbs.
LIGHT_VERBS = frozenset(
    {"是", "有", "为", "要", "会", "能", "可以", "进行", "开展", "通过", "采取"}
)
# The wh-words whose following noun names what is asked (``什么组织`` → 组织).
WH_HEAD = re.compile(r"(?:什么样的?|什么|哪个|哪些|哪种|哪项|哪类|哪家|哪一[个项种类家])")
# A verb followed by these opens a relative clause or an aspect tail, not an object.
NOT_OBJECT = re.compile(r"^(?:了?的|过的|者)")
CLAUSE_END = re.compile(r"[，；。！？,;!?：:]")
# How far after the verb / before the head noun the filler may start or reach (characters).
# Longer = more recall of long names, more unrelated words counted as the filler. Set by
# reading the crud-dev dev split's description questions (a product or organisation name
# runs 4-15 characters).
REACH = 16
# The filler must say at least this many characters the question does not (see ``fresh``).
MIN_FRESH = 2
# A filler that ends in a bare quantifier (``布局了一批`` 气电项目) names no particular thing.
QUANTIFIER_END = re.compile(r"[一两几多数各每该这那此某][批个些项种类座家条位]$")


def frame(question: str) -> tuple[list[str], str]:
    """The question's content verbs and the head noun its wh-word asks for."""
    m = WH_HEAD.search(question)
    before = question[: m.start()] if m else question
    before = CLAUSE_END.split(before)[-1]  # the asking clause only
    verbs = [
        w
        for w, f in posseg(before)
        if f.startswith("v") and f != "vn" and len(w) >= 2 and w not in LIGHT_VERBS
    ][-1:]  # the verb nearest the wh-word is the asked one (成立了什么), not a constraint's
    head = ""
    if m:
        rest = question[m.end() :]
        words = [w for w, _ in posseg(rest[:8])]
        if words and len(words[0]) >= 2 and re.match(r"[\u4e00-\u9fff]", words[0]):
            head = words[0]
    return verbs, head


def fresh(text: str, question: str) -> int:
    """Characters of ``text`` not inside a character pair the question contains."""
    said = [False] * len(text)
    for i in range(len(text) - 1):
        if text[i : i + 2] in question:
            said[i] = said[i + 1] = True
    return sum(1 for i, s in enumerate(said) if not s and re.match(r"[\w\u4e00-\u9fff]", text[i]))


def slot(text: str, question: str, verbs: list[str], head: str) -> tuple[int, int] | None:
    """The span of ``text`` that fills the question's slot, or None."""
    best: tuple[int, int] | None = None
    for v in verbs:
        for m in re.finditer(re.escape(v), text):
            after = text[m.end() : m.end() + REACH]
            if NOT_OBJECT.match(after):
                continue
            end = CLAUSE_END.search(after)
            filler = after[: end.start()] if end else after
            if fresh(filler, question) >= MIN_FRESH:
                span = (m.end(), m.end() + len(filler))
                best = best or span
    if head:
        for m in re.finditer(re.escape(head), text):
            before = text[max(0, m.start() - REACH) : m.start()]
            cut = max((i for i, ch in enumerate(before) if CLAUSE_END.match(ch)), default=-1)
            filler = before[cut + 1 :]
            if fresh(filler, question) >= MIN_FRESH and not QUANTIFIER_END.search(filler):
                return best or (m.start() - len(filler), m.end())
    return best
