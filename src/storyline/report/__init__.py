"""The story report: who, what, when, who said it, and what independent sources agree on.

A stage of its own, a function of records: `build_report(pages)` takes the pages of one
story (or storyline) as `ReportPage`s and returns a `Report`. It imports no store.
"""
from .build import build_report
from .records import Claim, Entity, Quote, Report, ReportPage, Sentence, TimelineEvent
from .timeline import build_timeline

__all__ = ["build_report", "Claim", "Entity", "Quote", "Report", "ReportPage", "Sentence", "TimelineEvent", "build_timeline"]
