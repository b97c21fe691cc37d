"""Chinese-aware chunking over sentences that keep their raw offsets.

Generic splitters (llama-index's SentenceSplitter) count tokens with tiktoken and split on
whitespace/ASCII punctuation, so on Chinese they cut mid-sentence and lose the raw-offset link.
Here a chunk is a run of whole sentences that is contiguous in the raw file, which is what makes
the traceability invariant hold by construction.
"""

from __future__ import annotations

import hashlib

from .clean import Span, squash
from .layout import ends_closed
from .models import Chunk


def contiguous(raw: str, a: Span, b: Span) -> bool:
    """True when only whitespace/junk separates ``a`` and ``b`` in the raw text."""
    return a.end <= b.start and not squash(raw[a.end : b.start])


def runs(raw: str, sents: list[Span]) -> list[list[Span]]:
    """Group sentences into maximal raw-contiguous runs."""
    out: list[list[Span]] = []
    for s in sents:
        if out and contiguous(raw, out[-1][-1], s):
            out[-1].append(s)
        else:
            out.append([s])
    return out


def pack(run: list[Span], min_chars: int, max_chars: int, overlap: int) -> list[list[Span]]:
    """Pack sentences into ~[min, max]-char windows, repeating ``overlap`` sentences between them."""
    chunks: list[list[Span]] = []
    cur: list[Span] = []
    size = 0
    for s in run:
        if cur and size + len(s) > max_chars and size >= min_chars:
            if len(cur) > 1 and not ends_closed(cur[-1].text):  # a subheading opens the next
                keep = [cur.pop()]
            else:
                keep = [x for x in cur[-overlap:] if len(x) <= max_chars // 2] if overlap else []
            chunks.append(cur)
            cur, size = list(keep), sum(len(x) for x in keep)
        cur.append(s)
        size += len(s)
    if cur:
        tail_is_overlap = chunks and len(cur) <= overlap and cur == chunks[-1][-len(cur) :]
        if not tail_is_overlap:
            if chunks and size < min_chars // 2 and sum(map(len, chunks[-1])) + size <= max_chars:
                chunks[-1] = chunks[-1] + [x for x in cur if x not in chunks[-1]]
            else:
                chunks.append(cur)
    return chunks


def join_text(sents: list[Span], breaks: set[int]) -> str:
    """Sentence texts joined; a newline where the raw text had a paragraph break."""
    parts = []
    for s in sents:
        if parts and s.start in breaks:
            parts.append("\n")
        parts.append(s.text)
    return "".join(parts)


def make_chunks(
    raw: str,
    article_id: str,
    source: str,
    title: str,
    byline: str | None,
    sents: list[Span],
    breaks: set[int],
    min_chars: int,
    max_chars: int,
    overlap: int,
    date: str | None = None,
    outlet: str | None = None,
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for run in runs(raw, sents):
        for group in pack(run, min_chars, max_chars, overlap):
            text = join_text(group, breaks)
            start, end = group[0].start, group[-1].end
            cid = hashlib.sha1(f"{article_id}|{start}|{end}|{text}".encode()).hexdigest()[:16]
            chunks.append(
                Chunk(
                    id=cid,
                    article_id=article_id,
                    source=source,
                    title=title,
                    byline=byline,
                    text=text,
                    start=start,
                    end=end,
                    seq=len(chunks),
                    date=date,
                    outlet=outlet,
                    sents=[(s.start, s.end) for s in group],
                    sent_lens=[len(s) for s in group],
                )
            )
    return chunks
