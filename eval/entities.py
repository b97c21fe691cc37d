"""Named things of a claim and the role the passage gives them: a claim may reuse every name
of its passage and still swap who did what (``埃尔多安…与普京通电话时说`` for ``普京…与…埃尔多安
通电话时说``) or which name goes with which words (``深度开发“老字号”`` for ``改造升级“老字号”、
深度开发“原字号”``). Names are jieba.posseg's nr/ns/nt/nz words (adjacent ones merged: posseg
cuts 埃尔多安 into three), quoted terms and 《titles》.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ingest import squash
from ingest.numbers import number_tokens

from .align import CJK, Support, grams, spans

NAME_TAGS = ("nr", "ns", "nt", "nz")
QUOTED = re.compile(r"[“\"「《]([^”\"」》]{2,20})[”\"」》]")
SEGMENT_SEPS = "、，,；;：:。和及与"
# Text that may stand between two names without giving them roles: plain coordination.
COORDINATION = re.compile(r"[、和与及同跟,，\s]*")
ORG_SUFFIX = re.compile(
    r"(公司|集团|银行|大学|学院|医院|法院|检察院|研究院|研究所|协会|委员会|局|厅|署|浴场|景区|机场)$"
)
# Share of a claim name's bigrams the cited passages must hold: under half is another name,
# not an abbreviation (东航 for 东方航空公司 keeps 东航's bigram); set on the dev claims.
MISSING = 0.5
# Lengths of the two things a verb joins, for a swap of both around it: 2 is a word, 8 a
# full name (上海虹桥国际机场); set on the dev claims.
ARG_CHARS = (2, 8)
# Words that give two names roles (A与B通电话, A向B, A被B): the same word with the names in the
# other order is a swap; plain coordination (A、B, A和B) is not.
RELATION = re.compile(r"与|同|跟|和|向|对|给|被|把|由")
# Characters on each side of a name that say what the claim does with it (深度开发“老字号”):
# 4 reaches a two-word verb, more reaches the next item's words; set on the dev claims.
ADJACENT = 4


@lru_cache(maxsize=4096)
def tagged(text: str) -> tuple[tuple[int, str, str], ...]:
    """``(start, name, kind)`` of the names of ``text`` in order; kind is the posseg tag
    (nr, ns, nt, nz) of a merged run's longest word, or ``q`` for a quoted term."""
    import jieba.posseg as pseg

    out: list[tuple[int, str, str]] = []
    pos, run, at, kind, longest = 0, "", 0, "", 0
    for w in [*pseg.cut(text), None]:
        if w is not None and w.flag.startswith(NAME_TAGS):
            at = at if run else pos
            if len(w.word) > longest:
                kind, longest = w.flag[:2], len(w.word)
            run += w.word
        else:
            if len(run) >= 2:
                out.append((at, run, kind))
            run, longest = "", 0
        pos += len(w.word) if w is not None else 0
    out += [(m.start(1), m.group(1), "q") for m in QUOTED.finditer(text)]
    return tuple(sorted(set(out)))


def names(text: str) -> list[tuple[int, str]]:
    return [(i, n) for i, n, _ in tagged(text)]


def swapped_roles(clause: str, sup: Support) -> str:
    """Two names of one claim clause joined by a relation word (与, 向, 对, 被…) that a passage
    clause joins by the same word in the other order: subject and object swapped."""
    found = [(i, n) for i, n in names(clause) if n in sup.text()]
    for k, (i, a) in enumerate(found):
        for j, b in found[k + 1 :]:
            between = clause[i + len(a) : j]
            if a in b or b in a or COORDINATION.fullmatch(between):
                continue
            for q in (c.text for c in sup.clauses):
                pa, pb = q.find(a), q.find(b)
                if not 0 <= pb < pa:
                    continue
                theirs = q[pb + len(b) : pa]
                if COORDINATION.fullmatch(theirs):
                    continue
                if set(RELATION.findall(between)) & set(RELATION.findall(theirs)):
                    return f"the passage gives {a} and {b} each other's roles"
    return ""


def _segments(text: str) -> list[str]:
    return [text[a:b] for a, b in spans(text, SEGMENT_SEPS)]


def swapped_words(clause: str, sup: Support) -> str:
    """A name (not the clause's subject) whose neighbouring words in the claim the passage
    never puts next to it, but next to another name (改造升级“老字号”、深度开发“原字号”)."""
    full = sup.text()
    passage = [s for c in sup.clauses for s in _segments(c.text)]
    for seg in _segments(clause):
        found = [(i, n, k) for i, n, k in tagged(seg) if squash(n) in full]
        for i, name, kind in found:
            if (clause.find(seg) + i, name) == next(iter(names(clause)), None):
                continue  # the clause's subject: attributed by the place and subject checks
            if any(k == kind and n != name for _, n, k in found):
                continue  # two names of a kind in one claim segment: whose words is unclear
            near = (
                seg[max(0, i - ADJACENT) : i] + " " + seg[i + len(name) : i + len(name) + ADJACENT]
            )
            for _, other, _ in found:
                near = near.replace(other, " ")
            words = grams(near) & grams(full) - grams(name)
            homes = [s for s in passage if name in s]
            if not words or not homes or any(_bare(s, name) for s in homes):
                continue
            if any(words & grams(s) for s in homes):
                continue
            if any(words & grams(s) and _named(s, name, kind) for s in passage if name not in s):
                return f"the passage does not say “{''.join(sorted(words))[:8]}” of {name}"
    return ""


def _bare(segment: str, name: str) -> bool:
    """A list item that is just the name: what the list says applies to all of its items."""
    return len(CJK.findall(segment.replace(name, ""))) < 2


def _named(segment: str, name: str, kind: str) -> bool:
    """Whether the segment names something else of the same kind (another person, another
    quoted term): the claim's words went to it."""
    return any(n != name and k == kind for _, n, k in tagged(segment))


def org_names(text: str) -> list[str]:
    """Names of organisations and sites by their suffix (国家数据局, 侨港浴场): the suffix word
    of jieba's cut with the up to two words before it."""
    import jieba

    words = list(jieba.cut(text))
    out = []
    for i, w in enumerate(words):
        if ORG_SUFFIX.search(w) and CJK.match(w[0]):
            name = "".join(words[max(0, i - 2) : i + 1])
            if len(name) >= 4 and all(CJK.match(ch) for ch in name):
                out.append(name)
    return out


def missing_name(clause: str, full: str) -> str:
    """A name of the claim (posseg person or organisation, or by its suffix) of which the
    passages (``full``, squashed: all the answer's passages, as a subject may be named in the
    chunk before) hold under :data:`MISSING` of the bigrams: another body's name (东方航空公司
    研制 where the passage names 中国商用飞机有限责任公司)."""
    found = [n for _, n, k in tagged(clause) if k in ("nr", "nt")] + org_names(clause)
    for name in found:
        core = ORG_SUFFIX.sub("", name) or name
        have = grams(core)
        if have and len(have & grams(full)) / len(have) < MISSING and squash(name) not in full:
            return f"{name} is not named in the cited passages"
    return ""


def swapped_args(clause: str, sup: Support) -> str:
    """ "A V B" where the passage says "B V A" and never "A V B" (要求软件开发商赔偿谷歌 for
    要求谷歌赔偿软件开发商; 从虹桥…飞往浦东 for 从浦东…飞往虹桥): the two swapped around one verb."""
    text, full = squash(clause), sup.text()
    for i in range(2, len(text) - 3):
        for v in range(2, 5):
            verb = text[i : i + v]
            if len(verb) < v or not CJK.fullmatch(verb[0]) or verb not in full:
                continue
            for a in range(ARG_CHARS[0], min(i, ARG_CHARS[1]) + 1):
                left = text[i - a : i]
                for b in range(ARG_CHARS[0], ARG_CHARS[1] + 1):
                    right = text[i + v : i + v + b]
                    if len(right) < b or left == right or not _cjk(left + right):
                        continue
                    if right + verb + left in full and left + verb + right not in full:
                        return f"the passage says {right}{verb}{left}, not the other way round"
    return ""


def _cjk(text: str) -> bool:
    return all(CJK.match(ch) for ch in text)


def respective(clause: str, sup: Support) -> str:
    """ "A、B、C分别是X、Y、Z" without figures (figures are owned in :mod:`eval.figures`): a
    claim naming B with X pairs them wrongly (男子B组冠军是…董琳, who won A)."""
    have = grams(clause)
    for c in sup.clauses:
        at = c.text.find("分别")
        if at < 0 or number_tokens(c.text[at:]):
            continue
        before = [c.text[a:b] for a, b in spans(c.text[:at], "、和及")]
        after = [c.text[a:b] for a, b in spans(c.text, "、和及", at + 2)]
        if len(before) != len(after) or len(before) < 3:
            continue
        width = len(before[1])  # a middle item: the first carries the subject, the last the head
        subject, keys = before[0][:-width], [before[0][-width:], *before[1:-1], before[-1][:width]]
        if subject.strip() and squash(subject) not in squash(clause):
            continue
        named = [i for i, k in enumerate(keys) if k in clause]
        own = [
            i
            for i, item in enumerate(after)
            if have & (grams(item) - set().union(*(grams(o) for o in after if o != item)))
        ]
        if len(named) == 1 and len(own) == 1 and named != own:
            return f"the passage pairs {keys[named[0]]} with {after[named[0]]}, not {after[own[0]]}"
    return ""
