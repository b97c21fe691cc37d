"""The LLM's context and the way back: a few numbered quotes in, raw-traceable citations out.

Passages are the embedded layer's chosen quotes (plus close runners-up), each extended by its
next sentence, because a short prompt keeps local prefill fast. A generated claim citing ``[n]``
is re-cited to the exact sentence(s) of passage n that support it, so every quote keeps raw
offsets and ``squash(raw[start:end]) == squash(quote)`` still holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Protocol

from ingest import squash

from .compose import Scored, citation
from .evidence import Candidate, entities
from .intent import read_intent
from .models import Citation
from .policy import POLICY
from .verify import CITE, CLAIM, numbers

REFUSED = ("资料中未找到相关信息", "Not found in the sources")
SETTLED = re.compile(r"[^\s\[\]\d]")  # text after a sentence that cannot be its ``[n]``
LEADING = re.compile(r"\s*((?:\[\d+\]\s*)+)(.+)$", re.S)


@dataclass
class Passage:
    """Consecutive candidates of one chunk; ``core`` is the quote it was chosen for."""

    parts: list[Candidate]
    core: Candidate

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.parts)


def _overlaps(a: Candidate, b: Candidate) -> bool:
    same = a.hit.chunk.source == b.hit.chunk.source
    return same and a.start < b.end and b.start < a.end


class Reads(Protocol):
    """The engine as the LLM's context needs it: the reader over scored sentences."""

    gazetteer: dict[str, str]

    def read(self, rq: str, scored: list[Scored], need: set[str], intent: Any) -> Any: ...


def passages(engine: Reads, q: str, rq: str, scored: list[Scored]) -> list[Passage]:
    """The reader's sentences, then close runners-up, each with its next sentence if short."""
    if not scored:
        return []
    reading = engine.read(rq, scored, entities(rq, engine.gazetteer), read_intent(q))
    chosen = [pk.s for pk in reading.picks][: POLICY.llm_max_passages] or scored[:1]
    extra = [s for s in scored if s.score >= POLICY.llm_runner_up * scored[0].score]
    by_pos = {(s.cand.hit.chunk.id, s.cand.pos): s.cand for s in scored}
    first = {id(s) for s in chosen}
    used: list[Candidate] = []
    out: list[Passage] = []
    size = 0
    for s in chosen + extra:
        if id(s) not in first and len(out) >= POLICY.llm_min_passages:
            break
        c = s.cand
        if any(_overlaps(c, u) for u in used) or (
            out and size + len(c.text) > POLICY.llm_context_chars
        ):
            continue
        p = Passage([c], c)
        nb = by_pos.get((c.hit.chunk.id, c.pos + 1))  # often finishes the quote's thought
        fits = nb is not None and len(c.text) + len(nb.text) <= POLICY.llm_passage_chars
        if fits and not any(_overlaps(nb, u) for u in [*used, c]):
            p.parts.append(nb)
        used += p.parts
        out.append(p)
        size += len(p.text)
    return out


def strip_refusal(text: str) -> tuple[str, bool]:
    """Remove the fixed refusal sentence; say whether it was there."""
    hit = any(r in text for r in REFUSED)
    for r in REFUSED:
        text = re.sub(rf"{re.escape(r)}[^。.！!]*[。.！!]?(?:\s*\[\d+\])*", "", text)
    return text, hit


def support(claim: str, p: Passage) -> list[Candidate]:
    """The part of ``p`` that best supports ``claim``, plus parts holding numbers it lacks."""
    body = squash(CITE.sub("", claim))
    grams = {body[i : i + 2] for i in range(len(body) - 1)}
    nums = numbers(claim)

    def key(c: Candidate) -> tuple[int, int, bool]:
        t = squash(c.text).replace(",", "")
        grams_c = {t[i : i + 2] for i in range(len(t) - 1)}
        return sum(n in t for n in nums), len(grams & grams_c), c is p.core

    best = max(p.parts, key=key)
    out = [best]
    for n in nums:
        if not any(n in squash(c.text).replace(",", "") for c in out):
            out += [c for c in p.parts if c not in out and n in squash(c.text).replace(",", "")][:1]
    return sorted(out, key=lambda c: c.start)


def cite(kept: list[str], ps: list[Passage], english: bool) -> tuple[str, list[Citation]]:
    """Renumber compactly, each ``[n]`` becoming the exact sentence(s) of passage n it uses."""
    ids: dict[tuple[str, int, int], int] = {}
    cites: list[Citation] = []
    out = []
    for claim in kept:
        if lead := LEADING.match(claim):  # small models often write ``[1] 4.8万亿元``
            claim = lead.group(2).strip() + re.sub(r"\s+", "", lead.group(1))

        def renumber(m: re.Match[str], claim: str = claim) -> str:
            marks = []
            for c in support(claim, ps[int(m.group(1)) - 1]):
                k = (c.hit.chunk.source, c.start, c.end)
                if k not in ids:
                    ids[k] = len(cites) + 1
                    cites.append(citation(ids[k], c))
                marks.append(f"[{ids[k]}]")
            return "".join(dict.fromkeys(marks))

        out.append(CITE.sub(renumber, claim))
    return (" " if english else "").join(out), cites


@dataclass
class Gate:
    """Passes a model's stream on one checked sentence at a time.

    Text that verification will remove (an uncited claim, the prompt repeated, markup) never
    reaches the user, not even for the moment before the verified answer replaces the stream.
    A sentence is decided once text follows that cannot be its trailing ``[n]``.
    """

    ok: Callable[[str], bool]
    out: Callable[[str], None] | None
    sent: int = 0  # pieces passed on
    text: str = ""  # received and not yet decided
    cuts: list[int] = field(default_factory=list)  # delta boundaries inside ``text``

    def feed(self, delta: str) -> None:
        self.text += delta
        self.cuts.append(len(self.text))
        self._flush(final=False)

    def close(self) -> None:
        self._flush(final=True)

    def _flush(self, final: bool) -> None:
        while self.text and (m := CLAIM.match(self.text)):
            b = m.end()
            if not final and not SETTLED.search(self.text, b):
                return  # the sentence may still grow, or its ``[n]`` is still on its way
            if m.group(0).strip() and self.out is not None and self.ok(m.group(0).strip()):
                edges = [0, *(c for c in self.cuts if 0 < c < b), b]
                for x, y in pairwise(edges):
                    self.out(self.text[x:y])
                    self.sent += 1
            self.text, self.cuts = self.text[b:], [c - b for c in self.cuts if c > b]
