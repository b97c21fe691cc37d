"""Page layout: raw text → lines → paragraphs → typed blocks (heading, byline, dateline, …).

Generic newspaper heuristics, not tuned to any file: OCR pages break lines at the column width
(or mid-word), headlines are short lines without sentence punctuation, datelines (``本报讯``),
bylines (``本报记者 X``), sign-offs (``（X X）``) and continuation markers (``(上接第1版)``) mark
article boundaries. All positions stay raw offsets via :class:`~ingest.clean.Span`.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from .boiler import is_boiler
from .clean import Span, clean_range, is_junk

TERMINAL = "。！？；：!?;:…"
CLOSERS = "”’」』）)】》\"'"
SENT_END = re.compile(r"(?:[。！？；!?;]|…+|\.(?=\s|$))[”’」』）)】》\"']*")

MARKER = re.compile(
    r"^[(（]?\s*(?:上接|下转|接上|转下|续)第?\s*[0-9一二三四五六七八九十]{1,3}\s*版\s*[)）]?"
)
SIGNOFF = re.compile(r"^[（(]\s*([\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,4})\s*[)）]$")
SIGNOFF_TAIL = re.compile(
    r"(?<=[。！？”])\s*[（(]\s*([\u4e00-\u9fff](?:\s?[\u4e00-\u9fff]){1,4})\s*[)）]$"
)
BYLINE = re.compile(r"^(?:本报(?:记者|通讯员|评论员)|特约记者|实习记者|通讯员|记者)\s*\S")
DATELINE = re.compile(
    r"^(?:本报讯|本报[\u4e00-\u9fff]{1,6}电|新华社|中新社|据[\u4e00-\u9fff]{2,12}报道)"
)
INLINE_BYLINE = re.compile(r"^本报讯\s*((?:本报)?记者[\u4e00-\u9fff、\s]{2,12}?)报道")
LEDE = re.compile(r"^(?:近日|日前|近期|昨日|今年|\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月\d{1,2}日)")
HEADLINE_COLON = re.compile(r"^[\u4e00-\u9fff]{2,8}[：:]\S")
ENUMERATED = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．])"
)


@dataclass
class Block:
    """A paragraph after line joining; ``sents`` may lose members to de-duplication."""

    kind: str  # heading | byline | dateline | marker | signoff | body | furniture
    sents: list[Span]
    raw_text: str = ""  # whitespace-folded raw text, for bylines/sign-offs where spaces matter
    signoff: str | None = None
    byline: str | None = None

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.sents)

    @property
    def start(self) -> int:
        return self.sents[0].start


def ends_closed(text: str) -> bool:
    if SIGNOFF_TAIL.search(text):
        return True
    t = text.rstrip(CLOSERS + " ")
    return bool(t) and (t[-1] in TERMINAL or t.endswith("..."))


def split_lines(raw: str) -> list[Span]:
    """Non-empty cleaned lines with raw offsets."""
    out, pos = [], 0
    for line in raw.split("\n"):
        span = clean_range(raw, pos, pos + len(line)).strip()
        if span.text:
            out.append(span)
        pos += len(line) + 1
    return out


def column_width(lines: list[Span]) -> float | None:
    """Median line length when the page is set in narrow columns (most lines near one width)."""
    if len(lines) < 20:
        return None
    m = statistics.median(len(s) for s in lines)
    near = sum(1 for s in lines if 0.8 * m <= len(s) <= 1.3 * m)
    return float(m) if m <= 40 and near >= 0.6 * len(lines) else None


STARTERS = re.compile(
    r"^(?:近年来|近日|日前|近期|当前|目前|同时|此外|其中|另外|然而|但是|因此|据悉|据了解|今年|去年|明年|首先|其次|最后)"
)


def _standalone(text: str, dateline: bool = True) -> bool:
    """Blocks that never continue a previous line (and, bylines/sign-offs, are never continued)."""
    return bool(
        MARKER.match(text)
        or SIGNOFF.match(text)
        or BYLINE.match(text)
        or (dateline and DATELINE.match(text))
    )


def _continues(a: str, b: str, width: float | None) -> bool:
    """Does line ``b`` continue the sentence that line ``a`` left open?"""
    if ends_closed(a) or _standalone(b) or (_standalone(a, dateline=False) and len(a) < 30):
        return False
    long_enough = len(a) >= (0.6 * width if width else 12)
    head = re.match(r"^([^，。、；！？,;]{1,3})[，。、；！？,;]", b)
    if head and long_enough and not STARTERS.match(b):  # "展。大力…" / "台，累计…": a cut word
        return True
    if a[-1] in "，、,（(《“":
        return True
    has_punct = bool(re.search(r"[，。、；！？,;]", b))
    if width:
        return len(a) >= 0.8 * width and (has_punct or len(b) >= 0.6 * width)
    return len(a) >= 40 and (has_punct or len(b) > 40)


def paragraphs(raw: str) -> list[Span]:
    """Join lines broken mid-sentence into paragraphs."""
    lines = split_lines(raw)
    width = column_width(lines)
    paras: list[list[Span]] = []
    for line in lines:
        if paras and _continues(paras[-1][-1].text, line.text, width):
            paras[-1].append(line)
        else:
            paras.append([line])
    return [_join(raw, group) for group in paras]


def _join(raw: str, group: list[Span]) -> Span:
    """Re-clean the whole raw range so the break itself follows the CJK spacing rules."""
    return clean_range(raw, group[0].start, group[-1].end)


def split_sentences(span: Span) -> list[Span]:
    """Split at sentence ends (``。！？；…`` and their closing quotes); never inside a number."""
    out, i = [], 0
    for m in SENT_END.finditer(span.text):
        if m.end() > i:
            out.append(span.slice(i, m.end()).strip())
            i = m.end()
    if i < len(span.text):
        out.append(span.slice(i, len(span.text)).strip())
    return [s for s in out if s.text]


def fold_raw(raw: str, span: Span) -> str:
    """Raw text of a span with junk dropped and whitespace runs folded to one space."""
    return " ".join("".join(ch for ch in raw[span.start : span.end] if not is_junk(ch)).split())


META_LINE = re.compile(
    r"^(?:发布时间|发稿时间|发表时间|更新时间|时间|日期|来源|作者|编辑|责任编辑|流程编辑)\s*[：:]"
    r"|^\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?:\s*\d{1,2}:\d\d(?::\d\d)?)?$"
)


def furniture(text: str) -> bool:
    """Labelled metadata lines, bare timestamps and boilerplate lines: never a headline or body."""
    return (len(text) <= 80 and bool(META_LINE.match(text))) or is_boiler(text)


def classify(raw: str, para: Span) -> Block:
    text = para.text
    block = Block(kind="body", sents=split_sentences(para), raw_text=fold_raw(raw, para))
    if MARKER.match(text):
        block.kind = "marker"
    elif m := SIGNOFF.match(text):
        block.kind, block.signoff = "signoff", re.sub(r"\s", "", m.group(1))
    elif BYLINE.match(text) and len(text) <= 30 and not re.search(r"[。！？，]", text):
        block.kind, block.byline = "byline", block.raw_text
    elif DATELINE.match(text):
        block.kind = "dateline"
        if m := INLINE_BYLINE.match(text):
            block.byline = re.sub(r"\s", "", m.group(1))
    elif len(text) <= 40 and not ends_closed(text) and not re.search(r"[。！？]", text):
        block.kind = "heading"
    if block.kind in ("body", "heading") and furniture(text):
        block.kind = "furniture"
    if block.kind in ("body", "dateline") and (m := SIGNOFF_TAIL.search(text)):
        block.signoff = re.sub(r"\s", "", m.group(1))
    return block
