"""The raw corpus, read by eval (and tests) to check that quotes trace to their files.

The chat never reads raw files at query time: its quotes come with the chunks' sentence
spans. Eval reads them to hold it to the invariant ``squash(raw[start:end]) == squash(quote)``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ingest.reader import BadFile, decode


class RawFiles:
    """Decoded raw files by source name (256 kept in memory)."""

    def __init__(self, corpus_dir: Path) -> None:
        self.root = corpus_dir
        self.get = lru_cache(maxsize=256)(self._read)

    def _read(self, source: str) -> str | None:
        try:
            return decode((self.root / source).read_bytes())[0]
        except (OSError, BadFile):
            return None
