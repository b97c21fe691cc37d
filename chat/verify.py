"""Answer verification shared by both modes (and by eval's offline judge).

A claim (sentence) is supported when it cites at least one passage and every number it states
(amounts, percentages, years) occurs in the passages it cites. Generated claims must also be
grounded (:func:`check`): a model that obeys an injected instruction writes text that is not
in its passages (the prompt, markup, a made-up sentence with a ``[1]`` stuck on), and that text
must never reach the user.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest import squash

from .spans import quantities

CITE = re.compile(r"\[(\d+)\]")
NUM = re.compile(r"\d+(?:[.,]\d+)*")
MARKUP = re.compile(r"<\s*/?\s*[a-z!?][^<>]*>?|\]\(|javascript:", re.I)
CJK = re.compile(r"[\u3400-\u9fff]+")
COVERAGE = 0.5  # share of a generated claim's CJK bigrams its cited passages must contain
LEAK_CHARS = 10  # a run this long copied from the prompt (and not from a passage) is a leak
CLAIM = re.compile(r".+?(?:[。！？!?；;]+[”’）)]*(?:\s*\[\d+\])*|\n|$)", re.S)


@dataclass
class Verdict:
    claim: str
    cites: list[int]
    supported: bool
    reason: str = ""


def claims(text: str) -> list[str]:
    """Split an answer into sentences, keeping each sentence's trailing ``[n]`` markers."""
    out = [m.group(0).strip() for m in CLAIM.finditer(text)]
    return [c for c in out if squash(CITE.sub("", c))]


def numbers(text: str) -> list[str]:
    return [n.replace(",", "") for n in NUM.findall(CITE.sub("", text))]


def judge(claim: str, passages: dict[int, str]) -> Verdict:
    cites = [int(n) for n in CITE.findall(claim)]
    if not cites:
        return Verdict(claim, cites, False, "no citation")
    if any(n not in passages for n in cites):
        return Verdict(claim, cites, False, "cites a passage that does not exist")
    support = squash("".join(passages[n] for n in cites)).replace(",", "")
    missing = [n for n in numbers(claim) if n not in support]
    if missing:
        return Verdict(
            claim, cites, False, f"numbers not in the cited passages: {', '.join(missing)}"
        )
    return Verdict(claim, cites, True)


def verify(text: str, passages: dict[int, str]) -> tuple[str, list[Verdict]]:
    """Drop unsupported claims; return the remaining text and every verdict."""
    verdicts = [judge(c, passages) for c in claims(text)]
    kept = "".join(v.claim for v in verdicts if v.supported)
    return kept, verdicts


def _cjk_bigrams(text: str) -> set[str]:
    return {run[i : i + 2] for run in CJK.findall(text) for i in range(len(run) - 1)}


def repeats(text: str, avoid: Sequence[str], allowed: str = "") -> bool:
    """Whether ``text`` copies a run of ``avoid`` (the prompts) that ``allowed`` lacks."""
    body, ok, prompts = squash(text), squash(allowed), [squash(a) for a in avoid]
    for i in range(len(body) - LEAK_CHARS + 1):
        w = body[i : i + LEAK_CHARS]
        if CJK.search(w) and w not in ok and any(w in p for p in prompts):
            return True
    return False


def grounded(claim: str, support: str, avoid: Sequence[str] = (), names: Sequence[str] = ()) -> str:
    """Why a generated claim is not grounded in ``support`` (its cited passages), or "".

    No markup; no 10-character run of the prompt (``avoid``) unless the passages have it
    too; a Chinese claim needs half its character bigrams in the passages, and an English one
    a place (``names``, in Chinese) or a number of two or more digits from them.
    """
    body, sup = squash(CITE.sub("", claim)), squash(support)
    if m := MARKUP.search(body):  # answers are plain sentences; a hostile passage's tags
        return f"markup: {m.group(0)[:40]}"  # are shown in the sources, never re-written
    if repeats(body, avoid, sup):
        return "repeats the prompt"
    grams = _cjk_bigrams(body)
    if len(grams) >= 4:
        cov = len(grams & _cjk_bigrams(sup)) / len(grams)
        return "" if cov >= COVERAGE else f"bigram coverage {cov:.2f} < {COVERAGE}"
    sup_digits = sup.replace(",", "")
    if any(len(n) >= 2 and n in sup_digits for n in numbers(claim)) or any(n in sup for n in names):
        return ""
    return "no number or name from the cited passages"


DIRECTION = re.compile(
    r"同比增长|同比下降|增长|增加|提高|提升|上升|突破|达到|超过|接近|下降|减少|降低|回落|下滑|亏损|盈利|"
    r"不低于|不少于|达|超|近|约"
)
BARE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")
RATE_KINDS = {"percent"}


def _verb_before(text: str, pos: int, reach: int) -> str:
    """The direction word closest before ``pos`` (within ``reach`` characters), or ""."""
    found = list(DIRECTION.finditer(text[max(0, pos - reach) : pos]))
    return found[-1].group(0) if found else ""


def strict(
    claim: str, support: str, question: str = "", kinds: frozenset[str] = frozenset()
) -> str:
    """Why a generated claim misstates its quote, or "".

    Every quantity (number with unit) must be a whole quantity of the quote (``1`` never
    matches inside ``10%``); the direction word bound to it (增长, 突破, 下降…) must be the
    quote's own for that quantity; a question asking for a rate needs a rate; and a claim that
    only restates the question answers nothing.
    """
    body, sup = CITE.sub("", claim), support
    sup_q = [q.text for q in quantities(sup)]
    for q in quantities(body):
        if not any(squash(x).startswith(squash(q.text)) for x in sup_q):  # whole, not inside
            return f"quantity not in its quote: {q.text}"
        verb = _verb_before(body, q.start, 8)
        if verb:
            near = [_verb_before(sup, m.start(), 12) for m in re.finditer(re.escape(q.text), sup)]
            if not any(v and (verb in v or v in verb) for v in near):
                return f"{verb}{q.text}: the quote does not say {verb}"
    spans_text = "".join(q.text for q in quantities(body))
    for n in BARE.findall(body):
        if n not in spans_text and not re.search(rf"(?<![\d.]){re.escape(n)}(?![\d.])", sup):
            return f"number not in its quote: {n}"
    found = quantities(body)
    rate_asked = kinds & RATE_KINDS and kinds <= RATE_KINDS | {"quantity"}
    if rate_asked and found and not any(q.kind == "percent" for q in found):
        return "the question asks for a rate"
    if question and restates(body, question):
        return "restates the question"
    return ""


def restates(claim: str, question: str) -> bool:
    """A claim whose words are all the question's: no new fact in it."""
    c, q = squash(claim), squash(question)
    grams = {c[i : i + 2] for i in range(len(c) - 1) if CJK.match(c[i]) or c[i].isalnum()}
    new = {g for g in grams if g not in q and re.search(r"[\u3400-\u9fff\w]{2}", g)}
    return bool(grams) and len(new) <= 1


def check(
    claim: str,
    passages: dict[int, str],
    avoid: Sequence[str] = (),
    names: Sequence[str] = (),
    question: str = "",
    kinds: frozenset[str] = frozenset(),
) -> Verdict:
    """:func:`judge`, :func:`grounded` and :func:`strict`: the test for text a model wrote."""
    v = judge(claim, passages)
    if not v.supported:
        return v
    support = "".join(passages[n] for n in v.cites)
    why = grounded(claim, support, avoid, names) or strict(claim, support, question, kinds)
    return Verdict(claim, v.cites, not why, why)
