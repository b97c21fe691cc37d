"""Ingest on the real seeds: traceability, titles, de-duplication, cleaning, bad files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import IngestSettings, ingest, load_articles, load_chunks, squash
from ingest.clean import is_junk

CJK_SPACE = re.compile(
    r"[\u4e00-\u9fff，。、；：“”（）《》][ \t\u3000]+[\u4e00-\u9fff，。、；：“”（）《》]"
)


def raw_of(seeds: Path, source: str) -> str:
    return (seeds / source).read_text(encoding="utf-8")


def test_every_chunk_traces_to_its_raw_span(ingested, seeds_dir):
    chunks = load_chunks(ingested.chunks_path)
    assert len(chunks) > 50
    for c in chunks:
        raw = raw_of(seeds_dir, c.source)
        assert squash(raw[c.start : c.end]) == squash(c.text), c.id


def test_chunks_stay_inside_one_article_and_end_at_sentence_ends(ingested):
    articles = {a.id: a for a in load_articles(ingested.articles_path)}
    for c in load_chunks(ingested.chunks_path):
        spans = articles[c.article_id].spans
        assert any(s <= c.start and c.end <= e for s, e in spans), c.id
        assert c.title == articles[c.article_id].title
        last = c.text.rstrip("”’）)》」』")[-1]
        ends_span = any(c.end == e for _, e in spans)
        assert last in "。！？；…!?;" or ends_span, c.text[-20:]


def test_chunk_sizes_are_chinese_aware(ingested):
    sizes = [len(c.text) for c in load_chunks(ingested.chunks_path)]
    assert sum(150 <= n <= 420 for n in sizes) / len(sizes) > 0.8


@pytest.mark.parametrize(
    "title",
    [
        "2025年江苏机器人产业链规模达2000亿元",
        "江西出台11条措施支持制造业数字化转型",
        "北京支持头部企业打造对标ChatGPT大模型",
        "广州：力争2021年先进制造业增加值超3000亿元",
        "北京启动“大中小企业融通创新”系列活动",
        "北京：2027年信息软件业营收达4.8万亿元",
        "河南今年5G基站总数将突破18万个",
    ],
)
def test_headlines_become_titles(ingested, title):
    assert title in {a.title for a in load_articles(ingested.articles_path)}


def test_article_metadata(ingested):
    articles = load_articles(ingested.articles_path)
    by_title = {a.title: a for a in articles}
    assert (
        by_title["北京：2027年信息软件业营收达4.8万亿元"].byline == "本报记者 徐恒 实习记者 路轶晨"
    )
    assert by_title["2025年江苏机器人产业链规模达2000亿元"].byline == "吴丽琳"
    reply = [a for a in articles if a.source.startswith("003_")]
    assert len(reply) == 1 and "提案" in reply[0].title
    assert len({a.id for a in articles}) == len(articles)


def test_repeated_passages_appear_once(ingested):
    text = squash("".join(a.text for a in load_articles(ingested.articles_path)))
    assert text.count("北京将大力推动数据要素驱动下软件可基于数据决策形成") == 1
    assert text.count("强调人形机器人重点突破直线型/旋转型电驱动关节") == 1
    chunks = squash("".join(c.text for c in load_chunks(ingested.chunks_path)))
    assert "北京将大力推动数据要素驱动下软件可基于数据决策形成" in chunks


def test_cleaning_leaves_no_artefacts(ingested):
    for a in load_articles(ingested.articles_path):
        for text in (a.title, a.text):
            assert not CJK_SPACE.search(text), CJK_SPACE.search(text)
            assert not any(is_junk(ch) for ch in text)
    joined = "".join(a.text for a in load_articles(ingested.articles_path))
    for word in ("创新模式", "高歌猛进", "强调，要全力实施", "加快建设国家人工智能创新应用先导区"):
        assert word in joined


def test_second_run_is_byte_identical(tmp_path, seeds_dir):
    outs = []
    for name in ("a", "b"):
        s = IngestSettings(corpus_dir=seeds_dir, data_dir=tmp_path / name)
        ingest(s, progress=False)
        outs.append((s.articles_path.read_bytes(), s.chunks_path.read_bytes()))
    assert outs[0] == outs[1]


def _write_bad_corpus(d: Path, seeds_dir: Path) -> str:
    text = raw_of(seeds_dir, "001_b0eb1608a02a12cc.txt")
    d.mkdir()
    (d / "gb.txt").write_bytes(text.encode("gb18030"))
    (d / "u16.txt").write_bytes(text.encode("utf-16"))
    (d / "u16le_nobom.txt").write_bytes(text.encode("utf-16-le"))
    (d / "bom8.txt").write_bytes(
        b"\xef\xbb\xbf" + raw_of(seeds_dir, "002_b75a479856194727.txt").encode()
    )
    (d / "empty.txt").write_bytes(b"")
    (d / "blank.txt").write_text("  \n\n \t\n", encoding="utf-8")
    (d / "binary.txt").write_bytes(bytes(range(256)) * 64)
    with (d / "huge.txt").open("wb") as f:
        f.write(("北京信息软件业。" * 1000 + "\n").encode() * 900)  # ~21 MB
    return text


def test_bad_files_warn_and_are_skipped(tmp_path, seeds_dir):
    corpus = tmp_path / "bad"
    text = _write_bad_corpus(corpus, seeds_dir)
    settings = IngestSettings(corpus_dir=corpus, data_dir=tmp_path / "out")
    report = ingest(settings, progress=False)
    warned = {w.split(":")[0] for w in report.warnings}
    assert warned == {
        "empty.txt",
        "blank.txt",
        "binary.txt",
        "huge.txt",
        "u16.txt",
        "u16le_nobom.txt",
    }
    assert any("duplicate of gb.txt" in w for w in report.warnings)  # same text, other encoding
    assert report.ingested == 2
    chunks = load_chunks(settings.chunks_path)
    gb = [c for c in chunks if c.source == "gb.txt"]
    assert gb and all(squash(text[c.start : c.end]) == squash(c.text) for c in gb)


def test_utf16_and_gb18030_decode_to_the_same_articles(tmp_path, seeds_dir):
    text = raw_of(seeds_dir, "004_8dca176c051ee1d1.txt")
    titles = []
    for enc in ("utf-8", "gb18030", "utf-16", "utf-16-le"):
        d = tmp_path / enc
        d.mkdir()
        (d / "page.txt").write_bytes(text.encode(enc))
        s = IngestSettings(corpus_dir=d, data_dir=tmp_path / f"out-{enc}")
        ingest(s, progress=False)
        titles.append([a.title for a in load_articles(s.articles_path)])
    assert titles[0] == titles[1] == titles[2] == titles[3]


def test_cli_exit_codes(tmp_path):
    bad = tmp_path / "only_bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    # --out: the old name of --data, kept as an alias
    run = [sys.executable, "-m", "ingest", str(bad), "--out", str(tmp_path / "o")]
    proc = subprocess.run(run, capture_output=True, text=True)
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "nothing could be ingested" in proc.stderr
    assert not (tmp_path / "o" / "chunks.jsonl").exists()
