"""Stage 1: raw article files → clean, addressable articles and chunks.

Public API: :func:`ingest`, :func:`process`, :func:`squash`, :func:`sentences`, the records :class:`Article` and
:class:`Chunk`, the loaders, and the settings: :class:`IngestSettings` (this stage's section),
:class:`DataSettings` (the data folder every stage shares) and :class:`Flags` (the CLI flags each
stage extends).
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
from .settings import FLAGS, DataSettings, Flag, Flags, IngestSettings, Section, build_settings

__all__ = [
    "FLAGS",
    "Article",
    "Chunk",
    "DataSettings",
    "Flag",
    "Flags",
    "IngestError",
    "IngestSettings",
    "Report",
    "Section",
    "build_settings",
    "chroma_meta",
    "corpus_fingerprint",
    "ingest",
    "load_articles",
    "load_chunks",
    "process",
    "sentences",
    "squash",
]
