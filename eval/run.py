"""The runner: answer every gold item per configuration, then score it with ``eval.metrics``.

Answers come from the same ``Engine.answer`` the CLI and the app use, so the eval measures
what users get. Retrieval is scored separately on the engine's rewritten query (top
:data:`K`), so a follow-up is judged by what retrieval actually saw.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from chat.answer import Engine, get_engine
from chat.evidence import load_gazetteer
from chat.models import Answer
from chat.settings import LLMSettings, Settings
from index import Hit

from . import metrics as m
from .corpus import RawFiles
from .gold import GoldItem
from .judge import LLMJudge, citation_supports, judge_answer
from .summary import ItemResult, summarize
from .tokenizers import K, Query, compare_tokenizers


@dataclass(frozen=True)
class Config:
    name: str
    mode: str = "embedded"  # embedded | llm
    retrieval: str = "hybrid"  # hybrid | dense | bm25


def evaluate_item(
    item: GoldItem,
    ans: Answer,
    retrieved: list[Hit],
    wall_ms: float,
    corpus: RawFiles,
    gazetteer: dict[str, str],
    llm_judge: LLMJudge | None = None,
) -> ItemResult:
    """Score one answer against its gold item."""
    quotes = [e.quote for e in item.evidence]
    texts = [h.chunk.text for h in retrieved]
    r = ItemResult(
        id=item.id,
        origin=item.origin,
        type=item.type,
        question=item.question,
        history=item.history,
        answerable=item.answerable,
        gold_answer=item.answer,
        facts=item.facts,
        evidence=[asdict(e) for e in item.evidence],
        answer=ans.answer,
        short_answer=ans.short_answer,
        found=ans.found,
        mode=ans.mode,
        rewritten_query=ans.rewritten_query,
        latency_ms=float(ans.timing_ms.get("total", wall_ms)),
        wall_ms=round(wall_ms, 1),
    )
    r.retrieved = [
        {
            "rank": h.rank,
            "source": h.chunk.source,
            "chunk_id": h.chunk.id,
            "start": h.chunk.start,
            "end": h.chunk.end,
            "relevant": any(m.contains_quote(h.chunk.text, q) for q in quotes),
            "text": h.chunk.text,
        }
        for h in retrieved
    ]
    if quotes:
        r.hit_at_1, r.hit_at_3 = m.hit_at_k(texts, quotes, 1), m.hit_at_k(texts, quotes, 3)
        r.hit_at_5 = m.hit_at_k(texts, quotes, K)
        r.reciprocal_rank = m.reciprocal_rank(texts, quotes)
        r.evidence_recall = m.evidence_recall(texts, quotes)
    if item.answerable:
        r.fact_correct = m.fact_correct(ans.answer, ans.found, item.facts)
        if ans.found:
            r.short_match = m.short_answer_match(ans.short_answer, item.facts, item.answer)
        r.evidence_cited = [
            m.evidence_cited(
                e.source, e.quote, m.locate(e.quote, corpus.get(e.source) or ""), ans.citations
            )
            for e in item.evidence
        ]
    passages = {c.n: c.quote for c in ans.citations}
    verdicts = judge_answer(ans.answer, passages, gazetteer) if ans.found else []
    if llm_judge is not None and verdicts:
        for v, verdict in zip(
            verdicts, llm_judge.judge([v.claim for v in verdicts], passages), strict=True
        ):
            v.llm = verdict
    r.claims = [asdict(v) for v in verdicts]
    if item.answerable and ans.found:
        quotes = [passages[n] for v in verdicts if v.supported for n in v.cites if n in passages]
        r.supported_relevant = m.supported_relevant(item.facts, quotes)
    r.citations = [
        {
            "n": c.n,
            "source": c.source,
            "quote": c.quote,
            "start": c.start,
            "end": c.end,
            "valid": m.citation_valid(c, corpus.get(c.source)),
            "supports": any(
                citation_supports(v.claim, c.n, passages, gazetteer)
                for v in verdicts
                if c.n in v.cites
            ),
        }
        for c in ans.citations
    ]
    r.failures = failures(item, r)
    return r


def failures(item: GoldItem, r: ItemResult) -> list[str]:
    """Why an item counts as failed (empty when it passed every check)."""
    out = []
    if r.hit_at_5 == 0.0:
        out.append(f"retrieval miss: no gold quote in the top {K} passages")
    if item.answerable and not r.found:
        out.append("false refusal")
    elif item.answerable and not r.fact_correct:
        missing = [g for g in item.facts if not m.facts_present(r.answer, [g])]
        out.append("missing facts: " + "; ".join(" | ".join(g) for g in missing))
    if not item.answerable and r.found:
        out.append("answered an unanswerable question")
    out += [
        f"unsupported claim ({c['reason']}): {c['claim']}" for c in r.claims if not c["supported"]
    ]
    out += [f"invalid citation [{c['n']}]" for c in r.citations if not c["valid"]]
    return out


def run_config(
    engine: Engine,
    items: list[GoldItem],
    config: Config,
    corpus: RawFiles,
    gazetteer: dict[str, str],
    llm_judge: LLMJudge | None = None,
    progress: bool = True,
) -> list[ItemResult]:
    """Answer and score every item under one configuration (progress bar on stderr)."""
    from tqdm import tqdm

    out = []
    for item in tqdm(items, desc=config.name, file=sys.stderr, disable=not progress, unit="q"):
        t0 = time.perf_counter()
        ans = engine.answer(item.question, item.history or None, retrieval=config.retrieval)
        wall = (time.perf_counter() - t0) * 1000
        hits = engine.retriever.retrieve(ans.rewritten_query, K, mode=config.retrieval)
        out.append(evaluate_item(item, ans, hits, wall, corpus, gazetteer, llm_judge))
    return out


@dataclass
class EvalRun:
    configs: list[Config]
    results: dict[str, list[ItemResult]]
    summaries: dict[str, dict[str, Any]]
    tokenizers: dict[str, dict[str, Any]]
    info: dict[str, Any]


def has_llm(settings: LLMSettings) -> bool:
    return bool(settings.llm_base_url or settings.local_llm)


def configurations(mode: str, retrieval: str, compare: bool, settings: LLMSettings) -> list[Config]:
    """The primary configuration first (the gated one), then the comparison's others."""
    primary = Config(f"{retrieval}{'+LLM' if mode == 'llm' else ''}", mode, retrieval)
    if not compare:
        return [primary]
    others = [Config("dense", "embedded", "dense"), Config("bm25", "embedded", "bm25")]
    others += [Config("hybrid", "embedded", "hybrid")]
    if has_llm(settings):
        others.append(Config("hybrid+LLM", "llm", "hybrid"))
    return [primary] + [c for c in others if c != primary and c.name != primary.name]


def evaluate(
    settings: Settings,
    items: list[GoldItem],
    configs: list[Config],
    llm_judge: LLMJudge | None = None,
    progress: bool = True,
) -> EvalRun:
    """Run every configuration, then the BM25 tokenizer comparison on the primary's queries."""
    t0 = time.perf_counter()
    corpus, gazetteer = RawFiles(settings.corpus_dir), load_gazetteer()
    results, summaries = {}, {}
    engine: Engine | None = None
    for cfg in configs:
        engine = get_engine(settings.model_copy(update={"mode": cfg.mode}))
        results[cfg.name] = run_config(engine, items, cfg, corpus, gazetteer, llm_judge, progress)
        summaries[cfg.name] = summarize(results[cfg.name])
    assert engine is not None
    primary = results[configs[0].name]
    queries = [
        Query(r.rewritten_query, tuple(e["quote"] for e in r.evidence))
        for r in primary
        if r.evidence
    ]
    searcher = engine.retriever.searcher
    tokenizers = compare_tokenizers(searcher, queries, settings) if queries else {}
    info = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S%z"),
        "seconds": round(time.perf_counter() - t0, 1),
        "items": len(items),
        "gold_files": sorted({i.origin.rsplit(":", 1)[0] for i in items}),
        "data_dir": str(settings.data_dir),
        "corpus_dir": str(settings.corpus_dir),
        "embedder": searcher.manifest.embedder,
        "bm25_tokenizer": searcher.manifest.bm25_mode,
        "top_k": settings.top_k,
        "k": K,
        "llm_judge": llm_judge.model if llm_judge else None,
        "llm_judge_errors": llm_judge.errors if llm_judge else 0,
    }
    return EvalRun(configs, results, summaries, tokenizers, info)
