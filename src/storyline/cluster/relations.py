"""Relations between the reports of one story that are not copies of each other.

Copies (exact, near, contained) are found by overlap. Within a story, the
copy-group originals are then ordered by estimated publication date, and each
one after the first is related to an earlier one:
version   the same wire story updated: same agency and dateline place, and a
          part of the text in common (wire updates keep background paragraphs
          and rewrite the lead); score = share of the smaller text's shingles
          found in the other.
rewrite   the same event in independent text: not a copy; score = TF-IDF
          cosine with the earlier page it resembles most.
The first report of a story keeps no relation.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from ..config import Config
from ..dedup import overlap, text_shingles
from ..records import Relation, StoredPage
from .terms import cosine, tfidf

COMPARED = 50  # earlier reports each report is compared with (the most recent), for bounded cost

Frequencies = Callable[[Iterable[str]], tuple[int, dict[str, int]]]


def _place(page: StoredPage) -> str | None:
    place = page.dateline.place if page.dateline else None
    return place.casefold() if place else None


def _day(page: StoredPage) -> str:
    return page.published_value or page.claimed_date or "9999"


def relate_reports(reports: list[StoredPage], frequencies: Frequencies, config: Config) -> list[Relation]:
    """Version / rewrite relations between a story's reports (its pages that are no copies)."""
    reports = sorted(reports, key=lambda r: (_day(r), r.id))
    if len(reports) < 2:  # nothing to compare (most stories): no frequencies to read
        return [Relation(r.id, None, None, None) for r in reports]
    n_docs, df = frequencies({t for r in reports for t in r.terms})
    weighted = {r.id: tfidf(r.terms, n_docs, df) for r in reports}
    shingles: dict[str, object] = {}  # only for reports of the same agency and place: computed when needed

    def shingles_of(page: StoredPage):
        if page.id not in shingles:
            shingles[page.id] = text_shingles(page.text or "", config)
        return shingles[page.id]

    out = []
    for k, report in enumerate(reports):
        earlier = reports[max(0, k - COMPARED):k]
        relation = Relation(report.id, None, None, None)
        place = _place(report)
        same_wire = [e for e in earlier if report.agency and e.agency == report.agency and place
                     and _place(e) == place]
        best_version = max(((overlap(shingles_of(report), shingles_of(e))[1], e.id) for e in same_wire), default=None)
        if best_version and best_version[0] >= config.version_overlap:
            relation = Relation(report.id, best_version[1], "version", round(float(best_version[0]), 4))
        elif earlier:
            score, other = max((cosine(weighted[report.id], weighted[e.id]), e.id) for e in earlier)
            relation = Relation(report.id, other, "rewrite", round(float(score), 4))
        out.append(relation)
    return out
