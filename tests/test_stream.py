"""``answer_stream``: a retrieval status first, then the verified answer; in LLM mode the verified
sentences arrive as steps before the final answer (the fake LLM sits at the HTTP boundary)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from fake_llm import Fake

from chat.settings import Settings

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
BEIJING = "北京计划到2027年信息软件业营收达到多少？"


@pytest.fixture(scope="module")
def retriever(built_data: Path) -> Any:
    from index import Retriever

    return Retriever(Settings(corpus_dir=SEEDS, data_dir=built_data))


def test_embedded_mode_gives_status_then_the_answer(built_data: Path, retriever: Any) -> None:
    from chat.answer import Engine
    from chat.stream import SEARCHING, answer_stream

    engine = Engine(Settings(corpus_dir=SEEDS, data_dir=built_data), retriever)
    steps = list(answer_stream(engine, BEIJING))
    assert [s.kind for s in steps] == ["status", "answer"] and steps[0].text == SEARCHING
    ans = steps[-1].answer
    assert ans is not None and "4.8万亿元" in ans.short_answer and steps[-1].text == ans.answer


def test_llm_mode_streams_verified_sentences(
    built_data: Path, retriever: Any, fake_server: tuple[Fake, str], fake: Fake
) -> None:
    from chat.answer import Engine
    from chat.stream import answer_stream

    s = Settings(
        corpus_dir=SEEDS, data_dir=built_data, llm_base_url=fake_server[1], llm_api_key="sk-x"
    )
    engine = Engine(s.model_copy(update={"llm_timeout_s": 10.0, "llm_model": "fake"}), retriever)
    steps = list(answer_stream(engine, BEIJING))
    texts = [s.text for s in steps if s.kind == "text"]
    ans = steps[-1].answer
    assert steps[0].kind == "status" and steps[-1].kind == "answer" and ans is not None
    assert ans.mode == "llm" and len(texts) >= 1, (ans.mode, texts)
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts))  # it only grows
    assert texts[-1].startswith(ans.answer.split("[")[0])
