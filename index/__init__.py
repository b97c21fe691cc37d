"""Stage 2: offline embeddings in Chroma (embedded or server) plus a Chinese BM25 index.

Public API: :func:`build`, :func:`status`, :func:`drop`, :class:`Searcher` (``dense`` and
``keyword`` search returning :class:`Hit`), :func:`get_embedder`.
"""

from .build import BuildReport, build, drop, read_manifest, status
from .embed import Embedder, EmbedderError, get_embedder
from .search import Hit, IndexError_, Searcher
from .store import StoreError

__all__ = [
    "BuildReport",
    "Embedder",
    "EmbedderError",
    "Hit",
    "IndexError_",
    "Searcher",
    "StoreError",
    "build",
    "drop",
    "get_embedder",
    "read_manifest",
    "status",
]
