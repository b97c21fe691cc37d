"""LLM mode: a generated answer over a few numbered quotes, verified and cited to raw text.

The embedded answer is always computed first and is the fallback: any LLM failure (no server,
timeout, HTTP error, garbage, a refusal, nothing surviving verification) returns it with mode
``llm→embedded`` and a one-line notice, so the app keeps serving. The prompt holds only the few
best quotes (see ``llm_context``) because prefill dominates local-model latency.
The API key is redacted from every message this module logs or returns.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from .compose import Scored
from .evidence import places
from .llm_client import LLM
from .llm_context import REFUSED, Gate, Reads, cite, passages, strip_refusal
from .models import Citation
from .qtype import asks
from .rewrite import FOLLOWUP, last_user_turn, rewrite
from .verify import CITE, MARKUP, Verdict, check, claims, repeats, verify

log = logging.getLogger(__name__)

FALLBACK = "llm→embedded"
ANSWER_STOP = ["\n问题：", "\n资料："]  # small models go on to invent the next example
REWRITE_TIMEOUT_S, REWRITE_TOKENS, SHORT_QUESTION = 15.0, 64, 12
NOTICE_FAILED = "大模型回答未通过核验，已改用检索摘录。"
NOTICE_PARTIAL = "大模型回答中有句子未通过核验，已删除。"
NOTICE_REFUSED = "大模型未能根据资料作答，已改用检索摘录。"


@cache
def prompt(name: str) -> str:
    """A prompt template from ``chat/prompts`` (data files, so wording changes need no code)."""
    return (Path(__file__).with_name("prompts") / name).read_text(encoding="utf-8").strip()


def prompts() -> tuple[str, ...]:
    """Every prompt template: text a model must never hand back to the user."""
    return tuple(prompt(p.name) for p in sorted(Path(__file__).with_name("prompts").glob("*.txt")))


class LLMEngine(Reads, Protocol):
    """What LLM mode uses of the engine: its reader and gazetteer, and the LLM handle."""

    llm: LLM | None


def _complete(
    llm: LLM,
    messages: list[dict[str, str]],
    max_tokens: int,
    timeout_s: float,
    on_delta: Callable[[str], None] | None = None,
    stop: list[str] | None = None,
) -> str:
    """Stream a chat completion, enforcing ``timeout_s`` on the whole call, not just a read."""
    if not llm.model:  # a remote server without RAG_LLM_MODEL: use the first model it lists
        llm.model = llm.client.with_options(timeout=timeout_s).models.list().data[0].id
    llm.last, t0 = {}, time.perf_counter()
    stream = llm.client.with_options(timeout=timeout_s).chat.completions.create(
        model=llm.model,
        messages=messages,
        stream=True,
        temperature=0,
        max_tokens=max_tokens,
        stop=stop,
    )
    pieces: list[str] = []
    try:
        for chunk in stream:
            delta = chunk.choices[0].delta.content if chunk.choices else None
            if delta:
                llm.last.setdefault("ttft_ms", round((time.perf_counter() - t0) * 1000, 1))
                pieces.append(delta)
                if on_delta is not None:
                    on_delta(delta)
            if time.perf_counter() - t0 > timeout_s:
                raise TimeoutError(f"no complete answer within {timeout_s:.0f} s")
    finally:
        stream.close()
        llm.last["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return "".join(pieces)


def _error_notice(e: BaseException) -> str:
    """One Chinese line naming the kind of failure; never the exception text (it may echo keys)."""
    import openai

    if isinstance(e, openai.APITimeoutError | TimeoutError):
        why = "请求超时"
    elif isinstance(e, openai.APIConnectionError):
        why = "无法连接"
    elif isinstance(e, openai.APIStatusError):
        why = f"服务返回错误 HTTP {e.status_code}"
    else:
        why = "返回内容无效"
    return f"大模型服务不可用（{why}），已改用检索摘录。"


KIND_LABELS = {
    "percent": "百分比",
    "money": "金额（数字和单位）",
    "quantity": "数量（数字和单位）",
    "duration": "时长",
    "date": "日期",
    "person": "人名或机构名",
    "org": "机构名称",
    "place": "地名",
    "title": "名称",
}


def kind_label(question: str) -> str:
    """The expected answer type, in words the model reads (the first part's, for multi-part)."""
    parts = asks(question)
    kinds = parts[0].kinds if parts else frozenset()
    if len(kinds) > 2:  # any number: say so rather than pick one
        return KIND_LABELS["quantity"]
    for k in KIND_LABELS:
        if k in kinds:
            return KIND_LABELS[k]
    return "列举" if parts and parts[0].listing else "简短描述"


def llm_answer(
    engine: LLMEngine,
    q: str,
    rq: str,
    scored: list[Scored],
    english: bool,
    fallback: tuple[str, list[Citation], bool],
    on_token: Callable[[str], None] | None,
) -> tuple[str, list[Citation], bool, str, str | None]:
    """``(text, citations, verified, mode, notice)``; the embedded ``fallback`` on any failure."""
    llm = engine.llm
    assert llm is not None, "llm_answer needs an engine with an LLM handle"
    gate: Gate | None = None

    def fall(notice: str) -> tuple[str, list[Citation], bool, str, str | None]:
        if on_token is not None and not (gate and gate.sent):
            on_token(fallback[0])
        return (*fallback, FALLBACK, notice)

    if llm.error:
        return fall(f"本地大模型无法启动（{llm.error}），已改用检索摘录。")
    ps = passages(engine, q, rq, scored)
    if not ps:
        return fall(NOTICE_FAILED)
    numbered = "\n".join(f"[{i}] {p.text}" for i, p in enumerate(ps, 1))  # titles get copied
    messages = [
        {"role": "system", "content": prompt("system.txt")},
        {
            "role": "user",
            "content": prompt("user.txt").format(
                passages=numbered, question=rq, kind=kind_label(rq)
            ),
        },
    ]
    sources = {i: p.text for i, p in enumerate(ps, 1)}

    kinds = frozenset(k for a in asks(rq) for k in a.kinds)

    def test(claim: str) -> Verdict:
        names = sorted(places(claim, engine.gazetteer))
        return check(claim, sources, prompts(), names, question=rq, kinds=kinds)

    gate = Gate(lambda claim: test(claim).supported, on_token)
    try:
        raw = _complete(llm, messages, llm.max_tokens, llm.timeout_s, gate.feed, ANSWER_STOP)
        gate.close()
    except Exception as e:  # connection, timeout, HTTP status, garbage stream: all fall back
        log.warning("LLM answer failed (%s): %s", type(e).__name__, llm.redact(e))
        return fall(_error_notice(e))
    if not raw.strip():
        return fall(_error_notice(ValueError()))
    body, refused = strip_refusal(raw)
    verdicts = [test(c) for c in claims(body)]
    good = [v.claim for v in verdicts if v.supported]
    if not good:
        return fall(NOTICE_REFUSED if refused else NOTICE_FAILED)
    text, cites = cite(good, ps, english)
    text, final = verify(text, {c.n: c.quote for c in cites})  # the quotes alone must hold up
    if not text.strip():
        return fall(NOTICE_FAILED)
    verified = all(v.supported for v in verdicts + final) and not refused
    return text, cites, verified, "llm", None if verified else NOTICE_PARTIAL


def _clean_rewrite(text: str, question: str, history: list[dict[str, str]], gaz: Any) -> str:
    """The model's question, or "" when it echoed the template or the previous question."""
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    line = re.sub(r"^(?:改写后的问题|改写|问题)[：:]\s*", "", line).strip("“”\"'「」 ")
    if not 2 <= len(line) <= 300 or CITE.search(line) or any(r in line for r in REFUSED):
        return ""
    if re.search(r"对话历史|最新问题|改写", line) or line == last_user_turn(history):
        return ""
    said = question + "".join(t.get("content", "") for t in history)
    if MARKUP.search(line) or repeats(line, prompts(), said):  # obeyed an injection
        return ""
    return line if places(question, gaz) <= places(line, gaz) else ""  # kept the new subject


def llm_rewrite(engine: LLMEngine, question: str, history: list[dict[str, str]]) -> str:
    """A standalone question written by the LLM; the rule-based rewrite on any failure."""
    llm = engine.llm
    standalone = not FOLLOWUP.search(question) and len(question) > SHORT_QUESTION
    if llm is None or llm.error or not history or standalone:  # save a model call
        return rewrite(question, history, engine.gazetteer)
    turns = [t for t in history if t.get("content", "").strip()][-4:]
    who = {"user": "用户", "assistant": "助手"}
    hist = "\n".join(
        f"{who.get(t.get('role', ''), '用户')}：{' '.join(t['content'].split())[:200]}"
        for t in turns
    )
    msg = prompt("rewrite.txt").format(history=hist, question=question)
    timeout = min(REWRITE_TIMEOUT_S, llm.timeout_s)
    try:
        raw = _complete(
            llm, [{"role": "user", "content": msg}], REWRITE_TOKENS, timeout, stop=["\n"]
        )
        out = _clean_rewrite(raw, question, history, engine.gazetteer)
    except Exception as e:  # any failure: the rules still give a usable query
        log.warning("LLM rewrite failed (%s): %s", type(e).__name__, llm.redact(e))
        out = ""
    return out or rewrite(question, history, engine.gazetteer)
