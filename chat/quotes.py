"""Verbatim quotes for reporters, each with a citation line they can paste into a story."""

from __future__ import annotations

import csv
import html
import io
import json

from index import Filters

from .models import Citation
from .settings import Settings


def find_quotes(
    query: str, settings: Settings, k: int = 5, filters: Filters | None = None
) -> list[Citation]:
    """The best-matching sentences of the top passages, one per passage, best first."""
    from .answer import get_engine

    engine = get_engine(settings)
    ans = engine.answer(query, filters=filters)
    pool = list(ans.citations) + [
        c for c in ans.related if c.chunk_id not in {x.chunk_id for x in ans.citations}
    ]
    if len(pool) < k:
        pool += engine.top_quotes(query, k, exclude={c.chunk_id for c in pool}, filters=filters)
    return [c.model_copy(update={"n": i + 1}) for i, c in enumerate(pool[:k])]


def cite_line(c: Citation) -> str:
    who = f"，{c.byline}" if c.byline else ""
    return f"——《{c.title}》{who}（{c.source}，第{c.start}–{c.end}字符）"


def md(text: str) -> str:
    """Text for a Markdown file: tags and links from a question or a document stay text when a
    viewer renders it (``<`` as an entity, ``](`` broken); ``[1]`` stays readable."""
    return html.escape(" ".join(text.split()), quote=False).replace("](", "]\\(")


def render(quotes: list[Citation], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(
            [c.model_dump(exclude={"passage"}) for c in quotes], ensure_ascii=False, indent=2
        )
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["n", "quote", "title", "byline", "source", "start", "end"])
        for c in quotes:
            w.writerow([c.n, c.quote, c.title, c.byline or "", c.source, c.start, c.end])
        return buf.getvalue().rstrip("\n")
    return (
        "\n\n".join(f"{c.n}. “{md(c.quote)}”\n   {md(cite_line(c))}" for c in quotes)
        or "（没有找到相关引文）"
    )
