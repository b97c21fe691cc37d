"""The app's one programmatic endpoint, ``/ask``, for scripts and the load test.

The chat events stay off the API (``api_name=False``): their inputs are UI state. This endpoint
takes plain data and returns the same JSON object as ``python -m chat ask --json``, so anything
that can call Gradio (``gradio_client``, curl) gets the CLI's contract. Basic auth, when set,
guards it like the page.
"""

from __future__ import annotations

from typing import Any

from ingest import Settings


def register(settings: Settings) -> None:
    """Add ``/ask`` to the Blocks being built; it shares the chat's answer queue."""
    import gradio as gr

    from .answer import get_engine

    def ask(question: str, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """Answer one question (with optional prior turns) as the CLI's JSON object."""
        turns = [t for t in history or [] if isinstance(t, dict)]
        return get_engine(settings).answer(question or "", history=turns).public()

    gr.api(ask, api_name="ask", concurrency_id="answer")
