"""``python -m eval judges``: how far can each faithfulness judge be trusted?

Every judge grades the hand-labelled claims of ``eval/gold/claims.jsonl`` (claim, cited
passages, label, error kind, reason). Per judge and per error kind: accuracy, and precision
and recall of *rejecting* (the job of a faithfulness judge is to catch unsupported claims),
on all claims and on the held-out split (claims never read while the offline judge's rules
were written: passage groups set aside at the start, and claims written blind later; a claim
read while fixing the judge belongs to ``dev``). Judges: the offline judge always; the bundled local LLMs
(``--llm 0.5b,1.5b``) and a configured endpoint (``--llm endpoint``, ``RAG_LLM_BASE_URL``)
when asked for and available. Agreement with the offline judge is reported per LLM.

The summary goes to stdout as a table and to a JSON file; ``eval/judges.json`` is the
committed last measurement that ``eval.report`` cites next to every faithfulness figure.
"""

from __future__ import annotations

import json
import logging
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .judge import LLMJudge, agreement, offline_judge

log = logging.getLogger("eval")
CLAIMS = Path(__file__).with_name("gold") / "claims.jsonl"
MEASURED = Path(__file__).with_name("judges.json")
KINDS = (
    "supported", "number_swap", "unit", "partial_number", "period", "entity_swap",
    "predicate", "negation", "uncited", "invented_item",
)  # fmt: skip
# Claims per LLM call (claims citing the same passages): one prefill serves six, as an
# answer's claims share one call in `eval run`; more makes small models lose the numbering.
BATCH = 6
LLM_CTX = 2048  # context of the judge's local server: the longest prompt here is ~900 tokens


class ClaimsError(ValueError):
    """The claim file is missing or malformed (one-line message)."""


@dataclass(frozen=True)
class Claim:
    id: str
    claim: str
    supported: bool
    kind: str
    reason: str
    split: str
    passages: dict[int, str]


def load_claims(path: Path = CLAIMS) -> list[Claim]:
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ClaimsError(f"cannot read {path}: {e.strerror}") from None
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            ps = {int(p["n"]): str(p["text"]) for p in d["passages"]}
            out.append(
                Claim(
                    d["id"],
                    d["claim"],
                    bool(d["supported"]),
                    d["kind"],
                    d.get("reason", ""),
                    d.get("split", "dev"),
                    ps,
                )
            )
        except (ValueError, KeyError, TypeError) as e:
            raise ClaimsError(f"{path}:{i}: bad claim record ({e})") from None
    if not out:
        raise ClaimsError(f"{path}: no claims")
    return out


def offline_verdicts(claims: Sequence[Claim]) -> list[bool | None]:
    from chat.evidence import load_gazetteer

    gaz = load_gazetteer()
    return [offline_judge(c.claim, c.passages, gaz).supported for c in claims]


def llm_verdicts(
    judge: LLMJudge, claims: Sequence[Claim], progress: bool = True
) -> list[bool | None]:
    """One call per group of ≤ :data:`BATCH` claims citing the same passages, as an answer's
    claims are judged in ``eval run``."""
    from tqdm import tqdm

    groups: dict[tuple[tuple[int, str], ...], list[int]] = defaultdict(list)
    for i, c in enumerate(claims):
        groups[tuple(sorted(c.passages.items()))].append(i)
    batches = [(k, ix[j : j + BATCH]) for k, ix in groups.items() for j in range(0, len(ix), BATCH)]
    out: list[bool | None] = [None] * len(claims)
    for key, ix in tqdm(batches, desc=judge.model[:24], file=sys.stderr, disable=not progress):
        for i, v in zip(ix, judge.judge([claims[i].claim for i in ix], dict(key)), strict=True):
            out[i] = v
    return out


def scores(claims: Sequence[Claim], verdicts: Sequence[bool | None]) -> dict[str, Any]:
    """Accuracy and reject-precision/recall over the claims the judge answered."""
    pairs = [(c, v) for c, v in zip(claims, verdicts, strict=True) if v is not None]
    rejected = [c for c, v in pairs if not v]
    wrong = [c for c, _ in pairs if not c.supported]
    caught = [c for c in rejected if not c.supported]
    return {
        "n": len(claims),
        "answered": len(pairs),
        "accuracy": _ratio(sum(c.supported == v for c, v in pairs), len(pairs)),
        "precision": _ratio(len(caught), len(rejected)),
        "recall": _ratio(len(caught), len(wrong)),
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def report(claims: Sequence[Claim], verdicts: Sequence[bool | None]) -> dict[str, Any]:
    by_kind = {
        k: scores(
            [c for c in claims if c.kind == k],
            [v for c, v in zip(claims, verdicts, strict=True) if c.kind == k],
        )
        for k in KINDS
        if any(c.kind == k for c in claims)
    }
    held = [(c, v) for c, v in zip(claims, verdicts, strict=True) if c.split == "heldout"]
    return {
        "all": scores(claims, verdicts),
        "heldout": scores([c for c, _ in held], [v for _, v in held]),
        "kinds": by_kind,
    }


def sample(claims: Sequence[Claim], n: int, seed: int = 0) -> list[Claim]:
    """About ``n`` claims, as whole passage groups drawn at random: every group mixes the
    kinds, so kinds stay in proportion, and an LLM call still serves a group's claims."""
    if n >= len(claims):
        return list(claims)
    groups: dict[tuple[tuple[int, str], ...], list[Claim]] = defaultdict(list)
    for c in claims:
        groups[tuple(sorted(c.passages.items()))].append(c)
    keys = sorted(groups, key=lambda k: groups[k][0].id)
    random.Random(seed).shuffle(keys)
    out: list[Claim] = []
    for k in keys:
        if len(out) >= n:
            break
        out += groups[k]
    return sorted(out, key=lambda c: c.id)


def measure(
    claims: Sequence[Claim], judges: dict[str, Callable[[Sequence[Claim]], list[bool | None]]],
    samples: dict[str, int] | None = None, reuse: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Run every judge (optionally on a sample) and score it. ``reuse``: an earlier result
    whose LLM verdicts are re-scored instead of re-run (they cost CPU minutes; the offline
    judge is always run afresh)."""
    t0 = time.perf_counter()
    offline = offline_verdicts(claims)
    out: dict[str, Any] = {"claims": len(claims), "judges": {}}
    base = dict(zip([c.id for c in claims], offline, strict=True))
    runs: dict[str, Any] = {"offline": lambda cs: [base[c.id] for c in cs], **judges}
    for name, old in (reuse or {}).get("judges", {}).items():
        if name != "offline" and name not in runs:
            runs[name] = old  # a stored result: its verdicts and timing
    for name, run in runs.items():
        if isinstance(run, dict):
            subset = [c for c in claims if c.id in run["verdicts"]]
            verdicts, seconds = [run["verdicts"][c.id] for c in subset], run["seconds"]
        else:
            subset = sample(claims, samples[name]) if samples and name in samples else list(claims)
            t1 = time.perf_counter()
            verdicts = run(subset)
            seconds = round(time.perf_counter() - (t0 if name == "offline" else t1), 1)
        res = report(subset, verdicts)
        res["seconds"] = seconds
        res["sampled"] = len(subset) < len(claims)
        res["verdicts"] = {c.id: v for c, v in zip(subset, verdicts, strict=True)}
        if name != "offline":
            res["agreement_with_offline"] = agreement([base[c.id] for c in subset], verdicts)
        out["judges"][name] = res
    return out


def table(result: dict[str, Any]) -> str:
    """Markdown: one row per error kind (+ all, held-out), accuracy P/R per judge."""
    names = list(result["judges"])
    head = "| claims | n | " + " | ".join(f"{n} acc | {n} P/R" for n in names) + " |"
    lines = [head, "|---" * (2 + 2 * len(names)) + "|"]

    def cell(s: dict[str, Any] | None) -> str:
        if not s or s["accuracy"] is None:
            return "— | —"
        pr = "/".join("—" if s[k] is None else f"{s[k]:.2f}" for k in ("precision", "recall"))
        return f"{s['accuracy']:.3f} | {pr}"

    first = result["judges"][names[0]]
    rows = [("all", first["all"]["n"], "all"), ("held-out", first["heldout"]["n"], "heldout")]
    rows += [(k, first["kinds"][k]["n"], k) for k in first["kinds"]]
    for label, n, key in rows:
        cells = []
        for name in names:
            r = result["judges"][name]
            cells.append(cell(r.get(key) if key in ("all", "heldout") else r["kinds"].get(key)))
        lines.append(f"| {label} | {n} | " + " | ".join(cells) + " |")
    notes = [
        f"{n}: agreement with offline {r['agreement_with_offline']:.3f}"
        + (f", stratified sample of {r['all']['n']}" if r["sampled"] else "")
        + f", {r['all']['answered']} answered, {r['seconds']} s"
        for n, r in result["judges"].items()
        if n != "offline" and r.get("agreement_with_offline") is not None
    ]
    return "\n".join([*lines, "", *notes])


def measured_accuracy(path: Path = MEASURED) -> dict[str, tuple[float, int]]:
    """``{judge: (accuracy, claims judged)}`` from the committed measurement; without one,
    the offline judge is measured now (a few seconds)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {
            k: (float(v["all"]["accuracy"]), int(v["all"]["answered"]))
            for k, v in data["judges"].items()
            if v["all"]["accuracy"] is not None
        }
    except (OSError, ValueError, KeyError, TypeError):
        claims = load_claims()
        res = scores(claims, offline_verdicts(claims))
        return {"offline": (float(res["accuracy"] or 0.0), int(res["answered"]))}
