"""One decoded file → articles with metadata, and their chunks of quotable sentences.

Order of work: the export header (date, source, ``原标题``) is read and cut off first, so the
layout never mistakes it for a headline; the page is segmented; each article's opening dateline
and byline are read and cut from its first sentence; boilerplate is trimmed from every
sentence. Cutting only ever moves a sentence's start or end (or drops it), so every chunk still
covers one contiguous raw range and the traceability invariant holds by construction.
"""

from __future__ import annotations

import hashlib
import re

from .boiler import split_tail
from .chunk import make_chunks
from .clean import Span, squash
from .headline import read_header
from .layout import Block, classify, paragraphs
from .meta import Meta, labels, scaffold, signed_date, source_line
from .models import Article, Chunk
from .segment import Draft, dedupe, segment, signature
from .settings import IngestSettings

TITLE_CHARS = 30  # an untitled article is titled by its first sentence, cut to this many characters


def locate(raw: str, text: str, lo: int = 0) -> tuple[int, int] | None:
    """Raw span of ``text`` (spaces ignored) at or after ``lo``, else anywhere."""
    key = squash(text)
    if not key:
        return None
    pat = re.compile(r"\s*".join(map(re.escape, key)))
    m = pat.search(raw, lo) or pat.search(raw)
    return (m.start(), m.end()) if m else None


def _page_meta(raw: str, blocks: list[Block], head: Meta, year: int | None) -> Meta:
    """Page-wide fields: the header's, then labelled lines anywhere on the page (``来源：X``)."""
    page = Meta(**{k: getattr(head, k) for k in ("date", "outlet")}, spans=dict(head.spans))
    page.spans.pop("title", None)
    page.spans.pop("byline", None)
    for b in blocks:
        if b.kind == "furniture":
            labels(page, raw, b.start, b.sents[-1].end, year)
    return page


OWN_PAPER = re.compile(r"《(?P<name>[^》]{2,12}报)》(?:记者|社)")


def _paper_name(raw: str, page: Meta) -> tuple[str, tuple[int, int]] | None:
    """The paper's own name for ``本报``: a ``来源：`` line, or ``《X报》记者`` in its stories."""
    if page.outlet and page.outlet != "本报":
        return page.outlet, page.spans["outlet"]
    if m := OWN_PAPER.search(raw):
        return m["name"], (m.start("name"), m.end("name"))
    return None


def _cut(sents: list[Span], pos: int) -> list[Span]:
    """Sentences from raw offset ``pos`` on (the dateline before it is scaffolding)."""
    out = [s.after(pos) if s.start < pos else s for s in sents if s.end > pos]
    return [s for s in out if s.text]


def _draft_sents(draft: Draft) -> tuple[list[Block], list[Span]]:
    body = [b for b in draft.blocks if b.kind != "heading" or b not in draft.title]
    return body, [s for b in body for s in b.sents]


def _short_doc(blocks: list[Block]) -> Draft | None:
    """A file that is one headline or one unpunctuated line still becomes an article."""
    kept = [b for b in blocks if b.kind != "furniture"] or blocks
    if not any(ch.isalpha() for b in kept for ch in b.text):
        return None
    for b in kept:
        b.kind = "body"
    first = kept[0].text
    return Draft(run=[], blocks=kept, inferred_title=first if len(first) <= 60 else None)


def process(
    doc_source: str, raw: str, settings: IngestSettings
) -> tuple[list[Article], list[Chunk], int]:
    head = read_header(raw)
    paras = [p.after(head.body_start) for p in paragraphs(raw)]
    blocks = [classify(raw, p) for p in paras if p.text]
    year = int(head.date[:4]) if head.date else None
    page = _page_meta(raw, blocks, head, year)
    blocks, dropped = dedupe([b for b in blocks if b.kind != "furniture"])
    drafts = segment(blocks)
    if head.header and len(drafts) > 1:  # an export header declares one article per file
        merged = Draft(run=drafts[0].run, title=drafts[0].title)
        merged.byline = next((d.byline for d in drafts if d.byline), None)
        merged.blocks = sorted(
            {id(b): b for d in drafts for b in d.blocks}.values(), key=lambda b: b.start
        )
        merged.inferred_title = drafts[0].inferred_title
        drafts = [merged]
    articles: list[Article] = []
    chunks: list[Chunk] = []
    for k, draft in enumerate(drafts):
        a, c = _article(doc_source, raw, draft, head if k == 0 else None, page, year, settings)
        if a:
            articles.append(a)
            chunks += c
    if not chunks and (short := _short_doc([classify(raw, p) for p in paras if p.text])):
        a, c = _article(doc_source, raw, short, head, page, year, settings, keep_all=True)
        if a:
            articles.append(a)
            chunks += c
    return articles, chunks, dropped


def _article(
    source: str,
    raw: str,
    draft: Draft,
    head: Meta | None,
    page: Meta,
    year: int | None,
    settings: IngestSettings,
    keep_all: bool = False,
) -> tuple[Article | None, list[Chunk]]:
    body, sents = _draft_sents(draft)
    if not sents:
        return None, []
    meta = Meta()
    if head and head.title:
        meta.put("title", head.title, head.spans["title"])
    elif draft.title:
        title = "".join(h.text for h in draft.title)
        meta.put("title", title, (draft.title[0].start, draft.title[-1].sents[-1].end))
    if draft.byline and (span := locate(raw, draft.byline, max(0, sents[0].start - 300))):
        meta.put("byline", draft.byline, span)
    if head and head.byline:
        meta.put("byline", head.byline, head.spans["byline"])
    if "date" in page.spans:  # the header's timestamp beats a dateline's bare day
        meta.put("date", page.date, page.spans["date"])
    first = next(b for b in body if b.sents)
    pos = scaffold(raw, sents[0].start, first.sents[-1].end, meta, year)
    sents, breaks = [], set()
    tails = Meta()  # ``来源：X`` lines cut off as boilerplate
    for b in body:
        kept, ended = [], False
        for s in _cut(b.sents, pos):
            if ended:  # furniture after an end mark may still name the source
                source_line(s, tails)
                continue
            t, tail, ended = split_tail(s)
            source_line(tail, tails)
            if t:
                kept.append(t)
        if kept:
            breaks.add(kept[0].start)
            sents += kept
    if not sents and keep_all:
        sents = [s for b in body for s in b.sents]
        breaks = {b.sents[0].start for b in body}
    if not sents:
        return None, []
    for name in ("date", "outlet"):
        if name in page.spans:
            meta.put(name, getattr(page, name), page.spans[name])
    if found := signed_date(sents[-4:][::-1]):
        meta.put("date", *found)
    if meta.byline and meta.byline.startswith("本报") and "byline" in meta.spans:
        meta.put("outlet", "本报", (meta.spans["byline"][0], meta.spans["byline"][0] + 2))
    if tails.outlet and meta.outlet in (None, "本报"):  # the source line names the paper
        meta.outlet, meta.spans["outlet"] = tails.outlet, tails.spans["outlet"]
    if meta.outlet == "本报" and (own := _paper_name(raw, page)):
        meta.outlet, meta.spans["outlet"] = own  # the paper names itself elsewhere on the page
    if (sig := signature(draft)) and (
        span := locate(raw, sig, sents[max(0, len(sents) - 6)].start)
    ):
        meta.put("byline", sig, span)
    spans: list[tuple[int, int]] = []
    for s in sents:
        if spans and not squash(raw[spans[-1][1] : s.start]):
            spans[-1] = (spans[-1][0], s.end)
        else:
            spans.append((s.start, s.end))
    text = "".join(("\n" if i and s.start in breaks else "") + s.text for i, s in enumerate(sents))
    inferred = meta.title is None or bool(head and head.title and head.title_inferred)
    if meta.title is None:
        first_text = sents[0].text
        cut = first_text[:TITLE_CHARS].rstrip("，。；：,;:")
        meta.title = draft.inferred_title or cut + ("…" if len(first_text) > TITLE_CHARS else "")
    key = f"{source}|{spans[0][0]}|{squash(text)[:200]}"
    aid = hashlib.sha1(key.encode()).hexdigest()[:12]
    article = Article(
        id=aid,
        source=source,
        title=meta.title,
        title_inferred=inferred,
        byline=meta.byline,
        text=text,
        spans=spans,
        title_span=meta.spans.get("title"),
        date=meta.date,
        outlet=meta.outlet,
        meta_spans=meta.spans,
    )
    chunks = make_chunks(
        raw,
        aid,
        source,
        meta.title,
        meta.byline,
        sents,
        breaks,
        settings.chunk_min_chars,
        settings.chunk_max_chars,
        settings.chunk_overlap_sentences,
        date=meta.date,
        outlet=meta.outlet,
    )
    return article, chunks
