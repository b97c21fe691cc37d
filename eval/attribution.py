"""Whose words a claim clause uses: a claim may reuse the passage's words and still say them
of another subject (another ；-part, another speaker, another list, another name's role).
Checks of :func:`eval.strict.check_clause` after figures, dates, periods and predicates."""

from __future__ import annotations

import re

from ingest import squash

from .align import Support, spans
from .entities import respective, swapped_args, swapped_roles, swapped_words

CLAUSE_SEPS = "。！？!?；;\n，,：:…"
SPEAKER = re.compile(r"^[^，]{2,30}?(表示|称|说|指出|介绍|宣布|认为|承认|确认|透露)，")


def covered(claim: str, text: str) -> set[int]:
    """Indexes of the claim's word characters that sit in a bigram ``text`` also has."""
    out: set[int] = set()
    for i in range(len(claim) - 1):
        if re.fullmatch(r"[^\W\d_]{2}", claim[i : i + 2]) and claim[i : i + 2] in text:
            out |= {i, i + 1}
    return out


def misattributed(clause: str, target: str, sup: Support) -> str:
    """A run of ≥ 2 claim characters that the cited passages contain, but not in the text
    the claim aligns to: said of something else."""
    c, full = squash(clause), sup.text()
    extra = sorted(covered(c, full) - covered(c, squash(target)))
    run: list[int] = []
    for i in [*extra, -9]:
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if len(run) >= 2:
            return c[run[0] : run[-1] + 1]
        run = [i]
    return ""


def other_subject(text: str, sids: list[int], sup: Support) -> str:
    """The claim opens with the subject of another ；-part of the passage ("镇江…" where the
    passage says 镇江市建设…；泰州市开发…) and its own part does not name it."""
    own = squash("".join(sup.sents[s] for s in sids))
    head = misattributed(text, own, sup)
    if not head or not squash(text).lstrip("，").startswith(head):
        return ""
    starts = [squash(t) for s, t in sup.sents.items() if s not in sids]
    if any(t.startswith(head) for t in starts):
        return f"the passage says this of “{head}” only in another part"
    return ""


def _longest(item: str, support: str, suffix: bool = False) -> str:
    for k in range(len(item), 0, -1):
        if (part := item[-k:] if suffix else item[:k]) in support:
            return part
    return ""


def _common(items: list[str]) -> int:
    """Length of the prefix every item shares."""
    n = 0
    while all(len(x) > n and x[n] == items[0][n] for x in items):
        n += 1
    return n


def list_check(clause: str, sup: Support) -> str:
    """Every item of an enumeration (A、B和C) occurs in the passages, all in one clause."""
    if "、" not in clause:
        return ""
    parts = [squash(p).strip('“”"「」') for p in re.split(r"、|以及|和|及", clause)]
    middle = [p for p in parts[1:-1] if p]
    if not middle:
        return ""
    full, need = sup.text(), min(2, min(len(p) for p in middle))
    head, tail = _longest(parts[0], full, suffix=True), _longest(parts[-1], full)
    # what every item shares (C919飞行部、C919客舱部: "C919", "部") does not name an item:
    # the first and last must match past it
    pre, suf = _common(parts[1:]), _common([p[::-1] for p in parts[:-1]])
    for item, got, common in [
        (parts[0], head, suf),
        *((p, p if p in full else "", 0) for p in middle),
        (parts[-1], tail, pre),
    ]:
        if len(got) < min(need, len(item)) or (len(item) > common and len(got) <= common):
            return f"list item not in the cited passages: {item[:10]}"
    items = [x for x in (head, *middle, tail) if x]
    if not any(all(x in squash(c.text) for x in items) for c in sup.clauses):
        return "list items come from different lists of the passages"
    return ""


def attributed(
    clause: str, text: str, sids: list[int], owners: bool, win_text: str, sup: Support
) -> str:
    """Why the clause's words (``text``: without figures, predicates and attributed places)
    belong to another part of the passages than sentences ``sids`` ("" when they do not)."""
    if said := SPEAKER.match(text):  # a quote's speaker may be named after it, in its passage
        home = "".join(sup.passages[sup.sent_passage[s]] for s in dict.fromkeys(sids))
        if run := misattributed(said.group(0), home, sup):
            return f"“{run}” belongs to another part of the cited passages"
        text = text[said.end() :]
    if why := other_subject(text, sids, sup) or swapped_roles(clause, sup):
        return why
    if why := swapped_words(clause, sup) or swapped_args(clause, sup) or respective(clause, sup):
        return why
    if run := misattributed(text, "".join(dict.fromkeys(sup.context(s) for s in sids)), sup):
        return f"“{run}” belongs to another part of the cited passages"
    if not owners and "、" in win_text:  # the subject of a clause that enumerates names
        run = misattributed(text, win_text, sup)
        listed = re.compile(f"、{re.escape(run)}|{re.escape(run)}、") if run else None
        if (
            listed
            and squash(text).startswith(run)
            and listed.search(squash("".join(sup.passages.values())))
        ):
            return f"“{run}” is not among the names the passage lists"
    for a, b in spans(clause, CLAUSE_SEPS):
        if why := list_check(clause[a:b], sup):
            return why
    return ""
