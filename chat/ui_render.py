"""HTML for the chat page: answer-first bubbles with citation chips, and per-answer source cards.

Everything that comes from a document or from the user is HTML-escaped before it reaches the
page; the only markup emitted here is this module's own (layout tags, ``<mark>``, chips).
Answer ``k`` (its position in the conversation) ties a bubble to its sources section, so the
page script can show an earlier answer's sources and scroll a chip to its card. Inside the chat
that tie is a class (``rag-k-0``, ``rag-n-1``): Gradio's sanitizer drops ``data-*`` there.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from .models import Answer, Citation

Full = Callable[[Citation], str | None]

MODES = {
    "embedded": "直接摘录资料原文（未使用生成模型）",
    "llm": "大模型作答，逐句核验",
    "llm→embedded": "大模型不可用或未通过核验，改为直接摘录原文",
    "auto": "自动",
}
POP_CHARS = 160  # longest quote shown in a chip's popover (the card below holds the whole one)
CHIP = re.compile(r"\[(\d+)\]")
# where a list answer's items start: after a cited clause ("…[2]；"), or at an enumerator that
# follows a clause end ("；（二）", "。三是")
ITEM_BREAK = re.compile(
    r"(?<=\]；)|(?<=[；。])(?=（[一二三四五六七八九十\d]+）|[一二三四五六七八九十]+是)"
)


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def highlight(passage: str, quote: str) -> str:
    """The escaped passage with the quote wrapped in ``<mark>``.

    The quote is located in the passage whitespace-insensitively (the cleaner may have kept
    spaces the quote lacks); every piece is escaped before the tags are put around it.
    """
    core = "".join(quote.split())
    m = None
    if core:
        m = re.search(r"\s*".join(re.escape(ch) for ch in core), passage)
    if m is None:  # not inside its passage: show the quote above the passage
        head = f"<mark>{esc(quote)}</mark>" if quote else ""
        return head + (f"<br><small>{esc(passage)}</small>" if passage else "")
    a, b = m.span()
    return f"{esc(passage[:a])}<mark>{esc(passage[a:b])}</mark>{esc(passage[b:])}"


def where(c: Citation) -> str:
    """Outlet · date · byline, the parts the article gives."""
    return " · ".join(x for x in (c.outlet, c.date and c.date[:10], c.byline) if x)


def chip(k: int, c: Citation | None, n: str) -> str:
    if c is None:  # a marker without its citation: keep it as text
        return f"[{esc(n)}]"
    quote = c.quote if len(c.quote) <= POP_CHARS else c.quote[:POP_CHARS] + "…"
    meta = where(c)
    return (
        f'<span class="rag-chip rag-k-{k} rag-n-{c.n}" role="button" tabindex="0">{c.n}'
        f'<span class="rag-pop"><span class="rag-pop-q">“{esc(quote)}”</span>'
        f'<span class="rag-pop-t">《{esc(c.title)}》{" " + esc(meta) if meta else ""}</span>'
        "</span></span>"
    )


def body_html(k: int, ans: Answer) -> str:
    """The answer text, escaped, each ``[n]`` a chip, list items on their own lines."""
    cites = {c.n: c for c in ans.citations}
    lines = []
    for part in ITEM_BREAK.split(ans.answer):
        if not part.strip():
            continue
        pieces = CHIP.split(part)  # text, n, text, n, …
        out = "".join(
            esc(p) if i % 2 == 0 else chip(k, cites.get(int(p)), p) for i, p in enumerate(pieces)
        )
        lines.append(f'<div class="rag-line">{out}</div>')
    return "".join(lines)


def meta_line(ans: Answer) -> str:
    parts = []
    if ans.rewritten_query and ans.rewritten_query != ans.question.strip():
        parts.append(f"按“{esc(ans.rewritten_query)}”检索")
    parts.append(esc(MODES.get(ans.mode, ans.mode)))
    if not ans.verified:
        parts.append("未通过核验的句子已删除")
    if ans.notice:
        parts.append(f"注意：{esc(ans.notice)}")
    return '<div class="rag-meta">' + " · ".join(parts) + "</div>"


def message_html(k: int, ans: Answer) -> str:
    """One assistant bubble: the short answer in bold on its own line, then the clauses."""
    short = f'<div class="rag-short"><b>{esc(ans.short_answer)}</b></div>' if ans.found else ""
    tools = (
        f'<div class="rag-tools"><span class="rag-copy rag-k-{k}" role="button" '
        'tabindex="0">复制（含出处）</span></div>'
        if ans.citations
        else ""
    )
    return (
        f'<div class="rag-ans rag-k-{k}">{short if ans.short_answer else ""}'
        f"{body_html(k, ans)}{tools}{meta_line(ans)}</div>"
    )


def card_html(k: int, c: Citation, full: str | None = None) -> str:
    """One source card; ``full`` (the cleaned article) adds an "open article" fold."""
    meta = where(c)
    copies = (
        f'<div class="rag-copies">同一报道另见：{esc("、".join(c.copies))}</div>'
        if c.copies
        else ""
    )
    return (
        f'<div class="rag-card" id="src-{k}-{c.n}" data-n="{c.n}">'
        f'<div class="rag-card-h"><span class="rag-n">{c.n}</span>《{esc(c.title)}》</div>'
        f'<div class="rag-card-m">{esc(meta) or "来源未注明"}</div>'
        f'<div class="rag-file">{esc(c.source)} · 第{c.start}–{c.end}字符</div>'
        f'<div class="rag-passage">{highlight(c.passage or c.quote, c.quote)}</div>'
        f"{copies}{full_html(c, full)}</div>"
    )


def full_html(c: Citation, full: str | None) -> str:
    if not full:
        return ""
    return (
        '<details class="rag-full"><summary>查看全文</summary>'
        f'<div class="rag-passage">{highlight(full, c.quote)}</div>'
        f'<div class="rag-file">引文在原始文件 {esc(c.source)} 的第{c.start}–{c.end}字符</div>'
        "</details>"
    )


def source_line(c: Citation) -> str:
    """《title》，outlet · date · byline（file，第a–b字符；另见 copies）: where a quote comes from."""
    meta = where(c)
    copies = f"；另见 {'、'.join(c.copies)}" if c.copies else ""
    return (
        f"《{c.title}》{'，' + meta if meta else ''}（{c.source}，第{c.start}–{c.end}字符{copies}）"
    )


def plain_text(ans: Answer) -> str:
    """What "copy" puts on the clipboard: the answer and one citation line per source."""
    head = [ans.short_answer] if ans.found and ans.short_answer else []
    lines = [*head, ans.answer, ""]
    lines += [f"[{c.n}] “{c.quote}”——{source_line(c)}" for c in ans.citations]
    return "\n".join(lines).strip()


def section_html(k: int, ans: Answer, full: Full | None = None) -> str:
    """Answer ``k``'s sources (or, after a refusal, what the corpus holds nearby)."""
    if ans.citations:
        head, cites = f"第{k + 1}条回答的来源", ans.citations
    elif ans.related:
        head, cites = f"第{k + 1}条问题：资料中相关的内容", ans.related
    else:
        head, cites = f"第{k + 1}条问题：没有可显示的来源", []
    return (
        f'<section class="rag-srcs" data-k="{k}"><h3>{head}</h3>'
        f"<div class='rag-q'>问：{esc(ans.question)}</div>"
        + "".join(card_html(k, c, full(c) if full else None) for c in cites)
        + f'<textarea class="rag-plain" hidden readonly>{esc(plain_text(ans))}</textarea>'
        "</section>"
    )


def sources_html(answers: list[Answer | None], full: Full | None = None) -> str:
    """Every answer's sources; the page shows the newest, or the one the user picked.

    ``full(citation)`` gives the cleaned article a citation comes from, when known.
    """
    secs = [section_html(k, a, full) for k, a in enumerate(answers) if a is not None]
    if not secs:
        return "<div class='rag-empty'>提问后，这里显示每条回答引用的原文。</div>"
    return "".join(secs)


def filter_chips(since: str, until: str, outlets: list[str] | None, source: str) -> str:
    """The active filters as small chips under the question box ("" when none)."""
    chips = []
    if (since or "").strip() or (until or "").strip():
        chips.append(f"日期：{esc(since.strip() or '不限')} 至 {esc(until.strip() or '不限')}")
    chips += [f"媒体：{esc(o)}" for o in outlets or ()]
    chips += [f"文件：{esc(g)}" for g in (source or "").split()]
    if not chips:
        return ""
    return (
        "<div class='rag-chips-row'>只在这些资料中查找："
        + "".join(f"<span class='rag-fchip'>{c}</span>" for c in chips)
        + "</div>"
    )
