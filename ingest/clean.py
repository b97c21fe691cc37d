"""Text normalisation with a raw-offset map: the single definition of "same text".

Cleaning only ever *removes* characters (whitespace inside CJK text, private-use and control
glyphs, line breaks inside a sentence) or turns a line break between two Latin words into a space.
No NFKC: stored text keeps the publisher's characters so quotes stay verbatim, and every cleaned
character remembers the raw index it came from. ``squash`` is the comparison key used by the
traceability invariant, the quote verifier in ``chat`` and the metrics in ``eval``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x303F),  # CJK punctuation
    (0x3040, 0x30FF),  # kana
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),  # full-width forms
    (0x20000, 0x3FFFF),
    (0x2010, 0x206F),  # “ ” … — : typographic punctuation set in CJK text
)
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _CJK_RANGES)


def is_han(ch: str) -> bool:
    return bool(_HAN.match(ch))


def is_junk(ch: str) -> bool:
    """Private-use, control (except whitespace), format and unassigned code points."""
    if ch in "\n\t\r":
        return False
    cat = unicodedata.category(ch)
    return cat in ("Co", "Cc", "Cf", "Cs", "Cn")


def squash(text: str) -> str:
    """Drop whitespace and junk glyphs: the comparison key for "same text"."""
    return "".join(ch for ch in text if not ch.isspace() and not is_junk(ch))


@dataclass(frozen=True)
class Span:
    """Cleaned text plus, for every character, its index in the raw file text."""

    text: str
    offsets: tuple[int, ...]

    @property
    def start(self) -> int:
        return self.offsets[0]

    @property
    def end(self) -> int:
        return self.offsets[-1] + 1

    def __len__(self) -> int:
        return len(self.text)

    def slice(self, i: int, j: int) -> Span:
        return Span(self.text[i:j], self.offsets[i:j])

    def after(self, pos: int) -> Span:
        """The part that starts at raw offset ``pos`` or later (header and dateline cuts)."""
        return self.slice(bisect.bisect_left(self.offsets, pos), len(self.text))

    def strip(self) -> Span:
        i, j = 0, len(self.text)
        while i < j and self.text[i].isspace():
            i += 1
        while j > i and self.text[j - 1].isspace():
            j -= 1
        return self.slice(i, j)

    @staticmethod
    def concat(parts: list[Span], sep: str = "") -> Span:
        """Join spans; a separator char is mapped onto the raw index before the next part."""
        text: list[str] = []
        offs: list[int] = []
        for k, p in enumerate(parts):
            if k and sep:
                text.append(sep)
                offs.append(p.offsets[0] - 1 if p.offsets else offs[-1])
            text.append(p.text)
            offs.extend(p.offsets)
        return Span("".join(text), tuple(offs))


def clean_range(raw: str, start: int, end: int) -> Span:
    """Clean ``raw[start:end]``: drop junk, drop whitespace next to CJK, fold other runs to one space.

    Line breaks between two Latin/digit characters become a space; anywhere else they vanish,
    which also joins words broken across lines (``创\\n新模式`` → ``创新模式``).
    """
    out: list[str] = []
    offs: list[int] = []
    pending_space = -1  # raw index of a whitespace run awaiting a decision
    for i in range(start, end):
        ch = raw[i]
        if is_junk(ch):
            continue
        if ch.isspace():
            if pending_space < 0:
                pending_space = i
            continue
        if pending_space >= 0:
            if out and not is_cjk(out[-1]) and not is_cjk(ch):
                out.append(" ")
                offs.append(pending_space)
            pending_space = -1
        out.append(ch)
        offs.append(i)
    return Span("".join(out), tuple(offs))


def bigrams(text: str) -> set[str]:
    """Character bigrams over Han/alphanumeric characters only (punctuation ignored)."""
    s = [ch for ch in text if ch.isalnum()]
    return {s[i] + s[i + 1] for i in range(len(s) - 1)}


def containment(a: str, b_grams: set[str]) -> float:
    """Share of ``a``'s bigrams found in ``b_grams``: how much of a headline a lede repeats."""
    g = bigrams(a)
    return len(g & b_grams) / len(g) if g else 0.0
