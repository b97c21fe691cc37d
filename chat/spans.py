"""Spans of an answer type in a sentence: quantities, rates, money, dates, names, titles.

A span is ``(start, end, kind)`` over the sentence text. Quantities are whole tokens: the
number, its magnitude and unit (``2300万美元至2600万美元之间``, ``18岁至30岁``, ``13.7%``); a
bare year is a date, never a quantity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

ZH_NUM = "零〇一二两三四五六七八九十百千万亿"
NUM = rf"(?:\d+(?:[.,]\d+)*|[{ZH_NUM}]+(?:点[{ZH_NUM}]+)?)"
MAG = r"(?:万亿|亿|万|千|百)"
CURRENCY = r"(?:元人民币|元|美元|港元|港币|英镑|欧元|日元|韩元|卢布|澳元)"
DURATION = r"(?:个月|年|天|日|周|小时|分钟|秒)"
COUNTER = (
    r"(?:人次|万人次|亩次|平方米|平方公里|平方千米|千瓦时|千瓦|兆瓦|吉瓦|摄氏度|公里|千米|公斤|吨|亩|米|"
    r"标准箱|立方米|个百分点|部门|个|家|项|条|台|辆|人|户|件|次|座|所|款|部|批|类|种|场|名|位|只|头|架|艘|"
    r"套|块|本|篇|份|张|趟|班|列|股|倍|层|岁|度|周年|GW|MW|kW|kWh|km|kg|TB|G)"
)
# ``两成`` is 20%: a tenth counted in 成 (not 成为, 成功, 成立…)
TENTHS = r"[一二两三四五六七八九]成(?![为功立果本员交绩熟效长都型品])"
PERCENT = rf"(?:{NUM}\s*(?:%|％)|百分之{NUM}|{TENTHS})"
UNIT = rf"(?:{CURRENCY}|{DURATION}|{COUNTER})"
ONE = rf"(?:{PERCENT}|{NUM}\s*(?:多|余)?{MAG}?\s*{UNIT}|{NUM}{MAG})"
RANGE_SEP = r"(?:至|到|～|~|-|—|–)"
QTY = re.compile(
    rf"(?<![\d.A-Za-z])(?:{NUM}{RANGE_SEP})?{ONE}(?:{RANGE_SEP}{ONE})?(?:之间|以上|左右|以内|多)?"
)
YEAR_ONLY = re.compile(r"^(?:19|20)\d{2}年$")
DATE = re.compile(
    r"(?:(?:19|20)\d{2}年)?(?:\d{1,2}月)?(?:\d{1,2}[日号])?(?:(?:年|月)?(?:底|初|末|中旬|上旬|下旬))?"
    r"|(?:19|20)\d{2}年(?:上半年|下半年|第[一二三四]季度|[一二三四]季度)"
)
TITLE = re.compile(r"《[^》]{1,40}》|“[^”]{1,40}”|「[^」]{1,40}」|\"[^\"]{1,40}\"")
ORG_SUFFIX = re.compile(
    r"(?:公司|集团|银行|支行|分行|法院|检察院|政府|委员会|办公室|办公厅|研究院|研究所|研究中心|学院|"
    r"大学|医院|协会|联合会|商会|中心|部队|平台|局|厅|部|署|委|所|院|队|会|社|台|馆|站|集团公司)$"
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # quantity | percent | money | duration | date | title | person | org | place
    text: str


def _kind_of_quantity(text: str) -> str:
    if (
        "%" in text
        or "％" in text
        or text.startswith("百分之")
        or "百分点" in text
        or re.search(TENTHS, text)
    ):
        return "percent"
    if re.search(CURRENCY, text):
        return "money"
    if re.search(rf"{NUM}\s*(?:多|余)?{DURATION}(?:{RANGE_SEP}|$|之间|以上|左右|以内|多)", text):
        return "duration"
    return "quantity"


def quantities(text: str, counts: bool = False) -> list[Span]:
    """Numbers with a unit or magnitude; a year (``2023年``) is left to :func:`dates`.

    ``一个``, ``两部``, ``八项`` are usually counting words, not figures: they are spans only
    with ``counts`` (a question that asks how many of that unit: ``有几项``)."""
    out = []
    for m in QTY.finditer(text):
        s = m.group(0)
        if YEAR_ONLY.match(s) or not re.search(r"\d|[一二两三四五六七八九十百千]", s):
            continue
        if not counts and is_count_word(s):
            continue
        out.append(Span(m.start(), m.end(), _kind_of_quantity(s), s))
    return out


def is_count_word(s: str) -> bool:
    """One Chinese numeral and a counter (``一个``, ``八项``), not a tenth (``两成``)."""
    return len(s) <= 2 and s[0] in ZH_NUM and not s.endswith("成")


def dates(text: str) -> list[Span]:
    out = []
    for m in DATE.finditer(text):
        s = m.group(0)
        if not s or not re.search(r"\d", s) or not re.search(r"[年月日号]", s):
            continue
        if re.fullmatch(r"\d{1,2}[日号]", s):  # a bare day is more often a count than a date
            continue
        out.append(Span(m.start(), m.end(), "date", s))
    return out


def titles(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), "title", m.group(0)) for m in TITLE.finditer(text)]


@lru_cache(maxsize=4096)
def posseg(text: str) -> tuple[tuple[str, str], ...]:
    import logging

    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)
    return tuple((p.word, p.flag) for p in pseg.lcut(text))


NOUNISH = {"n", "nt", "ns", "nz", "nrt", "j", "eng", "vn", "an", "l", "nl", "ng", "f", "s", "b"}
ORG_END = re.compile(
    r"(?:公司|集团|银行|支行|分行|法院|检察院|政府|委员会|办公室|办公厅|研究院|研究所|中心|学院|大学|"
    r"医院|协会|联合会|商会|部队|平台|局|厅|署|委员会|部|委|院|社|台)"
)


def warm() -> None:
    """Load jieba's dictionary and tagger now (about a second) rather than on a first question."""
    posseg("北京市人民政府")


def names(text: str) -> list[Span]:
    """People, places and organisations from jieba.posseg, organisations grown to their suffix.

    An organisation is a run of noun-like words ending in an institutional suffix
    (``某某银行某某路支行``, ``某国内政部执法部队``); a verb joins the run only between two
    nouns. A person is a ``nr`` word, joined across ``·`` for foreign names.
    """
    toks, pos = [], 0
    for word, flag in posseg(text):
        toks.append((pos, pos + len(word), word, flag))
        pos += len(word)
    out: list[Span] = []
    for i, (s, e, w, f) in enumerate(toks):
        if ORG_END.search(w) and (ORG_END.fullmatch(w) or ORG_SUFFIX.search(w)):
            j = i
            while j > 0:
                fl = toks[j - 1][3]
                if (
                    fl in NOUNISH
                    or toks[j - 1][2] in ("·", " ")
                    or (
                        fl == "v"
                        and j > 1
                        and toks[j - 2][3] in NOUNISH
                        and len(toks[j - 1][2]) <= 2
                    )
                ):
                    j -= 1
                else:
                    break
            if e - toks[j][0] >= 3:
                out.append(Span(toks[j][0], e, "org", text[toks[j][0] : e]))
        elif f in ("nr", "nrfg") and len(w) >= 2:
            k = i
            while k + 2 < len(toks) and toks[k + 1][2] == "·" and toks[k + 2][3].startswith("nr"):
                k += 2
            out.append(Span(s, toks[k][1], "person", text[s : toks[k][1]]))
        elif f == "ns" and len(w) >= 2:
            out.append(Span(s, e, "place", w))
    return _outermost(out)


def _outermost(found: list[Span]) -> list[Span]:
    """Drop spans inside a longer one (``22日`` inside ``4月22日``)."""
    return [
        x
        for x in found
        if not any(
            y is not x and y.start <= x.start and x.end <= y.end and len(y.text) > len(x.text)
            for y in found
        )
    ]


def spans(text: str, kinds: frozenset[str], count_unit: str | None = None) -> list[Span]:
    """Every span of the wanted kinds, in text order; ``count_unit`` (``项`` for ``有几项``)
    admits the counting words of that unit (``十项``)."""
    out: list[Span] = []
    if kinds & {"quantity", "percent", "money", "duration"}:
        found = quantities(text, counts=bool(count_unit))
        found = [s for s in found if not is_count_word(s.text) or s.text[1:] == count_unit]
        out += [s for s in found if s.kind in kinds or "quantity" in kinds]
    if "date" in kinds:
        out += dates(text)
    if "title" in kinds:
        out += titles(text)
    if kinds & {"person", "org", "place"}:
        out += [s for s in names(text) if s.kind in kinds]
    return sorted(_outermost(out), key=lambda s: (s.start, -s.end))
