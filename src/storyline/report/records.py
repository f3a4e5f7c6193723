"""What the report stage reads and what it gives back: typed, slotted records.

A report is built from the pages of one story (or of every story of a storyline), each read
back from the store as a `ReportPage`; it holds who (entities), who said what (quotes), what
independent sources agree on (claims), when (timeline) and a cited summary.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(slots=True, frozen=True)
class ReportPage:
    """One page as the report reads it: its clean text and what tells its source apart."""

    id: str
    text: str
    title: str | None = None
    day: date | None = None  # its estimated publication day
    site: str | None = None
    agency: str | None = None  # the wire it credits (AP, Reuters, AFP)
    original: str | None = None  # the page it copies, when it is a copy
    source_of_original: str | None = None  # set by build_report when the original is among the pages

    @property
    def source(self) -> str:
        """Who independently stands behind this text: the wire it credits, else its original's
        source, else its site, else itself. Ten reprints of one AP story are one source: AP."""
        if self.source_of_original:
            return self.source_of_original
        if self.agency:
            return self.agency
        if self.original:
            return f"page {self.original}"
        return self.site or f"page {self.id}"


@dataclass(slots=True, frozen=True)
class Entity:
    name: str  # the canonical form: the fullest, most frequent spelling
    type: str  # PERSON, ORG, GPE, LOC, NORP, FAC, EVENT
    aliases: tuple[str, ...]  # other spellings and short forms found ("Lavrov", "Sergei Lavrov")
    pages: tuple[str, ...]
    mentions: int = 0


@dataclass(slots=True, frozen=True)
class Quote:
    speaker: str | None  # a canonical entity name, or None when no speaker is named
    text: str
    pages: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class Claim:
    text: str
    sources: tuple[str, ...]  # independent sources (see ReportPage.source)
    pages: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class TimelineEvent:
    when: str  # YYYY-MM-DD, YYYY-MM or YYYY: as precise as the text is
    day: date  # its first day, for ordering
    text: str
    sentences: tuple[str, ...]
    sources: tuple[str, ...]
    pages: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class Sentence:
    text: str
    sources: tuple[str, ...]
    pages: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class Report:
    entities: tuple[Entity, ...] = ()
    quotes: tuple[Quote, ...] = ()
    claims: tuple[Claim, ...] = ()
    timeline: tuple[TimelineEvent, ...] = ()
    summary: tuple[Sentence, ...] = ()
    pages: tuple[str, ...] = field(default=())
