"""Incremental, crash-safe index builds.

The manifest (``data/index/manifest.json``) is the commit point: it names the active chunk ids
and the snapshot folder (BM25 + the chunks it was built from). A build adds new vectors first,
writes a new snapshot, atomically replaces the manifest, and only then deletes stale vectors.
A build killed at any moment therefore leaves the previous manifest valid; readers ignore
vectors not in it, and the next build garbage-collects them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ingest import (
    Chunk,
    DataSettings,
    IngestSettings,
    chroma_meta,
    corpus_fingerprint,
    ingest,
    load_chunks,
)
from ingest.progress import Progress

from .bm25 import BM25Index, TokenThread
from .embed import Embedder, get_embedder, passage_text
from .settings import IndexSettings, IndexStageSettings
from .store import (
    StoreError,
    collection_name,
    drop_collections,
    location,
    open_collection,
    reusable,
    stored_hashes,
)

log = logging.getLogger("index")
# In the snapshot name: a new tokeniser implementation rebuilds BM25 once (2: rjieba cuts).
BM25_VERSION = 2


@dataclass
class Manifest:
    embedder: str
    dim: int
    chunking: dict[str, int]
    fingerprint: str
    built_at: str
    snapshot: str  # folder name under data/index/
    bm25_mode: str
    store: str
    collection: str
    ids: list[str]


@dataclass
class BuildReport:
    chunks: int
    embedded: int
    reused: int
    deleted: int
    seconds: float


def index_dir(settings: DataSettings) -> Path:
    return settings.data_dir / "index"


def read_manifest(settings: DataSettings) -> Manifest | None:
    path = index_dir(settings) / "manifest.json"
    if not path.exists():
        return None
    return Manifest(**json.loads(path.read_text(encoding="utf-8")))


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_writable(settings: IndexSettings) -> None:
    """Refuse to start (one line, nothing touched) when the index cannot be written.

    A read-only data folder would otherwise fail deep inside Chroma or halfway through a build.
    """
    dirs = [settings.data_dir, index_dir(settings)]
    files = [index_dir(settings) / "manifest.json"]
    if not settings.chroma_url:
        dirs.append(settings.data_dir / "chroma")
        files.append(settings.data_dir / "chroma" / "chroma.sqlite3")
    for d in dirs:
        try:
            d.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=d):
                pass
        except OSError as e:
            raise StoreError(f"cannot write the index to {d}: {e.strerror or e}") from None
    for f in files:
        if f.exists() and not os.access(f, os.W_OK):
            raise StoreError(f"cannot write the index: {f} is read-only")


def content_hash(embedder: str, text: str) -> str:
    return hashlib.sha1(f"{embedder}\n{text}".encode()).hexdigest()


def chunking(settings: IngestSettings) -> dict[str, int]:
    return {
        "min_chars": settings.chunk_min_chars,
        "max_chars": settings.chunk_max_chars,
        "overlap_sentences": settings.chunk_overlap_sentences,
    }


def _metadata(c: Chunk, content_hash: str) -> dict[str, Any]:
    """What Chroma stores beside a vector: the raw address, filters and the content hash."""
    return {
        "source": c.source,
        "title": c.title,
        "byline": c.byline or "",
        "article_id": c.article_id,
        "start": c.start,
        "end": c.end,
        "seq": c.seq,
        "content_hash": content_hash,
        **chroma_meta(c),
    }


def _embed(
    emb: Embedder,
    coll: Any,
    todo: list[Chunk],
    texts: dict[str, str],
    hashes: dict[str, str],
    stored: dict[str, str],
    reuse: dict[str, list[float]],
    settings: IndexSettings,
    progress: bool,
) -> int:
    """Embed and store ``todo`` batch by batch (each batch is durable); returns how many ran."""
    embedded = 0
    batch = max(1, settings.embed_batch_size)
    with Progress(
        len(todo), f"embed ({emb.name})", "chunk", enabled=progress and bool(todo)
    ) as bar:
        for i in range(0, len(todo), batch):
            part = todo[i : i + batch]
            need = [c for c in part if hashes[c.id] not in reuse]
            if need:
                vecs = emb.passages([texts[c.id] for c in need])
                reuse.update({hashes[c.id]: list(v) for c, v in zip(need, vecs, strict=True)})
                embedded += len(need)
            changed = [c.id for c in part if c.id in stored]
            if changed:  # same chunk, new passage text (its title changed): replace the vector
                coll.delete(ids=changed)
            coll.add(
                ids=[c.id for c in part],
                embeddings=[[float(x) for x in reuse[hashes[c.id]]] for c in part],
                metadatas=[_metadata(c, hashes[c.id]) for c in part],
                documents=[c.text for c in part],
            )
            bar.update(len(part))
    return embedded


def build(
    settings: IndexStageSettings, progress: bool = True, embedder: Embedder | None = None
) -> BuildReport:
    t0 = time.perf_counter()
    _check_writable(settings)
    if not settings.chunks_path.exists():
        log.info("no ingest output in %s: running ingest first", settings.data_dir)
        ingest(settings, progress=progress)
    chunks = load_chunks(settings.chunks_path)
    emb = embedder or get_embedder(settings.embedder, settings.models_dir)
    coll = open_collection(settings, collection_name(settings, emb.name))

    texts = {c.id: passage_text(c.title, c.text) for c in chunks}
    hashes = {c.id: content_hash(emb.name, texts[c.id]) for c in chunks}
    stored = stored_hashes(coll)
    existing = set(stored)
    todo = [c for c in chunks if stored.get(c.id) != hashes[c.id]]
    reuse = reusable(coll, sorted({hashes[c.id] for c in todo})) if todo and existing else {}
    fingerprint = corpus_fingerprint(settings.chunks_path)
    root = index_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    snapshot = f"v-{fingerprint[:12]}-{settings.bm25_tokenizer.replace('+', '_')}-{BM25_VERSION}"
    # BM25 tokenising (one core) runs beside the embedder, whose runtime releases the GIL
    bm25 = (
        None
        if (root / snapshot / "ids.json").exists()
        else TokenThread(settings.bm25_tokenizer, [texts[c.id] for c in chunks])
    )
    try:
        embedded = _embed(emb, coll, todo, texts, hashes, stored, reuse, settings, progress)
        if bm25 is not None:
            tmp = Path(tempfile.mkdtemp(dir=root, prefix=".snap-"))
            tmp.chmod(0o755)  # mkdtemp makes it private; readers may run as another user
            ids, mode = [c.id for c in chunks], settings.bm25_tokenizer
            BM25Index.build(ids, [], mode, tokens=bm25.result()).save(tmp)
            shutil.copyfile(settings.chunks_path, tmp / "chunks.jsonl")
            shutil.rmtree(root / snapshot, ignore_errors=True)
            os.replace(tmp, root / snapshot)
    finally:
        if bm25 is not None:
            bm25.stop()

    built_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    manifest = Manifest(
        embedder=emb.name,
        dim=emb.dim,
        chunking=chunking(settings),
        fingerprint=fingerprint,
        built_at=built_at,
        snapshot=snapshot,
        bm25_mode=settings.bm25_tokenizer,
        store=location(settings),
        collection=collection_name(settings, emb.name),
        ids=[c.id for c in chunks],
    )
    coll.modify(
        metadata={
            "embedder": emb.name,
            "dim": emb.dim,
            **{f"chunk_{k}": v for k, v in manifest.chunking.items()},
            "fingerprint": fingerprint,
            "built_at": built_at,
        }
    )
    _write_atomic(root / "manifest.json", json.dumps(asdict(manifest), ensure_ascii=False))

    stale = sorted(existing - set(manifest.ids))  # garbage-collect only after the commit
    for i in range(0, len(stale), 1000):
        coll.delete(ids=stale[i : i + 1000])
    for old in root.iterdir():  # and the leftovers of builds killed before this one
        if old.name != snapshot and old.name.startswith(("v-", ".snap-")):
            shutil.rmtree(old, ignore_errors=True)
        elif old.name.startswith(".manifest.json."):
            old.unlink(missing_ok=True)
    return BuildReport(
        chunks=len(chunks),
        embedded=embedded,
        reused=len(todo) - embedded,
        deleted=len(stale),
        seconds=time.perf_counter() - t0,
    )


def ensure_built(settings: IndexStageSettings, progress: bool = True) -> BuildReport | None:
    """The one place a missing index is built (chat, the app and eval call it before loading).

    Builds only when no manifest exists; an existing index is used as it is, even if the
    corpus changed since (``python -m index build`` updates it). Returns the build's report, or
    ``None`` when nothing was built.
    """
    if read_manifest(settings) is not None:
        return None
    print(f"building the index in {settings.data_dir} (first run)…", file=sys.stderr)
    return build(settings, progress=progress)


def status(settings: IndexSettings) -> dict[str, Any]:
    m = read_manifest(settings)
    name = m.collection if m else collection_name(settings)
    coll = open_collection(settings, name, create=False)
    out: dict[str, Any] = {
        "store": location(settings),
        "collection": name,
        "chroma_count": coll.count() if coll is not None else 0,
        "built": m is not None,
    }
    if m is None:
        return out
    bm25_ids = json.loads((index_dir(settings) / m.snapshot / "ids.json").read_text())["ids"]
    out.update(
        {
            "active_chunks": len(m.ids),
            "bm25_count": len(bm25_ids),
            "bm25_tokenizer": m.bm25_mode,
            "embedder": m.embedder,
            "dim": m.dim,
            "chunking": m.chunking,
            "fingerprint": m.fingerprint,
            "last_build": m.built_at,
        }
    )
    return out


def drop(settings: IndexSettings) -> None:
    drop_collections(settings)
    shutil.rmtree(index_dir(settings), ignore_errors=True)
