"""Folder → ``articles.jsonl`` + ``chunks.jsonl``, deterministic and written atomically."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .assemble import process as assemble
from .clean import squash
from .copies import mark_copies
from .models import Article, Chunk
from .progress import progress as show_progress
from .reader import BadFile, RawDoc, list_files, read_doc
from .settings import IngestSettings

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
    copy_groups: int = 0  # groups of near-identical chunks found in two or more files
    warnings: list[str] = field(default_factory=list)


def process(doc: RawDoc, settings: IngestSettings) -> tuple[list[Article], list[Chunk], int]:
    """One decoded file → its articles and chunks, plus the number of duplicate sentences dropped."""
    return assemble(doc.source, doc.text, settings)


def _write_outputs(out: Path, files: dict[str, list[str]]) -> None:
    """Write every file to a temporary name first, then rename them into place together.

    A run that fails or is killed before the renames leaves the previous outputs untouched;
    ``chunks.jsonl`` (what the index reads) is renamed last. Temporary files of an earlier,
    killed run are removed first.
    """
    for name in files:
        for stale in out.glob(f".{name}.*.tmp"):
            stale.unlink(missing_ok=True)
    tmps: dict[str, str] = {}
    try:
        for name, rows in files.items():
            fd, tmps[name] = tempfile.mkstemp(dir=out, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for row in rows:
                    f.write(row + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmps[name], 0o644)
        for name, tmp in tmps.items():
            os.replace(tmp, out / name)
    except BaseException:
        for tmp in tmps.values():
            Path(tmp).unlink(missing_ok=True)
        raise


def _check_writable(out: Path) -> None:
    """Fail before the work, not after it, when an existing data folder cannot take the outputs."""
    if not out.is_dir():
        return  # created (or refused) when the outputs are written
    try:
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise IngestError(f"cannot write to {out}: {e.strerror or e}") from None


def _skip(report: Report, rel: str, reason: str) -> None:
    report.warnings.append(f"{rel}: {reason}")
    log.warning("skipped %s: %s", rel, reason)


def ingest(settings: IngestSettings, progress: bool = True) -> Report:
    """Ingest ``settings.corpus_dir`` into ``settings.data_dir``; bad files only warn."""
    root = settings.corpus_dir
    if not root.is_dir():
        raise IngestError(f"corpus folder not found: {root}")
    _check_writable(settings.data_dir)
    report = Report()
    articles: list[Article] = []
    chunks: list[Chunk] = []
    seen: dict[str, str] = {}
    listing: list[str] = []
    files = list_files(root, listing)
    for w in listing:
        report.warnings.append(w)
        log.warning("%s", w)
    report.files = len(files)
    max_bytes = int(settings.max_file_mb * 1e6)
    for path in show_progress(files, desc="ingest", unit="file", enabled=progress):
        rel = path.relative_to(root).as_posix()
        try:
            doc = read_doc(path, root, max_bytes)
            fingerprint = hashlib.sha1(squash(doc.text).encode()).hexdigest()
            if fingerprint in seen:
                report.duplicate_files += 1
                raise BadFile(f"duplicate of {seen[fingerprint]} (same text)")
            a, c, dropped = process(doc, settings)
        except BadFile as e:
            _skip(report, rel, str(e))
            continue
        except (RecursionError, ValueError, IndexError) as e:  # a parser bug must not stop the run
            _skip(report, rel, f"could not be segmented ({type(e).__name__}: {e})")
            continue
        if not c:
            _skip(report, rel, "no text found")
            continue
        seen[fingerprint] = rel
        report.ingested += 1
        report.duplicates_dropped += dropped
        articles += a
        chunks += c
    if chunks:
        chunks, report.copy_groups = mark_copies(chunks)
    report.articles, report.chunks = len(articles), len(chunks)
    if not chunks:
        raise IngestError(
            f"nothing could be ingested from {root} ({len(files)} files, "
            f"{len(report.warnings)} skipped); the previous outputs are kept"
        )
    out = settings.data_dir
    try:
        out.mkdir(parents=True, exist_ok=True)
        _write_outputs(
            out,
            {
                "articles.jsonl": [a.model_dump_json() for a in articles],
                "chunks.jsonl": [c.model_dump_json() for c in chunks],
            },
        )
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
