"""Strict verification of generated claims and the English short answer, on invented text."""

from __future__ import annotations

from chat.english import in_english
from chat.verify import check, restates, strict

QUOTE = "今年，该县茶叶产值争取突破5亿元，种植面积增长12%。"


def test_a_number_inside_another_is_not_the_quote_s_number() -> None:
    assert "not in its quote" in strict("种植面积增长1%[1]", QUOTE)
    assert "not in its quote" in strict("面积增长2%[1]", QUOTE)


def test_the_direction_word_must_be_the_quote_s_own() -> None:
    assert strict("茶叶产值将突破5亿元[1]", QUOTE) == ""
    assert "增长" in strict("茶叶产值要增长5亿元[1]", QUOTE)


def test_a_rate_question_needs_a_rate() -> None:
    kinds = frozenset({"percent"})
    assert strict("茶叶产值将突破5亿元[1]", QUOTE, "该县茶叶产值增长多少？", kinds)
    assert strict("种植面积增长12%[1]", QUOTE, "该县种植面积增长多少？", kinds) == ""


def test_restating_the_question_is_not_an_answer() -> None:
    assert restates("该县茶叶产值争取突破", "该县茶叶产值争取突破多少？")
    assert not restates("该县茶叶产值争取突破5亿元", "该县茶叶产值争取突破多少？")
    v = check("该县茶叶产值争取突破[1]。", {1: QUOTE}, question="该县茶叶产值争取突破多少？")
    assert not v.supported and v.reason == "restates the question"


def test_english_short_answers() -> None:
    gaz = {"东海": "donghai"}
    assert in_english("4.8万亿元", gaz) == "4.8 trillion yuan (4.8万亿元)"
    assert in_english("350亿元", gaz) == "35 billion yuan (350亿元)"
    assert in_english("2025年3月1日", gaz) == "1 March 2025 (2025年3月1日)"
    assert in_english("120多家", gaz) == "more than 120 (120多家)"
    assert in_english("东海", gaz) == "Donghai (东海)"
    assert in_english("夜间托管", gaz) == ""


def test_metadata_questions_answer_from_the_article_fields(tmp_path) -> None:
    from chat.meta import MetaIndex, meta_field
    from ingest import Article

    raw = "东海日报讯（记者 林一帆）某县新建果园1200亩。"
    start = raw.index("林一帆")
    art = Article(
        id="a1",
        source="a.txt",
        title="某县新建果园",
        byline="林一帆",
        text="某县新建果园1200亩。",
        spans=[(raw.index("某县"), len(raw))],
        outlet="东海日报",
        meta_spans={"byline": (start, start + 3), "outlet": (0, 4)},
    )
    path = tmp_path / "articles.jsonl"
    path.write_text(art.model_dump_json() + "\n", encoding="utf-8")
    assert meta_field("报道某县新建果园的记者是谁？") == "byline"
    assert meta_field("某县新建了多少亩果园？") is None
    text, short, cite = MetaIndex(path).answer("byline", ["a1"])
    assert short == "林一帆" and text.endswith("林一帆[1]。")
    assert raw[cite.start : cite.end] == cite.quote  # the quote is the raw span itself
    assert MetaIndex(path).answer("date", ["a1"]) is None  # no date: nothing to cite
