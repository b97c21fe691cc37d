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
    date: str | None = None  # ISO YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS] when the file gives a time
    outlet: str | None = None
    # field name (title, date, outlet, byline) → raw [start, end) it was read from
    meta_spans: dict[str, tuple[int, int]] = {}


class Chunk(BaseModel):
    """A retrieval unit: consecutive sentences of one article covering one contiguous raw span.

    Invariant: ``squash(raw[start:end]) == squash(text)``. ``sents`` are the raw ``[start, end)``
    of its sentences in order and ``sent_lens`` their lengths in ``text`` (sentences are joined
    by nothing or by one ``\n``), so :func:`ingest.sentences` can cut ``text`` back into
    sentences without the raw file. New fields have defaults so older jsonl still loads.
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
    date: str | None = None
    outlet: str | None = None
    copy_group: str | None = None  # shared by near-identical chunks in other files; None if unique
    sents: list[tuple[int, int]] = []
    sent_lens: list[int] = []


def sentences(chunk: Chunk) -> list[tuple[str, int, int]]:
    """A chunk's sentences as ``(cleaned text, raw start, raw end)``, without the raw file.

    Chunks written before sentence spans existed give one "sentence": the whole chunk.
    """
    if not chunk.sents or len(chunk.sents) != len(chunk.sent_lens):
        return [(chunk.text, chunk.start, chunk.end)]
    out: list[tuple[str, int, int]] = []
    i = 0
    for (start, end), n in zip(chunk.sents, chunk.sent_lens, strict=True):
        if chunk.text[i : i + 1] == "\n":
            i += 1
        out.append((chunk.text[i : i + n], start, end))
        i += n
    return out


def chroma_meta(chunk: Chunk) -> dict[str, str | int]:
    """Chunk metadata for Chroma, which refuses None and filters ranges only on numbers.

    ``date_num`` is ``YYYYMMDD`` (0 when the date is unknown), for ``{"date_num": {"$gte": …}}``.
    """
    date = chunk.date or ""
    digits = date[:10].replace("-", "")
    return {
        "date": date,
        "date_num": int(digits) if len(digits) == 8 and digits.isdigit() else 0,
        "outlet": chunk.outlet or "",
        "copy_group": chunk.copy_group or "",
    }
