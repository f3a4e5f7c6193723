"""The forensics columns of the pages: date estimates and content-farm verdicts, and the pages
that anchor (or do not) the dates of similar pages."""
from __future__ import annotations

import json

from ..records import DatedPage, Forensics
from ..schema import content_farm_json, injections_json, published_json
from .rows import terms_json


class ForensicsColumns:
    """Forensics methods of SqliteStore (a mixin: it uses the store's connection `db`)."""

    def dated_pages(self, limit: int, min_confidence: float, farm_at: float) -> list[DatedPage]:
        """The most recent pages dated with at least `min_confidence` and no content farm's (score under
        `farm_at`), with their terms: anchors for the dates of similar pages."""
        return self._pages_by_anchoring(True, limit, min_confidence, farm_at)

    def loosely_dated_pages(self, limit: int, min_confidence: float, farm_at: float) -> list[DatedPage]:
        """The most recent pages that are no anchors (dated_pages' condition fails: no date, a date
        below `min_confidence`, or a content farm's), with their terms; `day`: their date or ''.
        Only pages already in a story: one without is still to be settled (a later slice of a
        rebuild, another run's), and is dated then, against the anchors of that time."""
        return self._pages_by_anchoring(False, limit, min_confidence, farm_at)

    def _pages_by_anchoring(self, anchors: bool, limit: int, min_confidence: float, farm_at: float) -> list[DatedPage]:
        # One condition for both sides, so that the two stay each other's complement (NULL: not an
        # anchor), but for the loose side's pages not yet in a story (loosely_dated_pages).
        anchoring = """coalesce(published_value IS NOT NULL AND json_extract(published, '$.confidence') >= ?
                                AND coalesce(json_extract(content_farm, '$.score'), 0) < ?, 0)"""
        rows = self.db.execute(
            f"""SELECT id, story, coalesce(published_value, ''), terms FROM pages
                WHERE status = 'ok' AND {'' if anchors else 'NOT '}{anchoring}
                {'' if anchors else 'AND story IS NOT NULL'}
                ORDER BY seq DESC LIMIT ?""", (min_confidence, farm_at, limit))
        return [DatedPage(r[0], r[1], r[2], terms_json(r[3])) for r in rows]

    def set_forensics(self, verdict: Forensics) -> None:
        published = published_json(verdict.published)
        self.db.execute(
            """UPDATE pages SET injections = ?, content_farm = ?, published = ?, published_value = ?, misdated = ?
               WHERE id = ?""",
            (json.dumps(injections_json(verdict.injections), ensure_ascii=False),
             json.dumps(content_farm_json(verdict.content_farm), ensure_ascii=False),
             json.dumps(published, ensure_ascii=False), published["value"], int(verdict.misdated), verdict.page_id))
        if verdict.text is not None:  # its time expressions are found again in the new text
            self.db.execute("UPDATE pages SET text = ?, mentions = NULL WHERE id = ?", (verdict.text, verdict.page_id))

    def clear_forensics(self) -> None:
        """Verdicts and date estimates (injections found across copies stay: the text no longer has them)."""
        self.db.execute("UPDATE pages SET content_farm = NULL, published = NULL, published_value = NULL, "
                        "misdated = NULL")
