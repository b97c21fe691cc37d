"""Stage 2: offline embeddings in Chroma (embedded or server) plus a Chinese BM25 index.

Public API: :func:`build`, :func:`ensure_built` (the one place a missing index is built),
:func:`status`, :func:`drop`, :class:`Searcher` (``dense`` and ``keyword`` search returning
:class:`Hit`), :class:`Retriever` (fused search with :class:`Filters`, one hit per story),
:func:`get_embedder`, and at the llama-index boundary :func:`as_retriever` (a
``BaseRetriever``) and :func:`as_embedding` (an embedder as a ``BaseEmbedding``). Its settings:
:class:`IndexSettings`, :class:`RetrievalSettings` and their composition with ingest's section,
:class:`IndexStageSettings`.
"""

from .build import BuildReport, build, drop, ensure_built, read_manifest, status
from .embed import Embedder, EmbedderError, get_embedder
from .llama import as_embedding, as_retriever
from .retrieve import Filters, Retriever
from .search import Hit, IndexUnavailableError, Searcher
from .settings import IndexSettings, IndexStageSettings, RetrievalSettings
from .store import StoreError

__all__ = [
    "BuildReport",
    "Embedder",
    "EmbedderError",
    "Filters",
    "Hit",
    "IndexSettings",
    "IndexStageSettings",
    "IndexUnavailableError",
    "RetrievalSettings",
    "Retriever",
    "Searcher",
    "StoreError",
    "as_embedding",
    "as_retriever",
    "build",
    "drop",
    "ensure_built",
    "get_embedder",
    "read_manifest",
    "status",
]
