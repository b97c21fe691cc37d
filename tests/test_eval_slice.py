"""CI's quality gate on real news: the vendored crud-dev slice (eval/crud_slice), embedded mode.

The seeds gold alone hides what fails on ordinary news (one article per file, datelines,
boilerplate). The slice is 300 crud-dev articles and 40 gold items (see its README); its
floors sit at the measured level of the embedded default (eval/crud_slice/thresholds.toml).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLICE = ROOT / "eval" / "crud_slice"


@pytest.fixture(scope="module")
def slice_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from index import IndexStageSettings, build

    data = tmp_path_factory.mktemp("crud_slice")
    build(IndexStageSettings(corpus_dir=SLICE / "docs", data_dir=data), progress=False)
    return data


def test_crud_slice_passes_its_gate(slice_data: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "PYTHONIOENCODING": "utf-8"}
    out = tmp_path / "gate"
    cmd = [
        sys.executable, "-m", "eval", "run", "--quiet",
        "--gold", str(SLICE / "gold.jsonl"),
        "--thresholds", str(SLICE / "thresholds.toml"),
        "--data", str(slice_data), "--corpus", str(SLICE / "docs"), "--out", str(out),
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, capture_output=True, text=True, encoding="utf-8", env=env, cwd=ROOT, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((out / "report.json").read_text(encoding="utf-8"))["summary"]
    assert summary["items"] == 40 and summary["citation_validity"] == 1.0
