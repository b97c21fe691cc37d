"""Chroma access, embedded or client/server, with telemetry off and no default embedder.

A collection created without an embedding function makes Chroma download an ONNX model on the
first add; we always pass ``embedding_function=None`` and supply vectors ourselves.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlparse

from .settings import IndexSettings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


HTTP_TIMEOUT_S = 30.0  # per request to a Chroma server; chromadb's own default is no limit


class StoreError(Exception):
    """Chroma is unreachable or inconsistent; one line for the user."""


def unreachable(settings: IndexSettings, e: BaseException, down: bool = False) -> StoreError:
    """The error for a failed call: a server that is down or hung gets the fix, not a trace."""
    import httpx

    detail = " ".join(str(e).split())[:160] or type(e).__name__
    down = down or isinstance(e, httpx.TransportError | OSError)
    if settings.chroma_url and down:
        return StoreError(
            f"the Chroma server at {settings.chroma_url} is unreachable ({detail}): start it "
            "again (`chroma run --path DIR --port N`) or set RAG_CHROMA_URL to a running one; "
            "questions work again as soon as it answers"
        )
    return StoreError(f"Chroma error ({location(settings)}): {detail}")


def client(settings: IndexSettings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            c = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as e:  # chromadb turns a refused connection into a ValueError
            raise unreachable(settings, e, down=True) from None
        _bound_requests(c)
        return c
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _bound_requests(c: Any) -> None:
    """Give the HTTP session a timeout, so a hung (not dead) server cannot block answers forever.

    chromadb creates its ``httpx.Client`` with ``timeout=None`` and offers no setting for it.
    """
    import httpx

    session = getattr(getattr(c, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(HTTP_TIMEOUT_S, connect=min(5.0, HTTP_TIMEOUT_S))


def location(settings: IndexSettings) -> str:
    return settings.chroma_url or f"embedded:{(settings.data_dir / 'chroma').resolve()}"


def collection_name(settings: IndexSettings, embedder: str | None = None) -> str:
    """One collection per embedder: switching embedders never destroys the committed index."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", embedder or settings.embedder).strip("-")[:40]
    return f"{settings.collection}-{slug}"


def get_collection(settings: IndexSettings, create: bool = False, name: str | None = None) -> Any:
    c = client(settings)
    name = name or collection_name(settings)
    try:
        if create:
            return c.get_or_create_collection(
                name,
                embedding_function=None,
                metadata={"hnsw:space": "cosine"},
            )
        return c.get_collection(name, embedding_function=None)
    except Exception as e:
        msg = str(e).lower()
        if not create and ("does not exist" in msg or "not found" in msg):
            return None
        raise unreachable(settings, e) from None


def drop_collections(settings: IndexSettings) -> int:
    """Delete this project's collections for every embedder."""
    c = client(settings)
    dropped = 0
    for coll in c.list_collections():
        name = coll if isinstance(coll, str) else coll.name
        if name.startswith(f"{settings.collection}-"):
            c.delete_collection(name)
            dropped += 1
    return dropped


def open_collection(settings: IndexSettings, name: str, create: bool = True) -> Any:
    """The named collection; any Chroma failure becomes one ``StoreError`` line."""
    try:
        return get_collection(settings, create=create, name=name)
    except StoreError:
        raise
    except Exception as e:  # chromadb raises many types (sqlite, Rust bindings, HTTP)
        first = (str(e).strip().splitlines() or [""])[0][:200]
        raise StoreError(
            f"cannot open Chroma at {location(settings)}: {type(e).__name__}: {first}"
        ) from None


def stored_hashes(coll: Any) -> dict[str, str]:
    """id → content hash of every stored vector; a changed hash means re-embed (new title)."""
    found: dict[str, str] = {}
    offset, page = 0, 5000
    while True:
        got = coll.get(include=["metadatas"], limit=page, offset=offset)
        for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
            found[cid] = str((meta or {}).get("content_hash", ""))
        if len(got["ids"]) < page:
            return found
        offset += page


def reusable(coll: Any, hashes: list[str]) -> dict[str, list[float]]:
    """Vectors already stored for identical passage text (a chunk that only moved)."""
    found: dict[str, list[float]] = {}
    for i in range(0, len(hashes), 500):
        got = coll.get(
            where={"content_hash": {"$in": hashes[i : i + 500]}},
            include=["embeddings", "metadatas"],
        )
        for meta, vec in zip(got["metadatas"], got["embeddings"], strict=True):
            found[str(meta["content_hash"])] = list(vec)
    return found
