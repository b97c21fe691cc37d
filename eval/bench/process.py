"""Benchmark sections measured on separate processes: cold start, chat memory, LLM first token.

Each runs the user's own command (``python -m chat ask``/``serve``) in a fresh interpreter, so
imports, model loads and the first build are all paid. Peak RSS is the child's own ``VmHWM``
(polled from /proc): its ``ru_maxrss`` from ``os.wait4`` starts at the *parent's* high-water
mark on Linux, so a child of a big bench process would report the bench's memory.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from .common import launch_app, proc_mb


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.update({"GRADIO_ANALYTICS_ENABLED": "False", "RAG_MODE": "embedded", **extra})
    return env


def _reap(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, float]:
    """Wait for ``proc`` (killing it after ``timeout`` s); its exit code and peak RSS in MB."""
    deadline, hwm = time.monotonic() + timeout, 0.0
    while True:
        hwm = max(hwm, proc_mb(proc.pid, "VmHWM") or 0.0)
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:  # ru_maxrss alone would do, but Linux copies the parent's high-water mark
            proc.returncode = os.waitstatus_to_exitcode(status)  # into it at fork: use VmHWM
            return proc.returncode, hwm or ru.ru_maxrss / 1024
        if time.monotonic() > deadline:
            proc.kill()
            deadline = time.monotonic() + 30
        time.sleep(0.02)


def run_measured(cmd: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run to completion: wall seconds, exit code, peak RSS (MB), stdout and stderr tail."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, stdin=subprocess.DEVNULL)
        code, rss = _reap(proc, timeout)
        secs = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        return {
            "seconds": secs,
            "exit": code,
            "peak_rss_mb": round(rss, 1),
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace")[-600:],
        }


def first_answer(corpus: Path, data: Path, question: str, timeout: float = 900,
                 **env: str) -> dict[str, Any]:  # fmt: skip
    """One ``python -m chat ask --json`` from ``data`` (empty: ingest + index build first)."""
    cmd = [sys.executable, "-m", "chat", "ask", "--data", str(data), "--corpus", str(corpus)]
    res = run_measured([*cmd, "--quiet", "--json", question], _env(**env), timeout=timeout)
    try:
        found = bool(json.loads(res["stdout"].strip().splitlines()[-1])["found"])
    except (ValueError, IndexError, KeyError):
        found = False
    if res["exit"] != 0:
        return {"error": f"exit {res['exit']}: {res['stderr'].strip()[-300:]}"}
    return {"seconds": round(res["seconds"], 2), "peak_rss_mb": res["peak_rss_mb"], "found": found}


def cold_start(corpus: Path, tmp: Path, runs: int, question: str) -> dict[str, Any]:
    """Empty data folder → first answered question, via ``python -m chat ask --json``."""
    rows = []
    for r in range(runs):
        row = first_answer(corpus, tmp / f"cold-{r}", question)
        if "error" in row:
            return row
        rows.append(row)
    return {
        "question": question,
        "runs": rows,
        "median_s": round(statistics.median(r["seconds"] for r in rows), 2),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in rows),
        "answered": all(r["found"] for r in rows),
    }


def end_to_end(corpus: Path, tmp: Path, question: str, backends: list[str]) -> dict[str, Any]:
    """A bigger corpus from an empty data folder to its first answer, once per embedder."""
    rows = {}
    for spec in backends:
        row = first_answer(corpus, tmp / f"e2e-{spec}", question, timeout=3600, RAG_EMBEDDER=spec)
        data = tmp / f"e2e-{spec}"
        try:  # the embedder the build really used (a fallback would show here)
            row["embedder"] = json.loads((data / "index/manifest.json").read_text())["embedder"]
            row["chunks"] = len(json.loads((data / "index/manifest.json").read_text())["ids"])
        except (OSError, ValueError, KeyError):
            pass
        rows[spec] = row
        shutil.rmtree(data, ignore_errors=True)
    return {"corpus": str(corpus), "question": question, "backends": rows}


def _ask(base: str, question: str) -> dict[str, Any]:
    """One call of the app's ``/ask`` endpoint over Gradio's plain HTTP API."""
    body = json.dumps({"data": [question, None, None]}).encode()  # question, history, filters
    req = urllib.request.Request(f"{base}/gradio_api/call/ask", body, {"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=120) as r:
        event = json.loads(r.read())["event_id"]
    with urllib.request.urlopen(f"{base}/gradio_api/call/ask/{event}", timeout=120) as r:
        lines = r.read().decode().splitlines()
    data = [ln[6:] for ln in lines if ln.startswith("data: ")]
    return json.loads(data[-1])[0] if data else {}


def serve_memory(data: Path, corpus: Path, questions: list[str]) -> dict[str, Any]:
    """Peak RSS of ``python -m chat serve`` (embedded mode) after answering ``questions``."""
    args = ["--data", str(data), "--corpus", str(corpus), "--quiet"]
    out: dict[str, Any] = {"questions": len(questions)}
    with tempfile.TemporaryDirectory(prefix="rag-serve-") as tmp:
        log = Path(tmp) / "app.log"
        t0 = time.perf_counter()
        try:
            with launch_app(args, log, env=_env()) as (base, pid):
                out["startup_s"] = round(time.perf_counter() - t0, 2)
                out["rss_after_start_mb"] = proc_mb(pid, "VmHWM")
                out["answered"] = sum(bool(_ask(base, q).get("answer")) for q in questions)
                out["vm_hwm_mb"] = proc_mb(pid, "VmHWM")
        except RuntimeError:
            tail = log.read_text(encoding="utf-8", errors="replace")[-300:]
            return {"error": f"chat serve did not come up: {tail}"}
    out["peak_rss_mb"] = round(out.get("vm_hwm_mb") or 0, 1)
    return out


def ttft(data: Path, corpus: Path, questions: list[str], size: str = "0.5b") -> dict[str, Any]:
    """Time to first token in LLM mode with the bundled local model, in a child process."""
    args = json.dumps({"data": str(data), "corpus": str(corpus), "q": questions, "size": size})
    code = f"from eval.bench.process import ttft_child; ttft_child({args!r})"
    env = _env(RAG_MODE="llm", RAG_LLM_MAX_TOKENS="16", RAG_LLM_TIMEOUT_S="300")
    res = run_measured([sys.executable, "-c", code], env, timeout=1200)
    try:
        out = json.loads(res["stdout"].strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": f"exit {res['exit']}: {res['stderr'].strip()[-300:]}"}
    out["peak_rss_mb_with_llm"] = res["peak_rss_mb"]
    return out


def ttft_child(args_json: str) -> None:
    """Runs inside the child: starts the local LLM via the engine, then streams each answer."""
    from chat.answer import get_engine
    from chat.settings import Settings
    from ingest import build_settings

    a = json.loads(args_json)
    settings = build_settings(
        Settings, data_dir=a["data"], corpus_dir=a["corpus"], local_llm=a["size"]
    )
    t0 = time.perf_counter()
    engine = get_engine(settings)
    out: dict[str, Any] = {"model": a["size"], "llm_start_s": round(time.perf_counter() - t0, 2)}
    if engine.llm is None or engine.llm.error:
        out["skipped"] = f"local LLM unavailable: {getattr(engine.llm, 'error', 'not configured')}"
        print(json.dumps(out, ensure_ascii=False))
        return
    wall, server, modes = [], [], []
    for q in a["q"]:
        first: list[float] = []
        start = time.perf_counter()
        ans = engine.answer(q, on_token=lambda _d, f=first: f or f.append(time.perf_counter()))
        modes.append(ans.mode)
        if ans.mode == "llm" or engine.llm.last.get("ttft_ms"):
            wall.append((first[0] - start) * 1000 if first else float("nan"))
            server.append(float(engine.llm.last.get("ttft_ms") or "nan"))
    from ..metrics import percentile

    good = [w for w in wall if w == w]
    out |= {
        "questions": len(a["q"]),
        "modes": modes,
        "ttft_p50_ms": percentile(good, 50),
        "ttft_p95_ms": percentile(good, 95),
        "server_ttft_p50_ms": percentile([s for s in server if s == s], 50),
    }
    print(json.dumps(out, ensure_ascii=False), flush=True)
