"""Claimed dates: when a page's own claim counts, and the rules that tie the dates of a copy
group together (a reprint's later claim, a credible claim kept, a copy never before its original)."""
from __future__ import annotations

from datetime import date

from ..records import Article, Published, StoredPage

CREDIBLE = 0.5  # credibility of a claimed date from which it anchors other pages
IMPOSSIBLE_DAYS = 30  # a claimed date this far outside the estimate is one the content rules out

Page = Article | StoredPage


def claimed_day(page: Page) -> date | None:
    """The page's claim of its publication date (a render date, in stores from before
    `rendered_date`, is none)."""
    if page.signals.claimed_date_where == "masthead":
        return None
    return parse_day(page.claimed_date)


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def copy_chain(page: StoredPage, pages: dict[str, StoredPage]) -> list[str]:
    """The page and the loaded originals above it, up to its copy group's original (a copy of a
    copy points to the page it copies)."""
    chain = [page.id]
    while (up := pages[chain[-1]].duplicate_of) in pages and up not in chain:
        chain.append(up)
    return chain


def reprint_claims(pages: dict[str, StoredPage], root: dict[str, str],
                   credibility: dict[str, float]) -> dict[str, tuple[str, str]]:
    """Claims made more than IMPOSSIBLE_DAYS after the copy group's earliest credible claim:
    {page: its content-farm reason}."""
    earliest: dict[str, tuple[date, str]] = {}
    for pid, page in pages.items():
        day = claimed_day(page)
        if day and credibility[pid] >= CREDIBLE and (root[pid] not in earliest or day < earliest[root[pid]][0]):
            earliest[root[pid]] = (day, pid)
    out = {}
    for pid, page in pages.items():
        day, first = claimed_day(page), earliest.get(root[pid])
        if day and first and (day - first[0]).days > IMPOSSIBLE_DAYS:
            out[pid] = ("impossible_date", f"claims {day.isoformat()}, but its text was already published by "
                                           f"{first[1]} on {first[0].isoformat()}")
    return out


def keep_credible_claim(published: Published, claimed: date | None) -> Published:
    """A credible claimed date is the estimate: mentions and similar pages are weaker evidence."""
    if claimed is None or published.value == claimed:
        return published
    earliest = min(published.earliest or claimed, claimed)
    latest = max(published.latest or claimed, claimed)
    return Published(claimed, earliest, latest, published.confidence,
                     (f"credible claimed date {claimed.isoformat()} kept over the other evidence "
                      f"(which points to {published.value.isoformat()})",) + published.evidence)


def not_before(published: Published, original: Published, original_id: str) -> Published:
    """A copy is never dated before its original."""
    if published.value is None or original.value is None or published.value >= original.value:
        return published
    latest = max(published.latest or original.value, original.value)
    return Published(original.value, max(published.earliest or original.value, original.value), latest,
                     published.confidence,
                     (f"not before its original {original_id} ({original.value.isoformat()})",) + published.evidence)
