"""Retrieval-scoring cues read from a question's wording (Chinese or English).

These cues weigh candidate sentences before the reader reads them (:mod:`chat.compose`):
``多少亿元`` favours an amount in 亿元, ``哪四项`` the sentence announcing four items. The answer
type the reader extracts is :mod:`chat.qtype`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ZH_NUM = "零一二两三四五六七八九十百千万亿"
NUMERAL = rf"(?:\d+(?:\.\d+)?|[{ZH_NUM}]+)"
ASKS_NUMBER = re.compile(
    r"多少|几[个项条家大方年月天种类次]|几$|比例|占比|增速|增长了?多|"
    r"how (?:much|many)|what (?:percentage|share|proportion)",
    re.I,
)
ASKS_WHEN = re.compile(r"哪一年|哪年|何时|什么时候|几月|哪天|when\b|what year", re.I)
QUANTITY = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|％|[多余]?[万亿千百]*(?:[个项条家台辆人元件次座所款户倍部批类种]|方面))"
    r"|[零一二两三四五六七八九十百千万亿]+(?:[个项条家大种类部倍批]|方面)"
)
UNIT = re.compile(
    r"(?:多少|几)((?:万|亿|千|百)?(?:亿元|万元|元|户|家|个|条|项|台|辆|人|件|次|座|所|款|亿|万))"
)
LIST = re.compile(
    r"哪些|哪几|哪[一二三四五六七八九十两\d]+[大项个条类方面]|分别是|有什么|包括什么|包含哪|which (?:are|were)|list",
    re.I,
)
MULTI = re.compile(r"[？?].+[？?]|分别|以及|和.+各|与.+各|compare|respectively", re.I)
COUNTED = re.compile(r"哪([一二三四五六七八九十两]+|\d+)[大项个条类方面]")


@dataclass(frozen=True)
class Intent:
    question: str  # the wording the cues were read from: the user's focus for scoring
    number: bool  # asks for a quantity
    when: bool
    unit: str | None
    listing: bool
    multi: bool
    count: str | None = None  # "四" in "哪四项"
    english: bool = False  # cross-lingual: scored mostly by similarity


def read_intent(question: str) -> Intent:
    unit = UNIT.search(question)
    return Intent(
        question=question,
        number=bool(ASKS_NUMBER.search(question)),
        when=bool(ASKS_WHEN.search(question)),
        unit=unit.group(1) if unit else None,
        listing=bool(LIST.search(question)),
        multi=bool(MULTI.search(question)),
        count=count.group(1) if (count := COUNTED.search(question)) else None,
        english=is_english(question),
    )


def is_english(question: str) -> bool:
    return not re.search(r"[\u4e00-\u9fff]", question) and bool(re.search(r"[A-Za-z]", question))


def has_number(text: str) -> bool:
    """A quantity (amount with a measure word or %), not just any digit such as a year."""
    return bool(QUANTITY.search(text))


def has_date(text: str) -> bool:
    return bool(re.search(r"(?:19|20)\d{2}年|\d{1,2}月\d{1,2}日|\d{1,2}月", text))


def has_unit(text: str, unit: str) -> bool:
    """An amount in the asked unit (``2000亿元`` for 亿元, ``十一部门``/``11条`` for 条…)."""
    core = unit[-1] if unit[-1] not in "元" else unit
    return bool(re.search(rf"{NUMERAL}\s*(?:多|余|左右)?(?:[万亿千百])?{re.escape(core)}", text))
