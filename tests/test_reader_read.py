"""``chat.respond.read`` end to end on invented sentences: parts, lists, refusal, compare."""

from __future__ import annotations

from dataclasses import replace

from chat.compose import Scored
from chat.evidence import Candidate
from chat.policy import POLICY
from chat.qtype import asks
from chat.reader import terms
from chat.respond import read, render
from index import Hit
from ingest import Chunk

TITLE = "东海市软件业一季度成绩单"
TEXTS = [
    "据介绍，今年一季度，东海市软件业实现营收2380亿元，同比增长13.5%，占全市经济比重超过两成。",
    "东海市提出四项保障措施。",
    "一是加强组织协调，建立联席会议。",
    "二是加大财政支持。",
    "三是保障用地。",
]


def scored(texts: list[str] = TEXTS, scope: frozenset[str] = frozenset()) -> list[Scored]:
    body = "".join(texts)
    ch = Chunk(
        id="c1",
        article_id="a1",
        source="a.txt",
        title=TITLE,
        text=body,
        start=0,
        end=len(body),
        seq=0,
    )
    out, pos = [], 0
    for i, t in enumerate(texts):
        cand = Candidate(Hit(ch, 1.0, "fused", 1), t, pos, pos + len(t), i)
        out.append(Scored(cand, 1.0 - 0.1 * i, 0.5, 0.5, scope))
        pos += len(t)
    return out


def weights(text: str) -> dict[str, float]:
    return terms(text, lambda toks: {t: 2.0 for t in toks}, 5.0)


def answer(q: str, sc: list[Scored] | None = None, **kw: object) -> tuple[bool, str, str, str]:
    r = read(q, asks(q), sc or scored(), set(), False, weights, lambda s: TITLE, **kw)  # type: ignore[arg-type]
    text, short, _ = render(r, lambda c: [], POLICY.max_cards_list)
    return r.found, text, short, r.note


def test_each_part_of_a_multi_part_question_gets_its_own_span() -> None:
    found, text, short, _ = answer("东海市软件业一季度实现营收多少？同比增长多少？")
    assert found and short == "2380亿元、13.5%"
    assert text == "东海市软件业实现营收2380亿元，同比增长13.5%[1]。"


def test_an_announced_list_is_gathered_and_its_shortfall_said() -> None:
    found, text, short, note = answer("东海市提出了哪四项保障措施？")
    assert found and "加强组织协调" in text and "保障用地" in text
    assert short == "加强组织协调、加大财政支持、保障用地"
    assert note == "资料列出了其中3项。"


def test_a_figure_the_passage_does_not_give_is_refused() -> None:
    strict = replace(POLICY, refusal_threshold=0.7)
    found, text, short, _ = answer("东海市软件业一季度的出口额是多少？", p=strict)
    assert not found and text == "" and short == ""
    assert answer("东海市软件业一季度的营收是多少？", p=strict)[0]  # the figure it does give


def test_a_rate_question_takes_the_rate_bound_to_its_words() -> None:
    found, _, short, _ = answer("东海市软件业一季度营收占全市经济比重是多少？")
    assert found and short == "两成"


def test_several_figures_asked_at_once_are_all_given() -> None:
    sc = scored(["西山县今年力争粮食产量增长3%，蔬菜产量增长6%，水果产量增长9%。"])
    found, text, short, _ = answer("西山县粮食产量和蔬菜产量分别增长多少？", sc)
    assert found and short.startswith("3%、6%")
    assert "3%" in text and "6%" in text


def test_a_count_question_admits_counting_words_of_its_unit() -> None:
    sc = scored(["《西山县行动计划》的重点任务有九项，由一个专班推进。"])
    found, _, short, _ = answer("《西山县行动计划》的重点任务有几项？", sc)
    assert found and short == "九项"


def test_a_date_that_adds_to_the_question_s_year_answers_when() -> None:
    sc = scored(["会议提出，力争2030年年底实现全县所有村庄通公交。"])
    found, _, short, _ = answer("部署2030年工作的会议提出，力争什么时候实现所有村庄通公交？", sc)
    assert found and short == "2030年年底"
