"""Number tokens with their unit and magnitude: the primitive for "is this the same figure".

A bare digit search says ``1`` occurs in ``10%`` and ``12`` occurs in ``2023年12月``; a reader
compares whole figures. :func:`number_tokens` reads each figure of a Chinese text as one token:
its value scaled by the magnitude word (``2,379.2亿`` → 2.3792e11), its unit (``元``, ``%``,
``个百分点``, ``年``, ``万人次`` → ``人次``…) and its bound word (``超过``/``以上`` → ``>``,
``不足`` → ``<``, ``约``/``左右`` → ``~``). :func:`same_number` then compares value and unit,
so ``10%`` ≠ ``1万亿元``, ``2,379.2亿`` = ``2379.2亿``, ``1万元`` = ``10000元`` and
``1000千米`` = ``1000公里``. Ranges (``3-5元/小时``, ``12亿元-17亿元``) give one token per end,
the first borrowing the unit of the second. Identifiers glued to Latin letters (``5G``, ``P60``)
are tokens of unit ``id`` compared as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAGNITUDE = {
    "万亿": 1e12,
    "千亿": 1e11,
    "百亿": 1e10,
    "十亿": 1e9,
    "亿": 1e8,
    "千万": 1e7,
    "百万": 1e6,
    "十万": 1e5,
    "万": 1e4,
    "千": 1e3,
    "百": 1e2,
}
# Units, longest first; the first group is what a figure measures, a "/x" rate may follow.
UNITS = (
    "个百分点|百分点|%|％|‰|倍|成|"
    "元人民币|人民币|美元|港元|英镑|欧元|日元|韩元|卢布|元|"
    "万人次|人次|台（套）|台\\(套\\)|台|辆|架|艘|颗|件|款|项|条|座|支|名|位|人|户|家|所|个月|个|"
    "场|单|笔|次|股|批|类|大类|大|种|篇|部|号|级|期|"
    "平方公里|平方米|立方米|公顷|亩|公里|千米|米|吨|千克|公斤|克|千瓦时|千瓦|瓦|度|摄氏度|℃|"
    "小时|分钟|秒|天|周|季度|年|月|日|时|分|岁"
)
ALIASES = {
    "％": "%",
    "百分点": "个百分点",
    "千米": "公里",
    "℃": "摄氏度",
    "元人民币": "元",
    "人民币": "元",
    "公斤": "千克",
    "台（套）": "台",
    "台(套)": "台",
    "大类": "类",
}
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# Chinese numerals count as figures only before a counter: "两成", "七个月", "十大", "第二批";
# without one, "一" is mostly a word part ("统一", "一流").
CN_COUNTERS = "成|倍|个月|个|家|条|项|名|位|大类|大|类|年|批|次|场|级|号|种|类|岁|天|周"
_DIGITS = r"\d+(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?"
_CN = r"[零〇一二两三四五六七八九十百千]+"
_MAG = "|".join(k + "(?![米克瓦])" if k.endswith("千") else k for k in MAGNITUDE)  # 千米 is a unit
_BARE = "万亿|千亿|百亿|千万|百万"  # "超千亿元", "万亿元级": a magnitude word alone is a figure
# One space between a figure and its magnitude or unit, as sites that space Latin and digits
# write them ("3.387 亿美元", "2021 年", "7 月 21 日"): the same figure as "3.387亿美元".
_SPACE = rf"(?: (?=(?:多|余)?(?:{_MAG}|{UNITS})))?"
NUMBER = re.compile(
    rf"(?:(?P<pre>超过|不超过|不低于|不少于|不足|不到|低于|高于|最多|至少|接近|约合|大约|约|近|超|逾|达到|达) ?)?"
    rf"(?:(?P<num>{_DIGITS})|(?P<cn>{_CN})(?=(?:{CN_COUNTERS})|[到至][{_CN[1:-2]}]+(?:{CN_COUNTERS}))|(?P<bare>{_BARE})(?=元|美元|级))"
    rf"{_SPACE}(?P<more>多|余)?(?P<mag>{_MAG})?(?P<more2>多|余)?(?P<unit>{UNITS})?(?P<rate>/(?:万人|[\u4e00-\u9fff]{{1,2}}))?"
    rf"(?P<post>以上|以下|左右|上下|之间)?"
)
CN_WORDS = set("统唯万之专单同划逐上下这那每")  # 统一, 唯一, 之一, 上一次: no figure
RANGE = re.compile(r"\s*(?:-|—|–|~|～|至|到)\s*$")
LATIN = re.compile(r"[A-Za-z]")
BOUNDS = {
    "超过": ">", "超": ">", "逾": ">", "高于": ">", "不低于": ">", "不少于": ">", "以上": ">",
    "多": ">", "余": ">", "至少": ">", "最多": "<", "不足": "<", "不到": "<", "低于": "<", "不超过": "<", "以下": "<",
    "接近": "~", "近": "~", "约": "~", "约合": "~", "大约": "~", "左右": "~", "上下": "~",
}  # fmt: skip


@dataclass(frozen=True)
class NumberToken:
    """One figure: ``value`` already scaled by its magnitude word; ``start``/``end`` in text."""

    text: str
    value: float
    unit: str
    bound: str  # ">", "<", "~" or ""
    start: int
    end: int

    @property
    def key(self) -> tuple[float, str]:
        return (round(self.value, 6), self.unit)


def cn_value(text: str) -> float | None:
    """Value of a simple Chinese numeral (``七``, ``十``, ``二十一``, ``一百二十二``)."""
    if len(text) > 1 and all(c in CN_DIGITS for c in text):  # "二〇二三"
        return float("".join(str(CN_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for c in text:
        if c in CN_DIGITS:
            digit = CN_DIGITS[c]
        elif c in CN_UNITS:
            total += (digit or 1) * CN_UNITS[c]
            digit = 0
        else:
            return None
    return float(total + digit)


def number_tokens(text: str) -> list[NumberToken]:
    """Every figure in ``text`` in order of appearance (see the module docstring)."""
    out: list[NumberToken] = []
    bare_mag: list[bool] = []  # per token: it carries its own magnitude word
    for m in NUMBER.finditer(text):
        if m.group("num"):
            s, e = m.span("num")
            if (s > 0 and LATIN.match(text[s - 1])) or (e < len(text) and LATIN.match(text[e])):
                out.append(NumberToken(m.group("num"), 0.0, "id:" + _ident(text, s, e), "", s, e))
                bare_mag.append(False)
                continue
            value = float(m.group("num").replace(",", ""))
        elif m.group("bare"):
            value = MAGNITUDE[m.group("bare")]
        else:
            cn = cn_value(m.group("cn"))
            s = m.start("cn")
            if cn is None or (s > 0 and text[s - 1] in CN_WORDS):
                continue
            value = cn
        value *= MAGNITUDE.get(m.group("mag") or "", 1.0)
        unit = ALIASES.get(m.group("unit") or "", m.group("unit") or "")
        if m.group("rate"):
            unit += m.group("rate")
        if unit == "成":  # 两成 = 20%
            value, unit = value * 10, "%"
        bound = next(
            (
                BOUNDS[w]
                for w in (m.group("post"), m.group("more") or m.group("more2"), m.group("pre"))
                if w in BOUNDS
            ),
            "",
        )
        tok = NumberToken(m.group(0), value, unit, bound, m.start(), m.end())
        prev = out[-1] if out else None
        if prev and not prev.unit and RANGE.search(text[prev.end : tok.start] or "x"):
            # "3-5万元": the 3 is 3万元 too (unless it has its own magnitude, "1800万美至…")
            scale = 1.0 if bare_mag[-1] else MAGNITUDE.get(m.group("mag") or "", 1.0)
            out[-1] = NumberToken(
                prev.text, prev.value * scale, unit, prev.bound, prev.start, prev.end
            )
        out.append(tok)
        bare_mag.append(bool(m.group("mag") or m.group("bare")))
    return out


def _ident(text: str, s: int, e: int) -> str:
    """The whole identifier around digits at ``s:e`` (``5G``, ``P60``, ``KRASG12C``)."""
    while s > 0 and (text[s - 1].isascii() and text[s - 1].isalnum()):
        s -= 1
    while e < len(text) and (text[e].isascii() and text[e].isalnum()):
        e += 1
    return text[s:e].upper()


def units_match(a: str, b: str) -> bool:
    """Same unit, or one side states none and the other is a count or an amount (``8.5亿`` vs
    ``8.5亿元``); percentages, points, dates and identifiers always need their own unit."""
    if a == b:
        return True
    strict = ("%", "个百分点", "‰", "倍", "年", "月", "日", "时", "分", "季度", "id:")
    return (not a and not b.startswith(strict)) or (not b and not a.startswith(strict))


def same_number(a: NumberToken, b: NumberToken, rel: float = 1e-9) -> bool:
    """Equal value (within ``rel``) and matching unit; identifiers compare as text."""
    if not units_match(a.unit, b.unit):
        return False
    if a.unit.startswith("id:"):
        return a.unit == b.unit
    return abs(a.value - b.value) <= rel * max(abs(a.value), abs(b.value), 1e-12)
