"""Faults at the two network boundaries, with the real Chroma server and a fake LLM endpoint.

A `chroma run` server that stops mid-session must give a clear one-line error (engine, CLI and
the running app's ``/ask``) and be used again as soon as it is back, without restarting
anything; a hung one must not block answers forever. An LLM endpoint that is down, slower than
``RAG_LLM_TIMEOUT_S`` or returns garbage must give the embedded answer with a notice while the
app keeps serving. The fake LLM is the only fake (tests/fake_llm.py, an HTTP boundary).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from conftest import _free_port, _heartbeat
from fake_llm import Fake, serve_fake

from chat.settings import Settings

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
BEIJING = "北京计划到2027年信息软件业营收达到多少？"
JIANGSU = "江苏机器人产业链规模到2025年达到多少？"
UNANSWERABLE = "上海计划到2030年建成多少个5G基站？"


class ChromaServer:
    """A `chroma run` process that a test can stop, restart (same port, same data) or pause."""

    def __init__(self, path: Path) -> None:
        exe = Path(sys.executable).with_name("chroma")
        if not exe.exists():
            pytest.skip("the `chroma` CLI is not installed next to the Python interpreter")
        self.exe, self.path, self.port = exe, path, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.path.parent / f"{self.path.name}.log").open("ab")
        cmd = [str(self.exe), "run", "--path", str(self.path), "--host", "127.0.0.1"]
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
        self.proc = subprocess.Popen(
            [*cmd, "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT, env=env
        )
        log.close()
        deadline = time.monotonic() + 60
        while not _heartbeat(self.url):
            assert self.proc.poll() is None, f"`chroma run` exited; see {log.name}"
            assert time.monotonic() < deadline, "`chroma run` did not answer in 60 s"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # in case a test left it paused
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path_factory.mktemp("faults-chroma"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def running(chroma: ChromaServer) -> ChromaServer:
    """The server, started again if a previous test left it stopped."""
    if chroma.proc is None:
        chroma.start()
    return chroma


@pytest.fixture(scope="module")
def settings(built_data: Path, chroma: ChromaServer, tmp_path_factory: pytest.TempPathFactory):
    """The seeds index on the server: vectors copied from the session index, then `build`
    commits it (finding every vector present, it embeds nothing)."""
    from index import build, read_manifest
    from index.store import get_collection

    src = Settings(corpus_dir=SEEDS, data_dir=built_data)
    m = read_manifest(src)
    assert m is not None
    data = tmp_path_factory.mktemp("faults-data")
    for f in built_data.glob("*.jsonl"):
        shutil.copyfile(f, data / f.name)
    s = Settings(corpus_dir=SEEDS, data_dir=data, chroma_url=chroma.url, mode="embedded")
    got = get_collection(src, name=m.collection).get(
        ids=m.ids, include=["embeddings", "metadatas", "documents"]
    )
    get_collection(s, create=True, name=m.collection).add(
        ids=got["ids"],
        embeddings=got["embeddings"],
        metadatas=got["metadatas"],
        documents=got["documents"],
    )
    assert build(s, progress=False).embedded == 0
    return s


def _one_line_unreachable(msg: str, url: str) -> None:
    assert "\n" not in msg and len(msg) < 400, msg
    assert f"Chroma server at {url} is unreachable" in msg and "chroma run" in msg, msg


def test_engine_reports_a_stopped_server_and_recovers(settings: Settings, running: Any) -> None:
    from chat.answer import Engine
    from index import StoreError

    engine = Engine(settings)
    assert "4.8万亿元" in engine.answer(BEIJING).answer
    running.stop()
    for q in (JIANGSU, BEIJING):  # every question while it is down: the same clear error
        with pytest.raises(StoreError) as e:
            engine.answer(q)
        _one_line_unreachable(str(e.value), running.url)
    running.start()
    ans = engine.answer(JIANGSU)  # the same engine, no restart
    assert ans.found and "2000亿元" in ans.answer.replace(" ", ""), ans.answer
    assert "4.8万亿元" in engine.answer(BEIJING).answer


def test_hung_server_times_out_instead_of_blocking(
    settings: Settings, running: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from index import Searcher, StoreError, store

    monkeypatch.setattr(store, "HTTP_TIMEOUT_S", 1.5)
    searcher = Searcher(settings)
    assert searcher.dense(BEIJING, 3)
    running.signal(signal.SIGSTOP)  # alive but silent: connections hang
    pool = ThreadPoolExecutor(1)
    try:
        with pytest.raises(StoreError) as e:  # 60 s: a hang guard, not a speed target
            pool.submit(searcher.dense, BEIJING, 3).result(timeout=60)
        _one_line_unreachable(str(e.value), running.url)
    finally:
        running.signal(signal.SIGCONT)
        pool.shutdown(wait=False)
    assert [h.chunk.id for h in searcher.dense(BEIJING, 3)]


def test_server_restarted_without_our_data_says_rebuild(
    settings: Settings, running: Any, tmp_path: Path
) -> None:
    from index import IndexUnavailableError, Searcher

    searcher = Searcher(settings)
    assert searcher.dense(BEIJING, 3)
    running.stop()
    kept, running.path = running.path, tmp_path / "empty-chroma"
    try:
        running.start()
        with pytest.raises(
            IndexUnavailableError, match=r"missing at .*run `python -m index build`"
        ):
            searcher.dense(BEIJING, 3)
    finally:
        running.stop()
        running.path = kept
    running.start()
    assert searcher.dense(BEIJING, 3)


def test_cli_with_the_server_down_exits_2_with_one_line(settings: Settings, running: Any) -> None:
    running.stop()
    cmd = [sys.executable, "-m", "chat", "ask", BEIJING, "--json", "--data"]
    cmd += [str(settings.data_dir), "--corpus", str(SEEDS), "--chroma-url", running.url]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert lines[-1].startswith("error: "), r.stderr
    _one_line_unreachable(lines[-1], running.url)


# --- the running app: python -m chat serve, asked through /ask --------------------------------


@pytest.fixture(scope="module")
def app(settings: Settings, chroma: ChromaServer, tmp_path_factory: pytest.TempPathFactory):
    """The app in LLM mode against the fake endpoint and the Chroma server; yields
    (client, fake, stop_fake)."""
    from gradio_client import Client

    from eval.bench.common import launch_app

    with ExitStack() as stack:
        fake_cm = serve_fake(Fake())
        fake, base_url = fake_cm.__enter__()
        stack.callback(fake_cm.__exit__, None, None, None)
        if chroma.proc is None:
            chroma.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
        env |= {
            "RAG_MODE": "llm",
            "RAG_LLM_BASE_URL": base_url,
            "RAG_LLM_MODEL": "fake",
            "RAG_LLM_API_KEY": "sk-test-key",
            "RAG_LLM_TIMEOUT_S": "1",  # the fake sleeps 3 s when "slow"
            "RAG_CHROMA_URL": chroma.url,
            "HF_HUB_OFFLINE": "1",
        }
        args = ["--data", str(settings.data_dir), "--corpus", str(SEEDS)]
        log = tmp_path_factory.mktemp("faults-app") / "app.log"
        url, _ = stack.enter_context(launch_app(args, log, env))
        stopped: list[bool] = []

        def stop_fake() -> None:
            if not stopped:
                stopped.append(True)
                fake_cm.__exit__(None, None, None)

        stack.callback(stop_fake)
        yield Client(url, verbose=False), fake, stop_fake


def _ask(client: Any, q: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
    reply = client.predict(q, history or [], api_name="/ask")
    assert isinstance(reply, dict), reply
    return reply


def test_app_reports_a_stopped_chroma_server_and_recovers(app: Any, chroma: Any) -> None:
    client, fake, _ = app
    fake.reset()
    assert "4.8" in _ask(client, BEIJING)["answer"]
    chroma.stop()
    try:
        for q in (JIANGSU, BEIJING):
            reply = _ask(client, q)
            assert "answer" not in reply, reply
            _one_line_unreachable(reply["error"], chroma.url)
    finally:
        chroma.start()
    reply = _ask(client, JIANGSU)
    assert reply["found"] and reply["mode"] == "llm" and "error" not in reply, reply


def test_app_falls_back_when_the_llm_is_broken_slow_or_down(app: Any) -> None:
    client, fake, stop_fake = app
    fake.reset()
    good = _ask(client, BEIJING)
    assert (good["mode"], good["notice"]) == ("llm", None) and "4.8" in good["answer"], good
    for behaviour, why in (("garbage", ""), ("slow", "超时")):
        fake.behaviour = behaviour
        reply = _ask(client, BEIJING)
        assert reply["mode"] == "llm→embedded" and "4.8" in reply["answer"], reply
        assert reply["notice"] and why in reply["notice"] and "\n" not in reply["notice"]
        assert reply["citations"] and "sk-test-key" not in json.dumps(reply)
    fake.behaviour = "good"
    assert _ask(client, JIANGSU)["mode"] == "llm"  # the endpoint is used again at once
    stop_fake()  # endpoint down: connection refused
    for q in (BEIJING, JIANGSU):
        reply = _ask(client, q)
        assert reply["mode"] == "llm→embedded" and reply["found"], reply
        assert reply["notice"] and "无法连接" in reply["notice"]
    refused = _ask(client, UNANSWERABLE)  # still serving, and still refusing what is not there
    assert not refused["found"] and "error" not in refused
