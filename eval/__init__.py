"""Stage 4: judge the system against gold question sets (``python -m eval run``).

Public API: :func:`load_gold` (validated :class:`GoldItem` records), :func:`evaluate` over
:class:`Config` s returning an :class:`EvalRun`, :func:`summarize`, :func:`gate` with
:func:`load_thresholds`, :func:`write_reports`, the judges (:func:`offline_judge`,
:class:`LLMJudge`) and the pure metric functions in :mod:`eval.metrics`.
Nothing in the project imports ``eval``; it imports ``chat`` to measure what users get.
Importing this package is cheap: the heavy modules load on first use.
"""

from __future__ import annotations

from typing import Any

from . import metrics
from .gate import Threshold, gate, load_thresholds
from .gold import Evidence, GoldError, GoldItem, load_gold

_LAZY = {
    "Config": "run",
    "EvalRun": "run",
    "ItemResult": "summary",
    "evaluate": "run",
    "configurations": "run",
    "summarize": "summary",
    "write_reports": "report",
    "offline_judge": "judge",
    "judge_answer": "judge",
    "LLMJudge": "judge",
    "make_llm_judge": "judge",
    "compare_tokenizers": "tokenizers",
}

__all__ = [
    "Evidence",
    "GoldError",
    "GoldItem",
    "Threshold",
    "gate",
    "load_gold",
    "load_thresholds",
    "metrics",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    """Load ``chat``/``index``-backed names only when asked for (``eval.metrics`` stays light)."""
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
