"""Folder → ``articles.jsonl`` + ``chunks.jsonl``, deterministic and written atomically."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .chunk import make_chunks
from .clean import Span, squash
from .layout import classify, paragraphs
from .models import Article, Chunk
from .reader import BadFile, RawDoc, list_files, read_doc
from .segment import dedupe, segment, signature
from .settings import Settings

log = logging.getLogger("ingest")


class IngestError(Exception):
    """A failure of the whole run (not of one file); the message is one line for the user."""


@dataclass
class Report:
    files: int = 0
    ingested: int = 0
    articles: int = 0
    chunks: int = 0
    duplicates_dropped: int = 0
    duplicate_files: int = 0
    warnings: list[str] = field(default_factory=list)


def process(doc: RawDoc, settings: Settings) -> tuple[list[Article], list[Chunk], int]:
    """One decoded file → its articles and chunks, plus the number of duplicate sentences dropped."""
    raw = doc.text
    blocks = [classify(raw, p) for p in paragraphs(raw)]
    blocks, dropped = dedupe(blocks)
    articles: list[Article] = []
    chunks: list[Chunk] = []
    for draft in segment(blocks):
        body = [b for b in draft.blocks if b.kind != "heading" or b not in draft.title]
        sents: list[Span] = [s for b in body for s in b.sents]
        if not sents:
            continue
        breaks = {b.sents[0].start for b in body}
        title = "".join(h.text for h in draft.title) or draft.inferred_title or doc.source
        byline = draft.byline or signature(draft)
        text = "\n".join(b.text for b in body)
        spans: list[tuple[int, int]] = []
        for s in sents:
            if spans and not squash(raw[spans[-1][1] : s.start]):
                spans[-1] = (spans[-1][0], s.end)
            else:
                spans.append((s.start, s.end))
        key = f"{doc.source}|{spans[0][0]}|{squash(text)[:200]}"
        aid = hashlib.sha1(key.encode()).hexdigest()[:12]
        title_span = (draft.title[0].start, draft.title[-1].sents[-1].end) if draft.title else None
        articles.append(
            Article(
                id=aid,
                source=doc.source,
                title=title,
                title_inferred=not draft.title,
                byline=byline,
                text=text,
                spans=spans,
                title_span=title_span,
            )
        )
        chunks += make_chunks(
            raw,
            aid,
            doc.source,
            title,
            byline,
            sents,
            breaks,
            settings.chunk_min_chars,
            settings.chunk_max_chars,
            settings.chunk_overlap_sentences,
        )
    return articles, chunks, dropped


def _write_jsonl_atomic(path: Path, rows: list[str]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(row + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ingest(settings: Settings, progress: bool = True) -> Report:
    """Ingest ``settings.corpus_dir`` into ``settings.data_dir``; bad files only warn."""
    from tqdm import tqdm

    root = settings.corpus_dir
    if not root.is_dir():
        raise IngestError(f"corpus folder not found: {root}")
    report = Report()
    articles: list[Article] = []
    chunks: list[Chunk] = []
    seen: dict[str, str] = {}
    files = list_files(root)
    report.files = len(files)
    max_bytes = int(settings.max_file_mb * 1e6)
    for path in tqdm(files, desc="ingest", unit="file", disable=not progress or None):
        rel = path.relative_to(root).as_posix()
        try:
            doc = read_doc(path, root, max_bytes)
            fingerprint = hashlib.sha1(squash(doc.text).encode()).hexdigest()
            if fingerprint in seen:
                report.duplicate_files += 1
                raise BadFile(f"duplicate of {seen[fingerprint]}")
            seen[fingerprint] = rel
            a, c, dropped = process(doc, settings)
        except BadFile as e:
            report.warnings.append(f"{rel}: {e}")
            log.warning("skipped %s: %s", rel, e)
            continue
        except (RecursionError, ValueError, IndexError) as e:  # a parser bug must not stop the run
            report.warnings.append(f"{rel}: could not be segmented ({type(e).__name__}: {e})")
            log.warning("skipped %s: %s", rel, e)
            continue
        if not c:
            report.warnings.append(f"{rel}: no text found")
            continue
        report.ingested += 1
        report.duplicates_dropped += dropped
        articles += a
        chunks += c
    report.articles, report.chunks = len(articles), len(chunks)
    if not chunks:
        raise IngestError(f"nothing could be ingested from {root} ({len(files)} files)")
    out = settings.data_dir
    try:
        out.mkdir(parents=True, exist_ok=True)
        _write_jsonl_atomic(out / "chunks.jsonl", [c.model_dump_json() for c in chunks])
        _write_jsonl_atomic(out / "articles.jsonl", [a.model_dump_json() for a in articles])
    except OSError as e:
        raise IngestError(f"cannot write to {out}: {e.strerror or e}") from None
    return report


def load_articles(path: Path) -> list[Article]:
    with path.open(encoding="utf-8") as f:
        return [Article.model_validate_json(line) for line in f if line.strip()]


def load_chunks(path: Path) -> list[Chunk]:
    with path.open(encoding="utf-8") as f:
        return [Chunk.model_validate_json(line) for line in f if line.strip()]


def corpus_fingerprint(path: Path) -> str:
    """sha1 of chunks.jsonl: changes whenever any chunk's text, offsets or metadata change."""
    return hashlib.sha1(path.read_bytes()).hexdigest()


def dump_json(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)
