"""Rows of the store as the records and dicts the rest of storyline takes."""
from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timezone
from urllib.parse import urlsplit

from ..records import ContentFarm, Dateline, Injection, Mention, PageSignals, Published, StoredPage
from ..schema import NO_PUBLISHED

IN_CHUNK = 500  # values per `IN (...)` list, under SQLite's limit on bound variables


def chunks(values: list) -> Iterator[tuple[list, str]]:
    """The values in slices for `IN (...)` queries, each with its placeholders."""
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start:start + IN_CHUNK]
        yield chunk, ",".join("?" * len(chunk))


def terms_json(text: str | None) -> dict[str, int]:
    """A page's term counts from their JSON, each term one string shared by every page that has it.
    Dating a settle's pages holds the terms of up to 2 x 20,000 other pages (the date anchors, and
    the loosely dated pages they may re-date); with a string per page per term they took 16.6 KB
    a page, shared 6.2 KB (Timeline17's 2,286 pages, tracemalloc)."""
    if not text:
        return {}
    intern = sys.intern
    return {intern(term): count for term, count in json.loads(text).items()}


def document_keys(terms: Iterable[str], story_counts: dict | None, name_prefix: str) -> list[str]:
    """The keys whose document frequency a stored page counts in: its body terms, then the names
    of its story features under `name_prefix` (so that a name never meets a term of the same
    spelling). Storing a page raises them, deleting it lowers them: one derivation for both."""
    return list(terms) + [name_prefix + n for n in (story_counts or {}).get("entities", {})]


def page_dict(row: sqlite3.Row) -> dict:
    page = dict(row)
    page["dateline"] = json.loads(page["dateline"]) if page.get("dateline") else None
    page["injections"] = json.loads(page["injections"] or "[]")
    page["warnings"] = json.loads(page["warnings"] or "[]")
    if "published" in page:
        page["published"] = json.loads(page["published"]) if page["published"] else dict(NO_PUBLISHED)
        page["misdated"] = bool(page["misdated"])
        page["content_farm"] = json.loads(page["content_farm"]) if page["content_farm"] else None
    if "original_reasons" in page:
        page["original_reasons"] = json.loads(page["original_reasons"]) if page["original_reasons"] else None
    return page


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def stored_page(row: sqlite3.Row) -> StoredPage:
    """A page row as the record the stages take."""
    dateline = json.loads(row["dateline"]) if row["dateline"] else None
    signals = json.loads(row["signals"]) if row["signals"] else {}
    farm = json.loads(row["content_farm"]) if row["content_farm"] else None
    published = json.loads(row["published"]) if row["published"] else None
    reasons = json.loads(row["original_reasons"]) if row["original_reasons"] else None
    return StoredPage(
        id=row["id"], seq=row["seq"], source=row["source"], status=row["status"], url=row["url"],
        reason=row["reason"], title=row["title"], text=row["text"] or "", byline=row["byline"],
        site_name=row["site_name"], claimed_date=row["claimed_date"],
        dateline=Dateline(dateline.get("place"), dateline.get("agency"), dateline.get("raw") or "") if dateline else None,
        agency=row["agency"],
        injections=tuple(Injection(i["text"], i["where"]) for i in json.loads(row["injections"] or "[]")),
        warnings=tuple(json.loads(row["warnings"] or "[]")),
        signals=PageSignals(tuple(signals.get("categories") or ()), signals.get("byline_label"),
                            signals.get("claimed_date_where"), signals.get("unrelated_headlines") or 0,
                            signals.get("rendered_date"), tuple(signals.get("removed") or ())),
        terms=terms_json(row["terms"]),
        story_counts=json.loads(row["story_counts"]) if row["story_counts"] else None,
        duplicate_of=row["duplicate_of"], relation=row["relation"], relation_score=row["relation_score"],
        original_reasons=tuple(reasons) if reasons else None, story=row["story"], related_to=row["related_to"],
        related_as=row["related_as"], related_score=row["related_score"],
        content_farm=ContentFarm(float(farm.get("score") or 0), tuple(farm.get("reasons") or ())) if farm else None,
        published=Published(_day(published["value"]), _day(published["earliest"]), _day(published["latest"]),
                            published["confidence"], tuple(published["evidence"])) if published else None,
        misdated=None if row["misdated"] is None else bool(row["misdated"]),
        mentions=mentions_from(row["mentions"]))


def mention_row(m: Mention) -> list:
    return [m.kind, m.text, m.start, m.direction, m.weekday, m.year, m.month, m.day, m.modifier]


def mentions_from(stored: str | None) -> tuple[Mention, ...] | None:
    """A page's stored time expressions (mention_row lists as JSON); None when not stored."""
    return tuple(Mention(*m) for m in json.loads(stored)) if stored else None


def story_dict(row: sqlite3.Row) -> dict:
    ids = json.loads(row["ids"] or "[]")
    return {"id": row["id"], "title": row["title"], "pages": ids, "page_count": len(ids),
            "original": row["original"], "first_date": row["first_date"], "last_date": row["last_date"],
            "storyline": row["storyline"], "aliases": json.loads(row["aliases"] or "[]")}


def site_key(site_name: str | None, url: str | None, source: str) -> str:
    """Who published a page, for counting independent sources: the URL's host (without www.),
    else its site name, else its source (a file of unknown origin counts on its own)."""
    host = urlsplit(url).hostname if url else None
    if host:
        return host.removeprefix("www.")
    return (site_name or "").strip().lower() or source


def now() -> str:
    """The time of a write, as stored: UTC, ISO, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")

