"""A build killed at any point: the previous index keeps serving and the next run is consistent.

Each case runs the real ``python -m index build`` in a subprocess whose named function (one per
build phase) is wrapped to SIGKILL the process on the spot: no ``finally``, no cleanup, exactly
what a power cut or an OOM kill leaves behind. The test then checks the old index still
answers, runs the build again, and checks manifest, ``chunks.jsonl``, Chroma and BM25 agree to
the chunk. Cases start from a copy of the session's built seeds; a case either removes one seed
(nothing to embed) or adds a three-chunk article, so the whole module embeds only a few chunks.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from index import IndexStageSettings, Searcher, build, read_manifest, status
from index.bm25 import BM25Index
from index.build import content_hash, index_dir
from index.embed import passage_text
from index.store import get_collection
from ingest import corpus_fingerprint, ingest, load_articles, load_chunks

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
REMOVED = "003_9f3e569738168c4a.txt"
ADDED = "009_variant.txt"
_VARIANT = str.maketrans({"的": "之", "和": "与", "在": "于", "将": "要", "是": "乃"})

# Runs ``python -m index build`` with one function wrapped to SIGKILL the process (see PHASES).
RUNNER = """
import os, signal, sys
from pathlib import Path

phase, argv = sys.argv[1], sys.argv[2:]

def die(*_a, **_k):
    os.kill(os.getpid(), signal.SIGKILL)

def kill_when(test, real):
    def wrapper(*a, **k):
        if test(*a, **k):
            die()
        return real(*a, **k)
    return wrapper

import index.build
b = sys.modules["index.build"]  # the package re-exports build(), which shadows the module

if phase in ("ingest-write", "manifest-write"):
    target = "chunks.jsonl" if phase == "ingest-write" else "manifest.json"
    # for manifest.json: the new snapshot is in place, the collection metadata already names the
    # new corpus, the new manifest is written to its temporary file but not renamed
    os.replace = kill_when(lambda src, dst, **k: Path(dst).name == target, os.replace)
elif phase == "embedding":
    real_get = b.get_embedder
    def get_embedder(spec, *args):
        emb, calls = real_get(spec, *args), []
        real = emb.passages
        def passages(texts):
            calls.append(texts)
            if len(calls) == 2:
                die()  # the first batch is stored in Chroma, the second never will be
            return real(texts)
        emb.passages = passages
        return emb
    b.get_embedder = get_embedder
elif phase == "before-bm25":
    b.BM25Index.build = die  # every vector is in Chroma; no snapshot, no manifest yet
elif phase == "bm25-save":
    b.shutil.copyfile = die  # BM25 files written to the temporary snapshot, chunks not yet
elif phase == "gc-vectors":
    from chromadb.api.models.Collection import Collection
    Collection.delete = die  # the new manifest is committed; stale vectors, old snapshot remain
else:
    raise SystemExit(f"unknown phase {phase}")

from index.__main__ import main
sys.exit(main(argv))
"""

PHASES = {  # phase → (corpus change, committed after the kill)
    "ingest-write": ("remove", False),
    "embedding": ("add", False),
    "before-bm25": ("add", False),
    "bm25-save": ("remove", False),
    "manifest-write": ("remove", False),
    "gc-vectors": ("remove", True),
}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env.update(HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", **extra)
    return env


def _added_article() -> str:
    """The first ~900 characters of a seed with common characters swapped: three new chunks."""
    text = (SEEDS / REMOVED).read_text(encoding="utf-8")
    return text[: text.index("\n", 900) + 1].translate(_VARIANT)


def _expected_ids(corpus: Path, scratch: Path) -> list[str]:
    """The chunk ids a clean ingest of ``corpus`` produces, in order."""
    s = IndexStageSettings(corpus_dir=corpus, data_dir=scratch)
    ingest(s, progress=False)
    return [c.id for c in load_chunks(s.chunks_path)]


def assert_consistent(s: IndexStageSettings, expected: list[str]) -> None:
    """Manifest = chunks.jsonl = Chroma = BM25, to the chunk; no leftovers; search works."""
    chunks = load_chunks(s.chunks_path)
    ids = [c.id for c in chunks]
    assert ids == expected  # nothing missing, nothing extra, nothing twice
    assert len(set(ids)) == len(ids)

    m = read_manifest(s)
    assert m is not None and m.ids == ids
    assert m.fingerprint == corpus_fingerprint(s.chunks_path)
    snap = index_dir(s) / m.snapshot
    bm25 = BM25Index.load(snap)
    assert bm25.ids == ids
    assert int(bm25.model.scores["num_docs"]) == len(ids)  # type: ignore[attr-defined]
    assert (snap / "chunks.jsonl").read_bytes() == s.chunks_path.read_bytes()
    assert sorted(p.name for p in index_dir(s).iterdir()) == sorted(["manifest.json", m.snapshot])
    assert not list(s.data_dir.glob(".*.tmp"))

    got = get_collection(s, name=m.collection).get(include=["metadatas"])
    assert len(got["ids"]) == len(set(got["ids"])) == len(ids)
    assert set(got["ids"]) == set(ids)
    by_id = {c.id: c for c in chunks}
    for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
        c = by_id[cid]
        assert (meta["source"], meta["start"], meta["end"]) == (c.source, c.start, c.end)
        assert meta["content_hash"] == content_hash(m.embedder, passage_text(c.title, c.text))

    st = status(s)
    assert st["chroma_count"] == st["bm25_count"] == st["active_chunks"] == len(ids)
    searcher = Searcher(s)
    for c in (chunks[0], chunks[len(chunks) // 2], chunks[-1]):
        assert c.id in {h.chunk.id for h in searcher.keyword(c.text, 3)}
    last = chunks[-1]  # one dense query: embedding queries is the slow part of this check
    assert last.id in {h.chunk.id for h in searcher.dense(passage_text(last.title, last.text), 3)}


def assert_serving(s: IndexStageSettings, committed: list[str]) -> None:
    """After the kill: the committed manifest, its snapshot and Chroma answer queries."""
    m = read_manifest(s)
    assert m is not None and m.ids == committed
    assert BM25Index.load(index_dir(s) / m.snapshot).ids == committed
    st = status(s)
    assert st["active_chunks"] == st["bm25_count"] == len(committed) <= st["chroma_count"]
    searcher = Searcher(s)
    live = set(committed)
    dense = searcher.dense("广州互联网信息服务业提案的答复", 5)  # stale vectors sit right here
    assert len(dense) == 5 and {h.chunk.id for h in dense} <= live
    for q in ("广州互联网信息服务业提案的答复", "河南今年5G基站总数将突破多少个？"):
        kw = searcher.keyword(q, 5)
        assert kw and {h.chunk.id for h in kw} <= live, q


def _kill_build(phase: str, s: IndexStageSettings, *flags: str) -> subprocess.CompletedProcess[str]:
    argv = ["build", "--data", str(s.data_dir), "--corpus", str(s.corpus_dir), "--quiet", *flags]
    return subprocess.run(
        [sys.executable, "-c", RUNNER, phase, *argv],
        capture_output=True,
        text=True,
        env=_env(RAG_EMBED_BATCH_SIZE="1"),
        cwd=s.data_dir,
        timeout=600,
    )


@pytest.mark.parametrize("phase", PHASES)
def test_build_killed_at_each_phase_recovers(phase, built_data, corpus_copy, tmp_path):
    change, after_commit = PHASES[phase]
    shutil.copytree(built_data, tmp_path / "data")
    s = IndexStageSettings(corpus_dir=corpus_copy, data_dir=tmp_path / "data")
    m = read_manifest(s)  # not status(): no Chroma client here while the subprocess writes
    assert m is not None
    old = list(m.ids)

    if change == "remove":
        (corpus_copy / REMOVED).unlink()
    else:
        (corpus_copy / ADDED).write_text(_added_article(), encoding="utf-8")
    expected = _expected_ids(corpus_copy, tmp_path / "scratch")
    assert expected != old
    if phase != "ingest-write":  # that phase kills the ingest the build runs itself
        ingest(s, progress=False)

    proc = _kill_build(phase, s, *(["--reingest"] if phase == "ingest-write" else []))
    assert proc.returncode == -signal.SIGKILL, f"{phase} was never reached:\n{proc.stderr[-3000:]}"

    if phase == "ingest-write":  # articles.jsonl was replaced, chunks.jsonl was not
        assert [c.id for c in load_chunks(s.chunks_path)] == old
        assert REMOVED not in {a.source for a in load_articles(s.articles_path)}
        assert list(s.data_dir.glob(".chunks.jsonl.*.tmp"))
    if phase == "manifest-write":
        assert list(index_dir(s).glob(".manifest.json.*"))
    assert_serving(s, expected if after_commit else old)

    if phase == "ingest-write":
        ingest(s, progress=False)
    r = build(s, progress=False)
    if phase == "embedding":
        new = len(set(expected) - set(old))
        assert r.embedded + r.reused == new - 1  # the one stored vector was kept, not redone
    elif phase == "before-bm25":
        assert (r.embedded, r.reused) == (0, 0)  # every vector had been stored
    assert_consistent(s, expected)


def test_a_second_kill_during_recovery_is_also_harmless(built_data, corpus_copy, tmp_path):
    """Kill the build, then kill its recovery at another phase; the third run is consistent."""
    shutil.copytree(built_data, tmp_path / "data")
    s = IndexStageSettings(corpus_dir=corpus_copy, data_dir=tmp_path / "data")
    old = list(read_manifest(s).ids)  # type: ignore[union-attr]
    (corpus_copy / REMOVED).unlink()
    expected = _expected_ids(corpus_copy, tmp_path / "scratch")
    ingest(s, progress=False)
    for phase in ("bm25-save", "manifest-write"):
        assert _kill_build(phase, s).returncode == -signal.SIGKILL
    assert_serving(s, old)
    manifest = json.loads((index_dir(s) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["ids"] == old
    build(s, progress=False)
    assert_consistent(s, expected)
