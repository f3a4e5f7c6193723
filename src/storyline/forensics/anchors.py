"""Anchors: credible dates of related pages, with how close this page should lie to each.

Scales and weights were chosen on the dev half of Timeline17 (bench/dates): a page
whose text is close to another's is close to it in time, within about a day when
the cosine is high and within weeks when it is low.
"""
from __future__ import annotations

from datetime import date

from .events import Anchor

SIMILAR_MIN = 0.05
NEIGHBOURS = 10
COPY_SCALE = 2.0  # a copy follows its original within days (scrapers are quick)
STORY_SCALE = 3.0


# A similar page's anchor weighs sim ** SIMILAR_POWER and spreads over
# SIMILAR_SCALE_BASE + SIMILAR_SCALE_SPREAD * (1 - sim) ** 2 days (at least half a day). Chosen on the
# dev half of bench/dates/run.py (1,161 articles, each dated from its 10 most similar): the best exact
# day with the true day inside the interval on 95 % or more. Against the earlier 2 / 1 / 10, exact
# days barely move (0.483 against 0.475 there) and the intervals narrow (median 40 days against 64):
# the nearest pages were spread as wide as the far ones.
SIMILAR_POWER = 4
SIMILAR_SCALE_BASE = 0.5
SIMILAR_SCALE_SPREAD = 5.0


def similar_page_anchor(day: date, sim: float, events: frozenset[int] = frozenset(), why: str = "") -> Anchor | None:
    if sim < SIMILAR_MIN:
        return None
    return Anchor(day, weight=sim ** SIMILAR_POWER,
                  scale=max(0.5, SIMILAR_SCALE_BASE + SIMILAR_SCALE_SPREAD * (1 - sim) ** 2),
                  why=why or f"similar page (cosine {sim:.2f}) dated", events=events)


def copy_anchor(day: date, original_id: str, relation: str) -> Anchor:
    """This page copies a dated page (its estimate): it cannot be older than it."""
    return Anchor(day, weight=4.0, scale=COPY_SCALE, why=f"{relation} copy of {original_id}, dated",
                  not_before=True)
