"""``python -m eval feedback``: readers' 👎 ratings as candidate gold lines, for review.

The app appends every 👍/👎 to ``DATA/feedback.jsonl`` (see ``chat.feedback``). A 👎 means the
answer was wrong, incomplete or badly cited: each becomes a gold-format line (stdout) whose
``answer`` and ``facts`` a reviewer fills in; the cited quotes are kept as ``evidence`` to
confirm or replace, and what the system said sits under ``review``. The latest rating of a
question wins; 👍 lines are counted, not printed.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any


def candidates(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for fb in lines:
        q = " ".join(str(fb.get("question", "")).split())
        if q:
            latest[q] = fb
    out = []
    for q, fb in latest.items():
        if fb.get("verdict") != "down":
            continue
        out.append(
            {
                "id": "fb-" + hashlib.sha1(q.encode()).hexdigest()[:8],
                "question": q,
                "answer": "",
                "answerable": bool(fb.get("found", True)),
                "facts": [],
                "evidence": [
                    {"source": c.get("source", ""), "quote": c.get("quote", "")}
                    for c in fb.get("citations") or []
                ],
                "review": {
                    "system_answer": fb.get("answer", ""),
                    "comment": fb.get("comment", ""),
                    "time": fb.get("time", ""),
                    "mode": fb.get("mode", ""),
                },
            }
        )
    return out


def cmd_feedback(path: Path) -> int:
    """Print one candidate gold line per 👎 question; exit 2 on a missing or broken file."""
    if not path.is_file():
        print(f"error: no feedback file at {path}", file=sys.stderr)
        return 2
    lines = []
    for i, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            lines.append(json.loads(raw))
        except json.JSONDecodeError as e:
            print(f"error: {path}:{i}: not JSON ({e.msg})", file=sys.stderr)
            return 2
    got = candidates(lines)
    for item in got:
        print(json.dumps(item, ensure_ascii=False))
    print(f"feedback: {len(lines)} ratings, {len(got)} candidate gold lines", file=sys.stderr)
    return 0
