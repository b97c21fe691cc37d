"""Reports: ``report.md`` for people, ``report.json`` for tools, ``chart.png`` for a glance.

``report.md`` lists every failure with what is needed to debug it without rerunning anything:
question (and history), answer, gold facts, evidence, citations and the retrieved passages.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .gate import Threshold
from .metrics import BIGRAM_OVERLAP
from .run import EvalRun
from .strict import COVERAGE
from .summary import ItemResult

ROWS = [
    ("hit_at_1", "hit@1"),
    ("hit_at_3", "hit@3"),
    ("hit_at_5", "hit@5"),
    ("mrr", "MRR"),
    ("evidence_recall", "evidence recall"),
    ("fact_accuracy", "fact accuracy"),
    ("refusal_accuracy", "refusal accuracy"),
    ("false_refusal_rate", "false refusal rate"),
    ("faithfulness", "faithfulness (offline judge)"),
    ("faithfulness_llm", "faithfulness (LLM judge)"),
    ("judge_agreement", "judge agreement"),
    ("supported_relevant", "supported & relevant (answered; gold fact in a supported cited quote)"),
    ("citation_validity", "citation validity"),
    ("citation_precision", "citation precision"),
    ("citation_recall", "citation recall"),
    ("median_answer_chars", "median answer length (chars, answered items)"),
    ("short_answer_present", "short answer present (answered)"),
    ("short_answer_match", "short answer matches a gold fact (answered)"),
    ("latency_p50_ms", "latency p50 (ms, Answer.timing_ms)"),
    ("latency_p95_ms", "latency p95 (ms, Answer.timing_ms)"),
    ("wall_p50_ms", "wall p50 (ms)"),
    ("wall_p95_ms", "wall p95 (ms)"),
    ("items", "items"),
    ("failed_items", "failed items"),
]
CHART_METRICS = [k for k, _ in ROWS[:15] if k not in ("hit_at_3", "judge_agreement")]
DEFINITIONS = (
    "A retrieved chunk is relevant when it contains a gold evidence quote (`ingest.squash` on "
    f"both sides) or, for quotes straddling a chunk boundary, ≥ {BIGRAM_OVERLAP:.0%} of the "
    "quote's character bigrams. Retrieval and correctness metrics are means over items; "
    "faithfulness and citation metrics are micro-averages over claims, citations and gold "
    "quotes. A claim is supported (offline judge, `eval.strict`) when every figure it states "
    "is a whole token of its cited quotes with the same unit and magnitude, belongs to what the "
    "claim says it belongs to (same clause as the claim's subject terms), its dates, direction "
    "words and negations agree, no name is taken from another part of the quotes, and they "
    f"cover ≥ {COVERAGE:.0%} of its bigrams. Each judge's accuracy on the hand-labelled claims "
    "of `eval/gold/claims.jsonl` (`python -m eval judges`) is given next to its figures."
)
JUDGED = {"faithfulness": "offline", "supported_relevant": "offline", "faithfulness_llm": "llm"}
CHART_LABELS = {k: label.split(" (")[0] for k, label in ROWS} | {
    "faithfulness": "faithfulness",
    "faithfulness_llm": "faithfulness (LLM)",
}
TOKENIZER_COLS = ["hit_at_1", "hit_at_3", "hit_at_5", "mrr", "evidence_recall"]


def fmt(v: object) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.0f}" if v > 1.0 else f"{v:.3f}"
    return str(v)


def metrics_table(run: EvalRun, thresholds: list[Threshold] | None = None) -> str:
    """Markdown table: one row per metric, one column per configuration (+ the gate)."""
    gates = {t.metric: str(t).split(" ", 1)[1] for t in thresholds or []}
    names = [c.name for c in run.configs]
    lines = ["| metric | " + " | ".join(names) + " | gate |", "|---" * (len(names) + 2) + "|"]
    accuracy = judge_accuracy_notes(run.info.get("llm_judge"))
    for key, label in ROWS:
        if key in JUDGED:
            label = f"{label} [{accuracy[JUDGED[key]]}]"
        vals = [fmt(run.summaries[n].get(key)) for n in names]
        lines.append(f"| {label} | " + " | ".join(vals) + f" | {gates.get(key, '')} |")
    return "\n".join(lines)


def judge_accuracy_notes(llm_model: str | None) -> dict[str, str]:
    """Per judge kind, e.g. "judge accuracy 0.948 on 592 labelled claims", from the last
    measurement (``eval/judges.json``); the offline judge's is recomputed without one."""
    from .judges import measured_accuracy

    acc = measured_accuracy()

    def note(name: str | None) -> str:
        if name is None or name not in acc:
            return "judge accuracy not measured"
        a, n = acc[name]
        return f"judge accuracy {a:.3f} on {n} labelled claims"

    size = next((s for s in ("0.5b", "1.5b") if llm_model and s in llm_model.lower()), None)
    llm = size or (f"endpoint:{llm_model}" if llm_model else None)
    return {"offline": note("offline"), "llm": note(llm)}


def tokenizer_table(run: EvalRun) -> str:
    if not run.tokenizers:
        return "(no answerable items: nothing to compare)"
    lines = ["| retrieval (tokenizer) | " + " | ".join(TOKENIZER_COLS) + " |"]
    lines.append("|---" * (len(TOKENIZER_COLS) + 1) + "|")
    for name, scores in run.tokenizers.items():
        lines.append(f"| {name} | " + " | ".join(fmt(scores[c]) for c in TOKENIZER_COLS) + " |")
    return "\n".join(lines)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _quote(text: str) -> str:
    return "\n".join("> " + _esc(line) for line in (text.strip() or "(empty)").splitlines())


def failure_md(r: ItemResult) -> str:
    """One failed item, self-contained."""
    out = [f"#### {r.id} ({r.type or 'untyped'}) — `{r.origin}`", ""]
    out += [f"- {_esc(f)}" for f in r.failures] + [""]
    for turn in r.history:
        out.append(f"*history, {turn['role']}:* {_esc(turn['content'])}  ")
    out.append(f"**Question:** {_esc(r.question)}  ")
    if r.rewritten_query != r.question.strip():
        out.append(f"**Retrieval query:** {_esc(r.rewritten_query)}  ")
    out += [
        f"**Answer** ({'found' if r.found else 'refused'}, {r.mode}):",
        "",
        _quote(r.answer),
        "",
    ]
    out.append(f"**Gold answer:** {_esc(r.gold_answer)}  ")
    facts = " ; ".join(" / ".join(g) for g in r.facts) or "(unanswerable)"
    out += [f"**Gold facts:** {_esc(facts)}", ""]
    if r.evidence:
        out.append("**Evidence:**")
        for e, cited in zip(r.evidence, r.evidence_cited or [False] * len(r.evidence), strict=True):
            out.append(f"- `{e['source']}`{' (cited)' if cited else ''}: {_esc(e['quote'])}")
        out.append("")
    if r.citations:
        out.append("**Citations:**")
        for c in r.citations:
            flags = ("valid" if c["valid"] else "INVALID") + (", supports" if c["supports"] else "")
            out.append(
                f"- [{c['n']}] `{c['source']}` {c['start']}–{c['end']} ({flags}): {_esc(c['quote'])}"
            )
        out.append("")
    out += ["<details><summary>Retrieved passages</summary>", ""]
    for p in r.retrieved:
        mark = " ✓ contains evidence" if p["relevant"] else ""
        out += [f"{p['rank']}. `{p['source']}` {p['start']}–{p['end']} `{p['chunk_id']}`{mark}", ""]
        out += [_quote(p["text"]), ""]
    out += ["</details>", ""]
    return "\n".join(out)


def markdown(run: EvalRun, thresholds: list[Threshold], gate_failed: list[str] | None) -> str:
    info = run.info
    out = ["# Evaluation report", ""]
    out.append(
        f"{info['started']} · {info['items']} items from {', '.join(info['gold_files'])} · "
        f"embedder `{info['embedder']}` · index BM25 tokenizer `{info['bm25_tokenizer']}` · "
        f"retrieval metrics on the top {info['k']} · runtime {info['seconds']} s"
    )
    if info.get("llm_judge"):
        out.append(f"\nLLM judge: `{info['llm_judge']}` ({info['llm_judge_errors']} failed calls).")
    gate = (
        "not applied (--no-gate)"
        if gate_failed is None
        else "passed"
        if not gate_failed
        else "**FAILED**: " + "; ".join(gate_failed)
    )
    out += ["", f"Gate on `{run.configs[0].name}`: {gate}", ""]
    out += ["## Metrics", "", metrics_table(run, thresholds), "", DEFINITIONS, ""]
    modes = {n: s["answer_modes"] for n, s in run.summaries.items()}
    out += [f"Answer modes observed: `{json.dumps(modes, ensure_ascii=False)}`", ""]
    refusals = {n: s.get("refusals") for n, s in run.summaries.items()}
    out += [f"Refusal breakdown: `{json.dumps(refusals, ensure_ascii=False)}`", ""]
    out += ["## BM25 tokenizers", ""]
    out += [
        "Retrieval metrics per tokenizer on the primary configuration's queries: BM25 alone, "
        "and fused with the dense list as `index.retrieve` fuses them. The project's tokenizer "
        "(`RAG_BM25_TOKENIZER`) is chosen from this table.",
        "",
        tokenizer_table(run),
        "",
    ]
    out += ["## Failures", ""]
    for cfg in run.configs:
        failed = [r for r in run.results[cfg.name] if r.failures]
        out += [f"### {cfg.name}: {len(failed)} of {len(run.results[cfg.name])} items", ""]
        out += [failure_md(r) for r in failed] or ["None.", ""]
    return "\n".join(out)


def _bars(ax: Any, groups: list[tuple[str, list[float | None]]], ticks: list[str]) -> None:
    """Grouped bars with their values on top; a missing value leaves a gap."""
    import numpy as np

    x = np.arange(len(ticks))
    w = 0.8 / max(1, len(groups))
    for i, (name, vals) in enumerate(groups):
        bars = ax.bar(x + i * w, [np.nan if v is None else v for v in vals], w, label=name)
        ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1)
    ax.set_xticks(x + w * (len(groups) - 1) / 2)
    ax.set_xticklabels(ticks, rotation=20, ha="right")
    ax.set_ylim(0, 1.2)
    ax.legend(fontsize=8, loc="upper center", ncol=min(len(groups), 6))


def chart(run: EvalRun, path: Path) -> None:
    """Grouped bars of the [0, 1] metrics per configuration, and of the tokenizer comparison."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in CHART_METRICS if any(s.get(k) is not None for s in run.summaries.values())]
    fig, axes = plt.subplots(2, 1, figsize=(13, 9))
    groups = [
        (f"{n} (p50 {fmt(s.get('latency_p50_ms'))} ms)", [s.get(k) for k in keys])
        for n, s in run.summaries.items()
    ]
    _bars(axes[0], groups, [CHART_LABELS.get(k, k) for k in keys])
    axes[0].set_title("Metrics per configuration")
    tok = [(n, [s[c] for c in TOKENIZER_COLS]) for n, s in run.tokenizers.items()]
    _bars(axes[1], tok, TOKENIZER_COLS)
    axes[1].set_title("BM25 tokenizers (retrieval only, top 5)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def to_json(run: EvalRun, gate_failed: list[str] | None) -> dict[str, Any]:
    return {
        "info": run.info,
        "configs": [asdict(c) for c in run.configs],
        "summary": run.summaries[run.configs[0].name],
        "summaries": run.summaries,
        "tokenizers": run.tokenizers,
        "gate": {"applied": gate_failed is not None, "failed": gate_failed or []},
        "items": {n: [asdict(r) for r in rs] for n, rs in run.results.items()},
    }


def write_reports(
    run: EvalRun, out: Path, thresholds: list[Threshold], gate_failed: list[str] | None
) -> list[Path]:
    """Write report.md, report.json and chart.png into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    md, js, png = out / "report.md", out / "report.json", out / "chart.png"
    md.write_text(markdown(run, thresholds, gate_failed), encoding="utf-8")
    js.write_text(
        json.dumps(to_json(run, gate_failed), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    chart(run, png)
    return [md, js, png]
