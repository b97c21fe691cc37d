"""Article metadata from general news conventions: header, dateline, byline, source line, signature.

News files state their metadata in a handful of conventional places, whatever the outlet:
a portal export's header (``2023-08-14 12:29，正文：原标题：…``), labelled lines (``发布时间：``,
``来源：``), an agency dateline opening the body (``新华社北京8月1日电(记者 X)``,
``新京报讯（记者 X）``, ``IT之家8月17日消息，``), a byline line (``本报记者 X``) and, in official
letters, a signed date at the end. Every field keeps the raw ``[start, end)`` it was read from.
Patterns are written from those conventions, never from a benchmark's strings.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field

from .clean import Span

_HAN = r"\u4e00-\u9fff"
# A date: year, month and day with -, /, . or 年月日 (CMS exports also glue "202307/19").
_YMD = (
    r"(?<!\d)(?P<y>(?:19|20)\d\d)\s*[-/.年]?\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<t>\d{1,2}[:：]\d\d(?:[:：]\d\d)?))?"
)
YMD = re.compile(_YMD)
# Month and day only (header ``07-31 16:56``, dateline ``8月1日``); the year comes from elsewhere.
MD_TIME = re.compile(
    r"(?<!\d)(?P<m>\d{1,2})\s*[-/月]\s*(?P<d>\d{1,2})\s*日?\s*(?P<t>\d{1,2}:\d\d(?::\d\d)?)"
)
YEAR_MONTH = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]")

LABEL = re.compile(
    r"(?P<label>发布时间|发稿时间|发表时间|更新时间|时间|日期|来源|作者|编辑|责任编辑)\s*[：:]"
)

# Outlet names end in one of these (人民网, 中新社, 新京报, 央视新闻, 中国青年报客户端, 甘州融媒).
_SUFFIX = r"(?:晚报|日报|早报|时报|商报|网|社|报|台|新闻|客户端|融媒|APP|app|之家)"
_OUTLET = rf"[{_HAN}A-Za-z0-9·\-]{{0,14}}{_SUFFIX}"
_PAREN = r"[（(\[【][^（()）\]】\n]{1,40}[)）\]】]"
# ``中新社北京8月2日电 (记者 X)`` / ``IT之家 8 月 17 日消息，`` / ``新京报讯（记者 X）`` / ``本报讯``.
DATELINE = re.compile(
    rf"《?(?P<outlet>{_OUTLET}|本报)》?(?:[（(][^（()）]{{2,12}}[)）])?[ \t\u3000\xa0]*(?P<place>[{_HAN}]{{0,8}}?)[ \t\u3000\xa0]*"
    r"(?:(?P<y>(?:19|20)\d\d)\s*年\s*)?(?:(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*)?"
    r"(?P<kind>电|讯|消息|综合报道|报道)[ \t\u3000\xa0]*"
    rf"(?P<paren>{_PAREN})?[ \t\u3000\xa0]*[，,：:]?"
)
# A byline item after a dateline: ``记者 X Y``, ``本报记者X``, ``通讯员 X``, ``每经记者：X``; the
# names must end at a gap or a comma, or they would swallow the first word of the body.
BYLINE_ITEM = re.compile(
    rf"[ \t\u3000\xa0]*(?:{_OUTLET})?(?:本报|特约|实习|见习)?(?:记者|通讯员|作者|编辑)\s*[：:]?\s*"
    rf"[{_HAN}·]{{2,4}}(?:[ \t\u3000\xa0、]+[{_HAN}·]{{2,4}})*(?=[ \t\u3000\xa0，,“]|报道)"
    r"(?:[ \t\u3000\xa0]*报道)?[ \t\u3000\xa0]*[，,：:]?"
)
_WHO = re.compile(r"记者|通讯员|作者|编辑|撰稿|摄")
_NAME = re.compile(rf"^[{_HAN}·]{{2,5}}(?:\s+[{_HAN}·]{{2,5}}){{0,3}}$")
SOURCE = re.compile(rf"来源\s*[：:]\s*(?P<v>[^\s，。；：:、]{{1,12}}?{_SUFFIX}(?:客户端|APP|网)?)")
SOURCE_ANY = re.compile(r"来源\s*[：:]\s*(?P<v>[^\s，。；：:、()（）]{2,20})")


@dataclass
class Meta:
    """Fields found for one article (or a page's header), each with its raw span."""

    title: str | None = None
    date: str | None = None
    outlet: str | None = None
    byline: str | None = None
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    body_start: int = 0  # first raw offset after the header
    title_inferred: bool = False  # the headline's end was a guess (it stays in the body too)
    header: bool = False  # a CMS export header (``…，正文：`` or labelled fields) was found

    def put(self, name: str, value: str | None, span: tuple[int, int]) -> None:
        """Set a field unless it is already known: the first (most reliable) source wins."""
        if value and getattr(self, name) is None:
            setattr(self, name, value)
            self.spans[name] = span


def iso(y: int, m: int, d: int, t: str | None = None) -> str | None:
    """``YYYY-MM-DD[THH:MM[:SS]]``, or None when the numbers are not a calendar date."""
    try:
        datetime.date(y, m, d)
    except ValueError:
        return None
    if not 1900 <= y <= 2100:
        return None
    out = f"{y:04d}-{m:02d}-{d:02d}"
    if t:
        parts = [int(p) for p in re.split(r"[:：]", t)]
        if parts[0] > 23 or any(p > 59 for p in parts[1:]):
            return out
        out += "T" + ":".join(f"{p:02d}" for p in parts)
    return out


def find_date(
    text: str, base: int = 0, year: int | None = None, context: str = ""
) -> tuple[str, tuple[int, int]] | None:
    """First full date in ``text``, else a month-day with a time whose year is ``year`` or
    comes from ``context``'s own dates (:func:`text_year`)."""
    for m in YMD.finditer(text):
        if d := iso(int(m["y"]), int(m["m"]), int(m["d"]), m["t"]):
            return d, (base + m.start(), base + m.end())
    for m in MD_TIME.finditer(text):
        y = year or text_year(context, int(m["m"]))
        if y and (d := iso(y, int(m["m"]), int(m["d"]), m["t"])):
            return d, (base + m.start(), base + m.end())
    return None


def text_year(text: str, month: int | None = None) -> int | None:
    """The year of a bare month-day, from the text's own dates in that month (most frequent,
    then latest); None when the text never dates that month, rather than a guess from
    unrelated years it mentions (anniversaries, past events, plans)."""
    years = Counter(int(y) for y, m in YEAR_MONTH.findall(text) if month is None or int(m) == month)
    return max(years, key=lambda y: (years[y], y)) if years else None


def skip_space(raw: str, i: int) -> int:
    while i < len(raw) and raw[i].isspace():
        i += 1
    return i


def labels(meta: Meta, raw: str, i: int, end: int, year: int | None) -> int:
    """Labelled fields ``发布时间：… 来源：… 作者：…`` from ``raw[i:end]``; returns where they stop.

    A value ends at a wide gap (2+ spaces), a line break or the next label.
    """
    i = skip_space(raw, i)
    gap = re.compile(r"\s{2,}|\n|" + LABEL.pattern)
    while (m := LABEL.match(raw, i, end)) and m.start() < end:
        g = gap.search(raw, m.end(), min(end, m.end() + 40))
        stop = g.start() if g else min(end, m.end() + 40)
        if not g and stop < end:
            return i
        value = raw[m.end() : stop].strip()
        if m["label"] == "来源":
            source_field(meta, raw[m.start() : stop], m.start())
        elif m["label"] == "作者" and value:
            meta.put(
                "byline", value, (raw.index(value, m.end()), raw.index(value, m.end()) + len(value))
            )
        at = raw.index(value, m.end()) if value else m.end()
        if found := find_date(value, at, year, raw):
            meta.put("date", *found)
        i = skip_space(raw, stop)
    return i


def source_field(meta: Meta, text: str, base: int) -> None:
    """``来源：X`` names the outlet (and may carry the date: ``来源：人民日报 2023年8月1日``)."""
    m = SOURCE.search(text) or SOURCE_ANY.search(text)
    if m and not re.match(r"\d", m["v"]):
        meta.put("outlet", m["v"], (base + m.start("v"), base + m.end("v")))
        if found := find_date(text[m.end() :], base + m.end()):
            meta.put("date", *found)


# Lead-ins before the first sentence proper: ``来源：台海网``, ``本文转自【X】；``,
# ``【环球时报-环球网报道 记者X】``, ``智通财经APP获悉，``.
LEAD = re.compile(
    rf"来源\s*[：:]\s*(?P<src>[^\s，。；：:、]{{1,12}}?{_SUFFIX}(?:客户端|APP|网)?"
    rf"(?:[－\-—][^\s，。；：:、]{{1,10}}?{_SUFFIX})?)"
    rf"|本文转自\s*[【\[《]?(?P<via>[^】\]》；;。，,]{{2,20}})[】\]》]?\s*[；;，,]?"
    rf"|[【\[](?P<tag>[^】\]\n]{{0,30}}(?:报道|记者|讯)[^】\]\n]{{0,12}})[】\]]"
    rf"|(?P<app>[{_HAN}A-Za-z]{{2,10}}(?:APP|app|客户端|网|社))获悉[，,]"
    r"|综合(?:消息|报道|外电)[：:]"
    rf"|来源\s*[：:]\s*(?:原创稿?|(?P<named>[{_HAN}A-Za-z]{{2,8}}?)(?=\d{{1,2}}月\d{{1,2}}日))"
)


def scaffold(raw: str, start: int, end: int, meta: Meta, year: int | None) -> int:
    """Read a dateline and byline opening the body at ``raw[start:]``; return where the text begins.

    ``新华社北京8月1日电（记者 X）`` gives outlet, date (year from the header or the text) and
    byline; the scaffolding is not quotable text, so the caller starts the body after it.
    """
    i = skip_space(raw, start)
    while True:
        at = i
        if (m := LEAD.match(raw, i, min(end, i + 60))) and m.end() > i:
            name = m["src"] or m["via"] or m["app"] or m["named"]
            if name:
                meta.put("outlet", name, (m.start(m.lastgroup or 0), m.end(m.lastgroup or 0)))
            i = skip_space(raw, m.end())
        m = DATELINE.match(raw, i, min(end, i + 80))
        if (
            m
            and (
                m["d"]
                or m["kind"] == "讯"
                or (m["kind"] == "消息" and m.group().endswith(("：", ":")))
            )
            and not m["outlet"][-1].isdigit()
            and not m["outlet"].startswith("据")
        ):
            _dateline(m, meta, year)
            i = skip_space(raw, m.end())
        while b := BYLINE_ITEM.match(raw, i, min(end, i + 60)):
            who = " ".join(b.group().strip(" \t\u3000\xa0，,：:").split())
            meta.put("byline", who.removesuffix("报道").strip(), (b.start(), b.end()))
            i = skip_space(raw, b.end())
        if i == at:
            return i if i > skip_space(raw, start) else start


def _dateline(m: re.Match[str], meta: Meta, year: int | None) -> None:
    meta.put("outlet", m["outlet"], (m.start("outlet"), m.end("outlet")))
    y = int(m["y"]) if m["y"] else year or (text_year(m.string, int(m["m"])) if m["m"] else None)
    if m["d"] and y and (d := iso(y, int(m["m"]), int(m["d"]))):
        meta.put("date", d, (m.start("y") if m["y"] else m.start("m"), m.end("d")))
    if m["paren"]:
        who = " ".join(m["paren"][1:-1].split())
        if _WHO.search(who) or _NAME.match(who):
            meta.put("byline", who, (m.start("paren") + 1, m.end("paren") - 1))


SIGNED = re.compile(r"(?<!\d)((?:19|20)\d\d)年(\d{1,2})月(\d{1,2})日\s*$")


def signed_date(tail: list[Span]) -> tuple[str, tuple[int, int]] | None:
    """A letter's date: a short line ending in ``YYYY年M月D日`` among its last sentences (signing
    body, date, then perhaps a contact line)."""
    for span in tail:
        m = SIGNED.search(span.text) if len(span) <= 40 else None
        if m and (d := iso(int(m[1]), int(m[2]), int(m[3]))):
            return d, (span.offsets[m.start()], span.offsets[m.end() - 1] + 1)
    return None


_SOURCE_ITEM = re.compile(r"(?:^|(?<=[\s（(【\[。！？”，,摄)）】\]]))" + SOURCE.pattern)


def source_line(cut: Span, meta: Meta) -> None:
    """``来源：X`` among the boilerplate cut off a sentence still names the outlet."""
    m = _SOURCE_ITEM.search(cut.text) if "转载" not in cut.text else None
    if m:
        span = (cut.offsets[m.start("v")], cut.offsets[m.end("v") - 1] + 1)
        meta.put("outlet", m["v"], span)
