"""Where a news file's header ends and what its headline is.

CMS exports put a header before ``正文：`` (timestamp, source, author) and often glue the
headline (``原标题：…``) straight onto the body with no line break. The headline's end is found
from evidence: a wide gap, the headline printed twice, or where a dateline or lede begins.
"""

from __future__ import annotations

import re

from .meta import (
    _HAN,
    _SUFFIX,
    DATELINE,
    LABEL,
    LEAD,
    Meta,
    find_date,
    labels,
    skip_space,
    source_field,
)

# ``…，正文：`` ends a CMS export's header; 300 characters bound where it may appear.
BODY_MARK = re.compile(r"[，,]?\s*正文\s*[：:]")
HEADER_MAX = 300
_HEADERISH = re.compile(r"\d|(?:记者|作者|来源|编辑)\s*[：:]")  # what a header holds
ORIG_TITLE = re.compile(r"\s*[（(]?原标题\s*[：:]\s*")
# Where a headline glued to its body ends: the body opens with a dateline, a lede time, a
# source phrase or a byline. Wider gaps (2+ spaces, a newline) end it outright.
# National outlets whose names are longer than two characters before their suffix, so a
# dateline glued to a headline (``…出海央广网海口8月16日消息``) is cut at the right character;
# any other outlet is assumed to be two characters plus its suffix (人民网, 中新社, 新京报).
KNOWN_OUTLETS = (
    "中国日报网|中国青年报|中国青年网|中国经济网|中国新闻网|中国网|光明日报|人民日报|经济日报|"
    "环球时报|参考消息网|参考消息|中央广播电视总台|央视新闻|澎湃新闻|第一财经|每日经济新闻|"
    "21世纪经济报道|证券时报|中国证券报|上海证券报|证券日报|北京日报|北京青年报|南方都市报|"
    "界面新闻|财联社|IT之家|智通财经|新浪财经|凤凰网"
)
_GLUED = rf"(?:{KNOWN_OUTLETS}|[{_HAN}]{{1,2}}{_SUFFIX})"
LEDE_START = re.compile(
    rf"{_GLUED}\s*[{_HAN}]{{0,8}}?\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日\s*(?:电|讯|消息|报道)"
    rf"|{_GLUED}[{_HAN}]{{0,6}}?讯|本报讯|本报[{_HAN}]{{2,6}}电|据[{_HAN}A-Za-z]{{2,12}}(?:报道|消息)"
    r"|\d{1,2}月\d{1,2}日(?:[，,]|上午|下午|晚|早|凌晨|中午|夜间|\d{1,2}时)"
    r"|(?:近日|日前|近期|近年来|当地时间|北京时间|截至|每经编辑|作者[：:]|本文转自|来源[：:])"
    rf"|(?:{_GLUED}|本报|特约|见习|实习)?(?:记者|通讯员)(?:\s|[：:]|从|近日|日前|获悉|了解到)"
    rf"|(?:{KNOWN_OUTLETS}|[{_HAN}A-Za-z]{{2,4}}(?:APP|app|客户端|网|社))获悉"
    r"|[【\[][^】\]]{0,20}(?:报道|记者|讯)"
)
# Unambiguous starts (``本报讯`` or a named outlet's dateline) win over generic ones, which
# cannot tell where an unknown outlet's name begins (``…融资本报讯`` is not ``资本报``).
LEDE_STRONG = re.compile(
    rf"本报讯|本报[{_HAN}]{{2,8}}(?:\d{{1,2}}月\d{{1,2}}日)?电|(?:{KNOWN_OUTLETS}|新华社|中新社|中新网|人民网|新京报|央广网)"
    rf"[{_HAN}]{{0,8}}?(?:\d{{1,2}}月\d{{1,2}}日)?(?:电|讯|消息)"
)
TITLE_MAX = 80  # longest headline looked for; longer runs are body text (CMS titles ~10-60 chars)


def title_end(raw: str, start: int, sure: bool = True) -> tuple[int, int, bool] | None:
    """``(end of title, start of body, guessed)`` for a headline that may run into its body.

    ``sure``: the text is known to open with a headline (``原标题：``); then without evidence the
    first clause is the title and the body keeps everything. Otherwise a headline is only
    recognised when a lede follows it and it reads like one (no comma unless it ends ``！``).
    """
    window = raw[start : start + TITLE_MAX]
    cands: list[tuple[int, int]] = []
    if sure and (g := re.search(r"\s{2,}|\n", window)) and g.start() >= 4:
        cands.append((g.start(), g.end()))
    for n in range(min(len(window) // 2, 60), 5, -1):  # headline printed twice in a row
        if window[:n] == raw[start + n : start + 2 * n]:
            cands.append((n, 2 * n))
            break
    strong_at = len(window)
    for pattern in (LEDE_STRONG, LEDE_START):  # the first usable start of each kind
        for m in pattern.finditer(window):
            head = window[: m.start()]
            if m.start() < 6 or re.search(r"[。；]", head[:-1]) or m.start() < strong_at < m.end():
                continue  # (a generic match overlapping a certain one misreads where it starts)
            if pattern is LEDE_STRONG:
                strong_at = m.start()
            dated = DATELINE.match(raw, start + m.start()) or LEAD.match(raw, start + m.start())
            if sure and (pattern is LEDE_STRONG or dated or not re.search(r"[，,]", head)):
                cands.append((m.start(), m.start()))
            elif sure:  # a comma before a generic lede may be body text: keep it quotable
                cands.append((m.start(), 0))
            elif pattern is LEDE_STRONG or not re.search(r"[，,（(]", head) or head[-1] in "！？!?":
                # a guessed headline stays in the body unless a dateline proves it is not body
                cands.append((m.start(), m.start() if dated else 0))
            break
    if cands:
        end, body = min(cands)
        return start + end, start + body, False
    if not sure:
        return None
    # No evidence where it ends: the title is the first clause, and the body keeps all of it.
    m = re.compile(r"[，。！？；,!?;…]|\.{3}").search(window, 4)
    return start + (m.start() if m else len(window)), start, True


def read_header(raw: str) -> Meta:
    """The export header before ``正文：`` (date, source) and a leading ``原标题：`` title."""
    meta = Meta()
    m = BODY_MARK.search(raw, 0, HEADER_MAX)
    head = raw[: m.start()] if m else ""
    if m and not re.search(r"[。！？]", head) and (not head.strip() or _HEADERISH.search(head)):
        if found := find_date(head, 0, None, raw):
            meta.put("date", *found)
        source_field(meta, head, 0)
        if b := re.search(r"(?:记者|作者)\s*[：:]\s*(?P<v>[^，,\s]{2,12})", head):
            meta.put("byline", b["v"], (b.start("v"), b.end("v")))
        meta.body_start, meta.header = m.end(), True
    start = meta.body_start
    meta.body_start = labels(meta, raw, start, len(raw), None)
    meta.header = meta.header or bool(LABEL.match(raw, skip_space(raw, start)))
    at = skip_space(raw, meta.body_start)
    cut = None
    if t := ORIG_TITLE.match(raw, at):
        cut = title_end(raw, t.end())
    elif (meta.header or "\n" not in raw[at : at + TITLE_MAX]) and not (
        LEDE_START.match(raw, at) or DATELINE.match(raw, at) or LEAD.match(raw, at)
    ):  # a body that opens with a dateline or a lede has no headline
        cut = title_end(raw, at, sure=False)
    if t or cut:
        begin = t.end() if t else at
        end, body, guessed = cut or (begin, begin, True)
        title = raw[begin:end].strip().rstrip("）)。")
        if title:
            meta.put("title", re.sub(r"\s+", " ", title), (begin, begin + len(title)))
        meta.body_start, meta.title_inferred = body, guessed
        if title and not guessed and body >= end:  # the headline printed again above the body
            again = re.compile(r"\s*".join(map(re.escape, re.sub(r"\s", "", title))))
            if m := again.match(raw, skip_space(raw, body)):
                meta.body_start = m.end()
    return meta
