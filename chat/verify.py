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


def check(
    claim: str, passages: dict[int, str], avoid: Sequence[str] = (), names: Sequence[str] = ()
) -> Verdict:
    """:func:`judge` plus :func:`grounded`: the test for text a model wrote."""
    v = judge(claim, passages)
    if not v.supported:
        return v
    why = grounded(claim, "".join(passages[n] for n in v.cites), avoid, names)
    return Verdict(claim, v.cites, not why, why)
