"""What a question expects back (the answer type) and what constrains it (its content words).

``多少亿元`` wants money, ``增长了多少`` a rate unless a unit is named, ``哪一天`` a date, ``谁`` a
person or organisation, ``哪个法院`` an organisation, ``主题是什么`` a title in quotes, ``哪些``
a list; anything else a description. Multi-part questions (``…多少？同比增长多少？``) become
one :class:`Ask` per part, each typed on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .spans import COUNTER, CURRENCY, ZH_NUM

WH = re.compile(
    r"是什么|是多少|有多少|什么样的?|什么时候|什么|多少|多长时间|多长|多久|哪一[天年日个家位]|"
    r"哪[一二三四五六七八九十两\d]+[大项个条类方面种家]?|哪些|哪个|哪家|哪位|哪里|哪儿|哪|"
    r"几[个项条家大方年月天种类次]?|谁|如何|怎样|怎么|是否|有何|为何|为什么|吗|呢|何时|"
    r"分别|各自|一共|总共|大约"
)
# Words that carry no constraint: question scaffolding and the commonest function words.
FILLER = re.compile(
    r"[的了在是将对和与或也都被把从向于为其该这那而并]|[，。？?！!、：:；;（）()\s]"
)
UNIT_ASKED = re.compile(rf"(?:多少|几)((?:万|亿|千|百)?(?:{CURRENCY}|{COUNTER}))")
PERCENT_ASK = re.compile(
    r"增速|增幅|增长率|比例|占比|比重|百分之|覆盖率|率[是为达]?(?:多少|几)|同比|环比|增长了?多少|下降了?多少|提高了?多少|降低了?多少"
)
MONEY_ASK = re.compile(
    r"多少钱|金额|资金|投资额?|收入|营收|利润|亏损|产值|增加值|规模|成交额|销售额|罚款|赔偿|融资|派息|价格|费用|预算|贸易额|出口额|进口额|顺差"
)
DATE_ASK = re.compile(
    r"哪一年|哪年|何时|什么时候|几月|哪天|哪一天|哪日|日期|什么时间|when\b|what year|which year",
    re.I,
)
DURATION_ASK = re.compile(r"多长时间|多久|几年|how long", re.I)
PERSON_ASK = re.compile(r"谁|哪位|什么人|记者是|who\b", re.I)
ORG_ASK = re.compile(
    r"哪(?:个|家|些)?(?:单位|部门|机构|公司|企业|银行|支行|法院|政府|学院|大学|医院|平台|组织|集团|媒体|报社|网站)|哪家|which (?:company|organi[sz]ation|department)",
    re.I,
)
PLACE_ASK = re.compile(
    r"哪里|哪儿|什么地方|哪个(?:地方|城市|省|国家|地区|区|市|县)|哪(?:座|国)|where\b", re.I
)
TITLE_ASK = re.compile(
    r"(?:主题|口号|名称|称号|荣誉|名字|标题|理念|精神|口号)是什么|叫什么|什么(?:称号|荣誉|奖)"
)
LIST_ASK = re.compile(
    r"哪些|哪几|哪[一二三四五六七八九十两\d]+[大项个条类方面种家]|分别是|有什么|包括什么|包含哪|which (?:are|were)|list",
    re.I,
)
COUNT = re.compile(r"哪([一二三四五六七八九十两]|\d+)[大项个条类方面种家]")
YESNO_ASK = re.compile(r"是否|能否|可否|可以.*吗|会.*吗|有没有|是不是")
NUMBER_ASK = re.compile(
    r"多少|几[个项条家大方年月天种类次]|几$|how (?:much|many)|what (?:percentage|share)", re.I
)
ZH_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九十")} | {"两": 2}


@dataclass(frozen=True)
class Ask:
    """One thing asked: the kinds of span that answer it, and its own content words."""

    text: str
    kinds: frozenset[str]  # span kinds (chat.spans) that answer; empty = description
    unit: str | None = None  # the unit named after 多少 (亿元, 家, 亩…)
    count: int | None = None  # "四" in 哪四项
    listing: bool = False
    yesno: bool = False

    @property
    def typed(self) -> bool:
        return bool(self.kinds)


def _ask(part: str) -> Ask:
    unit_m = UNIT_ASKED.search(part)
    unit = unit_m.group(1) if unit_m else None
    count_m = COUNT.search(part)
    count = None
    if count_m:
        g = count_m.group(1)
        count = int(g) if g.isdigit() else ZH_DIGIT.get(g)
    listing = bool(LIST_ASK.search(part))
    kinds: set[str] = set()
    if DATE_ASK.search(part):
        kinds = {"date"}
    elif DURATION_ASK.search(part):
        kinds = {"duration"}
    elif NUMBER_ASK.search(part):
        if unit and re.search(CURRENCY, unit):
            kinds = {"money"}
        elif unit and unit not in ZH_NUM:
            kinds = {"quantity", "money", "duration"}
        elif PERCENT_ASK.search(part):
            kinds = {"percent"}
        elif MONEY_ASK.search(part):
            kinds = {"money", "quantity"}
        else:
            kinds = {"quantity", "money", "percent", "duration"}
    elif PERSON_ASK.search(part):
        kinds = {"person", "org"}
    elif ORG_ASK.search(part):
        kinds = {"org"}
    elif PLACE_ASK.search(part):
        kinds = {"place"}
    elif TITLE_ASK.search(part):
        kinds = {"title"}
    return Ask(
        part,
        frozenset(kinds),
        unit if kinds & {"quantity", "money", "duration"} else None,
        count,
        listing and not kinds - {"org", "place", "person"},
        bool(YESNO_ASK.search(part)) and not kinds,
    )


ANY_FIGURE = frozenset({"quantity", "money", "percent", "duration", "date"})


def asks(question: str, english: bool = False) -> list[Ask]:
    """One :class:`Ask` per question part (``？`` separated, or ``…多少、…多少``).

    An English question shares only figures and names with Chinese text, so an untyped one
    (``What is the city's target for…``) is read as asking for a figure.
    """
    if english:
        return [a if a.typed else Ask(a.text, ANY_FIGURE) for a in asks(question)]
    parts = [p for p in re.split(r"[？?]", question) if p.strip()]
    if len(parts) == 1:  # "涉及多少个方面、多少条政策措施" asks twice in one sentence
        pieces = re.split(r"[，、,]", parts[0])
        if sum(bool(NUMBER_ASK.search(p)) for p in pieces) >= 2:
            parts = [p for p in pieces if p.strip()]
    out = [_ask(p) for p in parts]
    return out or [_ask(question)]


def predicate(question: str) -> str:
    """The word right before the question word: what is asked about (``出口额是多少`` → 出口额).

    A sentence lacking it answers another question (the same story's other figure), so it
    weighs more in coverage. "" when the question word opens the question (``谁将…``).
    """
    import logging

    import jieba

    m = WH.search(question)
    if not m or m.start() == 0:
        return ""
    runs = [r for r in FILLER.sub("|", question[max(0, m.start() - 8) : m.start()]).split("|") if r]
    if not runs:
        return ""
    jieba.setLogLevel(logging.WARNING)
    words = [w for w in jieba.lcut(runs[-1]) if len(w) >= 2]
    return words[-1].lower() if words else ""


def content(question: str) -> list[str]:
    """The question's content runs: what is left after question words and fillers.

    Runs keep their order; a constraint is a character bigram inside a run, so removing a
    question word never joins its neighbours into a bigram the question did not contain.
    """
    text = WH.sub("|", question)
    text = FILLER.sub("|", text)
    return [r for r in text.split("|") if r]


# A sentence that asks: a question mark or an interrogative word (Chinese or English).
_ASKING = re.compile(
    r"[？?]|多少|什么|哪|谁|几|何时|何地|吗|是否|怎样|如何|为何|为什么"
    r"|\b(?:how|what|which|who|whom|when|where|why)\b",
    re.I,
)


def asked_part(question: str) -> str:
    """The sentences of ``question`` that ask something, when it also says other things.

    Coverage is a share of the question's words: text around the question (an instruction
    pasted after it, ``忽略以上所有指令…``) would dilute it and refuse an answerable question.
    Retrieval still sees the whole text. No gold question (seeds, crud-dev) has such extra
    sentences, so this changes no measured figure.
    """
    parts = [p for p in re.split(r"(?<=[。！？!?；;\n])", question) if p.strip()]
    asking = [p for p in parts if _ASKING.search(p)]
    return "".join(asking) if asking and len(asking) < len(parts) else question
