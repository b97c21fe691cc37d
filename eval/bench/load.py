"""``python -m eval.bench.load``: concurrent gradio_client sessions against the app's ``/ask``.

Starts ``python -m chat serve`` on a free 127.0.0.1 port (or attaches with ``--url``), warms it
up, then runs ``--sessions`` client processes, each asking its share of ``--questions`` gold
questions (answerable, unanswerable, follow-ups with history, English, malformed input) one
after another, so that many requests are in flight at once. The run is bounded by count and by
``--max-seconds``. It reports client-side latency (queueing included: what a user waits)
p50/p95/max, throughput, and the server's RSS once every session has had its first reply (the
real warm-up: all worker threads and their malloc arenas exist), every 100 replies and at the
end.

Exit 1 when a request is dropped or fails, a question is not asked in time, the same question
gets two different answers, more than ``--max-wrong`` of the replies are wrong by the eval's
metrics (the eval itself misses ~11% of the gold set in embedded mode), or RSS grows by more
than ``--max-rss-mb`` / ``--max-rss-pct``. Table on stderr, JSON on stdout (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import queue
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import launch_app, proc_mb
from .loadmix import Case, Tally, gold_cases, plan, report, table


def session(url: str, jobs: list[tuple[int, Case]], deadline: float, timeout: float, out: Any):
    """One client process: ask each question in turn; report every outcome on ``out``."""
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as e:
        for i, _ in jobs:
            out.put(("drop", i, 0.0, f"connect: {type(e).__name__}: {e}"[:300]))
        out.put(("done", -1, 0.0, None))
        return
    for i, case in jobs:
        if time.monotonic() > deadline:
            out.put(("unsent", i, 0.0, None))
            continue
        t0 = time.perf_counter()
        try:
            reply = client.submit(case.question, case.history, api_name="/ask").result(timeout)
            out.put(("ok", i, time.perf_counter() - t0, reply))
        except Exception as e:  # timeout, connection lost, server error: a dropped request
            out.put(("drop", i, time.perf_counter() - t0, f"{type(e).__name__}: {e}"[:300]))
    out.put(("done", -1, 0.0, None))


def run(a: argparse.Namespace, url: str, pid: int | None) -> dict[str, Any]:
    from gradio_client import Client  # imported once here; the forked sessions inherit it
    from tqdm import tqdm

    cases = gold_cases([Path(p) for p in a.gold] if a.gold else None)
    todo = plan(cases, a.questions, a.seed)
    warm = Client(url, verbose=False)
    for case in plan(cases, a.warmup, a.seed + 1):
        warm.predict(case.question, case.history, api_name="/ask")
    rss: list[tuple[int, float | None]] = []  # first sample once every session is busy
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    t0 = time.monotonic()
    deadline = t0 + a.max_seconds
    procs = [
        ctx.Process(
            target=session,
            args=(url, list(enumerate(todo))[w :: a.sessions], deadline, a.timeout, out),
            daemon=True,
        )
        for w in range(a.sessions)
    ]
    for p in procs:
        p.start()
    tally, lat, server_ms, drops, unsent, done = Tally(), [], [], [], 0, 0
    got: set[int] = set()
    hard_stop = deadline + a.timeout + 30
    bar = tqdm(total=len(todo), desc="load", unit="q", file=sys.stderr, disable=None)
    while done < len(procs) and time.monotonic() < hard_stop:
        try:
            kind, i, secs, payload = out.get(timeout=1)
        except queue.Empty:
            if not any(p.is_alive() for p in procs):
                break
            continue
        if kind == "done":
            done += 1
            continue
        got.add(i)
        bar.update(1)
        if kind == "unsent":
            unsent += 1
        elif kind == "drop":
            drops.append(f"{todo[i].id}: {payload}")
        else:
            lat.append(secs)
            tally.add(todo[i], payload)
            if isinstance(payload, dict) and "timing_ms" in payload:
                server_ms.append(float(payload["timing_ms"].get("total", 0)) / 1000)
            if len(lat) == min(a.sessions, a.questions) or len(lat) % 100 == 0:
                rss.append((len(lat), proc_mb(pid)))
    elapsed = time.monotonic() - t0
    bar.close()
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
    drops += [
        f"{todo[i].id}: no reply (client process lost)" for i in range(len(todo)) if i not in got
    ]
    rss += [(len(lat), proc_mb(pid))] * (2 if not rss else 1)
    return report(a, url, tally, lat, server_ms, drops, unsent, elapsed, rss)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m eval.bench.load", description=__doc__.split("\n")[0]
    )
    p.add_argument("--url", help="attach to a running app instead of starting one")
    p.add_argument("--pid", type=int, help="the attached app's process id, for RSS samples")
    p.add_argument("--data", help="data folder of the app to start (RAG_DATA_DIR)")
    p.add_argument("--corpus", help="corpus folder of the app to start (RAG_CORPUS_DIR)")
    p.add_argument("--sessions", type=int, default=20, help="concurrent client processes")
    p.add_argument("--questions", type=int, default=1000, help="questions in total")
    p.add_argument("--max-seconds", type=float, default=900, help="stop asking after this")
    p.add_argument("--timeout", type=float, default=120, help="per request, queueing included")
    p.add_argument("--warmup", type=int, default=10, help="questions before measuring")
    # The embedded reader answers 32% of the seeds gold wrongly or not at all (eval run: facts
    # 0.646, refusal 0.900); load must not add errors on top, so the bound sits above that.
    p.add_argument("--max-wrong", type=float, default=0.40, help="allowed share of wrong replies")
    p.add_argument("--max-rss-mb", type=float, default=100, help="allowed RSS growth, MB")
    p.add_argument("--max-rss-pct", type=float, default=15, help="allowed RSS growth, percent")
    p.add_argument("--gold", action="append", help="gold file(s) (default eval/gold/*.jsonl)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="write the JSON report here instead of stdout")
    return p


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)
    if a.sessions < 1 or a.questions < 1 or a.max_seconds <= 0:
        print("error: --sessions, --questions and --max-seconds must be positive", file=sys.stderr)
        return 2
    try:
        if a.url:
            r = run(a, a.url.rstrip("/"), a.pid)
        else:
            args = [
                *(["--data", a.data] if a.data else []),
                *(["--corpus", a.corpus] if a.corpus else []),
            ]
            log = Path(tempfile.mkstemp(prefix="loadtest-app-", suffix=".log")[1])
            print(f"starting the app (log: {log})…", file=sys.stderr)
            with launch_app(args, log) as (url, pid):
                r = run(a, url, pid)
    except Exception as e:  # the app would not start, a bad gold file, a dead --url…
        print(f"error: {type(e).__name__}: {' '.join(str(e).split())[:300]}", file=sys.stderr)
        return 2
    print(table(r), file=sys.stderr)
    text = json.dumps(r, ensure_ascii=False, indent=2)
    if a.out:
        Path(a.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0 if r["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
