"""Quality gate: the run fails when a metric falls below (or above) its threshold.

Thresholds live in ``eval/thresholds.toml`` as ``[min]`` and ``[max]`` tables, so raising a bar is
a one-line, reviewable change and CI needs no flags.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

THRESHOLDS = Path(__file__).with_name("thresholds.toml")


@dataclass(frozen=True)
class Threshold:
    metric: str
    bound: str  # "min" | "max"
    value: float

    def passes(self, x: float) -> bool:
        return x >= self.value if self.bound == "min" else x <= self.value

    def __str__(self) -> str:
        return f"{self.metric} {'>=' if self.bound == 'min' else '<='} {self.value:g}"


def load_thresholds(path: Path | None = None) -> list[Threshold]:
    """Read ``[min]``/``[max]`` tables; raises ``ValueError`` on anything else."""
    path = path or THRESHOLDS
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"{path}: cannot read thresholds ({e})") from None
    out = []
    for bound, table in data.items():
        if bound not in ("min", "max") or not isinstance(table, dict):
            raise ValueError(f"{path}: unknown table [{bound}] (use [min] and [max])")
        for metric, value in table.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{path}: {bound}.{metric} must be a number")
            out.append(Threshold(metric, bound, float(value)))
    return out


def gate(summary: dict[str, object], thresholds: list[Threshold]) -> list[str]:
    """One line per violated threshold. A metric with no value (e.g. no unanswerable items in a
    ``--limit`` run) cannot be judged and does not fail; a metric the run does not know does."""
    failed = []
    for t in thresholds:
        if t.metric not in summary:
            failed.append(f"{t}: unknown metric {t.metric!r}")
            continue
        x = summary[t.metric]
        if isinstance(x, int | float) and not t.passes(float(x)):
            failed.append(f"{t.metric} = {x:.3f}, needs {t}")
    return failed
