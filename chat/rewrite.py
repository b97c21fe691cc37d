"""Rule-based follow-up rewriting, used when no LLM is configured.

``那江苏呢？`` after a question about 北京 becomes the previous question with the region
swapped; a question leaning on a pronoun (``它的目标是哪一年提出的？``) is prefixed with the
previous question so retrieval sees the subject.
"""

from __future__ import annotations

import re

from .evidence import places

FOLLOWUP = re.compile(
    r"^(?:那|那么|它|其|该|这|此|还有|另外|同时)|呢[？?]?$|^(?:and|what about|how about)\b"
    r"|\b(?:it|its|they|their|that|this)\b",
    re.I,
)
FILLER = re.compile(
    r"^(?:那么|那|还有|另外)|(?:的情况|情况)?呢?[？?。]*$|^(?:and |what about |how about )|[?]$",
    re.I,
)


def last_user_turn(history: list[dict[str, str]]) -> str | None:
    for turn in reversed(history):
        if turn.get("role") == "user" and turn.get("content", "").strip():
            return turn["content"].strip()
    return None


def rewrite(question: str, history: list[dict[str, str]] | None, gazetteer: dict[str, str]) -> str:
    if not history:
        return question
    prev = last_user_turn(history)
    if prev is None or not FOLLOWUP.search(question):
        return question
    new, old = places(question, gazetteer), places(prev, gazetteer)
    rest = FILLER.sub("", question).strip()
    for p in new:
        rest = rest.replace(p, "")
    if new and len(rest) > 2:  # names its own subject: standalone
        return question
    if new and old and len(rest) <= 2:
        out = prev
        for o in old:
            out = out.replace(o, "", 1) if o not in new else out
        return "".join(sorted(new)) + out if not any(p in out for p in new) else out
    return f"{prev} {question}"
