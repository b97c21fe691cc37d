"""Shared fixtures: the real seeds, ingested once per session into a temp data folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory):
    """Settings whose data folder holds the ingested seeds (ingest run once per session)."""
    from ingest import Settings, ingest

    data = tmp_path_factory.mktemp("data")
    settings = Settings(corpus_dir=SEEDS, data_dir=data)
    ingest(settings, progress=False)
    return settings


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the seeds, for tests that add, change or remove files."""
    dst = tmp_path / "corpus"
    shutil.copytree(SEEDS, dst)
    return dst
