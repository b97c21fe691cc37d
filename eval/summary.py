"""Per-item results (:class:`ItemResult`, filled by ``eval.run``) and their aggregation into
the run's metrics (one number per metric and config)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import metrics as m
from .judge import agreement


@dataclass
class ItemResult:
    """Everything the report needs about one item: inputs, outputs and every metric value."""

    id: str
    origin: str
    type: str | None
    question: str
    history: list[dict[str, str]]
    answerable: bool
    gold_answer: str
    facts: list[list[str]]
    evidence: list[dict[str, str]]
    answer: str = ""
    short_answer: str = ""
    found: bool = False
    mode: str = ""
    rewritten_query: str = ""
    retrieved: list[dict[str, Any]] = field(default_factory=list)
    hit_at_1: float | None = None
    hit_at_3: float | None = None
    hit_at_5: float | None = None
    reciprocal_rank: float | None = None
    evidence_recall: float | None = None
    fact_correct: bool | None = None
    supported_relevant: bool | None = None  # gold facts inside judge-supported cited quotes
    short_match: bool | None = None  # answerable and answered: the short answer states a fact
    claims: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    evidence_cited: list[bool] = field(default_factory=list)
    latency_ms: float = 0.0
    wall_ms: float = 0.0
    failures: list[str] = field(default_factory=list)


def summarize(results: list[ItemResult]) -> dict[str, Any]:
    """Aggregate metrics: retrieval and correctness are means over items; faithfulness and the
    citation metrics are micro-averages over claims, citations and gold quotes."""
    ans = [r for r in results if r.answerable]
    una = [r for r in results if not r.answerable]
    ev = [r for r in results if r.hit_at_5 is not None]
    claims = [c for r in results for c in r.claims]
    cites = [c for r in results for c in r.citations]
    latency, wall = [r.latency_ms for r in results], [r.wall_ms for r in results]
    llm = [c["llm"] for c in claims]
    return {
        "items": len(results),
        "answerable": len(ans),
        "unanswerable": len(una),
        "hit_at_1": m.rate([r.hit_at_1 or 0.0 for r in ev]),
        "hit_at_3": m.rate([r.hit_at_3 or 0.0 for r in ev]),
        "hit_at_5": m.rate([r.hit_at_5 or 0.0 for r in ev]),
        "mrr": m.rate([r.reciprocal_rank or 0.0 for r in ev]),
        "evidence_recall": m.rate([r.evidence_recall or 0.0 for r in ev]),
        "fact_accuracy": m.rate([bool(r.fact_correct) for r in ans]),
        "refusal_accuracy": m.rate([m.refusal_correct(r.found) for r in una]),
        "false_refusal_rate": m.rate([m.false_refusal(r.found) for r in ans]),
        "faithfulness": m.faithfulness([c["supported"] for c in claims]),
        "faithfulness_llm": m.faithfulness([v for v in llm if v is not None]),
        "supported_relevant": m.rate([bool(r.supported_relevant) for r in ans if r.found]),
        "judge_agreement": agreement([c["supported"] for c in claims], llm),
        "citation_validity": m.rate([c["valid"] for c in cites]),
        "citation_precision": m.rate([c["supports"] for c in cites]),
        "citation_recall": m.rate([f for r in ans for f in r.evidence_cited]),
        "latency_p50_ms": m.percentile(latency, 50),
        "latency_p95_ms": m.percentile(latency, 95),
        "wall_p50_ms": m.percentile(wall, 50),
        "wall_p95_ms": m.percentile(wall, 95),
        "claims": len(claims),
        "citations": len(cites),
        "failed_items": sum(bool(r.failures) for r in results),
        "answer_modes": dict(Counter(r.mode for r in results)),
        # the reader's answer shape: short answers, the span, and who was refused
        "median_answer_chars": m.median_length([r.answer for r in results if r.found]),
        "short_answer_present": m.rate([bool(r.short_answer) for r in ans if r.found]),
        "short_answer_match": m.rate([bool(r.short_match) for r in ans if r.found]),
        "refusals": m.refusal_breakdown(
            [r.answerable for r in results], [r.found for r in results]
        ),
    }
