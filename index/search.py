"""Query-time access to the committed index: dense (Chroma) and keyword (BM25) search.

Both retrievers return :class:`Hit` lists over the same chunk records (the snapshot the index
was built from), so fusion in ``chat`` can compare them. A Chroma failure is one
:class:`StoreError` line; the searcher reconnects on the next query, so a server that comes
back is used again without restarting the app. Searching is safe from several threads.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest import Chunk, load_chunks

from .bm25 import BM25Index
from .build import index_dir, read_manifest
from .embed import Embedder, get_embedder
from .settings import IndexSettings
from .store import get_collection, location, unreachable


class IndexUnavailableError(Exception):
    """The index is missing or was built for another embedder; says how to fix it."""


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    retriever: str  # "dense" | "bm25" | "fused"
    rank: int
    # other passages of the same story that retrieval found (further chunks of the article,
    # syndicated copies in other files), best first; they ride along instead of taking slots
    also: tuple[Chunk, ...] = ()


class Searcher:
    """Loads the manifest, its snapshot and the embedder once; then answers many queries."""

    def __init__(self, settings: IndexSettings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        m = read_manifest(settings)
        if m is None:
            raise IndexUnavailableError(
                f"no index in {settings.data_dir}: run `python -m index build`"
            )
        wanted = embedder.name if embedder else settings.embedder
        if wanted != m.embedder:
            raise IndexUnavailableError(
                f"the index was built with {m.embedder} ({m.dim}-d) but {wanted} is configured; "
                f"run `python -m index build --embedder {settings.embedder}` to rebuild it, "
                f"or set RAG_EMBEDDER={m.embedder}"
            )
        self.manifest = m
        snap = index_dir(settings) / m.snapshot
        self.chunks = {c.id: c for c in load_chunks(snap / "chunks.jsonl")}
        self.active = set(m.ids)
        self.bm25 = BM25Index.load(snap)
        self._bm25_pos = {cid: i for i, cid in enumerate(self.bm25.ids)}
        self._lock = threading.Lock()
        self._connect()
        self.embedder = embedder or get_embedder(settings.embedder, settings.models_dir)

    def _connect(self) -> None:
        """(Re)open the collection; after a failed query the next one calls this again.

        A restarted server with the same data serves the old handle fine, but one restarted
        on fresh data has a new collection id (or none), and only a new lookup says so.
        """
        m = self.manifest
        coll = get_collection(self.settings, name=m.collection)
        if coll is None:
            raise IndexUnavailableError(
                f"Chroma collection {m.collection!r} is missing at {location(self.settings)}: "
                "run `python -m index build`"
            )
        meta = coll.metadata or {}
        if meta.get("embedder") not in (None, m.embedder):
            raise IndexUnavailableError(
                f"Chroma collection holds {meta.get('embedder')} vectors, manifest says "
                f"{m.embedder}: run `python -m index build`"
            )
        self.collection = coll
        # vectors beyond the manifest (a build in progress) are over-fetched, then dropped;
        # counted here, not per query (a count is a round trip: ~10 ms on a busy server)
        self._extra = max(0, coll.count() - len(self.active))
        self._stale = False

    def dense(self, query: str, k: int, sources: list[str] | None = None) -> list[Hit]:
        where: dict[str, Any] | None = {"source": {"$in": sources}} if sources else None
        return self._dense_vec(self.embedder.query(query), k, where)

    def _dense_vec(self, vec: np.ndarray, k: int, where: dict[str, Any] | None) -> list[Hit]:
        import httpx

        hits: list[Hit] = []
        for attempt in (1, 2, 3):
            with self._lock:  # one thread reconnects; the others then use the new handle
                if self._stale:
                    self._connect()
                coll, extra = self.collection, self._extra
            try:
                res = coll.query(
                    query_embeddings=[vec.tolist()],
                    n_results=k + extra,
                    include=["distances"],
                    **({"where": where} if where else {}),
                )
            except Exception as e:  # server down or hung; or restarted, maybe without our data
                self._stale = True
                if attempt > 1 or isinstance(e, httpx.TransportError):
                    raise unreachable(self.settings, e) from None
                continue
            hits = []
            ids, dists = res["ids"][0], res["distances"][0]
            for cid, dist in zip(ids, dists, strict=True):
                if cid in self.active and cid in self.chunks:  # not vectors of a later build
                    sim = math.exp(-dist)  # the dense score as before: exp(-cosine distance)
                    hits.append(Hit(self.chunks[cid], sim, "dense", len(hits) + 1))
            if len(hits) >= k or len(ids) < k + extra:
                break
            self._stale = True  # a build added vectors since we counted: recount, fetch again
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

    def candidates(
        self,
        query: str,
        n: int,
        where: dict[str, Any] | None = None,
        allow: Callable[[Chunk], bool] | None = None,
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The union of the dense and BM25 top ``n``, with *both* scores for every member.

        ``where`` is a Chroma filter for the dense side; ``allow`` the same filter as a
        predicate, applied to BM25 over the whole corpus (not to an over-fetched top list, so
        a narrow date range still finds its best passages). Returns ids, cosines, BM25 scores.
        """
        qvec = self.embedder.query(query)
        dense_ids = [h.chunk.id for h in self._dense_vec(qvec, n, where)]
        kw = self.bm25.scores(query)
        order = np.argsort(-kw, kind="stable")
        kw_ids: list[str] = []
        for i in order:
            if kw[i] <= 0 or len(kw_ids) >= n:
                break
            cid = self.bm25.ids[int(i)]
            c = self.chunks.get(cid)
            if c is not None and cid in self.active and (allow is None or allow(c)):
                kw_ids.append(cid)
        ids = list(dict.fromkeys(dense_ids + kw_ids))
        vecs = self._vectors(ids)
        cos = np.array([float(np.dot(qvec, vecs[c])) if c in vecs else 0.0 for c in ids])
        bm = np.array([float(kw[self._bm25_pos[c]]) if c in self._bm25_pos else 0.0 for c in ids])
        return ids, cos, bm

    def _vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        try:
            got = self.collection.get(ids=ids, include=["embeddings"])
        except Exception as e:  # same failure contract as a dense query
            self._stale = True
            raise unreachable(self.settings, e) from None
        return {
            cid: np.asarray(v, dtype=np.float32)
            for cid, v in zip(got["ids"], got["embeddings"], strict=True)
        }
