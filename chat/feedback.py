"""Readers' 👍/👎 on answers, one JSON line each in ``data/feedback.jsonl``.

``python -m eval feedback`` turns the 👎 lines into candidate gold items for review.
Appends are whole lines under a lock, so two sessions rating at once never interleave.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from ingest import DataSettings

from .models import Answer

_LOCK = threading.Lock()


def feedback_path(settings: DataSettings) -> Path:
    return settings.data_dir / "feedback.jsonl"


def record(settings: DataSettings, ans: Answer, verdict: str, comment: str = "") -> Path:
    """Append one rating: ``verdict`` is ``up`` or ``down``."""
    if verdict not in ("up", "down"):
        raise ValueError(f"verdict must be up or down, not {verdict!r}")
    line = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "verdict": verdict,
        "comment": " ".join(comment.split())[:1000],
        "question": ans.question,
        "rewritten_query": ans.rewritten_query,
        "answer": ans.answer,
        "short_answer": ans.short_answer,
        "found": ans.found,
        "mode": ans.mode,
        "citations": [c.model_dump(exclude={"passage"}) for c in ans.citations],
    }
    path = feedback_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path
