"""The whole conversation as Markdown or DOCX: each answer with its quotes, outlets, dates and
the raw character offsets a reader can check the quote against."""

from __future__ import annotations

from pathlib import Path

from .models import Answer, Citation
from .quotes import md
from .ui_render import MODES, source_line


def _cites(ans: Answer) -> tuple[str, list[Citation]]:
    if ans.citations:
        return "来源", ans.citations
    return ("资料中相关的内容", ans.related) if ans.related else ("", [])


def to_markdown(answers: Answer | list[Answer]) -> str:
    """Markdown where tags and links from a question or a document stay text (see ``md``)."""
    if isinstance(answers, Answer):
        answers = [answers]
    out = ["# 中文新闻问答：对话记录\n"]
    for i, ans in enumerate(answers, 1):
        out.append(f"## {i}. {md(ans.question)}\n")
        if ans.found and ans.short_answer:
            out.append(f"**{md(ans.short_answer)}**\n")
        out.append(f"{md(ans.answer)}\n")
        if ans.rewritten_query != ans.question.strip():
            out.append(f"检索问题：{md(ans.rewritten_query)}\n")
        head, cites = _cites(ans)
        if cites:
            out.append(f"### {head}\n")
            out += [f"{c.n}. “{md(c.quote)}”\n   ——{md(source_line(c))}\n" for c in cites]
        notice = f"；注意：{md(ans.notice)}" if ans.notice else ""
        out.append(f"模式：{MODES.get(ans.mode, ans.mode)}{notice}\n")
    return "\n".join(out)


def to_docx(answers: list[Answer], path: Path) -> Path:
    """A Word file of the conversation (python-docx; text goes in as runs, never as markup)."""
    from docx import Document

    doc = Document()
    doc.add_heading("中文新闻问答：对话记录", level=0)
    for i, ans in enumerate(answers, 1):
        doc.add_heading(f"{i}. {ans.question}", level=1)
        if ans.found and ans.short_answer:
            doc.add_paragraph().add_run(ans.short_answer).bold = True
        doc.add_paragraph(ans.answer)
        if ans.rewritten_query != ans.question.strip():
            doc.add_paragraph(f"检索问题：{ans.rewritten_query}")
        head, cites = _cites(ans)
        if cites:
            doc.add_heading(head, level=2)
        for c in cites:
            p = doc.add_paragraph(style="List Number")
            p.add_run(f"“{c.quote}”")
            p.add_run(f"\n——{source_line(c)}").italic = True
        doc.add_paragraph(f"模式：{MODES.get(ans.mode, ans.mode)}")
    doc.save(str(path))
    return path
