"""llama-index at the boundary: our retriever as a ``BaseRetriever``, our embedders as a
``BaseEmbedding``, for users of llama-index pipelines (and the bench's plain-pipeline baseline).

``as_retriever(settings)`` returns a retriever whose nodes are the chunks the hybrid search
ranks, each carrying its raw-file address (``source``, ``start``, ``end``) and the article's
metadata, so a ``RetrieverQueryEngine`` or any llama-index component can cite them exactly.
``as_embedding(embedder)`` keeps e5's query/passage roles. llama-index is imported only when
these are called (it is slow to import and no stage needs it to answer).
"""

from __future__ import annotations

from typing import Any

from ingest import Chunk

from .embed import Embedder
from .retrieve import Filters, Retriever
from .settings import IndexStageSettings

# Metadata for citing and ranking, not for a model to read or embed.
BOOKKEEPING = ("start", "end", "article_id", "copy_group", "retriever", "rank")


def node_metadata(c: Chunk, retriever: str, rank: int) -> dict[str, Any]:
    """What a llama-index node says about its chunk: where it is and what it is from."""
    return {
        "source": c.source,
        "start": c.start,
        "end": c.end,
        "title": c.title,
        "date": c.date or "",
        "outlet": c.outlet or "",
        "byline": c.byline or "",
        "article_id": c.article_id,
        "copy_group": c.copy_group or "",
        "retriever": retriever,
        "rank": rank,
    }


def as_retriever(
    settings: IndexStageSettings,
    k: int | None = None,
    filters: Filters | None = None,
    retriever: Retriever | None = None,
) -> Any:
    """A llama-index ``BaseRetriever`` over the committed index (``k`` stories per query)."""
    from llama_index.core.retrievers import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

    ours = retriever or Retriever(settings)

    class NewsRetriever(BaseRetriever):
        """Hybrid (dense ⊕ BM25) retrieval, one node per story, raw offsets in the metadata."""

        def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            hits = ours.retrieve(query_bundle.query_str, k or settings.top_k, filters=filters)
            return [
                NodeWithScore(
                    node=TextNode(
                        id_=h.chunk.id,
                        text=h.chunk.text,
                        metadata=node_metadata(h.chunk, h.retriever, h.rank),
                        # the model reads the headline and date; offsets are for citing
                        excluded_llm_metadata_keys=list(BOOKKEEPING),
                        excluded_embed_metadata_keys=list(BOOKKEEPING),
                    ),
                    score=h.score,
                )
                for h in hits
            ]

    return NewsRetriever()


def as_embedding(embedder: Embedder, batch_size: int = 32) -> Any:
    """One of our embedders as a llama-index ``BaseEmbedding``: queries through ``query`` and
    texts through ``passages``, so the e5 ``query:``/``passage:`` roles survive."""
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class NewsEmbedding(BaseEmbedding):
        _emb: Any = PrivateAttr()

        def __init__(self, emb: Embedder) -> None:
            super().__init__(model_name=emb.name, embed_batch_size=batch_size)
            self._emb = emb

        def _get_query_embedding(self, query: str) -> list[float]:
            return [float(x) for x in self._emb.query(query)]

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embeddings([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return [[float(x) for x in v] for v in self._emb.passages(texts)]

    return NewsEmbedding(embedder)
