"""The ``python -m chat`` contract, run as a subprocess against a real index of the seeds.

The index is built once per session into a shared temp folder (embedding the seeds is the slow
part); the first test builds it through the CLI itself, which is also the auto-build check.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_data_dir

from ingest import squash

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
REQUIRED = {
    "question",
    "answer",
    "short_answer",
    "found",
    "verified",
    "mode",
    "rewritten_query",
    "citations",
    "timing_ms",
}
CITATION_KEYS = {
    "n",
    "source",
    "title",
    "byline",
    "date",
    "outlet",
    "copies",
    "quote",
    "start",
    "end",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
BEIJING = "北京计划到2027年信息软件业营收达到多少？"
ABSENT = "上海2027年软件业营收目标是多少？"
ENGLISH = "What is the scale target of Jiangsu's robot industry chain for 2025?"
REFUSAL = "资料中未找到相关信息"


def run_chat(
    *args: str, data: Path, stdin: str | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "PYTHONIOENCODING": "utf-8"}
    cmd = [sys.executable, "-m", "chat", *args, "--data", str(data), "--corpus", str(SEEDS)]
    proc = subprocess.run(
        cmd,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    )
    return proc


def raw_text(source: str) -> str:
    return (SEEDS / source).read_bytes().decode("utf-8")


def chunk_texts(data: Path) -> dict[str, str]:
    out = {}
    for line in (data / "chunks.jsonl").read_text(encoding="utf-8").splitlines():
        c = json.loads(line)
        out[c["id"]] = c["text"]
    return out


def assert_traceable(cite: dict[str, Any]) -> None:
    raw = raw_text(cite["source"])
    assert 0 <= cite["start"] < cite["end"] <= len(raw)
    assert squash(raw[cite["start"] : cite["end"]]) == squash(cite["quote"]), cite


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_data_dir(tmp_path_factory)  # first user of the folder builds it via the CLI


@pytest.fixture(scope="module")
def built(data_dir: Path, built_data: Path) -> Path:
    return built_data


def test_ask_builds_missing_index_and_prints_answer_with_sources(
    data_dir: Path, tmp_path: Path
) -> None:
    """Plain ``ask`` on a data folder without an index: builds it, then answers with sources."""
    from chat.settings import Settings
    from index import read_manifest

    target = data_dir
    if read_manifest(Settings(corpus_dir=SEEDS, data_dir=data_dir)) is not None:
        # another module built the shared index first: drop the manifest of a copy instead
        target = tmp_path / "data"
        shutil.copytree(data_dir, target)
        (target / "index" / "manifest.json").unlink()
    proc = run_chat("ask", BEIJING, data=target, timeout=600)
    assert "building the index" in proc.stderr
    assert "DEBUG" not in proc.stderr, proc.stderr[-800:]  # libraries' debug logs stay quiet
    assert (target / "index" / "manifest.json").exists()
    out = proc.stdout
    assert not out.lstrip().startswith("{")  # plain text, not JSON
    assert "4.8万亿元" in out and "[1]" in out
    assert "来源：" in out
    assert re.search(r"^\[1\] 《.+》.*\.txt 第\d+–\d+字符$", out, re.M), out
    assert re.search(r"^    “.+”$", out, re.M), out


def test_ask_json_contract(built: Path) -> None:
    proc = run_chat("ask", BEIJING, "--json", data=built)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stdout
    ans = json.loads(lines[0])
    assert ans.keys() >= REQUIRED
    assert ans.keys() - REQUIRED <= {"related", "notice"}
    assert ans["question"] == BEIJING
    assert isinstance(ans["found"], bool) and ans["found"] is True
    assert isinstance(ans["verified"], bool)
    assert ans["mode"] == "embedded"  # no endpoint and no local model: auto never calls one
    assert isinstance(ans["rewritten_query"], str) and ans["rewritten_query"]
    assert isinstance(ans["timing_ms"], dict) and "total" in ans["timing_ms"]
    assert "4.8万亿元" in ans["answer"] and "[1]" in ans["answer"]
    assert ans["short_answer"] == "4.8万亿元"
    assert len(ans["answer"]) <= 80, ans["answer"]  # the answering clause, not paragraphs
    assert ans["citations"], ans
    chunks = chunk_texts(built)
    for c in ans["citations"]:
        assert c.keys() >= CITATION_KEYS
        assert c.keys() - CITATION_KEYS <= {"chunk_id"}
        assert isinstance(c["n"], int) and isinstance(c["start"], int)
        assert f"[{c['n']}]" in ans["answer"]
        assert c["title"] and c["source"].endswith(".txt")
        assert_traceable(c)
        # a sentence or clause, not the whole chunk
        chunk = chunks[c["chunk_id"]]
        assert len(squash(c["quote"])) < len(squash(chunk))
        assert squash(c["quote"]) in squash(chunk)
    assert any("4.8万亿元" in c["quote"] for c in ans["citations"])


@pytest.fixture(scope="module")
def batch(built: Path) -> list[dict[str, Any]]:
    """Four stdin questions (one empty) answered by one process."""
    questions = [BEIJING, "", ABSENT, ENGLISH]
    proc = run_chat("ask", data=built, stdin="\n".join(questions) + "\n", timeout=300)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == len(questions), proc.stdout
    out = [json.loads(ln) for ln in lines]
    assert [o["question"] for o in out] == questions
    return out


def test_stdin_batch_one_json_line_per_question_in_order(batch: list[dict[str, Any]]) -> None:
    beijing, empty, _, _ = batch
    assert beijing["found"] is True and "4.8万亿元" in beijing["answer"]
    assert empty["found"] is False and empty["citations"] == []
    assert all(o.keys() >= REQUIRED for o in batch)


def test_absent_fact_is_refused_with_related_passages(batch: list[dict[str, Any]]) -> None:
    ans = batch[2]
    assert ans["found"] is False
    assert REFUSAL in ans["answer"]
    assert ans["short_answer"] == ""
    assert ans["citations"] == []
    assert ans["related"], ans
    for c in ans["related"]:
        assert_traceable(c)


@pytest.mark.xfail(
    strict=True,
    reason="the reader (issue 13) picks the announcing sentence for this English question, not the 2000亿元 target; a known regression, strict so a fix shows",
)
def test_english_question_gets_chinese_quotes(batch: list[dict[str, Any]]) -> None:
    ans = batch[3]
    assert ans["found"] is True, ans
    assert ans["citations"]
    assert all(CJK.search(c["quote"]) for c in ans["citations"])
    assert any("2000" in c["quote"] for c in ans["citations"])
    assert "2000" in ans["answer"]
    for c in ans["citations"]:
        assert_traceable(c)


@pytest.mark.parametrize("fmt", ["md", "json", "csv"])
def test_quotes_formats_carry_citation_lines(built: Path, fmt: str) -> None:
    proc = run_chat("quotes", "北京信息软件业营收规模", "--format", fmt, "-k", "3", data=built)
    out = proc.stdout.strip()
    if fmt == "json":
        rows = json.loads(out)
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert list(rows[0]) == ["n", "quote", "title", "byline", "source", "start", "end"]
        rows = [{**r, "start": int(r["start"]), "end": int(r["end"])} for r in rows]
    else:
        items = re.findall(
            r"^(\d+)\. “(.+)”\n   ——《(.+?)》.*（(\S+\.txt)，第(\d+)–(\d+)字符）$", out, re.M
        )
        assert items, out
        rows = [
            {"n": int(n), "quote": q, "title": t, "source": s, "start": int(a), "end": int(b)}
            for n, q, t, s, a, b in items
        ]
    assert 1 <= len(rows) <= 3
    assert [int(r["n"]) for r in rows] == list(range(1, len(rows) + 1))
    assert any("4.8万亿元" in r["quote"] for r in rows), out
    for r in rows:
        assert r["title"] and r["source"].endswith(".txt")
        assert_traceable(r)


def test_followup_is_rewritten_with_the_new_place(built: Path) -> None:
    from chat.answer import get_engine
    from chat.settings import Settings

    engine = get_engine(Settings(corpus_dir=SEEDS, data_dir=built))
    history = [
        {"role": "user", "content": "北京2027年信息软件业营收目标是多少？"},
        {"role": "assistant", "content": "…"},
    ]
    ans = engine.answer("那江苏呢？", history=history)
    assert "江苏" in ans.rewritten_query
    assert "北京" not in ans.rewritten_query


def test_verify_drops_the_unsupported_number() -> None:
    from chat.verify import verify

    passages = {1: "计划到2027年，推动北京信息软件业营收规模达到4.8万亿元"}
    text, verdicts = verify("北京计划到2027年达到4.8万亿元[1]。上海达到9.9万亿元[1]。", passages)
    assert "4.8万亿元" in text
    assert "9.9" not in text and "上海" not in text
    assert [v.supported for v in verdicts] == [True, False]
