"""Word lists of the offline judge: periods, opposed predicates, negation, plan-versus-done,
and the checks made with them. Lists are small and generic (antonym pairs a reader of Chinese
news would name); they were written while reading the dev split of ``eval/gold/claims.jsonl``
and are measured on its held-out split."""

from __future__ import annotations

import re

from ingest.numbers import NumberToken

from .align import CJK

LEAD = re.compile(r"\D*")  # the words a figure token starts with (its bound: 不少于, 超过)

DATE_UNITS = ("年", "月", "日", "时", "分", "季度")

SAYS = re.compile(r"(表示|称|说|指出|介绍|宣布|认为|承认|确认|显示|报道|透露|获悉)$")

PERIODS = {  # claim word → passage spellings that state the same period
    "上半年": ("上半年", "1-6月", "1—6月", "1至6月", "6月30日", "6月末"),
    "下半年": ("下半年",),
    "前三季度": ("前三季度", "1-9月", "1—9月"),
    "一季度": ("一季度", "1-3月", "1—3月"),
    "二季度": ("二季度",),
    "三季度": ("三季度",),
    "四季度": ("四季度",),
    "全年": ("全年",),
    "去年": ("去年", "上年"),
    "今年": ("今年", "本年"),
    "明年": ("明年",),
    "年底": ("年底", "年末"),
    "月末": ("月末", "月底"),
}
# Opposed predicate words; each group's words are listed longest first where they overlap.

OPPOSED = [
    (
        ("增长", "上升", "增加", "提高", "提升", "上涨", "增幅", "涨幅", "扩大"),
        ("下降", "减少", "降低", "下滑", "回落", "下跌", "降幅", "跌幅", "缩小"),
    ),
    (("提前",), ("推迟", "延迟", "延后")),
    (("任命", "聘任"), ("免去", "免职")),
    (("净买入", "买入"), ("净卖出", "卖出")),
    (("出口",), ("进口",)),
    (("盈利", "净利润", "利润"), ("净亏损", "亏损")),
    # started or heading somewhere vs done: 迈向…2.0阶段 is not 完成…2.0阶段
    (("开工", "开始", "启动", "迈向", "着手"), ("竣工", "完工", "完成", "建成", "落成")),
    # a floor vs a ceiling, said in words away from the figure (最多建设1个, 不少于1个)
    (("至少", "不少于", "不低于"), ("最多", "至多", "不超过", "不高于")),
    (("提速", "缩短"), ("延长",)),
    (("偏西",), ("偏东",)),
    (("允许",), ("禁止",)),
    (("取消",), ("保留",)),
    (("低利率",), ("高利率",)),
]

# "比往年低", "较原计划多…": what is compared and the adjective (figures may sit between).
COMPARE = re.compile(
    r"[比较]([\u4e00-\u9fff]{1,6}?)[都也还更要]?(高|低|多|少|快|慢|大|小|早|晚|强|弱)"
)
ANTONYM = dict(zip("高低多少快慢大小早晚强弱", "低高少多慢快小大晚早弱强", strict=True))

PRED_WORDS = sorted({w for pair in OPPOSED for side in pair for w in side}, key=len, reverse=True)

NEG = re.compile(r"尚未|并未|暂未|未能|没有|不会|不再|并非|未|不|没|无")

# Verbs that negate what follows them: a passage saying 取消收费 supports a claim 不再收费.
NEG_VERBS = re.compile(NEG.pattern + r"|取消|停止|禁止|免|拒绝|避免|杜绝|防止|严禁|暂停|终止")
# Characters after a passage's negation that a claim must not state plainly: the negated verb
# (无法核实, 并未发现), not the rest of its clause (暂未收到中国公民: 中国 is stated plainly
# elsewhere); 3 gives the two bigrams at the verb; set on the dev claims and verbatim quotes.
NEGATED_VERB = 3
SEPS = "，,。；;：:！？!?、\n"
FUNCTION_CHARS = set(
    "的了是在有和与及其为对将等也已并由从于到向把被个这那该此之而或都所以能会再曾得"
)

NOT_NEG = re.compile(  # words with 不/无 that negate nothing, and bounds (checked as bounds)
    r"不合格|不断|不仅|不只|不少于|不低于|不超过|不足|不到|不得|不同|不良|无人机|毫不|不久|无家可归"
    r"|未分配|未成年|未来|无线|无人|不动产|不锈钢|无锡"
)

DONE = re.compile(r"已")
# What a claim says to state a plan (narrower than PLAN: 将/要 also mark plain futures there).
PLANNED = re.compile(r"计划|拟|准备|预计|打算")

PLAN = re.compile(r"力争|计划|目标|预计|预期|拟|将|要|可达|推动|提出|争取|到\d{4}年|到20")

TIME_WORDS = re.compile(
    r"截至|目前|今年|去年|当晚|当天|近日|日前|月末|年底|许|上半年|前|此前|从|起|自"
)

BASELINE = re.compile(r"(较|比|与|同|相比|低于|高于|超过)$")


def strip_preds(text: str) -> str:
    """Without the words whose agreement is checked on its own (they must not decide which
    passage segment a clause aligns to)."""
    for w in PRED_WORDS:
        text = text.replace(w, " ")
    return NEG.sub(" ", NOT_NEG.sub(" ", text))


def pred_before(text: str, end: int) -> str:
    """The nearest opposable predicate word before position ``end`` of ``text``."""
    best, pos = "", -1
    for w in PRED_WORDS:
        i = text.rfind(w, 0, end)
        if i > pos:
            best, pos = w, i
    return best


def pred_clash(clause: str, x: NumberToken, passage: str, tok: NumberToken, at: int) -> str:
    """The claim's predicate word before figure ``x`` against the passage's before ``tok``
    (at ``at`` in ``passage``): 增长 vs 下降, 完成 vs 迈向, and a bound word inside either
    figure (最多…1个 vs 不少于1个)."""
    mine = [pred_before(clause, x.start), LEAD.match(x.text).group(0)]
    theirs = [pred_before(passage, at), LEAD.match(tok.text).group(0)]
    for a in filter(None, mine):
        for b in filter(None, theirs):
            if opposed(a, b):
                return f"says {a} where the passage says {b}"
    return ""


def opposed(a: str, b: str) -> bool:
    return any((a in x and b in y) or (a in y and b in x) for x, y in OPPOSED)


def negations(text: str) -> int:
    return len(NEG.findall(NOT_NEG.sub(" ", text)))


def period_missing(clause: str, where: str) -> str:
    """A period word of the claim (去年, 上半年…) that ``where`` does not state; 去年同期 in
    the passage is a baseline (比去年同期提高), not the period of the fact."""
    text = clause.replace("第一季度", "一季度").replace("第二季度", "二季度")
    where = re.sub(r"(去年|上年)同期", " ", where)
    text = re.sub(r"(去年|上年)同期", " ", text)
    for word, spellings in PERIODS.items():
        if word in text and not any(s in where for s in spellings):
            return word
    return ""


def negation_clash(clause: str, passage: str) -> str:
    """A word negated on one side and stated plainly on the other (不含 vs 含有, 尚未达成 vs
    已经达成). Negated words the other side does not mention are paraphrase, not a clash."""
    for a, b in ((clause, passage), (passage, clause)):
        a = re.sub(r"《[^》]*》", "", NOT_NEG.sub("  ", a))
        for m in NEG.finditer(a):
            word = a[m.end() : m.end() + (2 if len(m.group(0)) > 1 else 1)]
            if not CJK.fullmatch(word[:1] or "x"):
                continue
            plain = [
                i
                for i in range(len(b))
                if b.startswith(word, i) and not NEG.search(NOT_NEG.sub("  ", b[max(0, i - 3) : i]))
            ]
            if plain:
                return f"{m.group(0)}{word}"
    return ""


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def _plain(text: str) -> str:
    """The text with non-negating 不/无 words and titles blanked (offsets kept)."""
    return re.sub(r"《[^》]*》", _blank, NOT_NEG.sub(_blank, text))


def _scopes(text: str, pat: re.Pattern[str]) -> list[tuple[re.Match[str], int]]:
    """Each negation and where its scope ends: the end of its clause."""
    out = []
    for m in pat.finditer(text):
        end = next((i for i in range(m.end(), len(text)) if text[i] in SEPS), len(text))
        out.append((m, end))
    return out


def negated_stated(clause: str, sentence: str) -> str:
    """A word the claim negates (``未被处以罚款``, ``不适用缓刑``, ``尚未恢复到…同期水平``)
    that the passage sentence it aligns to states only plainly (``处罚款``, ``缓刑一年``,
    ``超过…同期水平``). A negation the passage states itself (无条件开放, 不尽职) is its own;
    the passage's negating verbs (取消, 停止…) count as negations."""
    c, p = _plain(clause), _plain(sentence)
    for (a, a_pat, reach), (b, b_pat), says in (
        ((c, NEG, len(c)), (p, NEG_VERBS), "stated in the passage"),
        ((p, NEG, NEGATED_VERB), (c, NEG), "negated in the passage"),
    ):
        bneg = [False] * len(b)
        for m, end in _scopes(b, b_pat):
            bneg[m.end() : end] = [True] * (end - m.end())
        for m, end in _scopes(a, a_pat):
            if a[m.start() : m.end() + 2] in b:
                continue  # the other side says the same negation
            for i in range(m.end(), min(end, m.end() + reach) - 1):
                w = a[i : i + 2]
                if not (CJK.fullmatch(w[0]) and CJK.fullmatch(w[1])):
                    continue
                if w[0] in FUNCTION_CHARS and w[1] in FUNCTION_CHARS:
                    continue
                at = [j for j in range(len(b) - 1) if b.startswith(w, j)]
                if at and not any(bneg[j] for j in at):
                    return f"negated {w}, {says}" if says[0] == "s" else f"states {w}, {says}"
    return ""


def comparative_clash(clause: str, passage: str) -> str:
    """比/较 X 高 where the passage says 比/较 X 低 (the same X): 比往年高 vs 比往年低,
    较原计划少 vs 较原计划多."""
    theirs = {(x, adj) for x, adj in COMPARE.findall(passage)}
    for x, adj in COMPARE.findall(clause):
        if any(x == y and ANTONYM.get(adj) == b for y, b in theirs):
            return f"says 比{x}{adj} where the passage says {ANTONYM[adj]}"
    return ""


def tense_clash(clause: str, said: str, sentence: str) -> str:
    """Done (已) where the passage plans (``sentence`` holds a plan word: it governs the whole
    sentence), or planned (计划, 拟…) where the passage's aligned text ``said`` says 已."""
    if DONE.search(clause) and not DONE.search(said) and PLAN.search(sentence):
        return "states as done what the passage states as a plan or target"
    planned = PLANNED.search(clause) and not DONE.search(clause)
    if planned and DONE.search(said) and not PLAN.search(said):
        return "states as a plan what the passage states as done"
    return ""
