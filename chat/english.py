"""The short answer in English for English questions: numbers, dates, amounts, known places.

``4.8万亿元`` → ``4.8 trillion yuan (4.8万亿元)``, ``2023年4月22日`` → ``22 April 2023``, ``北京`` →
``Beijing (北京)``. Anything else returns "" and the answer stays the labelled Chinese quote.
"""

from __future__ import annotations

import re

MAGNITUDE = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2}
SCALES = [(1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")]
CURRENCY = {
    "元人民币": "yuan",
    "美元": "US dollars",
    "港元": "Hong Kong dollars",
    "港币": "Hong Kong dollars",
    "英镑": "pounds",
    "欧元": "euros",
    "日元": "yen",
    "元": "yuan",
}
MONTHS = "January February March April May June July August September October November December"
ONE = re.compile(r"^(\d+(?:\.\d+)?)(多|余)?(万亿|亿|万|千|百)?(.*)$")
DATE = re.compile(r"^(?:(\d{4})年)?(?:(\d{1,2})月)?(?:(\d{1,2})[日号])?$")


def _scaled(value: float) -> str:
    for size, word in SCALES:
        if value >= size:
            n = value / size
            return f"{n:,.2f}".rstrip("0").rstrip(".") + f" {word}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def amount(text: str) -> str:
    """``2000亿元`` → ``200 billion yuan``; ``13.7%`` → ``13.7%``; "" when not a plain amount."""
    t = text.replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?\s*[%％]", t):
        return t.replace("％", "%").replace(" ", "")
    m = ONE.match(t)
    if not m:
        return ""
    value = float(m.group(1)) * MAGNITUDE.get(m.group(3) or "", 1.0)
    unit = m.group(4)
    more = "more than " if m.group(2) else ""
    cur = next((en for zh, en in CURRENCY.items() if unit == zh), None)
    if cur:
        return f"{more}{_scaled(value)} {cur}"
    if not unit or len(unit) <= 2:  # a measure word (个, 家, 台…): the number alone is the answer
        return more + _scaled(value)
    return ""


def date(text: str) -> str:
    m = DATE.match(text)
    if not m or not any(m.groups()):
        return ""
    y, mo, d = m.groups()
    month = MONTHS.split()[int(mo) - 1] if mo and 1 <= int(mo) <= 12 else ""
    return " ".join(x for x in (d, month, y) if x)


def in_english(short: str, gazetteer: dict[str, str]) -> str:
    """The short answer said in English with the Chinese in brackets, or "" when it cannot be."""
    if not short or "、" in short:
        return ""
    en = amount(short) or date(short)
    if not en and short in gazetteer and gazetteer[short]:
        en = gazetteer[short].title()
    return f"{en} ({short})" if en and en != short else ""
