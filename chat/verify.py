"""Answer verification shared by both modes (and by eval's offline judge).

A claim (sentence) is supported when it cites at least one passage and every number it states
(amounts, percentages, years) occurs in the passages it cites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest import squash

CITE = re.compile(r"\[(\d+)\]")
NUM = re.compile(r"\d+(?:[.,]\d+)*")
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
