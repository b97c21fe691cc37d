"""Where in the cited passages a claim clause, or one of its figures, is stated.

The passages are cut into sentences (。；), clauses (，：…) and segments (、), bracket-aware,
so ``网易(集团在穗企业合计数,下同,166.39亿元)`` stays one piece. Each figure gets a context:
its segment, plus the previous clause when the segment names no subject (``同比增长13.7%``),
plus the sentence's first clause (its topic); in a ``分别`` clause the i-th figure gets the
i-th item of the list it refers to. A claim's figure then belongs to the context that shares
most of the claim's words, near the figure first (:data:`eval.strict.NARROW`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest import squash
from ingest.numbers import NumberToken, number_tokens

STOP = set("的了是在有和与及其中为对将等也已并由从于到向把被个这那该此之而或都所以")
AND_FIGURE = re.compile(r"[和及](?=\d)")  # "36家智能工厂和47家数字化车间": two segments
HEAD_NOUN = re.compile(
    r"(等|[两二三四五六七八九十]大).*$"
)  # "…生物医药等四大…集群": the list's noun
ADVERBIAL = re.compile(
    r"(而|但|并|同时)?(在|于|对于|对|从)"
)  # a clause opening so modifies the next
# Separators inside a bracket this short do not split ("网易(集团在穗企业合计数,下同,166.39亿元)");
# a longer one holds sentences of its own (the cableway figures of 丽江). Set on the dev claims.
BRACKET = 40
FUNCTION = STOP | set("到可要将约近超达为")
PREFIX = re.compile(r"同比|环比|较|比|分别|其中|共计|累计|实现|增长|上升|增加|下降|减少|达到|达")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Openings of a sentence that speaks of the previous one's subject ("其中,海珠区产业增速…").
BACK = re.compile(r"\s*(其中|此外|同时|这|该|此|其|他|她|它)")
# Characters a place must be followed or preceded by, inside a run the claim shares verbatim
# with the passage, to count as part of a name (浦发银行太原建设路支行) rather than the place a
# claim speaks of: 3 is past a suffix (太原市) and short of a name; set on the dev claims.
NAME_EXTRA = 3


def spans(text: str, seps: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Pieces of ``text[start:end]`` between separators outside brackets; an ASCII comma
    between digits (``2,379``) is not a separator."""
    end = len(text) if end is None else end
    out, close, s = [], -1, start
    for i in range(start, end):
        ch = text[i]
        if i > close and ch in "(（[【《“":
            j = min((k for k in (text.find(c, i) for c in ")）]】》”") if k > i), default=-1)
            close = j if 0 < j - i <= BRACKET else close  # a long parenthesis has clauses
        if i > close and ch in seps:
            if ch == "," and text[i - 1 : i].isdigit() and text[i + 1 : i + 2].isdigit():
                continue
            if text[s:i].strip():
                out.append((s, i))
            s = i + 1
    if text[s:end].strip():
        out.append((s, end))
    return out


def grams(text: str) -> set[str]:
    """Character bigrams of words (CJK, letters); figures, punctuation and pairs of function
    characters (其中, 的是) are left out."""
    s = re.sub(r"[^\w]|[\d_]", " ", squash(text).casefold())
    out = {s[i : i + 2] for i in range(len(s) - 1) if " " not in s[i : i + 2]}
    return {g for g in out if not (g[0] in STOP and g[1] in STOP)}


@dataclass
class Clause:
    text: str
    n: int  # passage number
    sent: int  # global sentence id
    idx: int  # clause index in its sentence
    start: int  # offset in the passage
    prev: str = ""  # previous clause of the same sentence
    topic: str = ""  # first clause of the sentence


@dataclass
class Figure:
    tok: NumberToken
    clause: Clause
    context: str  # what the figure measures, as stated around it
    near: str  # the segment (or 分别 item) alone
    prev: str = ""  # the previous clause, when the segment names no subject


@dataclass
class Support:
    """The cited passages, cut up, with every figure located."""

    passages: dict[int, str]
    clauses: list[Clause] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    sents: dict[int, str] = field(default_factory=dict)
    periods: dict[int, str] = field(default_factory=dict)  # sentence id → its full 。-sentence
    sent_passage: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, passages: dict[int, str], cites: list[int]) -> Support:
        sup, sid = cls({n: passages[n] for n in cites}), 0
        for n in cites:
            text = passages[n]
            parts = [
                (a, b, p) for p in spans(text, "。！？!?\n") for a, b in spans(text, "；;", *p)
            ]
            for s0, s1, (p0, p1) in parts:
                sid += 1
                sup.sents[sid], sup.sent_passage[sid] = text[s0:s1], n
                sup.periods[sid] = text[p0:p1]
                cl = [
                    Clause(text[a:b], n, sid, i, a)
                    for i, (a, b) in enumerate(spans(text, "。！？!?；;\n，,：:…", s0, s1))
                ]
                for i, c in enumerate(cl):
                    c.prev, c.topic = (cl[i - 1].text if i else ""), (cl[0].text if i else "")
                sup.clauses += cl
            sup.figures += [_figure(t, sup.clauses, n, text) for t in number_tokens(text)]
        return sup

    def text(self) -> str:
        return squash("".join(self.passages.values()))

    def sentence(self, sid: int) -> str:
        return self.sents[sid]

    def context(self, sid: int) -> str:
        """A sentence with the one before it when it opens by pointing back (其中, 这…)."""
        text = self.periods[sid]
        prior = [s for s in self.periods if s < sid and self.periods[s] != text]
        if BACK.match(text) and prior and self.sent_passage[prior[-1]] == self.sent_passage[sid]:
            return self.periods[prior[-1]] + text
        return text


def _figure(tok: NumberToken, clauses: list[Clause], n: int, text: str) -> Figure:
    c = next(c for c in clauses if c.n == n and c.start <= tok.start < c.start + len(c.text) + 1)
    rel = tok.start - c.start
    cut = [(a, b) for a, b in spans(AND_FIGURE.sub("、", c.text), "、")]
    seg = next((c.text[a:b] for a, b in cut if a <= rel <= b), c.text)
    near = _respectively(tok, c, text) or seg
    adverbial = ADVERBIAL.match(c.prev) and not number_tokens(c.prev)  # "而在热门景区和商圈，"
    listed = near != seg and near.split("分别")[0] not in c.text  # 分别 items listed in c.prev:
    # every figure of the clause borrows it alike, or the first one's subject wins nothing
    prev = c.prev if adverbial or listed or subjectless(seg[: max(0, seg.find(tok.text))]) else ""
    return Figure(tok, c, prev + "，" + near + "，" + c.topic, near, prev)


def subjectless(head: str) -> bool:
    """Whether the text before a figure names nothing (``同比增长``, ``到2030年可达``)."""
    for t in reversed(number_tokens(head)):
        head = head[: t.start] + head[t.end :]
    return sum(1 for ch in PREFIX.sub("", head) if CJK.match(ch) and ch not in FUNCTION) < 2


def _respectively(tok: NumberToken, c: Clause, text: str) -> str:
    """In "A、B分别增长x%和y%", the item a figure belongs to (A for x, B for y)."""
    at = c.text.find("分别")
    rel = tok.start - c.start
    if at < 0 or rel < at:
        return ""
    after = [t for t in number_tokens(c.text[at:]) if t.unit == tok.unit]
    items = _items(c.text[:at], len(after))
    if len(items) < 2:
        items = _items(c.prev, len(after))
    idx = next((i for i, t in enumerate(after) if at + t.start == rel), -1)
    if len(items) != len(after) or idx < 0:
        return ""
    items[-1] = HEAD_NOUN.sub("", items[-1]) or items[-1]
    return items[idx] + c.text[at:]


def _items(text: str, n: int) -> list[str]:
    """The items of a list "A、B和C"; split at 、 only when 和 would give more than ``n`` items
    (电气机械和器材制造业 is one item)."""
    for seps in ("、和", "、"):
        items = [text[a:b] for a, b in spans(text, seps) if CJK.search(text[a:b])]
        if len(items) <= n:
            break
    if len(items) >= 2:  # the last item carries the head noun of all (…制造业投资同比): cut it
        first, last = items[0], items[-1]
        for k in range(len(first), 1, -1):
            if (j := last.find(first[-k:])) >= 0 and j + k < len(last):
                items[-1] = last[: j + k]
                break
    return items


def windows(sup: Support, size: int = 3) -> list[tuple[str, Clause, int]]:
    """Runs of 1..``size`` consecutive clauses of one sentence: text, last clause, length."""
    out = []
    for i, c in enumerate(sup.clauses):
        run = ""
        for j in range(i, min(i + size, len(sup.clauses))):
            if sup.clauses[j].sent != c.sent:
                break
            run += sup.clauses[j].text + "，"
            out.append((run, sup.clauses[j], j - i + 1))
    return out


def places(text: str, gazetteer: dict[str, str]) -> list[str]:
    return [p for p in gazetteer if p and p in text]


def nearest_place(sup: Support, c: Clause, gazetteer: dict[str, str]) -> list[str]:
    """Places a clause speaks of: those it names, else the last one named before it."""
    own = places(c.text, gazetteer)
    if own:
        return own
    before = sup.passages[c.n][: c.start]
    found = [(before.rfind(p), p) for p in places(before, gazetteer)]
    return [max(found)[1]] if found else []


def in_name(place: str, claim: str, passage: str) -> bool:
    """Whether every mention of ``place`` in the claim sits inside a longer name the passage
    states verbatim (``浦发银行太原建设路支行``): a name, not the place the claim speaks of."""
    claim, passage = squash(claim), squash(passage)
    starts = [i for i in range(len(claim)) if claim.startswith(place, i)]
    if not starts or not passage:
        return False
    for i in starts:
        a, b = i, i + len(place)
        while a > 0 and claim[a - 1 : b] in passage and CJK.match(claim[a - 1]):
            a -= 1
        while b < len(claim) and claim[a : b + 1] in passage and CJK.match(claim[b]):
            b += 1
        if b - a < len(place) + NAME_EXTRA:
            return False
    return True
