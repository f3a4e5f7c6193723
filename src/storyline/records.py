"""Typed records passed between pipeline stages.

read ──▶ Page ──extract──▶ Article ──fingerprint──▶ Signature ──dedup──▶ CopyLink, CopyGroup
   ──forensics──▶ Forensics ──cluster──▶ story changes, Relation, storylines
A page as the store gives it back to the stages is a StoredPage. The JSON shapes
users see are in schema.py. A page that cannot go on becomes a Skipped record
carrying the reason; it is stored like any other page so `storyline pages --errors`
can show it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

CONTENT_FARM_AT = 0.5  # content-farm score from which a page is a content farm's copy
COPY_RELATIONS = ("exact", "near", "contained")  # a page's relation that makes it a copy of its original


@dataclass(slots=True, frozen=True)
class Page:
    """One page as read from its source: decoded text, not yet understood."""

    id: str
    source: str  # path, URL, or "path#locator" for records inside a container
    kind: str  # "html" | "text"
    content: str  # decoded HTML or plain text
    url: str | None = None
    title: str | None = None  # title the record itself carries (JSONL)
    claimed_date: str | None = None  # date the record itself carries (JSONL)
    site: str | None = None  # "source" field of a JSONL record
    # "article" | "page" as the record states it; "sniff" when a JSONL record does not say;
    # None for a text file (a saved page)
    text_kind: str | None = None
    warnings: tuple[str, ...] = ()  # repairs made while decoding, e.g. bad bytes
    # Where a record whose `source` is its URL was read ("feed.jsonl#L3", "crawl.warc#record2"):
    # `delete --source feed.jsonl` finds it there.
    read_from: str | None = None


@dataclass(slots=True, frozen=True)
class Skipped:
    """A page that could not be read or extracted, and why."""

    id: str
    source: str
    reason: str
    # A failure that may not happen again (a worker crash): the next run tries the page
    # again. Other skips are tried again when the limit settings change.
    transient: bool = False


@dataclass(slots=True, frozen=True)
class Dateline:
    place: str | None  # "Moscow"
    agency: str | None  # "AP"
    raw: str  # the dateline as printed: "MOSCOW (AP) —"


@dataclass(slots=True, frozen=True)
class Injection:
    """A spam token or affix found in the page and removed from the clean text."""

    text: str
    where: str  # "title-prefix" | "title-suffix" | "body"


@dataclass(slots=True, frozen=True)
class PageSignals:
    """What the page shows around its article, kept for the content-farm judgement."""

    categories: tuple[str, ...] = ()  # section labels: "category:Stocks", "Home > Markets"
    byline_label: str | None = None  # "source" when a person is named as the page's source
    claimed_date_where: str | None = None  # metadata | masthead (above the headline) | printed | record
    unrelated_headlines: int = 0  # headline lines sharing no content word with the article
    # The site's "today" printed above the headline: the day the page was rendered, which is
    # no claim about when the story was published (only that it was by then).
    rendered_date: str | None = None
    # The page's lines that extraction left out (furniture, link lists, the masthead), so that a
    # reader can see what was removed; bounded (extract/signals.py REMOVED_LINES).
    removed: tuple[str, ...] = ()


@dataclass(slots=True, frozen=True)
class Article:
    """Clean article text with the metadata read from the page."""

    id: str
    source: str
    title: str | None
    text: str
    byline: str | None = None
    site_name: str | None = None
    claimed_date: str | None = None  # YYYY-MM-DD as the page claims it
    dateline: Dateline | None = None
    agency: str | None = None
    url: str | None = None
    read_from: str | None = None  # the container location of a record with a URL (Page.read_from)
    injections: tuple[Injection, ...] = ()
    warnings: tuple[str, ...] = ()
    signals: PageSignals = PageSignals()


@dataclass(slots=True, frozen=True)
class Signature:
    """Fingerprint of an article's text for duplicate detection."""

    page_id: str
    exact_hash: str  # hash of the normalised token stream
    minhash: np.ndarray  # uint64, one value per permutation
    shingles: np.ndarray  # sorted unique uint64 hashes of word shingles, to verify candidates
    band_keys: tuple[int, ...]  # LSH keys, one per band
    window_keys: tuple[int, ...] = ()  # LSH keys of the windows of a long text (dedup/lsh.py)

    @property
    def lsh_keys(self) -> tuple[int, ...]:
        """Every key the page is indexed and looked up by."""
        return self.band_keys + self.window_keys


@dataclass(slots=True, frozen=True)
class CopyLink:
    """A verified overlap between two pages: `a` copies `b` or the reverse (exact, near, contained)."""

    a: str
    b: str
    relation: str  # "exact" | "near" | "contained"
    score: float


@dataclass(slots=True, frozen=True)
class CopyMember:
    """A copy in its group: how it relates to the group's original."""

    id: str
    relation: str
    score: float


@dataclass(slots=True, frozen=True)
class CopyGroup:
    """Pages that copy each other, with the likeliest original and why it was chosen."""

    original: str
    reasons: tuple[str, ...]
    copies: tuple[CopyMember, ...]


@dataclass(slots=True, frozen=True)
class ContentFarm:
    score: float
    reasons: tuple[str, ...]

    @property
    def is_farm(self) -> bool:
        return self.score >= CONTENT_FARM_AT


@dataclass(slots=True, frozen=True)
class Published:
    """The estimated real publication date, its interval and the evidence for it."""

    value: date | None
    earliest: date | None
    latest: date | None
    confidence: float
    evidence: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class Forensics:
    """The forensics verdict on one page."""

    page_id: str
    injections: tuple[Injection, ...]  # the page's own and those found across its copies
    content_farm: ContentFarm
    published: Published
    misdated: bool
    text: str | None = None  # the clean text, when injections found across copies were removed from it


@dataclass(slots=True, frozen=True)
class Relation:
    """Between two reports of one story that are no copies: `page` updates (version) or
    retells (rewrite) the earlier report `other`. `other` None: the story's first report."""

    page: str
    other: str | None
    relation: str | None  # "version" | "rewrite"
    score: float | None


@dataclass(slots=True, frozen=True)
class StoredPage:
    """A page as the store gives it back: the article and every stage's verdict on it so far."""

    id: str
    seq: int  # order in which the store received it
    source: str
    status: str  # "ok" | "skipped"
    url: str | None = None
    reason: str | None = None
    title: str | None = None
    text: str = ""
    byline: str | None = None
    site_name: str | None = None
    claimed_date: str | None = None
    dateline: Dateline | None = None
    agency: str | None = None
    injections: tuple[Injection, ...] = ()
    warnings: tuple[str, ...] = ()
    signals: PageSignals = PageSignals()
    terms: dict[str, int] = field(default_factory=dict)
    story_counts: dict | None = None  # headline and name counts and the page's own day (cluster/vectors.py)
    duplicate_of: str | None = None  # the original of its copy group, when it is a copy
    relation: str | None = None
    relation_score: float | None = None
    original_reasons: tuple[str, ...] | None = None
    story: str | None = None
    related_to: str | None = None
    related_as: str | None = None
    related_score: float | None = None
    content_farm: ContentFarm | None = None  # None until forensics has judged the page
    published: Published | None = None
    misdated: bool | None = None
    mentions: tuple[Mention, ...] | None = None  # the text's time expressions, found once (None: not yet)

    @property
    def published_value(self) -> str | None:
        return self.published.value.isoformat() if self.published and self.published.value else None


@dataclass(slots=True, frozen=True)
class DatedPage:
    """A credibly dated page: an anchor for the dates of pages similar to it."""

    id: str
    story: str | None
    day: str  # YYYY-MM-DD
    terms: dict[str, int]


@dataclass(slots=True, frozen=True)
class Mention:
    """One temporal expression: `kind` is weekday | date | month | year; `direction`
    is past, future or either (for resolving: which side of the publication day)."""

    kind: str
    text: str
    start: int
    direction: str
    weekday: int | None = None  # 0 = Monday
    year: int | None = None
    month: int | None = None
    day: int | None = None
    modifier: str = ""  # last | next | this | ""


@dataclass(slots=True, frozen=True)
class PageFilter:
    """Which pages (and so which stories) a listing shows; None: no condition."""

    since: str | None = None  # YYYY-MM-DD, on the estimated publication date
    until: str | None = None
    site: str | None = None  # a site name or a host ("apnews.com")
    agency: str | None = None  # "AP", "Reuters"
    content_farm: bool | None = None  # True: only content farms' copies; False: none of them
    misdated: bool | None = None
    story: str | None = None
    query: str | None = None  # words that must all occur in the title or text

    def is_empty(self) -> bool:
        return all(getattr(self, f) is None for f in self.__slots__)

