"""Time periods named in a question, and whether a passage speaks of that period.

News says ``今年``, ``去年``, ``一季度`` relative to its own publication date, while a question
names ``2023年8月`` or ``去年`` relative to the asker's now. So a relative period is resolved
against each *article's* date: ``去年`` in the question matches an article of 2023 that speaks of
``2022年`` or of ``去年``. Own code: no date parser on PyPI reads Chinese period words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "上": 1, "下": 2}
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_REL_YEAR = {"前年": -2, "去年": -1, "今年": 0, "明年": 1, "本年": 0, "上年": -1}
_REL = re.compile("|".join(_REL_YEAR))
_MONTH = re.compile(r"(?<![\d.])(1[0-2]|0?[1-9])\s*月(?!\d)")
_QUARTER = re.compile(r"(?:第)?([一二三四1-4])\s*季度")
_HALF = re.compile(r"([上下])半年")


@dataclass(frozen=True)
class Period:
    """A period as ``(year offset or absolute year, month range)``; months are inclusive."""

    year: int | None  # absolute year, or None when relative
    rel: int | None  # years relative to the article's own date (去年 = -1), when relative
    months: tuple[int, int] = (1, 12)
    word: str = ""  # the relative word as asked (今年), which articles use too

    def resolve(self, article_year: int) -> tuple[int, tuple[int, int]]:
        year = self.year if self.year is not None else article_year + (self.rel or 0)
        return year, self.months


def question_period(question: str) -> Period | None:
    """The period a question names, if any (the first year or relative-year word wins)."""
    months = (1, 12)
    if m := _QUARTER.search(question):
        q = _CN_NUM.get(m.group(1)) or int(m.group(1))
        months = (3 * q - 2, 3 * q)
    elif m := _HALF.search(question):
        months = (1, 6) if m.group(1) == "上" else (7, 12)
    elif m := _MONTH.search(question):
        months = (int(m.group(1)), int(m.group(1)))
    if m := _YEAR.search(question):
        return Period(int(m.group(1)), None, months)
    if m := _REL.search(question):
        return Period(None, _REL_YEAR[m.group(0)], months, m.group(0))
    return None


def _year_of(date: str | None) -> tuple[int, int] | None:
    if not date or len(date) < 7 or not date[:4].isdigit() or not date[5:7].isdigit():
        return None
    return int(date[:4]), int(date[5:7])


def speaks_of(period: Period, text: str, date: str | None) -> bool:
    """Does a passage (with its article's date) concern ``period``?

    True when the article was published in the period, or its text names the period's year
    (``2022年``), or, for a relative question, uses the same relative word from an article of
    the same year (``去年`` asked now, ``去年`` written in an article of this year).
    """
    ym = _year_of(date)
    if period.year is None and ym is None:
        return bool(period.word) and period.word in text
    year, (m0, m1) = period.resolve(ym[0] if ym else 0)
    if ym and ym[0] == year and m0 <= ym[1] <= m1:
        return True
    if f"{year}年" in text:
        return True
    return bool(period.word) and period.word in text and ym is not None
