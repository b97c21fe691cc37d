"""Gold files: load and validate ``*.jsonl`` question sets.

A gold line is judged before anything runs, because a typo in line 180 should not surface as a
cryptic ``KeyError`` after minutes of answering. Every problem is one line naming ``file:line``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GOLD_DIR = Path(__file__).with_name("gold")
ROLES = ("user", "assistant", "system")


class GoldError(Exception):
    """A malformed gold line; the message is ``file:line: what is wrong``."""


@dataclass(frozen=True)
class Evidence:
    source: str
    quote: str


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    answer: str
    answerable: bool
    facts: list[list[str]]
    evidence: list[Evidence]
    history: list[dict[str, str]] = field(default_factory=list)
    type: str | None = None
    origin: str = ""  # file:line, for error messages and the report


# Share of items held out from tuning: decisions (fusion, thresholds) are set on the other 70%
# and reported on both, so a figure on the held-out part is one no constant was fitted to.
HOLDOUT_SHARE = 0.3
SPLITS = ("all", "dev", "holdout")


def default_gold_files() -> list[Path]:
    """The gold sets shipped with the package (``eval/gold/gold*.jsonl``; other files there,
    such as the judge's labelled claims, have their own format)."""
    return sorted(GOLD_DIR.glob("gold*.jsonl"))


def is_holdout(item_id: str) -> bool:
    """A fixed, content-independent split by id hash: stable across runs and machines."""
    h = int(hashlib.sha1(item_id.encode("utf-8")).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < HOLDOUT_SHARE


def split(items: list[GoldItem], part: str) -> list[GoldItem]:
    """``all``, or the ``dev`` (tuning) or ``holdout`` (never tuned on) part of ``items``."""
    if part not in SPLITS:
        raise GoldError(f"unknown split {part!r}: use one of {', '.join(SPLITS)}")
    if part == "all":
        return items
    return [it for it in items if is_holdout(it.id) == (part == "holdout")]


def _str(obj: dict[str, Any], key: str, *, empty: bool = False) -> str:
    v = obj.get(key)
    if not isinstance(v, str) or (not empty and not v.strip()):
        raise ValueError(f"{key!r} must be a non-empty string, got {v!r}")
    return v


def _facts(v: object) -> list[list[str]]:
    ok = isinstance(v, list) and all(
        isinstance(g, list) and g and all(isinstance(a, str) and a.strip() for a in g) for g in v
    )
    if not ok:
        raise ValueError(f"'facts' must be a list of non-empty lists of strings, got {v!r}")
    return [list(g) for g in v]  # type: ignore[union-attr]


def _evidence(v: object) -> list[Evidence]:
    if not isinstance(v, list):
        raise ValueError(f"'evidence' must be a list of {{source, quote}}, got {v!r}")
    out = []
    for e in v:
        if not isinstance(e, dict):
            raise ValueError(f"evidence entries must be objects, got {e!r}")
        out.append(Evidence(_str(e, "source"), _str(e, "quote")))
    return out


def _history(v: object) -> list[dict[str, str]]:
    if v is None:
        return []
    if not isinstance(v, list) or not all(
        isinstance(t, dict) and t.get("role") in ROLES and isinstance(t.get("content"), str)
        for t in v
    ):
        raise ValueError("'history' must be a list of {role: user|assistant, content: str}")
    return [{"role": t["role"], "content": t["content"]} for t in v]


def parse_item(obj: object, origin: str = "") -> GoldItem:
    """One gold record; raises ``ValueError`` with a short reason when it is malformed."""
    if not isinstance(obj, dict):
        raise ValueError("a gold line must be a JSON object")
    answerable = obj.get("answerable")
    if not isinstance(answerable, bool):
        raise ValueError(f"'answerable' must be true or false, got {answerable!r}")
    facts = _facts(obj.get("facts", []))
    evidence = _evidence(obj.get("evidence", []))
    if answerable and not (facts and evidence):
        raise ValueError("an answerable item needs at least one fact group and one evidence")
    kind = obj.get("type")
    if kind is not None and not isinstance(kind, str):
        raise ValueError(f"'type' must be a string, got {kind!r}")
    return GoldItem(
        id=_str(obj, "id"),
        question=_str(obj, "question"),
        answer=_str(obj, "answer", empty=True),
        answerable=answerable,
        facts=facts,
        evidence=evidence,
        history=_history(obj.get("history")),
        type=kind,
        origin=origin,
    )


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def load_gold(paths: list[Path] | None = None) -> list[GoldItem]:
    """All items of the given files (default: the shipped gold set), ids unique across files."""
    items: list[GoldItem] = []
    seen: dict[str, str] = {}
    for path in paths or default_gold_files():
        try:
            lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as e:
            raise GoldError(f"{path}: cannot read gold file ({e})") from None
        for no, line in enumerate(lines, 1):
            if not line.strip():
                continue
            origin = f"{_shown(path)}:{no}"
            try:
                item = parse_item(json.loads(line), origin)
            except json.JSONDecodeError as e:
                raise GoldError(f"{origin}: invalid JSON ({e.msg} at column {e.colno})") from None
            except ValueError as e:
                raise GoldError(f"{origin}: {e}") from None
            if item.id in seen:
                raise GoldError(f"{origin}: duplicate id {item.id!r} (first at {seen[item.id]})")
            seen[item.id] = origin
            items.append(item)
    if not items:
        raise GoldError(f"no gold items in {', '.join(map(str, paths or [GOLD_DIR]))}")
    return items
