"""The faithfulness judge: number tokens, the strict offline rules, the labelled claim set it is
measured on, and the CI floor on its measured accuracy (issue 17)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from chat.evidence import load_gazetteer
from eval import metrics as m
from eval.__main__ import main
from eval.judge import answer_claims, offline_judge
from eval.judges import CLAIMS, KINDS, load_claims, offline_verdicts, report
from ingest import squash
from ingest.numbers import number_tokens, same_number

ROOT = Path(__file__).resolve().parents[1]
CRUD = Path("/work/shared/benchmarks/crud-dev/docs")
ZJ = (
    "日前，浙江省经济和信息化厅发布的《2023年全省经信工作要点》提出，今年将加快建设浙江特色"
    "现代化产业体系，力争全省规上工业增加值增长5.5%，数字经济核心产业增加值增长10%，"
    "制造业投资增长12%。"
)
# Floors at the offline judge's measured accuracy (python -m eval judges, 778 claims): CI fails
# when a change makes it worse on the whole set, the held-out split or any error kind. Margin:
# one claim per kind, about five on the whole set and two on the held-out split, so a change
# that only moves one borderline claim does not fail the build but a lost rule does.
FLOOR_ALL = 0.955  # measured 0.9627 (749/778)
FLOOR_HELDOUT = 0.894  # measured 0.9043 (189/209: 149 original + 60 written blind this session)
FLOOR_KINDS = {  # measured: correct/claims
    "supported": 0.964,  # 275/284
    "number_swap": 0.957,  # 92/95
    "unit": 0.985,  # 69/69
    "partial_number": 0.965,  # 29/29
    "period": 0.968,  # 63/64
    "entity_swap": 0.839,  # 48/56; held-out alone 10/15: see README "Evaluation"
    "predicate": 0.902,  # 66/72
    "negation": 0.93,  # 41/43
    "uncited": 0.967,  # 31/31
    "invented_item": 0.971,  # 35/35
}


def one(text: str):
    (tok,) = number_tokens(text)
    return tok


def test_numbers_are_whole_tokens_with_unit_and_magnitude():
    assert not same_number(one("10%"), one("1万亿元"))
    assert same_number(one("2,379.2亿"), one("2379.2亿"))
    assert same_number(one("1万元"), one("10000元"))
    assert same_number(one("1000千米"), one("1000公里"))
    assert not same_number(one("1.9%"), one("1.9个百分点"))
    assert not same_number(one("2300万美元"), one("2300万元"))
    assert same_number(one("两成"), one("20%"))
    assert [t.unit for t in number_tokens("3-5元/小时")] == ["元/小时", "元/小时"]
    assert [t.value for t in number_tokens("10~20亿元")] == [1e9, 2e9]
    assert one("超过700亿元").bound == ">" and one("近70%").bound == "~"
    assert number_tokens("统一大市场") == []
    # sites that space digits from Chinese write the same figures: 3.387 亿美元 = 3.387亿美元
    assert same_number(one("3.387 亿美元"), one("3.387亿美元"))
    assert [t.unit for t in number_tokens("于 2021 年 7 月 21 日")] == ["年", "月", "日"]
    assert one("超过 700 亿元").bound == ">" and number_tokens("截至 2023 发布")[0].text == "2023"


@pytest.fixture(scope="module")
def gaz() -> dict[str, str]:
    return load_gazetteer()


@pytest.mark.parametrize(
    "claim, supported, why",
    [
        ("浙江力争数字经济核心产业增加值增长10%[1]", True, ""),
        ("浙江数字经济核心产业增加值要增长12%[1]", False, "12%"),  # 制造业投资's figure
        ("浙江2023年数字经济核心产业增加值要增长1万亿元[1]", False, "1万亿元"),
        ("浙江数字经济核心产业增加值要增长1%[1]", False, "1%"),
        ("浙江制造业投资下降12%[1]", False, "下降"),
        ("浙江全省规上工业增加值已增长5.5%[1]", False, "plan"),
        ("浙江力争全省规上工业增加值增长5.5%[2]", False, "does not exist"),
    ],
)
def test_the_issues_examples(gaz, claim, supported, why):
    v = offline_judge(claim, {1: ZJ}, gaz)
    assert v.supported is supported, v.reason
    assert why in v.reason


# Invented passages (not from the claim set): each rule family on a case of its own.
ROLES = "甲公司董事长张三与乙公司总经理李四会谈时说，双方将共建工厂。"
FLIGHT = "航班于8时05分从北京起飞，11时10分抵达广州，比往年早。"
STAFF = "会议由王五主持，张三和李四分别担任正、副组长，暂未公布名单。"


@pytest.mark.parametrize(
    "claim, passage, supported",
    [
        ("张三与李四会谈时说，双方将共建工厂[1]", ROLES, True),
        ("李四与张三会谈时说，双方将共建工厂[1]", ROLES, False),  # roles swapped
        ("航班8时05分从北京起飞[1]", FLIGHT, True),
        ("航班11时10分从北京起飞[1]", FLIGHT, False),  # the landing's time
        ("航班11时10分抵达广州，比往年晚[1]", FLIGHT, False),  # 比往年早
        ("会议已公布名单[1]", STAFF, False),  # 暂未公布
        ("会议没有公布名单[1]", STAFF, True),
        ("会议由王五主持[1]", STAFF, True),
        ("会议由丙集团主持[1]", STAFF, False),  # a body the passage never names
    ],
)
def test_each_rule_family_on_an_invented_passage(gaz, claim, passage, supported):
    v = offline_judge(claim, {1: passage}, gaz)
    assert v.supported is supported, v.reason


def test_a_claim_supported_only_by_a_passage_it_does_not_cite_says_so(gaz):
    passages = {1: "重庆从9个方面出台了23条惠企政策措施。", 2: ZJ}
    v = offline_judge("浙江力争制造业投资增长12%[1]", passages, gaz)
    assert not v.supported and "[2]" in v.reason


def test_a_verbatim_quote_is_always_supported(gaz):
    """Embedded answers quote their passages: every sentence of every passage in the claim set,
    cited against that passage, must pass."""
    passages = {t for c in load_claims() for t in c.passages.values()}
    for text in passages:
        for claim in answer_claims(re.sub(r"([。！？!?；;])", r"\1[1]", text) + "[1]"):
            v = offline_judge(claim, {1: text}, gaz)
            assert v.supported, (v.reason, claim)


def test_the_claim_set_is_labelled_balanced_and_verbatim():
    claims = load_claims()
    assert len(claims) >= 300
    kinds = Counter(c.kind for c in claims)
    assert set(kinds) == set(KINDS) and min(kinds.values()) >= 20
    share = sum(c.supported for c in claims) / len(claims)
    assert 0.35 <= share <= 0.45
    assert all(c.reason for c in claims) and len({c.claim for c in claims}) == len(claims)
    assert {c.split for c in claims} == {"dev", "heldout"}
    for line in CLAIMS.read_text(encoding="utf-8").splitlines():
        for p in json.loads(line)["passages"]:
            corpus, name = p["source"].split("/", 1)
            folder = ROOT / "seeds" if corpus == "seeds" else CRUD
            if folder.is_dir():
                raw = squash((folder / name).read_text(encoding="utf-8"))
                assert squash(p["text"]) in raw, p["source"]


def test_offline_judge_accuracy_does_not_drop_below_its_measured_level():
    claims = load_claims()
    res = report(claims, offline_verdicts(claims))
    assert res["all"]["accuracy"] >= FLOOR_ALL
    assert res["heldout"]["accuracy"] >= FLOOR_HELDOUT
    for kind, floor in FLOOR_KINDS.items():
        assert res["kinds"][kind]["accuracy"] >= floor, kind


def test_judges_command_prints_a_table_and_writes_json(tmp_path, capsys):
    claims = tmp_path / "c.jsonl"
    claims.write_text("\n".join(CLAIMS.read_text(encoding="utf-8").splitlines()[:12]), "utf-8")
    out = tmp_path / "j.json"
    assert main(["judges", "--claims", str(claims), "--out", str(out), "--llm", "nope"]) == 0
    captured = capsys.readouterr()
    assert "| all | 12 |" in captured.out and "skipped LLM judge 'nope'" in captured.err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["judges"]) == {"offline"} and len(data["judges"]["offline"]["verdicts"]) == 12


def test_judges_command_rejects_a_bad_claim_file(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    assert main(["judges", "--claims", str(bad), "--out", str(tmp_path / "j.json")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_supported_and_relevant_needs_the_gold_fact_inside_a_supported_quote():
    facts = [["2379.2亿元", "2379.2亿"], ["13.7%"]]
    assert m.supported_relevant(facts, ["实现增加值2379.2亿元，同比增长13.7%"])
    assert not m.supported_relevant(facts, ["实现增加值2379.2亿元"])
    assert not m.supported_relevant(facts, [])


def test_the_judge_does_not_reuse_the_answer_stages_verifier():
    for name in (
        "judge.py", "strict.py", "align.py", "figures.py", "lexicon.py", "entities.py",
        "attribution.py",
    ):  # fmt: skip
        src = (ROOT / "eval" / name).read_text(encoding="utf-8")
        assert "from chat.verify" not in src and "import chat.verify" not in src
