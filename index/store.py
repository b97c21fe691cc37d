"""Chroma access, embedded or client/server, with telemetry off and no default embedder.

A collection created without an embedding function makes Chroma download an ONNX model on the
first add; we always pass ``embedding_function=None`` and supply vectors ourselves.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlparse

from ingest import Settings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


class StoreError(Exception):
    """Chroma is unreachable or inconsistent; one line for the user."""


def client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as e:
            raise StoreError(f"cannot reach Chroma at {settings.chroma_url}: {e}") from None
    path = settings.data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def location(settings: Settings) -> str:
    return settings.chroma_url or f"embedded:{(settings.data_dir / 'chroma').resolve()}"


def collection_name(settings: Settings, embedder: str | None = None) -> str:
    """One collection per embedder: switching embedders never destroys the committed index."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", embedder or settings.embedder).strip("-")[:40]
    return f"{settings.collection}-{slug}"


def get_collection(settings: Settings, create: bool = False, name: str | None = None) -> Any:
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
        raise StoreError(f"Chroma error ({location(settings)}): {e}") from None


def drop_collections(settings: Settings) -> int:
    """Delete this project's collections for every embedder."""
    c = client(settings)
    dropped = 0
    for coll in c.list_collections():
        name = coll if isinstance(coll, str) else coll.name
        if name.startswith(f"{settings.collection}-"):
            c.delete_collection(name)
            dropped += 1
    return dropped
