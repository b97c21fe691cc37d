"""Questions about an article rather than its content: who wrote it, which outlet, when.

``报道…的记者是谁`` / ``…是哪家媒体报道的`` / ``…是什么时候发布的`` are answered from the
article's metadata (``ingest``'s byline, outlet and date), cited to the raw span each field was
read from. The retrieved passages pick the article; the field is its answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ingest import Article, load_articles

from .models import Citation

ASKS = {
    "byline": re.compile(
        r"(?:记者|作者|撰稿人?|通讯员)(?:是谁|是哪位|叫什么|有哪些|都有谁)|由谁(?:撰写|采写|报道)|"
        r"谁(?:写|撰写|采写)的|who (?:wrote|reported)",
        re.I,
    ),
    "outlet": re.compile(
        r"(?:哪家|哪个|什么)(?:媒体|报纸|报社|网站|通讯社|新闻机构)|(?:刊登|发表|刊发)(?:在|于)(?:哪|什么)|"
        r"which (?:outlet|newspaper|media)",
        re.I,
    ),
    "date": re.compile(
        r"(?:什么时候|哪天|哪一天|何时|什么日期)(?:发布|发表|刊发|刊登|发出)的?(?:报道|文章|新闻)?[？?]?$|"
        r"(?:发布|发表|刊发|刊登)(?:时间|日期)|when was .* (?:published|posted)",
        re.I,
    ),
}
LABEL = {"byline": "作者", "outlet": "媒体", "date": "发布日期"}


def meta_field(question: str) -> str | None:
    """Which metadata field a question asks for, or None for a content question."""
    return next((f for f, rx in ASKS.items() if rx.search(question)), None)


@dataclass(frozen=True)
class Record:
    source: str
    title: str
    values: dict[str, str]
    spans: dict[str, tuple[int, int]]


class MetaIndex:
    """Each article's metadata fields with their raw spans, loaded once from ``articles.jsonl``."""

    def __init__(self, path: Path) -> None:
        self.records: dict[str, Record] = {}
        if path.exists():
            for a in load_articles(path):
                self.records[a.id] = _record(a)

    def answer(self, field: str, article_ids: list[str]) -> tuple[str, str, Citation] | None:
        """``(answer, short_answer, citation)`` from the first article stating ``field``."""
        for aid in article_ids:
            r = self.records.get(aid)
            if r is None or field not in r.values or field not in r.spans:
                continue
            value = r.values[field]
            start, end = r.spans[field]
            cite = Citation(
                n=1,
                source=r.source,
                title=r.title,
                byline=r.values.get("byline"),
                date=r.values.get("date"),
                outlet=r.values.get("outlet"),
                quote=value,
                start=start,
                end=end,
            )
            return f"《{r.title}》的{LABEL[field]}：{value}[1]。", value, cite
        return None


def _record(a: Article) -> Record:
    """Fields whose text is the raw span's own text (a quote must trace to its offsets).

    The date is normalised to ISO by ingest, so it is quoted only when the raw text is given
    (``meta_text``, when ingest provides it); byline and outlet are read verbatim.
    """
    raw_text: dict[str, str] = dict(getattr(a, "meta_text", {}) or {})
    values = {}
    for f in ("byline", "outlet", "date"):
        v = raw_text.get(f) or (getattr(a, f) if f != "date" else None)
        if v:
            values[f] = v
    return Record(a.source, a.title, values, dict(a.meta_spans))
