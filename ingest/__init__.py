"""Stage 1: raw article files → clean, addressable articles and chunks.

Public API: :func:`ingest`, :func:`process`, :func:`squash`, :func:`sentences`, the records :class:`Article` and
:class:`Chunk`, the loaders, and :class:`Settings` (shared by every stage).
"""

from . import numbers as numbers  # number tokens with unit and magnitude
from .clean import squash
from .models import Article, Chunk, chroma_meta, sentences
from .pipeline import (
    IngestError,
    Report,
    corpus_fingerprint,
    ingest,
    load_articles,
    load_chunks,
    process,
)
from .settings import Settings, build_settings, settings_from, settings_parser

__all__ = [
    "Article",
    "Chunk",
    "IngestError",
    "Report",
    "Settings",
    "build_settings",
    "chroma_meta",
    "corpus_fingerprint",
    "ingest",
    "load_articles",
    "load_chunks",
    "process",
    "sentences",
    "settings_from",
    "settings_parser",
    "squash",
]
