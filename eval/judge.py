"""Judges of faithfulness: is each claim of an answer supported by the passages it cites?

The offline judge always runs, needs no model and is strict about the things small models get
wrong: figures with their units, who a figure or name belongs to, dates, direction words and
negation (rules in :mod:`eval.strict`, separate from ``chat.verify`` so the answer stage is not
graded by its own rules). An LLM judge (RAGAS statement/verdict style) can run beside it over
any OpenAI-compatible endpoint; the two are reported separately with their agreement rate, and
each judge's accuracy on hand-labelled claims is measured by ``python -m eval judges``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chat.compose import EN_PREFACE
from chat.evidence import places
from chat.settings import LLMSettings
from ingest import squash

from .metrics import bigram_overlap, normalize
from .strict import CITE, check
from .strict import COVERAGE as COVERAGE  # re-exported: the report and tests cite it

log = logging.getLogger("eval")

CLAIM = re.compile(r".+?(?:[。！？!?；;]+[”’）)]*(?:\s*\[\d+\])*|\n|$)", re.S)
JUDGE_TIMEOUT_S = 300.0  # a batch judge may wait longer than a chat user: small local models
PROMPT_PATH = Path(__file__).with_name("prompts") / "judge.txt"
TITLE = re.compile(r"《([^《》]{1,60})》")
VERDICT = re.compile(r'"verdict"\s*:\s*"?([01])')
QUOTED = re.compile(r"“([^“”]{1,40})”|「([^「」]{1,40})」|\"([^\"]{1,40})\"")


@dataclass
class ClaimVerdict:
    claim: str
    cites: list[int]
    supported: bool
    reason: str = ""
    llm: bool | None = None  # the LLM judge's verdict, when it ran and answered


def answer_claims(text: str) -> list[str]:
    """The sentences of an answer, each with its trailing ``[n]`` markers; the English
    preface is a label, not a claim."""
    out = [m.group(0).strip() for m in CLAIM.finditer(text.removeprefix(EN_PREFACE))]
    return [c for c in out if squash(CITE.sub("", c))]


def named_entities(text: str, gazetteer: dict[str, str]) -> set[str]:
    """Places (Chinese names, English mapped), 《titles》 and quoted terms in ``text``."""
    found = set(places(text, gazetteer))
    found |= {m for m in TITLE.findall(text)}
    found |= {next(g for g in m if g) for m in QUOTED.findall(text)}
    return {e for e in found if normalize(e)}


def coverage(claim: str, support: str) -> float:
    """Share of the claim's bigrams (``[n]`` markers removed) found in the support text."""
    return bigram_overlap(CITE.sub("", claim), support)


def offline_judge(claim: str, passages: dict[int, str], gazetteer: dict[str, str]) -> ClaimVerdict:
    """Supported when the claim says what its cited passages say about the same thing
    (:func:`eval.strict.check`). A rejected claim that the passages it does not cite would
    support is flagged as such: the answer cited the wrong passage."""
    cites = [int(n) for n in dict.fromkeys(CITE.findall(claim))]
    ok, why = check(claim, passages, named_entities(claim, gazetteer), gazetteer)
    others = sorted(set(passages) - set(cites))
    if not ok and cites and others and all(n in passages for n in cites):
        bare = CITE.sub("", claim)
        for n in others:
            if check(f"{bare}[{n}]", passages, named_entities(claim, gazetteer), gazetteer)[0]:
                why += f" (supported only by passage [{n}], which it does not cite)"
                break
    return ClaimVerdict(claim, cites, ok, why)


def segment(claim: str, n: int) -> str:
    """The text a marker sits behind: from the previous marker (or the claim's start) to
    ``[n]``; for stacked markers (``…。[1][2]``) the nearest non-empty text before them."""
    parts = CITE.split(claim)  # text, n, text, n, …
    last = ""
    for i in range(1, len(parts), 2):
        if text := parts[i - 1].strip():
            last = text
        if int(parts[i]) == n:
            return last
    return ""


def citation_supports(
    claim: str, n: int, passages: dict[int, str], gazetteer: dict[str, str]
) -> bool:
    """Citation precision: citation ``n`` is precise when its quote alone supports the claim,
    or the segment of the claim it is attached to (embedded answers are ``quote[1]quote[2]``),
    or, ALCE style, the claim is supported by all its citations but not without ``n``."""
    if n not in passages:
        return False
    bare = CITE.sub("", claim)

    def ok(text: str, ns: list[int]) -> bool:
        sub = text + "".join(f"[{m}]" for m in ns)
        return offline_judge(sub, {m: passages[m] for m in ns}, gazetteer).supported

    seg = segment(claim, n)
    if ok(bare, [n]) or (seg and ok(seg, [n])):
        return True
    rest = [int(m) for m in dict.fromkeys(CITE.findall(claim)) if int(m) != n]
    rest = [m for m in rest if m in passages]
    return bool(rest) and offline_judge(claim, passages, gazetteer).supported and not ok(bare, rest)


def judge_answer(
    text: str, passages: dict[int, str], gazetteer: dict[str, str]
) -> list[ClaimVerdict]:
    """Offline verdicts for every claim of an answer."""
    return [offline_judge(c, passages, gazetteer) for c in answer_claims(text)]


def agreement(offline: Sequence[bool], llm: Sequence[bool | None]) -> float | None:
    """Share of claims on which both judges gave the same verdict (claims the LLM skipped are
    left out)."""
    pairs = [(a, b) for a, b in zip(offline, llm, strict=True) if b is not None]
    return sum(a == b for a, b in pairs) / len(pairs) if pairs else None


def parse_verdicts(reply: str, n: int) -> list[bool | None]:
    """Verdicts for statements 1..n from the model's JSON array (by ``id``, else by order).

    Small models sometimes run out of tokens mid-array, so when the JSON does not parse, each
    ``"verdict": 0|1`` found in the text is taken in order. Unreadable verdicts are ``None``.
    """
    out: list[bool | None] = [None] * n
    start, end = reply.find("["), reply.rfind("]")
    try:
        data = json.loads(reply[start : end + 1]) if 0 <= start < end else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, list):
        found = VERDICT.findall(reply)[:n]
        return [v == "1" for v in found] + out[len(found) :]
    for i, v in enumerate(data):
        if not isinstance(v, dict) or str(v.get("verdict")) not in ("0", "1", "True", "False"):
            continue
        idx = v.get("id", i + 1)
        idx = int(idx) - 1 if isinstance(idx, int) or str(idx).isdigit() else i
        if 0 <= idx < n:
            out[idx] = str(v["verdict"]) in ("1", "True")
    return out


class LLMJudge:
    """RAGAS-style faithfulness: one call per answer judges all of its statements."""

    def __init__(
        self, client: Any, model: str, timeout_s: float = JUDGE_TIMEOUT_S, closer: Any = None
    ) -> None:
        self.client, self.model, self.timeout_s, self.closer = client, model, timeout_s, closer
        self.template = PROMPT_PATH.read_text(encoding="utf-8")
        self.errors = 0

    def prompt(self, statements: Sequence[str], passages: dict[int, str]) -> str:
        ctx = "\n".join(f"[{n}] {q}" for n, q in sorted(passages.items()))
        stm = "\n".join(f"{i + 1}. {s}" for i, s in enumerate(statements))
        return self.template.replace("{passages}", ctx).replace("{statements}", stm)

    def judge(self, statements: Sequence[str], passages: dict[int, str]) -> list[bool | None]:
        if not statements:
            return []
        try:
            client = self.client.with_options(timeout=self.timeout_s)
            resp = client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": self.prompt(statements, passages)}],
                temperature=0,
                max_tokens=16 + 16 * len(statements),  # verdicts only; bounds a looping model
            )
            return parse_verdicts(resp.choices[0].message.content or "", len(statements))
        except Exception as e:  # endpoint down or slow: the offline judge still stands
            self.errors += 1
            if self.errors == 1:
                log.warning("LLM judge call failed (%s); further failures are counted", e)
            return [None] * len(statements)

    def close(self) -> None:
        if self.closer is not None:
            self.closer()


def _local(settings: LLMSettings) -> tuple[str, str]:
    """Base URL and model name of the bundled local model. The answer engine keeps one server
    per model per process (``chat.llm_client``, stopped at exit); the judge shares it."""
    from chat.llm_client import local_server
    from chat.local_llm import default_cache_dir

    models = settings.models_dir if settings.models_dir.is_dir() else default_cache_dir()
    server = local_server(settings.local_llm, models)
    return server.base_url, server.model_name


def make_llm_judge(settings: LLMSettings) -> LLMJudge | None:
    """An LLM judge on ``llm_base_url``/``llm_model``, or on the bundled local model
    (``local_llm``), its client from ``chat.llm_client.make_client`` (the one place that knows
    keys and timeouts). ``None``: nothing configured."""
    from chat.llm_client import make_client

    base_url, model = settings.llm_base_url, settings.llm_model
    if not base_url and settings.local_llm:
        base_url, model = _local(settings)
    if not base_url:
        return None
    client, model = make_client(settings, base_url, model)
    if not model:  # a server that was not told its model name: use the first it lists
        model = client.models.list().data[0].id
    timeout = max(settings.llm_timeout_s, JUDGE_TIMEOUT_S)
    return LLMJudge(client, str(model), timeout)
