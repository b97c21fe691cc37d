"""The LLM handle: an ``openai`` client on the configured endpoint or the bundled local model.

One local server per model per process, shared by every engine (and the eval's LLM judge) and
stopped at interpreter exit. The API key is kept only to redact it from messages.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .settings import AnswerSettings, LLMSettings

log = logging.getLogger("chat.llm")

_SERVERS: dict[tuple[str, str], Any] = {}
_SERVERS_LOCK = threading.Lock()


@dataclass
class LLM:
    """What ``Engine.llm`` holds: a client and model, or why the LLM could not start."""

    client: Any = field(default=None, repr=False)
    model: str = ""
    timeout_s: float = 60.0
    max_tokens: int = 512
    secret: str = field(default="", repr=False)  # kept only to redact it
    server: Any = None  # the LocalLLMServer, alive as long as this handle
    error: str = ""
    last: dict[str, float] = field(default_factory=dict)  # timing of the last answer call

    def redact(self, text: object) -> str:
        out = " ".join(str(text).split())
        return out.replace(self.secret, "***") if len(self.secret) >= 4 else out


def api_key(settings: LLMSettings) -> str:
    """Settings key, else ``OPENAI_API_KEY``, else a dummy that local servers accept."""
    if settings.llm_api_key is not None and settings.llm_api_key.get_secret_value():
        return settings.llm_api_key.get_secret_value()
    return os.environ.get("OPENAI_API_KEY") or "none"


def make_client(
    settings: LLMSettings, base_url: str | None = None, model: str | None = None
) -> tuple[Any, str]:
    """An ``openai.OpenAI`` client (no retries: a failure falls back at once) and model name."""
    from openai import OpenAI

    client = OpenAI(
        base_url=base_url or settings.llm_base_url,
        api_key=api_key(settings),
        timeout=settings.llm_timeout_s,
        max_retries=0,
    )
    return client, model or settings.llm_model or ""


def wants_llm(settings: AnswerSettings) -> bool:
    """``llm`` always; ``auto`` only when an endpoint or local model is configured."""
    mode = settings.mode.lower()
    if mode == "embedded":
        return False
    return mode == "llm" or bool(settings.local_llm) or bool(settings.llm_base_url)


def local_server(size: str, cache_dir: Path) -> Any:
    """One server per model per process, shared by engines and stopped at interpreter exit."""
    from .local_llm import start_local_llm

    key = (size.lower(), str(cache_dir))
    with _SERVERS_LOCK:
        if key not in _SERVERS:
            if not _SERVERS:
                atexit.register(stop_servers)
            _SERVERS[key] = start_local_llm(size, cache_dir=cache_dir)
        return _SERVERS[key]


def stop_servers() -> None:
    for server in list(_SERVERS.values()):
        server.stop(drain_timeout=10.0)
    _SERVERS.clear()


def open_llm(settings: AnswerSettings) -> LLM | None:
    """The engine's LLM handle when settings ask for one (``embedded`` never does).

    A local model that cannot start still gives a handle, carrying the ``error`` that each
    answer's fallback notice names.
    """
    if not wants_llm(settings):
        return None
    key = api_key(settings)
    handle = LLM(
        timeout_s=settings.llm_timeout_s,
        max_tokens=settings.llm_max_tokens,
        secret="" if key == "none" else key,
    )
    base_url = model = None
    if settings.local_llm:
        from .local_llm import default_cache_dir

        models = settings.models_dir  # data/models if the user made it, else the user cache
        try:
            server = local_server(
                settings.local_llm, models if models.is_dir() else default_cache_dir()
            )
        except Exception as e:  # missing parts/xllamacpp, port, disk: answers fall back
            handle.error = handle.redact(e)
            log.warning("local LLM unavailable, answering from quotes: %s", handle.error)
            return handle
        handle.server, base_url, model = server, server.base_url, server.model_name
    handle.client, handle.model = make_client(settings, base_url, model)
    return handle
