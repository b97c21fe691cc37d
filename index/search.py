"""Query-time access to the committed index: dense (Chroma) and keyword (BM25) search.

Both retrievers return :class:`Hit` lists over the same chunk records (the snapshot the index
was built from), so fusion in ``chat`` can compare them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest import Chunk, Settings, load_chunks

from .bm25 import BM25Index
from .build import index_dir, read_manifest
from .embed import Embedder, get_embedder
from .store import StoreError, get_collection, location


class IndexError_(Exception):
    """The index is missing or was built for another embedder; says how to fix it."""


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    retriever: str  # "dense" | "bm25" | "fused"
    rank: int


class Searcher:
    """Loads the manifest, its snapshot and the embedder once; then answers many queries."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.settings = settings
        m = read_manifest(settings)
        if m is None:
            raise IndexError_(f"no index in {settings.data_dir}: run `python -m index build`")
        wanted = embedder.name if embedder else settings.embedder
        if wanted != m.embedder:
            raise IndexError_(
                f"the index was built with {m.embedder} ({m.dim}-d) but {wanted} is configured; "
                f"run `python -m index build --embedder {settings.embedder}` to rebuild it, "
                f"or set RAG_EMBEDDER={m.embedder}"
            )
        self.manifest = m
        snap = index_dir(settings) / m.snapshot
        self.chunks = {c.id: c for c in load_chunks(snap / "chunks.jsonl")}
        self.active = set(m.ids)
        self.bm25 = BM25Index.load(snap)
        self.collection = get_collection(settings, name=m.collection)
        if self.collection is None:
            raise IndexError_(
                f"Chroma collection {m.collection!r} is missing at {location(settings)}: "
                "run `python -m index build`"
            )
        meta = self.collection.metadata or {}
        if meta.get("embedder") not in (None, m.embedder):
            raise IndexError_(
                f"Chroma collection holds {meta.get('embedder')} vectors, manifest says "
                f"{m.embedder}: run `python -m index build`"
            )
        self.store = ChromaVectorStore(chroma_collection=self.collection)
        self.embedder = embedder or get_embedder(settings.embedder)

    def dense(self, query: str, k: int, sources: list[str] | None = None) -> list[Hit]:
        from llama_index.core.vector_stores.types import VectorStoreQuery

        vec = self.embedder.query(query)
        try:
            extra = max(0, self.collection.count() - len(self.active))
            where: dict[str, Any] | None = {"source": {"$in": sources}} if sources else None
            res = self.store.query(
                VectorStoreQuery(query_embedding=vec.tolist(), similarity_top_k=k + extra),
                **({"where": where} if where else {}),
            )
        except Exception as e:  # server down, network error…
            raise StoreError(f"Chroma query failed ({location(self.settings)}): {e}") from None
        hits: list[Hit] = []
        for cid, sim in zip(res.ids or [], res.similarities or [], strict=False):
            if cid in self.active and cid in self.chunks:  # ignore vectors of an unfinished build
                hits.append(Hit(self.chunks[cid], float(sim), "dense", len(hits) + 1))
        return hits[:k]

    def keyword(self, query: str, k: int, sources: list[str] | None = None) -> list[Hit]:
        pool = self.bm25.search(query, k * 4 if sources else k)
        hits: list[Hit] = []
        for cid, score in pool:
            c = self.chunks.get(cid)
            if c is None or (sources and c.source not in sources):
                continue
            hits.append(Hit(c, score, "bm25", len(hits) + 1))
        return hits[:k]
