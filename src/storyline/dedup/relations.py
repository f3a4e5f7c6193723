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

import json

from ..cluster.terms import cosine, tfidf
from ..config import Config
from ..store.sqlite import SqliteStore
from . import text_shingles
from .verify import overlap

COMPARED = 50  # earlier reports each report is compared with (the most recent), for bounded cost


def _place(dateline: str | None) -> str | None:
    place = (json.loads(dateline) or {}).get("place") if dateline else None
    return place.casefold() if place else None


def relate_story_reports(store: SqliteStore, story_ids: set[str], config: Config) -> int:
    """Set version / rewrite relations of the stories' copy-group originals. Returns versions found."""
    versions = 0
    for story_id in sorted(story_ids):
        reports = store.story_reports(story_id)  # not copies: originals and unique pages, with dates
        reports.sort(key=lambda r: (r["day"] or "9999", r["id"]))
        vectors = store.term_vectors([r["id"] for r in reports])
        n_docs, df = store.document_frequencies({t for v in vectors.values() for t in v})
        weighted = {pid: tfidf(v, n_docs, df) for pid, v in vectors.items()}
        shingles: dict[str, object] = {}

        def shingles_of(page_id: str):
            if page_id not in shingles:
                shingles[page_id] = text_shingles(store.page_text(page_id), config)
            return shingles[page_id]

        for k, report in enumerate(reports):
            earlier = reports[max(0, k - COMPARED):k]
            relation = None
            place = _place(report["dateline"])
            same_wire = [e for e in earlier if report["agency"] and e["agency"] == report["agency"]
                         and place and _place(e["dateline"]) == place]
            best_version = max(((overlap(shingles_of(report["id"]), shingles_of(e["id"]))[1], e["id"])
                                for e in same_wire), default=None)
            if best_version and best_version[0] >= config.version_overlap:
                relation = (best_version[1], "version", round(float(best_version[0]), 4))
                versions += 1
            elif earlier:
                score, other = max((cosine(weighted[report["id"]], weighted[e["id"]]), e["id"]) for e in earlier)
                relation = (other, "rewrite", round(float(score), 4))
            store.set_related(report["id"], *(relation or (None, None, None)))
    return versions
