"""Real-world news files: metadata, boilerplate, short documents, syndicated copies, progress.

Every fixture is invented here in the formats newsrooms and portals export (agency dispatch,
portal dump with ``…，正文：原标题：…``, a government reply, one-line items); none is copied from
a benchmark.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import (
    IngestSettings,
    chroma_meta,
    ingest,
    load_articles,
    load_chunks,
    sentences,
    squash,
)
from ingest.boiler import trim
from ingest.clean import Span
from ingest.headline import read_header
from ingest.meta import find_date
from ingest.progress import Progress, progress

ROOT = Path(__file__).resolve().parents[1]

XINHUA = """全国规模以上工业增加值前两月增长6.1%

新华社北京3月18日电（记者 王明远）国家统计局2024年3月18日发布数据显示，前两个月全国规模以上工业增加值同比增长6.1%。其中，高技术制造业增加值增长9.8%，快于全部规模以上工业。
国家统计局新闻发言人表示，工业生产保持平稳，新动能持续成长。（完）
责任编辑：李华
"""

CHINANEWS = (
    "2023-06-12 17:45:03，正文：中新网杭州6月12日电(记者 林晓 陈欢)浙江省文化和旅游厅12日介绍，"
    "今年端午假期全省接待游客1890万人次，同比增长23.4%。景区门票收入达到4.6亿元，乡村民宿预订量"
    "较去年同期翻了一番。(完)【编辑:周强】"
)

PORTAL = (
    "2023-09-02 08:15，正文：原标题：江城推出十项措施支持小微企业融资本报讯（记者 赵琳）江城市地方"
    "金融监督管理局日前发布十项措施，提出今年新增小微企业贷款不少于300亿元。措施明确，对首次贷款的小"
    "微企业给予贷款贴息，贴息比例最高为50%。来源：江城日报返回搜狐，查看更多责任编辑：流程编辑：TF001"
    "如遇作品内容、版权等问题，请在相关文章刊发之日起30日内与本网联系。版权所有，未经授权不得转载。"
)

REPLY = """王磊代表：
您提出的《关于加快老旧小区改造的建议》收悉。我局高度重视，现将办理情况答复如下：
一、今年全市计划改造老旧小区126个，惠及居民3.2万户，目前已开工98个。
二、下一步我局将加大资金保障力度，推动改造项目按期完工。
感谢您对我们工作的关心和支持。
江城市住房和城乡建设局
2024年7月18日
"""

ONE_LINE = "江城港2023年集装箱吞吐量为152万标箱，同比增长8.5"
HEADLINE = "江城至海港首趟跨境货运班列今日发车"

SYNDICATED_A = """江城新能源汽车产量上半年突破50万辆

新华社江城7月20日电（记者 孙晓）记者从江城市工业和信息化局获悉，今年上半年江城新能源汽车产量达到52.3万辆，同比增长41.7%，占全市汽车产量的比重提高到38%。
江城市工业和信息化局负责人介绍，全市已形成整车、电池、电机、电控的完整产业链，规模以上配套企业超过420家。今年以来，江城先后引进动力电池项目6个，总投资超过260亿元。
下一步，江城将加快建设充换电基础设施，计划年底前新建公共充电桩1.2万个，并支持企业开拓海外市场。（完）
"""

SYNDICATED_B = (
    "2023-07-21 09:02，正文：原标题：上半年江城新能源车产量超50万辆记者从江城市工业和信息化局获悉，"
    "今年上半年江城新能源汽车产量达到52.3万辆，同比增长41.7%，占全市汽车产量的比重提高到38%。"
    "江城市工业和信息化局负责人介绍，全市已形成整车、电池、电机、电控的完整产业链，规模以上配套企业"
    "超过420家。今年以来，江城先后引进动力电池项目6个，总投资超过260亿元。下一步，江城将加快建设"
    "充换电基础设施，计划年底前新建公共充电桩1.2万个。来源：新华社返回搜狐，查看更多责任编辑："
)

FILES = {
    "xinhua.txt": XINHUA,
    "chinanews.txt": CHINANEWS,
    "portal.txt": PORTAL,
    "reply.txt": REPLY,
    "one_line.txt": ONE_LINE,
    "headline.txt": HEADLINE,
    "copy_a.txt": SYNDICATED_A,
    "copy_b.txt": SYNDICATED_B,
}

BOILERPLATE = re.compile(
    r"正文：|原标题|责任编辑|流程编辑|编辑[:：]|来源：|返回搜狐|版权|转载|（完）|\(完\)|本报讯|"
    r"新华社北京|中新网杭州|记者 王明远|记者赵琳"
)


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IngestSettings]:
    corpus = tmp_path_factory.mktemp("news")
    for name, text in FILES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = IngestSettings(corpus_dir=corpus, data_dir=tmp_path_factory.mktemp("news-data"))
    report = ingest(settings, progress=False)
    assert not report.warnings
    return corpus, settings


def by_source(settings: IngestSettings) -> dict[str, list]:
    out: dict[str, list] = {}
    for a in load_articles(settings.articles_path):
        out.setdefault(a.source, []).append(a)
    return out


@pytest.mark.parametrize(
    ("source", "title", "date", "outlet", "byline"),
    [
        (
            "xinhua.txt",
            "全国规模以上工业增加值前两月增长6.1%",
            "2024-03-18",
            "新华社",
            "记者 王明远",
        ),
        ("chinanews.txt", None, "2023-06-12T17:45:03", "中新网", "记者 林晓 陈欢"),
        (
            "portal.txt",
            "江城推出十项措施支持小微企业融资",
            "2023-09-02T08:15",
            "江城日报",
            "记者 赵琳",
        ),
        (
            "reply.txt",
            "对《关于加快老旧小区改造的建议》的答复",
            "2024-07-18",
            None,
            "江城市住房和城乡建设局",
        ),
        ("copy_b.txt", "上半年江城新能源车产量超50万辆", "2023-07-21T09:02", "新华社", None),
    ],
)
def test_metadata_is_read_with_raw_spans(news, source, title, date, outlet, byline):
    corpus, settings = news
    [a] = by_source(settings)[source]
    raw = (corpus / source).read_text(encoding="utf-8")
    if title:  # a letter is titled by what it answers, which is an inference
        assert a.title == title and a.title_inferred == (source == "reply.txt")
    assert (a.date, a.outlet, a.byline) == (date, outlet, byline)
    for field in ("title", "outlet", "byline"):
        if field in a.meta_spans and (field != "title" or title):
            s, e = a.meta_spans[field]
            assert squash(raw[s:e]) == squash(getattr(a, field)), field
    s, e = a.meta_spans["date"]
    assert re.search(r"\d", raw[s:e])
    assert a.title_span == a.meta_spans.get("title")


def test_no_boilerplate_in_any_chunk_and_the_invariant_holds(news):
    corpus, settings = news
    chunks = load_chunks(settings.chunks_path)
    for c in chunks:
        raw = (corpus / c.source).read_text(encoding="utf-8")
        assert squash(raw[c.start : c.end]) == squash(c.text), c.id
        assert not BOILERPLATE.search(c.text), (c.source, c.text)
        assert re.search(r"\d|[\u4e00-\u9fff]", c.text)
        for text, s, e in sentences(c):
            assert squash(raw[s:e]) == squash(text)
        assert "".join(t for t, _, _ in sentences(c)) == c.text.replace("\n", "")
        assert c.sents[0][0] == c.start and c.sents[-1][1] == c.end


def test_undated_dateline_takes_no_year_from_unrelated_mentions(tmp_path):
    raw = "中新网江城8月14日电 (记者 张三)江城海警局14日开展宣传。2019年该局曾破获一起案件。"
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text(raw, encoding="utf-8")
    s = IngestSettings(corpus_dir=tmp_path / "c", data_dir=tmp_path / "d")
    ingest(s, progress=False)
    [a] = load_articles(s.articles_path)
    assert (a.date, a.outlet, a.byline) == (None, "中新网", "记者 张三")


def test_dateline_lede_keeps_its_sentence(news):
    _, settings = news
    texts = "".join(c.text for c in load_chunks(settings.chunks_path) if c.source == "xinhua.txt")
    assert texts.startswith("国家统计局2024年3月18日发布数据显示")


def test_short_documents_become_articles(news):
    _, settings = news
    chunks = {c.source: c for c in load_chunks(settings.chunks_path)}
    assert chunks["one_line.txt"].text == ONE_LINE
    assert chunks["headline.txt"].text == HEADLINE
    assert by_source(settings)["headline.txt"][0].title == HEADLINE


def test_syndicated_copies_share_a_group_and_others_do_not(news):
    _, settings = news
    chunks = load_chunks(settings.chunks_path)
    a = {c.copy_group for c in chunks if c.source == "copy_a.txt"}
    b = {c.copy_group for c in chunks if c.source == "copy_b.txt"}
    assert None not in b and b <= a
    others = {c.copy_group for c in chunks if not c.source.startswith("copy_")}
    assert others == {None}


def test_ingest_output_is_byte_identical_across_runs(news, tmp_path):
    corpus, settings = news
    again = IngestSettings(corpus_dir=corpus, data_dir=tmp_path)
    ingest(again, progress=False)
    for name in ("articles.jsonl", "chunks.jsonl"):
        assert (tmp_path / name).read_bytes() == (settings.data_dir / name).read_bytes()


def test_chroma_metadata_has_no_none_and_numeric_dates(news):
    _, settings = news
    for c in load_chunks(settings.chunks_path):
        meta = chroma_meta(c)
        assert all(v is not None for v in meta.values())
        assert meta["date_num"] == (int(c.date[:10].replace("-", "")) if c.date else 0)


def test_file_without_letters_is_still_no_text(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "dash.txt").write_text("—— …… ——\n", encoding="utf-8")
    (tmp_path / "c" / "ok.txt").write_text(HEADLINE, encoding="utf-8")
    report = ingest(
        IngestSettings(corpus_dir=tmp_path / "c", data_dir=tmp_path / "d"), progress=False
    )
    assert report.warnings == ["dash.txt: no text found"]


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        ("全市新增就业岗位1.2万个。（完）", "全市新增就业岗位1.2万个。"),
        ("全市新增就业岗位1.2万个。(责任编辑：张三 AB001)", "全市新增就业岗位1.2万个。"),
        ("返回搜狐，查看更多责任编辑：", None),
        ("（来源：江城晚报）返回搜狐，查看更多", None),
        ("如遇作品内容、版权等问题，请在相关文章刊发之日起30日内与本网联系。", None),
        ("本文不构成投资建议，股市有风险，投资需谨慎。", None),
        ("版权所有，未经书面授权不得转载、摘编。", None),
        ("江城晚报记者 李四 报道", None),
        ("【编辑:王五】 更多精彩内容请进入财经频道", None),
        ("他曾是一名报社编辑。", "他曾是一名报社编辑。"),
        ("项目资金来源：市财政专项资金。", "项目资金来源：市财政专项资金。"),
        ("此事引起社会广泛关注。", "此事引起社会广泛关注。"),
    ],
)
def test_boilerplate_patterns(sentence, kept):
    out = trim(Span(sentence, tuple(range(len(sentence)))))
    assert (out.text if out else None) == kept


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2023-08-14 12:29，正文：", "2023-08-14T12:29"),
        ("[   2023/07/22  15:57   ]，正文：", "2023-07-22T15:57"),
        ("202307/1910:34:37，正文：", "2023-07-19T10:34:37"),
        ("发布时间：2023年08月01日 09:30 来源：江城日报", "2023-08-01T09:30"),
        ("日期：2022.12.5", "2022-12-05"),
        ("2023-02-30，正文：", None),
    ],
)
def test_dates(text, iso):
    found = find_date(text)
    assert (found[0] if found else None) == iso


def test_header_fields_and_labelled_lines():
    raw = "发布时间：2023-08-01 09:30  来源：江城日报  \n江城港口吞吐量创新高\n正文内容。"
    meta = read_header(raw)
    assert (meta.date, meta.outlet) == ("2023-08-01T09:30", "江城日报")
    assert raw[meta.body_start :].startswith("江城港口")


def test_progress_logs_lines_when_not_a_terminal():
    buf = io.StringIO()
    with Progress(total=4, desc="ingest", unit="file", every=0.05, stream=buf) as p:
        for _ in range(4):
            p.update()
            import time

            time.sleep(0.04)
    lines = buf.getvalue().splitlines()
    assert len(lines) >= 2 and lines[-1].startswith("ingest: 4/4 file (100%)")
    assert re.search(r"\d+\.\d file/s, ETA \dm\d\ds", lines[0])
    assert list(progress([1, 2, 3], enabled=False)) == [1, 2, 3]


def test_one_line_file_is_answered_by_chat_ask(news, tmp_path):
    corpus, _ = news
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "PYTHONIOENCODING": "utf-8"}
    cmd = [sys.executable, "-m", "chat", "ask", "江城港2023年集装箱吞吐量是多少？", "--json"]
    cmd += ["--mode", "embedded", "--corpus", str(corpus), "--data", str(tmp_path)]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, encoding="utf-8", env=env, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["found"], out
    assert "one_line.txt" in {c["source"] for c in out["citations"]}
    assert "152万标箱" in out["answer"]
