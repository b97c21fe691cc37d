"""Chroma access, embedded or client/server, with telemetry off and no default embedder.

A collection created without an embedding function makes Chroma download an ONNX model on the
first add; we always pass ``embedding_function=None`` and supply vectors ourselves.
"""

from __future__ import annotations

import os
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


def get_collection(settings: Settings, create: bool = False) -> Any:
    c = client(settings)
    try:
        if create:
            return c.get_or_create_collection(
                settings.collection,
                embedding_function=None,
                metadata={"hnsw:space": "cosine"},
            )
        return c.get_collection(settings.collection, embedding_function=None)
    except Exception as e:
        msg = str(e).lower()
        if not create and ("does not exist" in msg or "not found" in msg):
            return None
        raise StoreError(f"Chroma error ({location(settings)}): {e}") from None


def drop_collection(settings: Settings) -> bool:
    c = client(settings)
    try:
        c.delete_collection(settings.collection)
        return True
    except Exception:
        return False
