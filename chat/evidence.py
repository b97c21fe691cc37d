"""Candidate quotes (sentences or clauses with raw offsets) and how well they answer a question.

Quotes are cut from the raw file through ``ingest``'s own cleaner and sentence splitter, so a
quote's offsets satisfy the same traceability invariant as the chunks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index import Hit
from ingest import squash
from ingest.clean import Span, clean_range
from ingest.layout import split_sentences
from ingest.reader import BadFile, decode

YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
CLAUSE = re.compile(r"[^，、：,:]+[，、：,:]?")


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    text: str
    start: int
    end: int
    pos: int


class RawFiles:
    """Decoded raw files by source name; quotes are cut from these."""

    def __init__(self, corpus_dir: Path) -> None:
        self.root = corpus_dir
        self.get = lru_cache(maxsize=256)(self._read)

    def _read(self, source: str) -> str | None:
        try:
            return decode((self.root / source).read_bytes())[0]
        except (OSError, BadFile):
            return None


def _windows(sent: Span, max_chars: int = 120) -> list[Span]:
    """Long sentences become clause windows of up to ``max_chars`` characters."""
    if len(sent) <= max_chars + 30:
        return [sent]
    out: list[Span] = []
    cur_start, cur_end = 0, 0
    for m in CLAUSE.finditer(sent.text):
        if m.end() - cur_start > max_chars and cur_end > cur_start:
            out.append(sent.slice(cur_start, cur_end))
            cur_start = cur_end
        cur_end = m.end()
    out.append(sent.slice(cur_start, len(sent.text)))
    return [w.strip() for w in out if w.strip().text]


def _split_headings(raw: str, sent: Span) -> list[Span]:
    """Cut a subheading off the sentence it was cleaned into (``多项指标高位运行近年来，…``).

    The cleaner joins lines, so a heading line shows up as an unpunctuated prefix that ended at
    a raw line break.
    """
    for i in range(1, min(len(sent), 41)):
        gap = raw[sent.offsets[i - 1] + 1 : sent.offsets[i]]
        if "\n" in gap:
            head = sent.text[:i]
            if not re.search(r"[，。、；：,;:！？]", head) and i < len(sent):
                return [sent.slice(0, i), sent.slice(i, len(sent))]
            break
    return [sent]


def candidates(hit: Hit, raw: str | None) -> list[Candidate]:
    """Sentences/clauses of a hit's chunk, each traceable to the raw file."""
    c = hit.chunk
    if raw is None or c.end > len(raw):
        return []
    span = clean_range(raw, c.start, c.end)
    if squash(span.text) != squash(c.text):  # file changed since indexing: no quote we can trust
        return []
    out: list[Candidate] = []
    for sent in split_sentences(span):
        for w in (w for part in _split_headings(raw, sent) for w in _windows(part)):
            if len(squash(w.text)) >= 6:
                out.append(Candidate(hit, w.text, w.start, w.end, len(out)))
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
