"""``chat.slot``: the words that fill a description question's slot, on invented sentences."""

from __future__ import annotations

from chat.slot import frame, slot


def filler(question: str, sentence: str) -> str | None:
    got = slot(sentence, question, *frame(question))
    return sentence[got[0] : got[1]] if got else None


def test_the_asked_verb_is_the_one_next_to_the_wh_word() -> None:
    verbs, head = frame("东湖区成立了什么组织来帮助返乡青年？")
    assert verbs == ["成立"] and head == "组织"


def test_the_object_after_the_asked_verb_fills_the_slot() -> None:
    q = "东湖区成立了什么组织来帮助返乡青年？"
    assert filler(q, "去年，东湖区成立返乡青年互助会，吸引会员两百人。") == "返乡青年互助会"


def test_a_verb_opening_a_relative_clause_restates_the_question() -> None:
    q = "山泉饮料厂推出的新产品是什么？"
    assert filler(q, "此次山泉饮料厂推出的新品迎合了年轻人的口味。") is None
    assert filler(q, "山泉饮料厂近日推出新品荔枝海盐苏打水，上市即售罄。") == "新品荔枝海盐苏打水"


def test_the_words_before_the_asked_noun_fill_the_slot() -> None:
    q = "西山县在治水方面实施了什么项目？"
    assert (
        filler(q, "这是西山县首个地下雨水调蓄项目，可蓄水两万方。")
        == "这是西山县首个地下雨水调蓄项目"
    )


def test_a_bare_quantifier_names_nothing() -> None:
    assert filler("西山县正在建设哪个风电项目？", "西山县布局了一批风电项目。") is None
