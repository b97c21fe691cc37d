"""Eval stage: the gold set itself, each metric on hand-made input, and `python -m eval run`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from eval import metrics as m
from eval.gate import THRESHOLDS, Threshold, gate, load_thresholds
from eval.gold import GoldError, load_gold
from ingest import squash
from ingest.reader import decode

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CJK = re.compile(r"[\u4e00-\u9fff]")
GAZ = {"北京": "Beijing", "江苏": "Jiangsu", "上海": "Shanghai"}


# --- (a) the gold set ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gold():
    return load_gold()


@pytest.fixture(scope="module")
def seed_text() -> dict[str, str]:
    return {p.name: squash(decode(p.read_bytes())[0]) for p in SEEDS.iterdir() if p.is_file()}


def test_gold_size_and_coverage(gold, seed_text):
    assert len(gold) >= 120
    assert {e.source for it in gold for e in it.evidence} == set(seed_text)
    assert sum(not CJK.search(it.question) for it in gold) >= 10, "English questions"
    assert sum(bool(it.history) for it in gold) >= 10, "follow-ups with history"
    assert sum(not it.answerable for it in gold) >= 20, "unanswerable questions"


def test_every_evidence_quote_is_in_its_source(gold, seed_text):
    missing = [
        (it.id, e.source, e.quote)
        for it in gold
        for e in it.evidence
        if squash(e.quote) not in seed_text.get(e.source, "")
    ]
    assert not missing


def test_facts_of_answerable_items_occur_in_their_evidence(gold):
    bad = []
    for it in (it for it in gold if it.answerable):
        evidence = "".join(e.quote for e in it.evidence)
        bad += [(it.id, g) for g in it.facts if not m.facts_present(evidence, [g])]
    assert not bad


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("{not json", "invalid JSON"),
        ('{"id": "x", "question": "q", "answer": "a", "facts": [], "evidence": []}', "answerable"),
        (
            '{"id": "x", "question": "q", "answer": "a", "answerable": true, "facts": [["1"]],'
            ' "evidence": []}',
            "at least one",
        ),
        (
            '{"id": "x", "question": "q", "answer": "", "answerable": false, "facts": [],'
            ' "evidence": [], "history": [{"role": "bot", "content": "hi"}]}',
            "history",
        ),
    ],
)
def test_bad_gold_line_names_file_and_line(tmp_path, line, why):
    good = '{"id": "ok", "question": "q", "answer": "", "answerable": false}'
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{good}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(GoldError, match=rf"bad\.jsonl:3: .*{why}"):
        load_gold([path])


def test_bad_gold_exits_2_with_one_line(tmp_path, capsys):
    from eval.__main__ import main

    path = tmp_path / "g.jsonl"
    path.write_text('{"id": "a", "question": "q", "answer": "", "answerable": false}\n' * 2)
    assert main(["run", "--gold", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "g.jsonl:2: duplicate id 'a'" in err


# --- (b) metric functions ---------------------------------------------------------------------


def test_bigrams_ignore_whitespace_punctuation_and_case():
    assert m.bigrams("北京 市，5G") == {"北京", "京市", "市5", "5g"}
    assert m.bigrams("京") == {"京"} and m.bigrams("，。") == set()
    assert m.bigram_overlap("北京市", "在北京") == 0.5
    assert m.bigram_overlap("", "x") == 0.0


def test_contains_quote_verbatim_or_across_a_chunk_boundary():
    assert m.contains_quote("今年\n开建的202个 项目", "开建的202个项目")
    quote = "一二三四五六七八九十"  # 9 bigrams; a chunk holding 7 of them (78%) counts
    assert m.contains_quote("……一二三四五六七八", quote)
    assert not m.contains_quote("……一二三四五", quote)  # 4 of 9 bigrams
    assert not m.contains_quote("anything", "")


def test_retrieval_metrics():
    passages = ["无关", "另一段", "这里有增加值2379.2亿元的说法", "同比"]
    quotes = ["增加值2379.2亿元", "同比增长13.7%"]
    assert m.relevant_ranks(passages, quotes) == [3]
    assert (m.hit_at_k(passages, quotes, 1), m.hit_at_k(passages, quotes, 3)) == (0.0, 1.0)
    assert m.reciprocal_rank(passages, quotes) == pytest.approx(1 / 3)
    assert m.reciprocal_rank(["无关"], quotes) == 0.0
    assert m.evidence_recall(passages, quotes) == 0.5
    assert m.evidence_recall(passages, []) == 0.0


def test_correctness_metrics():
    facts = [["2379.2亿元", "2379.2亿"], ["13.7%"]]
    answer = "实现增加值2379.2亿，同比增长 13.7 %[1]"
    assert m.facts_present(answer, facts)
    assert m.fact_correct(answer, True, facts)
    assert not m.fact_correct(answer, False, facts)  # a refusal is never correct
    assert not m.fact_correct("增加值2379.2亿元", True, facts)  # every group is needed
    assert m.facts_present("5G base stations", [["5g"]])
    assert m.refusal_correct(False) and not m.refusal_correct(True)
    assert m.false_refusal(False) and not m.false_refusal(True)


def test_faithfulness_excludes_refusals():
    assert m.faithfulness([True, True, False, True]) == 0.75
    assert m.faithfulness([]) is None


class Cite:
    def __init__(self, source: str, quote: str, start: int, end: int) -> None:
        self.source, self.quote, self.start, self.end = source, quote, start, end


def test_locate_and_citation_validity():
    raw = "标题\n\n北京 市今年\n开建202个项目。"
    start, end = m.locate("北京市今年开建", raw) or (0, 0)
    assert raw[start:end] == "北京 市今年\n开建"
    assert m.locate("上海", raw) is None
    assert m.citation_valid(Cite("a", "北京市今年开建", start, end), raw)
    assert not m.citation_valid(Cite("a", "北京市今年开建", start + 1, end), raw)
    assert not m.citation_valid(Cite("a", "x", 0, 999), raw)
    assert not m.citation_valid(Cite("a", "北京", 4, 6), None)


def test_evidence_cited_by_offsets_or_bigrams():
    gold_quote, span = "开建202个项目总投资超千亿元", (100, 115)
    assert m.evidence_cited("a", gold_quote, span, [Cite("a", "别的", 110, 130)])
    assert not m.evidence_cited("b", gold_quote, span, [Cite("a", "别的", 110, 130)])
    assert m.evidence_cited(
        "a", gold_quote, None, [Cite("a", "今年开建202个项目总投资超千亿元。", 0, 9)]
    )
    assert not m.evidence_cited("a", gold_quote, span, [Cite("a", "无关的句子", 0, 9)])


def test_aggregates():
    assert m.rate([True, False, True, True]) == 0.75
    assert m.rate([]) is None
    values = [float(v) for v in range(1, 101)]
    assert (m.percentile(values, 50), m.percentile(values, 95)) == (50.0, 95.0)
    assert m.percentile([7.0], 95) == 7.0 and m.percentile([], 50) is None


def test_offline_judge():
    from eval.judge import COVERAGE, offline_judge

    quotes = {
        1: "北京信息软件业实现增加值2379.2亿元，同比增长13.7%。",
        2: "江苏机器人产业链规模达2000亿元。",
    }
    assert offline_judge("北京信息软件业实现增加值2379.2亿元。[1]", quotes, GAZ).supported
    wrong = offline_judge("北京信息软件业实现增加值2379.3亿元。[1]", quotes, GAZ)
    assert not wrong.supported and "2379.3" in wrong.reason
    place = offline_judge("上海信息软件业实现增加值2379.2亿元。[1]", quotes, GAZ)
    assert not place.supported and "上海" in place.reason
    title = offline_judge("《行动方案》提出增加值2379.2亿元。[1]", quotes, GAZ)
    assert not title.supported and "行动方案" in title.reason
    vague = offline_judge("这项政策为城市带来了很多新的发展机遇。[1]", quotes, GAZ)
    assert not vague.supported and str(COVERAGE) in vague.reason
    assert not offline_judge("北京信息软件业实现增加值。", quotes, GAZ).supported  # no [n]
    assert not offline_judge("北京信息软件业实现增加值。[3]", quotes, GAZ).supported


def test_citation_precision_and_claims():
    from eval.judge import agreement, answer_claims, citation_supports, parse_verdicts

    quotes = {1: "北京信息软件业实现增加值2379.2亿元，", 2: "同比增长13.7%。", 3: "无关的一句话。"}
    claim = "北京信息软件业实现增加值2379.2亿元，[1]同比增长13.7%。[2][3]"
    assert citation_supports(claim, 1, quotes, GAZ)  # supports the part it is attached to
    assert citation_supports(claim, 2, quotes, GAZ)
    assert not citation_supports(claim, 3, quotes, GAZ)
    assert not citation_supports(claim, 9, quotes, GAZ)
    preface = "The sources are in Chinese; the passages that answer the question:\n"
    assert answer_claims(preface + "甲。[1]乙。[2]") == ["甲。[1]", "乙。[2]"]
    assert agreement([True, False, True], [True, True, None]) == 0.5
    assert agreement([True], [None]) is None
    reply = '好的：[{"statement": "a", "verdict": 1}, {"statement": "b", "verdict": "0"}]'
    assert parse_verdicts(reply, 3) == [True, False, None]
    assert parse_verdicts('[{"id": 2, "verdict": 0}, {"id": 1, "verdict": 1}]', 2) == [True, False]
    truncated = '```json\n[{"id": 1, "reason": "一致", "verdict": 0}, {"id": 2, "reason": "数'
    assert parse_verdicts(truncated, 2) == [False, None]
    assert parse_verdicts("not json", 2) == [None, None]


def test_gate_and_shipped_thresholds(tmp_path):
    shipped = {(t.metric, t.bound): t.value for t in load_thresholds()}
    assert shipped == {
        ("hit_at_5", "min"): 0.95,
        ("fact_accuracy", "min"): 0.68,  # floors at the measured level; targets 0.93
        ("refusal_accuracy", "min"): 0.88,
        ("faithfulness", "min"): 0.95,
        ("citation_validity", "min"): 1.0,
        ("false_refusal_rate", "max"): 0.19,
    }
    assert load_thresholds(THRESHOLDS) == load_thresholds()  # the default is the shipped file
    ts = [Threshold("hit_at_5", "min", 0.95), Threshold("false_refusal_rate", "max", 0.05)]
    assert gate({"hit_at_5": 0.96, "false_refusal_rate": 0.05}, ts) == []
    failed = gate({"hit_at_5": 0.9, "false_refusal_rate": 0.1}, ts)
    assert len(failed) == 2 and failed[0].startswith("hit_at_5 = 0.900")
    assert gate({"hit_at_5": None, "false_refusal_rate": 0.0}, ts) == []  # not measurable
    assert "unknown metric" in gate({}, ts[:1])[0]
    bad = tmp_path / "t.toml"
    bad.write_text("[at_least]\nhit_at_5 = 1\n")
    with pytest.raises(ValueError, match="unknown table"):
        load_thresholds(bad)


def test_nothing_imports_eval():
    pattern = re.compile(r"^\s*(?:from\s+eval[\s.]|import\s+eval\b)", re.M)
    for pkg in ("ingest", "index", "chat"):
        for path in (ROOT / pkg).rglob("*.py"):
            assert not pattern.search(path.read_text(encoding="utf-8")), path


# --- (c) end to end ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(built_data: Path) -> Path:
    return built_data


def run_eval(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "PYTHONIOENCODING": "utf-8"}
    cmd = [sys.executable, "-m", "eval", "run", *args, "--data", str(data), "--corpus", str(SEEDS)]
    return subprocess.run(
        cmd, capture_output=True, text=True, encoding="utf-8", env=env, cwd=ROOT, timeout=900
    )


def test_eval_run_writes_reports(built: Path, tmp_path: Path):
    out = tmp_path / "out"
    proc = run_eval("--limit", "12", "--no-gate", "--out", str(out), "--quiet", data=built)
    assert proc.returncode == 0, proc.stderr
    for name in ("report.md", "report.json", "chart.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    summary = report["summary"]
    assert summary["items"] == 12 and len(report["items"]["hybrid"]) == 12
    rates = [k for k in summary if k not in ("items", "answerable", "unanswerable")]
    for key in rates:
        v = summary[key]
        if isinstance(v, float) and not key.endswith(("_ms", "_chars")):  # rates, not sizes
            assert 0.0 <= v <= 1.0, (key, v)
    assert summary["median_answer_chars"] > 0
    assert summary["citation_validity"] == 1.0
    assert {"bm25 bigram", "bm25 jieba", "hybrid bigram+jieba"} <= set(report["tokenizers"])
    assert "| hit@5 |" in proc.stdout and "fact accuracy" in proc.stdout
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## BM25 tokenizers" in md and "## Failures" in md
    for item in report["items"]["hybrid"]:  # every failure is written out with its passages
        if item["failures"]:
            assert f"#### {item['id']} " in md


def test_compare_and_gate_failure(built: Path, tmp_path: Path):
    strict = tmp_path / "strict.toml"
    strict.write_text("[min]\nhit_at_5 = 1.01\n")
    out = tmp_path / "cmp"
    proc = run_eval(
        "--limit",
        "3",
        "--compare",
        "--thresholds",
        str(strict),
        "--out",
        str(out),
        "--quiet",
        data=built,
    )
    assert proc.returncode == 1, proc.stderr
    assert "gate failed: hit_at_5" in proc.stderr
    header = proc.stdout.splitlines()[0]
    assert all(f" {c} |" in header for c in ("hybrid", "dense", "bm25"))
    assert "bm25 bigram+jieba" in proc.stdout


def test_full_gold_set_passes_the_gate(built: Path, tmp_path: Path):
    """CI's quality gate: the embedded default on the whole gold set, eval/thresholds.toml."""
    out = tmp_path / "gate"
    proc = run_eval("--mode", "embedded", "--out", str(out), "--quiet", data=built)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((out / "report.json").read_text(encoding="utf-8"))["summary"]
    assert summary["items"] >= 120 and summary["citation_validity"] == 1.0
