"""Typed records passed between pipeline stages.

read ──▶ Page ──extract──▶ Article ──fingerprint──▶ Signature ──dedup──▶ copy groups ──cluster──▶ stories
(copy groups and stories live in the store; the JSON shapes are in schema.py)
A page that cannot go on becomes a Skipped record carrying the reason; it is
stored like any other page so `storyline pages --errors` can show it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
    warnings: tuple[str, ...] = ()  # repairs made while decoding, e.g. bad bytes


@dataclass(slots=True, frozen=True)
class Skipped:
    """A page that could not be read or extracted, and why."""

    id: str
    source: str
    reason: str


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
