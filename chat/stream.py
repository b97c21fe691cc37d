"""``answer_stream``: the engine's answer as a generator of steps, for the app.

First a retrieval status, then the final verified answer. In embedded mode the answer is
composed only after every sentence has been checked, so there is nothing earlier to show. In
LLM mode the engine hands over each generated sentence through ``on_token`` once it has passed
verification; those sentences are yielded as they come (the engine runs in one worker thread
because ``on_token`` is a callback). Nothing is sliced or delayed for effect.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from index import Filters

from .models import Answer

SEARCHING = "正在检索资料…"


@dataclass(frozen=True)
class Step:
    """``status`` (a line about progress), ``text`` (verified text so far) or ``answer``."""

    kind: str
    text: str = ""
    answer: Answer | None = None


def answer_stream(
    engine: Any,
    question: str,
    history: list[dict[str, str]] | None = None,
    filters: Filters | None = None,
) -> Iterator[Step]:
    """Yield the steps of one answer; engine errors propagate to the caller."""
    yield Step("status", SEARCHING)
    if engine.llm is None:
        ans = engine.answer(question, history=history, filters=filters)
        yield Step("answer", ans.answer, ans)
        return
    sentences: queue.Queue[str | None] = queue.Queue()
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["answer"] = engine.answer(
                question, history=history, filters=filters, on_token=sentences.put
            )
        except Exception as e:  # re-raised in the caller's thread below
            box["error"] = e
        finally:
            sentences.put(None)

    threading.Thread(target=work, name="rag-answer", daemon=True).start()
    text = ""
    while (piece := sentences.get()) is not None:
        text += piece
        yield Step("text", text)
    if "error" in box:
        raise box["error"]
    ans = box["answer"]
    yield Step("answer", ans.answer, ans)
