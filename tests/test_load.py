"""The load test in its bounded CI form, against a real app on the session's index.

``python -m eval.bench.load`` starts ``python -m chat serve``, runs 20 gradio_client sessions in
separate processes asking 200 mixed gold questions through ``/ask`` and checks every reply with
the eval's metrics. The full form (1,000 questions, the defaults) is run by hand; see README.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def test_20_sessions_200_questions_none_dropped_all_correct(built_data: Path, tmp_path: Path):
    out = tmp_path / "load.json"
    cmd = [sys.executable, "-m", "eval.bench.load", "--data", str(built_data), "--corpus"]
    cmd += [str(SEEDS), "--sessions", "20", "--questions", "200", "--max-seconds", "400"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["HF_HUB_OFFLINE"] = "1"
    r = subprocess.run(
        [*cmd, "--out", str(out)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=900
    )
    print(r.stderr[-2500:])  # the table, shown with -s or on failure
    assert r.returncode == 0, r.stderr[-2500:]
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert rep["ok"] and rep["failures"] == []
    assert (rep["answered"], rep["dropped"], rep["unsent"], rep["error_replies"]) == (200, 0, 0, 0)
    assert rep["inconsistent_questions"] == 0
    assert rep["wrong_rate"] <= rep["max_wrong"]
    assert set(rep["by_kind"]) == {"answerable", "unanswerable", "followup", "english", "bad"}
    lat = rep["latency_ms"]
    assert 0 < lat["p50"] <= lat["p95"] <= lat["max"]
    samples = rep["rss_mb"]["samples"]  # after warm-up, at 100 and 200 replies, at the end
    assert [n for n, _ in samples] == [20, 100, 200, 200]
    assert all(mb and mb > 50 for _, mb in samples)
    assert rep["rss_growth_mb"] is not None and rep["throughput_qps"] > 0


def test_replies_are_judged_by_the_eval_metrics() -> None:
    from eval.bench.loadmix import Case, Tally, gold_cases, judge, plan

    cases = gold_cases()
    assert {c.kind for c in plan(cases, 300)} == {
        "answerable",
        "unanswerable",
        "followup",
        "english",
        "bad",
    }
    q = Case("x", "answerable", "问", facts=[["4.8万亿元", "4.8万亿"]], answerable=True)
    assert judge(q, {"answer": "达到4.8万亿元[1]。", "found": True}) is None
    assert judge(q, {"answer": "达到4.9万亿元[1]。", "found": True}) == "fact missing"
    assert judge(q, {"answer": "4.8万亿元", "found": False}) == "fact missing"
    assert (judge(q, {"question": "问", "error": "Chroma down"}) or "").startswith("error")
    no = Case("y", "unanswerable", "问", answerable=False)
    assert judge(no, {"answer": "资料中未找到相关信息。", "found": False}) is None
    assert judge(no, {"answer": "100个[1]。", "found": True}) is not None
    empty = Case("bad-empty", "bad", "")
    assert judge(empty, {"answer": "请输入一个问题。", "found": False}) is None
    tally = Tally()
    tally.add(q, {"answer": "达到4.8万亿元[1]。", "found": True})
    tally.add(q, {"answer": "约4.8万亿元[1]。", "found": True})
    assert tally.inconsistent == 1 and tally.by_kind() == {"answerable": {"right": 2, "wrong": 0}}


def test_unreachable_app_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    from eval.bench.common import free_port
    from eval.bench.load import main

    url = f"http://127.0.0.1:{free_port()}"
    assert main(["--url", url, "--questions", "3", "--sessions", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert main(["--url", url, "--sessions", "0"]) == 2
