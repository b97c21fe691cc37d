"""Typed records that ingest produces and every later stage consumes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Article(BaseModel):
    """One news article (or one letter) recovered from a raw page.

    ``spans`` are the raw-file ranges ``[start, end)`` its body came from, in reading order; a
    page's fragments may be out of order, so there can be several.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    source: str
    title: str
    title_inferred: bool = False
    byline: str | None = None
    text: str
    spans: list[tuple[int, int]]
    title_span: tuple[int, int] | None = None


class Chunk(BaseModel):
    """A retrieval unit: consecutive sentences of one article covering one contiguous raw span.

    Invariant: ``squash(raw[start:end]) == squash(text)``.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    article_id: str
    source: str
    title: str
    byline: str | None = None
    text: str
    start: int
    end: int
    seq: int
