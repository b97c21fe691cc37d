"""The load test's questions, how its replies are judged, and its report (``eval.bench.load``).

Questions come from the gold set, so every reply can be checked with the eval's own metrics
(``eval.metrics.fact_correct`` / ``refusal_correct``), plus a few malformed inputs. Embedded
answers are deterministic, so the same question must get the same answer every time it is
asked: any difference under concurrency is a bug, whatever the gold says.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Inputs a script or a careless user sends; all must get a well-formed reply, the first four a
# refusal-style one (found = false).
BAD_INPUTS = [
    ("bad-empty", ""),
    ("bad-blank", " \n\t　"),
    ("bad-punct", "？？！！……"),
    ("bad-control", "\x00\x1b[31m\u200b"),
    ("bad-html", "<script>alert(1)</script>江苏机器人"),
    ("bad-long", "北京计划到2027年信息软件业营收达到多少？" * 150),
]
REFUSING_BAD = {"bad-empty", "bad-blank", "bad-punct", "bad-control"}


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # answerable | unanswerable | followup | english | bad
    question: str
    history: list[dict[str, str]] = field(default_factory=list)
    facts: list[list[str]] = field(default_factory=list)
    answerable: bool | None = None  # None: a bad input, judged by shape only

    def key(self) -> str:
        return json.dumps([self.question, self.history], ensure_ascii=False)


def gold_cases(paths: list[Path] | None = None) -> list[Case]:
    """Every gold item as a case, plus the bad inputs."""
    from ..gold import load_gold

    out = []
    for g in load_gold(paths):
        if g.history:
            kind = "followup"
        elif not g.answerable:
            kind = "unanswerable"
        elif g.type == "english":
            kind = "english"
        else:
            kind = "answerable"
        out.append(Case(g.id, kind, g.question, g.history, g.facts, g.answerable))
    out += [Case(i, "bad", q) for i, q in BAD_INPUTS]
    return out


def plan(cases: list[Case], n: int, seed: int = 0) -> list[Case]:
    """``n`` questions: shuffled passes over all cases, so every kind is mixed in throughout."""
    rng = random.Random(seed)
    out: list[Case] = []
    while len(out) < n:
        batch = list(cases)
        rng.shuffle(batch)
        out += batch
    return out[:n]


def judge(case: Case, reply: Any) -> str | None:
    """Why the reply is wrong, or ``None`` when it is right (by the eval's own metrics)."""
    from .. import metrics as m

    if not isinstance(reply, dict) or not isinstance(reply.get("answer"), str):
        return "error: " + str(reply.get("error") if isinstance(reply, dict) else reply)[:200]
    found = bool(reply.get("found"))
    if case.answerable is None:
        return "bad input answered" if case.id in REFUSING_BAD and found else None
    if case.answerable:
        return None if m.fact_correct(reply["answer"], found, case.facts) else "fact missing"
    return None if m.refusal_correct(found) else "unanswerable question answered"


def fingerprint(reply: Any) -> str:
    """What must not change between two asks of one question (not the timings)."""
    if not isinstance(reply, dict):
        return repr(reply)
    cites = [(c.get("source"), c.get("start"), c.get("end")) for c in reply.get("citations", [])]
    return json.dumps([reply.get("answer"), reply.get("found"), cites], ensure_ascii=False)


@dataclass
class Tally:
    """Replies as they arrive: correctness per kind, consistency per question."""

    right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    wrong: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)
    wrong_ids: set[str] = field(default_factory=set)
    seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, case: Case, reply: Any) -> None:
        why = judge(case, reply)
        if why is None:
            self.right[case.kind] += 1
        elif why.startswith("error"):
            self.errors.append(f"{case.id}: {why}")
        else:
            self.wrong[case.kind] += 1
            self.wrong_ids.add(case.id)
        self.seen[case.key()].add(fingerprint(reply))

    @property
    def inconsistent(self) -> int:
        return sum(len(v) > 1 for v in self.seen.values())

    def by_kind(self) -> dict[str, dict[str, int]]:
        kinds = sorted(set(self.right) | set(self.wrong))
        return {k: {"right": self.right[k], "wrong": self.wrong[k]} for k in kinds}


def pct(values: list[float], p: float) -> float | None:
    from ..metrics import percentile

    v = percentile(values, p)
    return None if v is None else round(v * 1000, 1)


def report(
    a: argparse.Namespace,
    url: str,
    tally: Tally,
    lat: list[float],
    server_ms: list[float],
    drops: list[str],
    unsent: int,
    elapsed: float,
    rss: list[tuple[int, float | None]],
) -> dict[str, Any]:
    judged = sum(tally.right.values()) + sum(tally.wrong.values())
    wrong = sum(tally.wrong.values())
    start, end = rss[0][1], rss[-1][1]
    growth = round(end - start, 1) if start is not None and end is not None else None
    growth_pct = round(100 * growth / start, 1) if growth is not None and start else None
    r: dict[str, Any] = {
        "url": url,
        "sessions": a.sessions,
        "planned": a.questions,
        "answered": len(lat),
        "dropped": len(drops),
        "error_replies": len(tally.errors),
        "unsent": unsent,
        "wrong": wrong,
        "wrong_rate": round(wrong / judged, 4) if judged else None,
        "max_wrong": a.max_wrong,
        "wrong_ids": sorted(tally.wrong_ids),
        "inconsistent_questions": tally.inconsistent,
        "by_kind": tally.by_kind(),
        "seconds": round(elapsed, 1),
        "throughput_qps": round(len(lat) / elapsed, 2) if elapsed else None,
        "latency_ms": {"p50": pct(lat, 50), "p95": pct(lat, 95), "max": pct(lat, 100)},
        "server_ms": {"p50": pct(server_ms, 50), "p95": pct(server_ms, 95)},
        "rss_mb": {"start": start, "end": end, "samples": rss},
        "rss_growth_mb": growth,
        "rss_growth_pct": growth_pct,
        "drops": drops[:20],
        "errors": tally.errors[:20],
    }
    fails = []
    if drops or tally.errors:
        fails.append(f"{len(drops)} dropped, {len(tally.errors)} error replies (tolerance 0)")
    if unsent:
        fails.append(f"{unsent} questions not asked within --max-seconds {a.max_seconds}")
    if tally.inconsistent:
        fails.append(f"{tally.inconsistent} questions got different answers on different asks")
    if judged and wrong / judged > a.max_wrong:
        fails.append(f"wrong rate {wrong / judged:.3f} > {a.max_wrong}")
    if not judged:
        fails.append("no question was answered")
    if growth is not None and (growth > a.max_rss_mb or (growth_pct or 0) > a.max_rss_pct):
        fails.append(f"RSS grew {growth} MB ({growth_pct}%) after warm-up")
    r["failures"], r["ok"] = fails, not fails
    return r


def table(r: dict[str, Any]) -> str:
    lat, mem = r["latency_ms"], r["rss_mb"]
    rows = [
        ("sessions / planned", f"{r['sessions']} / {r['planned']}"),
        ("answered / dropped / unsent", f"{r['answered']} / {r['dropped']} / {r['unsent']}"),
        ("wrong (rate, allowed)", f"{r['wrong']} ({r['wrong_rate']}, ≤ {r['max_wrong']})"),
        ("inconsistent questions", str(r["inconsistent_questions"])),
        ("latency p50 / p95 / max", f"{lat['p50']} / {lat['p95']} / {lat['max']} ms"),
        ("server time p50 / p95", f"{r['server_ms']['p50']} / {r['server_ms']['p95']} ms"),
        ("throughput", f"{r['throughput_qps']} q/s over {r['seconds']} s"),
        (
            "RSS start → end",
            f"{mem['start']} → {mem['end']} MB ({r['rss_growth_mb']:+} MB)"
            if r["rss_growth_mb"] is not None
            else "not measured (pass --pid)",
        ),
        ("result", "OK" if r["ok"] else "FAIL: " + "; ".join(r["failures"])),
    ]
    w = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{w}}  {v}" for k, v in rows)
