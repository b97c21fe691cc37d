"""Settings by stage: the shared base, ingest's section, and the flag machinery every CLI uses.

Each stage owns the section it reads (ingest's here, index's and retrieval's in
``index/settings.py``, answer, LLM and app in ``chat/settings.py``). A stage's entry point
composes the sections it needs into one class by plain inheritance: pydantic keeps the fields
flat, so every ``RAG_*`` name is the field name, and a composed object *is* each of its
sections, so a function typed for ``IndexSettings`` accepts the whole ``chat.settings.Settings``.
Build it once at an entry point and pass it down. Command-line flags beat ``RAG_*`` environment
variables, which beat ``.env``, which beats the defaults.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Section(BaseSettings):
    """Base of every section: one place for the ``RAG_`` prefix and ``.env``, and unknown
    ``RAG_*`` variables (another stage's) are ignored rather than rejected."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )


class DataSettings(Section):
    """The data folder: the contract between stages, so every stage that reads or writes an
    artefact takes this section (or one built on it) and finds the files in one place."""

    data_dir: Path = Field(Path("data"), description="Where every stage writes its artefacts.")

    @property
    def articles_path(self) -> Path:
        return self.data_dir / "articles.jsonl"

    @property
    def chunks_path(self) -> Path:
        return self.data_dir / "chunks.jsonl"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"


class IngestSettings(DataSettings):
    """What ingest reads: the corpus, the file size cap, and how articles are chunked."""

    corpus_dir: Path = Field(Path("seeds"), description="Folder of raw article files.")
    max_file_mb: float = Field(8.0, description="Files above this size are skipped with a warning.")
    chunk_min_chars: int = 150
    chunk_max_chars: int = 400
    chunk_overlap_sentences: int = 1


S = TypeVar("S", bound=Section)
T = TypeVar("T", bound=Section)


def build_settings(cls: type[S], **overrides: object) -> S:
    """``cls`` from the overrides that were actually given: ``None`` means "not given", so an
    absent flag leaves the ``RAG_*`` variable or the default in charge."""
    return cls(**{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class Flag:
    """One command-line flag that sets one settings field."""

    field: str
    help: str
    choices: tuple[str, ...] | None = None


class Flags(Generic[S]):
    """A stage's flag table bound to the settings class its CLI builds. Each stage extends the
    one before it, so a flag is declared once, next to the section that owns its field, and
    every CLI takes the flags it offers from one shared parent parser."""

    def __init__(self, cls: type[S], table: Mapping[str, Flag]) -> None:
        missing = [f.field for f in table.values() if f.field not in cls.model_fields]
        if missing:
            raise ValueError(f"{cls.__name__} has no field {', '.join(missing)}")
        self.cls, self.table = cls, dict(table)

    def extend(self, cls: type[T], table: Mapping[str, Flag]) -> Flags[T]:
        """The next stage's table: these flags plus ``table``, building ``cls``."""
        return Flags(cls, {**self.table, **table})

    def parser(
        self, *flags: str, quiet: bool = True, aliases: Mapping[str, str] | None = None
    ) -> argparse.ArgumentParser:
        """A parent parser (``parents=[...]``) with the chosen flags and ``--quiet``;
        ``aliases`` adds an old name to a flag (ingest's ``--out`` for ``--data``)."""
        p = argparse.ArgumentParser(add_help=False)
        for name in flags:
            f = self.table[name]
            names = [name, *([aliases[name]] if aliases and name in aliases else [])]
            dest = name[2:].replace("-", "_")
            p.add_argument(*names, dest=dest, choices=f.choices, help=f.help)
        if quiet:
            p.add_argument("--quiet", action="store_true", help="no progress bars")
        return p

    def settings(self, a: argparse.Namespace, flags: Iterable[str], **overrides: object) -> S:
        """Settings from the ``flags`` (those given to :meth:`parser`) that the command line
        gave, plus ``overrides`` (e.g. ``top_k=a.k``); ``None`` means "not given" everywhere."""
        given = {self.table[f].field: getattr(a, f[2:].replace("-", "_")) for f in flags}
        return build_settings(self.cls, **given, **overrides)


FLAGS: Flags[IngestSettings] = Flags(
    IngestSettings,
    {
        "--data": Flag("data_dir", "data folder (RAG_DATA_DIR)"),
        "--corpus": Flag("corpus_dir", "corpus folder (RAG_CORPUS_DIR)"),
    },
)
