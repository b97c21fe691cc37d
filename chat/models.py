"""Typed answers: what the CLI prints as JSON, what the app renders, what eval scores."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Citation(BaseModel):
    """A verbatim quote and where it is: ``squash(raw[start:end]) == squash(quote)``."""

    n: int
    source: str
    title: str
    byline: str | None = None
    date: str | None = None  # the article's publication date (ISO), when the file gives one
    outlet: str | None = None
    copies: list[str] = Field(default_factory=list, description="Other sources of this story.")
    quote: str
    start: int
    end: int
    chunk_id: str = ""
    passage: str = Field("", description="The chunk text the quote sits in, for display.")


class Answer(BaseModel):
    question: str
    answer: str
    found: bool
    short_answer: str = ""  # the answering span itself (``4.8万亿元``); "" on refusal
    verified: bool
    mode: str  # embedded | llm | llm→embedded (fallback)
    rewritten_query: str
    citations: list[Citation] = Field(default_factory=list)
    related: list[Citation] = Field(default_factory=list)
    timing_ms: dict[str, float] = Field(default_factory=dict)
    notice: str | None = None

    def public(self) -> dict[str, object]:
        """The CLI contract's keys (plus ``related`` and ``notice``)."""
        return self.model_dump(exclude={"citations": {"__all__": {"passage"}}}, mode="json")
