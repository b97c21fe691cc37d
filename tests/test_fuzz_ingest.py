"""Property tests: the cleaner and chunker never crash and always keep the traceability invariant.

Inputs mix the seeds' hazards: CJK text with inner spaces, lines broken anywhere, private-use
glyphs, control characters, datelines, sign-offs, headings and repeated sentences, plus web
exports' headers, agency datelines and boilerplate, which ingest cuts out of chunk text.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import IngestSettings, sentences, squash
from ingest.clean import clean_range
from ingest.pipeline import process
from ingest.reader import RawDoc

PIECES = [
    "北京信息软件业营收达4.8万亿元",
    "江 苏 机 器 人",
    "本报讯 ",
    "本报记者 徐恒",
    "（吴丽琳）",
    "(上接第1版)",
    "强调，要全力",
    "。",
    "，",
    "；",
    "！",
    "“",
    "”",
    "《方案》",
    "2027年",
    "13.7%",
    "AI PC",
    "\n",
    "\n\n",
    "  ",
    "\t",
    "\U00100cca",
    "\ue000",
    "\x07",
    "\u200b",
    "一是",
    "a. b",
    "2023-08-14 12:29，正文：",
    "原标题：",
    "新华社北京8月1日电（记者 王明）",
    "（完）",
    "返回搜狐，查看更多责任编辑：",
    "来源：江城日报",
    "如遇作品内容、版权等问题请联系",
]
TEXT = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=80).map("".join)


@given(TEXT)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_clean_range_keeps_every_character_traceable(raw: str) -> None:
    span = clean_range(raw, 0, len(raw))
    assert len(span.offsets) == len(span.text)
    for ch, i in zip(span.text, span.offsets, strict=True):
        assert ch == raw[i] or (ch == " " and raw[i].isspace())
    if span.text:
        assert squash(raw[span.start : span.end]) == squash(span.text)


@given(TEXT)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_process_never_crashes_and_chunks_trace_to_raw(raw: str) -> None:
    doc = RawDoc(source="f.txt", text=raw, encoding="utf-8", sha1="0")
    articles, chunks, _ = process(doc, IngestSettings(chunk_min_chars=20, chunk_max_chars=60))
    ids = {a.id for a in articles}
    for c in chunks:
        assert c.article_id in ids
        assert 0 <= c.start < c.end <= len(raw)
        assert squash(raw[c.start : c.end]) == squash(c.text)
        for text, s, e in sentences(c):
            assert c.start <= s < e <= c.end and squash(raw[s:e]) == squash(text)
