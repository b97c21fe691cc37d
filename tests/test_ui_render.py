"""The chat page's HTML, exports and ratings without a browser: escaping, answer-first layout,
list items on their own lines, Word export contents, and 👎 ratings as gold candidates."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hostile import IMG, SCRIPT

from chat.models import Answer, Citation

EVIL = f"{SCRIPT}{IMG}"


def _answer(text: str, **kw: object) -> Answer:
    cite = Citation(
        n=1,
        source="001_a.txt",
        title=f"标题{EVIL}",
        quote=f"营收达到4.8万亿元{EVIL}。",
        passage=f"前文。营收达到4.8万亿元{EVIL}。后文。",
        start=10,
        end=40,
        outlet="新华社",
        date="2024-05-01T10:00",
        copies=["002_b.txt"],
    )
    base = dict(
        question=f"问{EVIL}",
        answer=text,
        found=True,
        short_answer="4.8万亿元",
        verified=True,
        mode="embedded",
        rewritten_query="改写后的问题",
        citations=[cite],
    )
    return Answer(**{**base, **kw})  # type: ignore[arg-type]


def test_bubble_is_answer_first_with_escaped_chips_and_list_lines() -> None:
    from chat.ui_render import message_html, sources_html

    ans = _answer(f"第一项{EVIL}[1]；第二项[1]；第三项[2]。")
    html = message_html(0, ans)
    assert html.index('<div class="rag-short"><b>4.8万亿元</b></div>') < html.index("rag-line")
    assert html.count('class="rag-line"') == 3  # one line per listed item
    assert (
        html.count('class="rag-chip rag-k-0 rag-n-1"') == 2 and "[2]" in html
    )  # [2] has no citation: text
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert "按“改写后的问题”检索" in html and "未使用生成模型" in html
    side = sources_html([None, ans])
    assert 'data-k="1"' in side and "<script>" not in side and "<img" not in side
    assert "新华社 · 2024-05-01" in side and "同一报道另见：002_b.txt" in side
    assert re.search(r"<mark>营收达到4\.8万亿元&lt;script&gt;", side)
    opened = sources_html([ans], full=lambda c: f"全文{EVIL}。营收达到4.8万亿元{EVIL}。")
    assert "<summary>查看全文</summary>" in opened and "<script>" not in opened
    assert opened.count("<mark>") == 2  # the quote in its passage and in the whole article


def test_refusal_shows_related_passages_without_a_bold_line() -> None:
    from chat.ui_render import message_html, sources_html

    ans = _answer("资料中未找到相关信息。", found=False, short_answer="")
    ans = ans.model_copy(update={"related": ans.citations, "citations": []})
    assert "rag-short" not in message_html(0, ans)
    assert "资料中相关的内容" in sources_html([ans])


def test_word_export_holds_every_answer_with_its_sources(tmp_path: Path) -> None:
    from docx import Document

    from chat.export import to_docx

    path = to_docx([_answer("甲[1]。"), _answer("乙[1]。", question="第二问")], tmp_path / "a.docx")
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert f"问{EVIL}" in text and "第二问" in text
    assert text.count(f"“营收达到4.8万亿元{EVIL}。”") == 2
    assert "新华社 · 2024-05-01" in text and "001_a.txt，第10–40字符；另见 002_b.txt" in text


def test_thumbs_down_becomes_a_candidate_gold_line(tmp_path: Path) -> None:
    from chat.feedback import record
    from eval.feedback import candidates
    from ingest import DataSettings

    settings = DataSettings(data_dir=tmp_path)
    record(settings, _answer("甲[1]。", question="好问题"), "up")
    record(settings, _answer("乙[1]。", question="坏问题"), "down", "缺少年份")
    lines = [json.loads(x) for x in (tmp_path / "feedback.jsonl").read_text().splitlines()]
    assert [x["verdict"] for x in lines] == ["up", "down"]
    (item,) = candidates(lines)
    assert item["question"] == "坏问题" and item["review"]["comment"] == "缺少年份"
    assert item["evidence"] == [{"source": "001_a.txt", "quote": f"营收达到4.8万亿元{EVIL}。"}]
