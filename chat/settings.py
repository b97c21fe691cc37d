"""Chat's settings sections, its flags, and :class:`Settings`, the whole composition.

:class:`LLMSettings` says which LLM to call (or start), :class:`AnswerSettings` adds the answer
mode on top of it, :class:`AppSettings` says where and behind what the app listens.
:class:`Settings` joins them with index's and ingest's sections: the chat CLI, the app and eval
build it once and pass it down, and each function takes only the section it reads.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from index.settings import FLAGS as INDEX_FLAGS
from index.settings import IndexStageSettings
from ingest.settings import DataSettings, Flag, Flags, Section


class LLMSettings(DataSettings):
    """Which LLM answers: a remote OpenAI-compatible endpoint, or the bundled local model
    (whose files may sit in the data folder's ``models/``, hence the data section)."""

    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 60.0
    llm_max_tokens: int = 512
    local_llm: str | None = Field(None, description="0.5b | 1.5b: start the bundled local model.")


class AnswerSettings(LLMSettings):
    """Whether answers come from the extractive reader or an LLM; built on the LLM section
    because ``auto`` means "the LLM when one is configured", so the choice reads both."""

    mode: str = Field("auto", description="auto | embedded | llm")


class AppSettings(Section):
    """Where the web app listens and whether it asks for a password."""

    host: str = "127.0.0.1"
    port: int = 7860
    auth: SecretStr | None = Field(None, description="user:pass enables basic auth on the app.")


class Settings(IndexStageSettings, AnswerSettings, AppSettings):
    """Every section: what the chat CLI, the app and eval build at their entry points."""


FLAGS: Flags[Settings] = INDEX_FLAGS.extend(
    Settings,
    {
        "--mode": Flag("mode", "answer mode (RAG_MODE)", ("auto", "embedded", "llm")),
        "--local-llm": Flag(
            "local_llm", "start the bundled local LLM (RAG_LOCAL_LLM)", ("0.5b", "1.5b")
        ),
    },
)
