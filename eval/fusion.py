"""Which fusion rule should retrieval use? ``python -m eval fusion`` scores every candidate.

Per gold question the searcher's candidate pool (dense top-n ∪ BM25 top-n, both scores for
every member) is fetched once; each rule of ``chat.fusion.candidate_rules`` then orders the same
pool, so the table compares combinations, not luck in what was fetched. Scored on the ``dev``
and ``holdout`` splits separately: the default is chosen on ``dev`` of every corpus, and
``holdout`` shows whether the choice generalises.
"""

from __future__ import annotations

import sys
from typing import Any

from chat.evidence import load_gazetteer
from chat.rewrite import rewrite
from index import Searcher
from index.fusion import Candidates, Rule, candidate_rules
from index.settings import IndexSettings

from .gold import GoldItem, is_holdout
from .tokenizers import K, retrieval_scores


def pools(
    searcher: Searcher, items: list[GoldItem], n: int, progress: bool = True
) -> list[tuple[GoldItem, Candidates]]:
    """The candidate pool of every item that has evidence (the retrieval-scored items)."""
    from tqdm import tqdm

    gaz = load_gazetteer()
    out = []
    todo = [i for i in items if i.evidence]
    for it in tqdm(todo, desc="pools", file=sys.stderr, unit="q", disable=not progress):
        q = rewrite(it.question, it.history, gaz)
        ids, cos, bm = searcher.candidates(q, n)
        out.append((it, Candidates(ids, cos, bm)))
    return out


def score_rule(
    searcher: Searcher, pooled: list[tuple[GoldItem, Candidates]], rule: Rule
) -> dict[str, Any]:
    ranked, quotes = [], []
    for it, c in pooled:
        ranks = c.ranks(rule.scores(c))
        order = sorted(range(len(c.ids)), key=lambda i: ranks[i])
        ranked.append([searcher.chunks[c.ids[i]].text for i in order[:K]])
        quotes.append([e.quote for e in it.evidence])
    return retrieval_scores(ranked, quotes)


def compare(
    settings: IndexSettings, items: list[GoldItem], n: int, progress: bool = True
) -> dict[str, dict[str, Any]]:
    """``{rule name: {split: scores}}`` for every candidate rule, on ``dev`` and ``holdout``."""
    searcher = Searcher(settings)
    pooled = pools(searcher, items, n, progress)
    parts = {
        "dev": [p for p in pooled if not is_holdout(p[0].id)],
        "holdout": [p for p in pooled if is_holdout(p[0].id)],
        "all": pooled,
    }
    return {
        r.name: {name: score_rule(searcher, part, r) for name, part in parts.items() if part}
        for r in candidate_rules()
    }


def table(results: dict[str, dict[str, Any]], default: str) -> str:
    """Markdown: one row per rule, hit@1/3/5 and MRR per split; the default is marked."""
    splits = [s for s in ("dev", "holdout", "all") if any(s in r for r in results.values())]
    head = "| rule | " + " | ".join(f"{s} hit@1 | {s} hit@3 | {s} hit@5 | {s} MRR" for s in splits)
    lines = [head + " |", "|---" * (1 + 4 * len(splits)) + "|"]
    for name, res in results.items():
        cells = []
        for s in splits:
            r = res.get(s, {})
            cells += [f"{r.get(m, 0):.3f}" for m in ("hit_at_1", "hit_at_3", "hit_at_5", "mrr")]
        label = f"**{name}** (default)" if name == default else name
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
