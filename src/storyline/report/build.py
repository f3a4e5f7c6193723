"""One report from the pages of a story or a storyline: the stage's entry point."""
from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from .claims import claims, statements, summary
from .entities import Span, canonical_entities, page_spans
from .quotes import find_quotes
from .records import Report, ReportPage
from .timeline import build_timeline


def build_report(pages: Sequence[ReportPage], spans: Sequence[list[Span]] | None = None) -> Report:
    """`spans`: each page's entity mentions when already known (NER is most of the cost)."""
    pages = list(pages)
    # A copy stands on its original's source: an original and its copies are one source, whatever
    # the copies' own sites or credits say.
    source = {p.id: p.source for p in pages if not p.original}
    pages = [replace(p, source_of_original=source[p.original]) if p.original in source else p for p in pages]
    spans = page_spans([p.text for p in pages]) if spans is None else spans
    entities = canonical_entities(pages, spans)
    found = statements(pages)
    return Report(entities=tuple(entities), quotes=tuple(find_quotes(pages, entities)),
                  claims=tuple(claims(found)), timeline=tuple(build_timeline(pages)),
                  summary=tuple(summary(found)), pages=tuple(p.id for p in pages))
