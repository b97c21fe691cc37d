"""``answer(question, history, settings) -> Answer``: the one entry point for CLI, app and eval."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from typing import Any

from index import Filters, Retriever
from index.bm25 import tokenize
from index.embed import USEm3

from .compose import EN_PREFACE, is_comparison, score
from .english import in_english
from .evidence import candidates, entities, load_gazetteer
from .intent import read_intent
from .llm_client import LLM, open_llm
from .meta import MetaIndex, meta_field
from .models import Answer, Citation
from .policy import POLICY
from .qtype import asked_part, asks
from .reader import Reading, terms, unseen_weight
from .respond import closest_line, read, render
from .rewrite import rewrite
from .settings import Settings
from .spans import warm
from .verify import verify

REFUSAL = "资料中未找到相关信息。"
REFUSAL_EN = "Not found in the sources (资料中未找到相关信息)."
MAX_QUESTION = 500  # 2.5× the longest gold question; query embedding cost grows with length
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
SURROGATE = re.compile(r"[\ud800-\udfff]")  # undecodable input bytes: unencodable downstream
MARKUP = re.compile(
    r"<(script|style)\b.*?(?:</\1\s*>|$)|<[!/?]?[a-z][^<>]*>|!?\[([^\]]*)\]\([^)]*\)", re.I | re.S
)


def clean_question(text: str) -> str:
    """One line of text: control and bidi characters and lone surrogates become spaces."""
    return " ".join(CONTROL.sub(" ", SURROGATE.sub(" ", text or "")).split())


def clean_history(history: object) -> list[dict[str, str]]:
    """Prior turns as plain one-line strings; anything that is not a turn is dropped."""
    out = []
    for t in history if isinstance(history, list) else []:
        content = t.get("content") if isinstance(t, dict) else None
        if isinstance(content, str | int | float):
            text = strip_markup(clean_question(str(content)))[:MAX_QUESTION]
            out.append({"role": str(t.get("role", "")), "content": text})
    return out


def strip_markup(text: str) -> str:
    """The words of a question without HTML tags, scripts or Markdown link targets.

    Markup says nothing about news content; searching for ``script`` or ``onerror`` would only
    surface unrelated passages (or a hostile document that contains them).
    """
    return " ".join(MARKUP.sub(lambda m: f" {m.group(2) or ''} ", text).split())


class Engine:
    """Loads retrieval and models once; answers many questions (never reads raw files)."""

    def __init__(self, settings: Settings, retriever: Retriever | None = None) -> None:
        self.settings = settings
        self.retriever = retriever or Retriever(settings)
        self.gazetteer = load_gazetteer()
        self.meta = MetaIndex(settings.articles_path)
        self.semantic = USEm3()
        warm()  # the reader's tagger: loaded once here, not on the first question
        self.articles: dict[str, str] = {}  # entity scope is the whole article
        self._by_pos: dict[tuple[str, int], Any] = {}  # (article, seq) → chunk, for list items
        self._copies: dict[str, list[str]] = {}  # copy group → sources holding that story
        for c in self.retriever.searcher.chunks.values():
            self.articles[c.article_id] = self.articles.get(c.article_id, c.title) + c.text
            self._by_pos[(c.article_id, c.seq)] = c
            if c.copy_group and c.source not in self._copies.setdefault(c.copy_group, []):
                self._copies[c.copy_group].append(c.source)
        self.llm: LLM | None = open_llm(settings)  # None in embedded mode

    def answer(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        sources: list[str] | None = None,
        filters: Filters | None = None,
        on_token: Callable[[str], None] | None = None,
        retrieval: str = "hybrid",
    ) -> Answer:
        t0 = time.perf_counter()
        if not isinstance(question, str):  # API callers can send any JSON value
            question = "" if question is None else str(question)
        question = SURROGATE.sub("\ufffd", question)
        q = strip_markup(clean_question(question))
        notice = None
        if len(q) > MAX_QUESTION:
            q, notice = q[:MAX_QUESTION], f"问题过长，只使用了前{MAX_QUESTION}个字符。"
        if not any(ch.isalnum() for ch in q):
            return Answer(
                question=question,
                answer="请输入一个问题。",
                found=False,
                verified=True,
                mode="embedded",
                rewritten_query=q,
                timing_ms={"total": _ms(t0)},
                notice=notice,
            )
        history = clean_history(history)
        if self.llm is not None and history:
            from .llm import llm_rewrite

            rq = clean_question(llm_rewrite(self, q, history))[:MAX_QUESTION]
        else:
            rq = rewrite(q, history, self.gazetteer)
        hits = self.retriever.retrieve(
            rq, self.settings.top_k, mode=retrieval, sources=sources, filters=filters
        )
        t1 = time.perf_counter()
        intent = read_intent(q)
        if intent.listing:  # list items often continue into the article's next two chunks
            hits = hits + self._next_chunks(hits[:3], len(hits))
            hits = hits + self._next_chunks(hits[-3:], len(hits))
        need = entities(rq, self.gazetteer)
        scored = self.score(rq, hits, intent, need)
        english = intent.english
        reading = self.read(rq, scored, need, intent)
        field = meta_field(q)  # who wrote it, which outlet, when: the article's metadata answers
        meta = self.meta.answer(field, [h.chunk.article_id for h in hits]) if field else None
        found, short = reading.found or meta is not None, ""
        mode = "embedded"
        if meta is not None:
            related, (text, short, cite), verified = [], meta, True
            cites = [cite]
        elif not found:
            related = _related(scored)
            text, cites, verified = (REFUSAL_EN if english else REFUSAL), [], True
            if not english:
                text += closest_line(rq, related, self.weights)
        else:
            related = []
            listing = reading.picks[0].ask.listing or is_comparison(need, intent)
            cards = POLICY.max_cards_list if listing else POLICY.max_cards
            text, short, cites = render(reading, self.copies, cards)
            text, verdicts = verify(text, {c.n: c.quote for c in cites})
            verified = all(v.supported for v in verdicts)
            notice = reading.note or notice  # "资料列出了其中X项": about the evidence
            if english:  # the short answer said in English (4.8 trillion yuan (4.8万亿元))
                short = in_english(short, self.gazetteer) or short
            if english:  # the preface is a label, not a claim: added after verification
                text = EN_PREFACE + text
        if found and meta is None and self.llm is not None:
            from .llm import llm_answer

            text, cites, verified, mode, llm_notice = llm_answer(
                self, q, rq, scored, english, (text, cites, verified), on_token
            )
            notice = llm_notice or notice
        elif on_token is not None:
            on_token(text)
        return Answer(
            question=question,
            answer=text,
            found=found,
            short_answer=short if found else "",
            verified=verified,
            mode=mode,
            rewritten_query=rq,
            citations=cites,
            related=related,
            timing_ms={"retrieve": _ms(t0, t1), "total": _ms(t0)},
            notice=notice,
        )

    def score(self, query: str, hits: list[Any], intent: Any, need: set[str]) -> list[Any]:
        """Every candidate quote of the hits, best first.

        ``intent`` is read from the user's own words, ``need`` (places, years) from the
        rewritten query, which may carry the subject of an earlier turn.
        """
        cands = [c for h in hits for c in candidates(h)]
        if not cands:
            return []
        sims = None  # Chinese questions are scored lexically (chat.policy says why)
        if intent.english:
            sims = self.semantic.passages([c.text for c in cands]) @ self.semantic.query(query)
        mode = self.settings.bm25_tokenizer
        idf = self.retriever.searcher.bm25.idf(tokenize(query, mode))
        return score(
            query,
            intent.question,
            cands,
            idf,
            sims,
            need,
            self.articles,
            intent,
            mode,
            self.gazetteer,
        )

    def read(self, rq: str, scored: list[Any], need: set[str], intent: Any) -> Reading:
        """The reader over the scored sentences (see :mod:`chat.respond`)."""

        def context(s: Any) -> str:  # a word elsewhere in the passage or its headline
            return s.cand.hit.chunk.title + s.cand.hit.chunk.text

        rq = asked_part(rq)
        return read(
            rq,
            asks(rq, intent.english),
            scored,
            need,
            is_comparison(need, intent),
            self.weights,
            context,
            english=intent.english,
            story=lambda s: self.articles.get(s.cand.hit.chunk.article_id, ""),
        )

    def weights(self, text: str) -> dict[str, float]:
        """The content words of ``text`` weighted by their IDF in this corpus."""
        bm25 = self.retriever.searcher.bm25
        return terms(text, bm25.idf, unseen_weight(len(bm25.ids)))

    def copies(self, chunk: Any) -> list[str]:
        """Other sources of the same story (syndicated copies), for the evidence card."""
        group = self._copies.get(chunk.copy_group or "", [])
        return [s for s in group if s != chunk.source]

    def _next_chunks(self, hits: list[Any], offset: int) -> list[Any]:
        from dataclasses import replace

        have = {h.chunk.id for h in hits}
        out = []
        for h in hits:
            nxt = self._by_pos.get((h.chunk.article_id, h.chunk.seq + 1))
            if nxt is not None and nxt.id not in have:
                have.add(nxt.id)
                out.append(replace(h, chunk=nxt, rank=offset + len(out) + 1))
        return out

    def top_quotes(
        self,
        query: str,
        k: int,
        exclude: set[str] | None = None,
        filters: Filters | None = None,
    ) -> list[Citation]:
        """The best quote of each of the top passages, whether or not they answer the question."""
        q = strip_markup(clean_question(query))[:MAX_QUESTION]
        hits = self.retriever.retrieve(q, max(2 * k, self.settings.top_k), filters=filters)
        out = [
            c
            for c in _related(
                self.score(q, hits, read_intent(q), entities(q, self.gazetteer)), n=2 * k
            )
            if c.chunk_id not in (exclude or set())
        ]
        return out[:k]


def _related(scored: list[Any], n: int = 3) -> list[Citation]:
    from .compose import citation

    out: list[Citation] = []
    seen: set[str] = set()
    for s in scored:
        if s.cand.hit.chunk.id in seen:
            continue
        seen.add(s.cand.hit.chunk.id)
        out.append(citation(len(out) + 1, s.cand))
        if len(out) == n:
            break
    return out


def _ms(a: float, b: float | None = None) -> float:
    return round(((b or time.perf_counter()) - a) * 1000, 1)


_ENGINES: dict[str, Engine] = {}


def get_engine(settings: Settings) -> Engine:
    # SecretStr dumps as "**********": add a digest so settings differing only in a key differ
    secrets = [settings.llm_api_key, settings.auth]
    digest = hashlib.sha256(
        "\n".join(x.get_secret_value() if x else "" for x in secrets).encode()
    ).hexdigest()
    key = settings.model_dump_json() + digest
    if key not in _ENGINES:
        _ENGINES[key] = Engine(settings)
    return _ENGINES[key]


def answer(
    question: str, history: list[dict[str, str]] | None = None, settings: Settings | None = None
) -> Answer:
    """Answer one question; models load once per settings and are reused."""
    return get_engine(settings or Settings()).answer(question, history)
