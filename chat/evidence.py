"""Candidate quotes (whole sentences with raw offsets) and the places and years a question names.

Sentences and their raw spans come with each chunk (``ingest.sentences``), so a quote satisfies
the chunks' traceability invariant and the raw corpus is never read at query time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from index import Hit
from ingest import sentences, squash

YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    text: str
    start: int
    end: int
    pos: int


def candidates(hit: Hit) -> list[Candidate]:
    """The whole sentences of a hit's chunk, each with its raw offsets (no raw file read)."""
    out: list[Candidate] = []
    for text, start, end in sentences(hit.chunk):
        if len(squash(text)) >= 6:
            out.append(Candidate(hit, text, start, end, len(out)))
    return out


def places(text: str, gazetteer: dict[str, str]) -> set[str]:
    """Chinese place names mentioned in the text (English names mapped to Chinese)."""
    low = text.lower()
    found = {
        zh
        for zh, en in gazetteer.items()
        if zh in text or (en and re.search(rf"\b{re.escape(en)}\b", low))
    }
    return {p for p in found if not any(p != q and p in q for q in found)}


def entities(question: str, gazetteer: dict[str, str]) -> set[str]:
    """What a supporting passage must mention: places and years named in the question."""
    return places(question, gazetteer) | set(YEAR.findall(question))


def load_gazetteer() -> dict[str, str]:
    path = Path(__file__).with_name("data") / "places.tsv"
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            zh, _, en = line.partition("\t")
            out[zh.strip()] = en.strip()
    return out
