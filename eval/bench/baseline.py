"""The plain LlamaIndex pipeline we compare against, and the side-by-side comparison.

Baseline, as a user would write it from the LlamaIndex docs: ``SimpleDirectoryReader`` over the
raw seed files, the default ``SentenceSplitter``, ``VectorStoreIndex`` on Chroma, top-k
retrieval; no cleaning, no BM25, no rewrite, no verification, no refusal. It uses *our*
embedder (``index.as_embedding``: a ``BaseEmbedding`` keeping e5's query/passage roles) so only the pipeline
differs. It has no LLM (neither has our embedded mode): its "answer" is the top passage, so fact
accuracy asks whether that passage states every gold fact, and it never refuses.
"""

from __future__ import annotations

import logging
import statistics
from pathlib import Path
from typing import Any

from chat.settings import Settings
from index import as_embedding

from .. import metrics as m
from ..gold import GoldItem
from ..tokenizers import K
from .common import median_pct, pct, timed


class Baseline:
    """Indexes ``corpus`` into an embedded Chroma under ``folder``; ``retrieve`` gives texts."""

    def __init__(self, corpus: Path, folder: Path, embedder: Any, k: int = K) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.vector_stores.chroma import ChromaVectorStore

        client = chromadb.PersistentClient(
            path=str(folder), settings=ChromaSettings(anonymized_telemetry=False)
        )
        coll = client.get_or_create_collection("baseline", embedding_function=None)
        # .txt needs no optional reader; silence the warning about llama-index-readers-file
        logging.getLogger("llama_index.core.readers.file.base").setLevel(logging.ERROR)
        docs = SimpleDirectoryReader(str(corpus)).load_data()
        splitter = SentenceSplitter()  # defaults: 1024 tokens, 200 overlap
        self.nodes = splitter.get_nodes_from_documents(docs)
        storage = StorageContext.from_defaults(
            vector_store=ChromaVectorStore(chroma_collection=coll)
        )
        self.build_s, self.index = timed(
            lambda: VectorStoreIndex(
                self.nodes, storage_context=storage, embed_model=as_embedding(embedder)
            )
        )
        self.build_s /= 1000
        self.retriever = self.index.as_retriever(similarity_top_k=k)

    def retrieve(self, question: str) -> list[str]:
        return [n.node.get_content() for n in self.retriever.retrieve(question)]


def baseline_quality(base: Baseline, items: list[GoldItem]) -> dict[str, Any]:
    """hit@5, fact accuracy (top passage as the answer) and refusal accuracy (never refuses)."""
    hits, facts, lat = [], [], []
    for it in items:
        ms, texts = timed(lambda it=it: base.retrieve(it.question))
        lat.append(ms)
        quotes = [e.quote for e in it.evidence]
        if quotes:
            hits.append(m.hit_at_k(texts, quotes, K))
        if it.answerable:
            facts.append(m.fact_correct(texts[0] if texts else "", bool(texts), it.facts))
    return {
        "hit_at_5": m.rate(hits),
        "fact_accuracy": m.rate(facts),
        "refusal_accuracy": 0.0 if any(not i.answerable for i in items) else None,
        "chunks": len(base.nodes),
        "mean_chunk_chars": round(statistics.mean(len(n.get_content()) for n in base.nodes)),
        "build_s": round(base.build_s, 2),
        "retrieval": pct(lat),
    }


def our_quality(settings: Settings, items: list[GoldItem]) -> dict[str, Any]:
    """The eval runner's own numbers (hybrid, embedded mode) on the same items."""
    from chat.answer import get_engine
    from chat.evidence import load_gazetteer

    from ..corpus import RawFiles
    from ..run import Config, run_config
    from ..summary import summarize

    engine = get_engine(settings.model_copy(update={"mode": "embedded"}))
    res = run_config(engine, items, Config("hybrid"), RawFiles(settings.corpus_dir),
                     load_gazetteer(), progress=False)  # fmt: skip
    s = summarize(res)
    keys = ("hit_at_5", "fact_accuracy", "refusal_accuracy", "latency_p50_ms", "latency_p95_ms")
    return {k: s[k] for k in keys} | {"chunks": len(engine.retriever.searcher.chunks)}


def side_by_side(
    settings: Settings, base: Baseline, items: list[GoldItem], rounds: int
) -> dict[str, Any]:
    """Latency, interleaved per question: our retrieval, the baseline's, our full answer."""
    from chat.answer import get_engine
    from chat.rewrite import rewrite

    engine = get_engine(settings.model_copy(update={"mode": "embedded"}))
    kinds = ("ours_retrieval", "baseline_retrieval", "ours_answer")
    per: dict[str, list[dict[str, float | None]]] = {k: [] for k in kinds}
    for _ in range(rounds):
        cur: dict[str, list[float]] = {k: [] for k in kinds}
        for i, it in enumerate(items):
            rq = rewrite(it.question, it.history or None, engine.gazetteer)
            runs = {
                "ours_retrieval": lambda rq=rq: engine.retriever.retrieve(rq, settings.top_k),
                "baseline_retrieval": lambda it=it: base.retrieve(it.question),
                "ours_answer": lambda it=it: engine.answer(it.question, it.history or None),
            }
            # rotate the order per question, so no side always runs right after another;
            # wall-clock for all three (the answer's own timing_ms leaves out its final steps)
            for k in kinds[i % 3 :] + kinds[: i % 3]:
                cur[k].append(timed(runs[k])[0])
        for k in kinds:
            per[k].append(pct(cur[k]))
    return {k: median_pct(v) for k, v in per.items()}


class _Memo:
    """Caches query vectors, so hybrid and dense hit@5 embed each question once."""

    def __init__(self, emb: Any) -> None:
        self.emb, self.name, self.dim, self._c = emb, emb.name, emb.dim, {}

    def passages(self, texts: list[str]) -> Any:
        return self.emb.passages(texts)

    def query(self, text: str) -> Any:
        if text not in self._c:
            self._c[text] = self.emb.query(text)
        return self._c[text]


def embedder_quality(settings: Settings, items: list[GoldItem], spec: str) -> dict[str, Any]:
    """Gold hit@5 (hybrid and dense) with ``spec``; builds the index unless data_dir has it."""
    from chat.evidence import load_gazetteer
    from chat.rewrite import rewrite
    from index import Retriever, Searcher, build, get_embedder, read_manifest

    emb = _Memo(get_embedder(spec))
    s = settings.model_copy(update={"embedder": spec})
    built = read_manifest(s)
    build_ms = 0.0
    if built is None or built.embedder != spec:
        build_ms, _ = timed(lambda: build(s, progress=False, embedder=emb))  # type: ignore[arg-type]
    retriever = Retriever(s, Searcher(s, embedder=emb))  # type: ignore[arg-type]
    gaz = load_gazetteer()
    out: dict[str, Any] = {"embedder": spec, "build_s": round(build_ms / 1000, 2)}
    for mode in ("hybrid", "dense"):
        flags = []
        for it in items:
            quotes = [e.quote for e in it.evidence]
            if quotes:
                rq = rewrite(it.question, it.history or None, gaz)
                texts = [h.chunk.text for h in retriever.retrieve(rq, K, mode=mode)]
                flags.append(m.hit_at_k(texts, quotes, K))
        out[f"{mode}_hit_at_5"] = m.rate(flags)
    return out
