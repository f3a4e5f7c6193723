"""What related pages tell a page about its date: anchors (their credible dates), the days their
mentions name, and the sentences in which they date an event.

An anchor is a credible date of a related page (its original, a page of its story, a similar
page), with the days its own text names and the sentences in which it dates an event. When this
page names the same day, or says "on Friday" in a sentence an anchor dates to a month, the two
report the same event (published.py weighs that). Mentions are read against a given publication
day here: "on Tuesday" on 2023-10-18 is 2023-10-17, "in October last year" on 2024-01-14 is
October 2023.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from ..extract.lines import STOPWORDS
from .timex import Mention, find_mentions


@dataclass(slots=True, frozen=True)
class Anchor:
    """A credible date of a related page. `scale` is how far (days) this page is
    expected to lie from it; `not_before` when this page cannot predate it (a copy
    of that page)."""

    day: date
    weight: float
    scale: float
    why: str
    not_before: bool = False
    # Days the anchor page's own text names (its weekdays and dates resolved against its
    # date): when this page names the same weekday or date, the two likely report the same event.
    events: frozenset[int] = frozenset()
    # Sentences of the anchor page that date an event: (content words, first day, last day).
    event_sentences: tuple[tuple[frozenset[str], int, int], ...] = ()


def resolve_years(m: Mention, days: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Ordinal day of the (month, day) mention nearest each P when the year is not given."""
    if m.year is not None:
        try:
            return np.full_like(days, date(m.year, m.month, m.day).toordinal())
        except ValueError:
            return np.full_like(days, -1)
    out = np.full_like(days, -1)
    best = np.full(days.shape, np.iinfo(np.int64).max)
    for delta in (-1, 0, 1):
        for year in np.unique(years + delta):
            try:
                e = date(int(year), m.month, m.day).toordinal()
            except ValueError:
                continue
            mask = (years + delta) == year
            dist = np.abs(days - e)
            better = mask & (dist < best)
            out[better], best[better] = e, dist[better]
    return out


def valid_date(y: int, m: int | None, d: int | None) -> bool:
    try:
        date(y, m or 1, d or 1)
        return True
    except ValueError:
        return False


def mention_days(m: Mention, day: date) -> int | None:
    """The day (ordinal) a mention names, read on a page published on `day`."""
    if m.kind == "weekday":
        back = (day.weekday() - m.weekday) % 7
        if m.modifier in ("next", "this coming") or m.direction == "future":
            return day.toordinal() + (m.weekday - day.weekday()) % 7
        return day.toordinal() - (back or (7 if m.modifier == "last" else 0))
    if m.kind == "date":
        event = int(resolve_years(m, np.array([day.toordinal()]), np.array([day.year]))[0])
        return event if event >= 0 else None
    return None


_RELATIVE_YEAR = re.compile(r"\s*,?\s*(last|next|this)\s+year\b", re.IGNORECASE)
_YEAR_SHIFT = {"last": -1, "this": 0, "next": 1}


def _day_of_the_year_meant(m: Mention, text: str, day: date) -> int | None:
    """A date written without its year, as a reader of the page takes it: "25 June last year" in
    the year before the page's, "on 25 June" in a past-tense clause the latest 25 June not after
    the page, in a future one the first not before it; else None (the nearest, mention_days)."""
    said = _RELATIVE_YEAR.match(text, m.start + len(m.text))
    if said:
        year = day.year + _YEAR_SHIFT[said.group(1).lower()]
        return date(year, m.month, m.day).toordinal() if valid_date(year, m.month, m.day) else None
    if m.direction not in ("past", "future"):
        return None
    step = -1 if m.direction == "past" else 1
    for year in (day.year, day.year + step, day.year + 2 * step):  # 29 February may skip a year
        if valid_date(year, m.month, m.day):
            at = date(year, m.month, m.day).toordinal()
            if (at <= day.toordinal()) if step < 0 else (at >= day.toordinal()):
                return at
    return None


def mention_span(m: Mention, text: str, day: date) -> tuple[int, int, str] | None:
    """What a mention names, read on a page published on `day`: (first day, last day, precision)
    with precision "day", "month" or "year" ("in September" on 2023-10-18: September 2023).
    A date without its year follows the clause's tense (_day_of_the_year_meant): what the report's
    timeline shows. Dating a page (published.py) weighs each year by itself instead."""
    if m.kind == "date" and m.year is None and m.month and m.day:
        at = _day_of_the_year_meant(m, text, day)
        if at is not None:
            return at, at, "day"
    if m.kind in ("weekday", "date"):
        at = mention_days(m, day)
        return (at, at, "day") if at is not None else None
    if m.kind == "month":
        span = _month_range(m, text, day)
        return (span[0], span[1], "month") if span else None
    if m.kind == "year" and m.year and valid_date(m.year, 1, 1):
        return date(m.year, 1, 1).toordinal(), date(m.year, 12, 31).toordinal(), "year"
    return None


def anchor_events(mentions: list[Mention], day: date) -> frozenset[int]:
    return frozenset(e for m in mentions if (e := mention_days(m, day)) is not None)


_CONTENT_WORD = re.compile(r"[^\W_][\w,]*[^\W_]|\d", re.UNICODE)


# Only month-long spans count ("said in October last year that ..."): a later page recounting
# when something happened. Day-level alignments pair recaps with fresh reports; on the dev half
# of Timeline17 they cost 0.5-3 points of exact-day accuracy, month-level ones cost nothing.
ALIGN_MIN_SHARED = 6


ALIGN_MIN_JACCARD = 0.4


ALIGN_MIN_SPAN_DAYS = 27


ALIGN_OUTSIDE = 1e-4  # how unlikely a day is that contradicts an aligned event


RECENT_DAYS = 7  # "on Friday" in an aligned sentence: the event is at most a week old


def _sentence_at(text: str, pos: int) -> str:
    start = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos)) + 1
    ends = [i for i in (text.find(". ", pos), text.find("\n", pos)) if i >= 0]
    return text[start:min(ends) if ends else len(text)]


def content_words(sentence: str) -> frozenset[str]:
    return frozenset(w for w in (x.lower().replace(",", "") for x in _CONTENT_WORD.findall(sentence))
                     if w not in STOPWORDS and len(w) > 1)


def _month_range(m: Mention, text: str, day: date) -> tuple[int, int] | None:
    """The month a month mention names, read on `day` ("in October last year" on 2024-01-14: October 2023)."""
    after = text[m.start + len(m.text):m.start + len(m.text) + 12].lower()
    if m.year:
        year = m.year
    elif "last year" in after:
        year = day.year - 1
    elif m.direction == "future" or m.modifier == "next":
        year = day.year if m.month >= day.month else day.year + 1
    else:
        year = day.year if m.month <= day.month else day.year - 1
    if not valid_date(year, m.month, 1):
        return None
    first = date(year, m.month, 1)
    last = date(year + (m.month == 12), m.month % 12 + 1, 1).toordinal() - 1
    return first.toordinal(), last


def event_sentences(text: str, day: date, mentions: Sequence[Mention] | None = None,
                    limit: int = 60) -> tuple[tuple[frozenset[str], int, int], ...]:
    """The sentences of a credibly dated page that say when something happened."""
    out = []
    for m in (find_mentions(text) if mentions is None else mentions):
        span = _month_range(m, text, day) if m.kind == "month" else None
        if span and span[1] - span[0] >= ALIGN_MIN_SPAN_DAYS:
            words = content_words(_sentence_at(text, m.start))
            if len(words) >= ALIGN_MIN_SHARED:
                out.append((words, span[0], span[1]))
        if len(out) >= limit:
            break
    return tuple(out)


def aligned_events(text: str, mentions: list[Mention], anchors: list[Anchor]) -> list[tuple[Mention, int, int, Anchor]]:
    """Recent-event mentions ("on Friday") of this page whose sentence an anchor page dates:
    (mention, first day, last day of the event, the anchor that dates it)."""
    out = []
    for m in mentions:
        if m.kind != "weekday" or m.direction == "future":
            continue
        words = content_words(_sentence_at(text, m.start))
        best = None
        for a in anchors:
            for other, lo, hi in a.event_sentences:
                shared = len(words & other)
                if shared >= ALIGN_MIN_SHARED and shared / len(words | other) >= ALIGN_MIN_JACCARD:
                    score = shared / len(words | other)
                    if best is None or score > best[0]:
                        best = (score, lo, hi, a)
        if best:
            out.append((m, best[1], best[2], best[3]))
    return out


def recounting_anchors(anchors: list[Anchor], aligned: list[tuple[Mention, int, int, Anchor]]) -> set[int]:
    """Anchors that tell this page's news as history: this page says "on Friday" of an event the
    anchor dates weeks before its own day. Such a later page bounds this one from above; its day
    is no centre for this page's date (a January recap would pull an October report to late October)."""
    return {id(a) for _m, _lo, hi, a in aligned if hi + RECENT_DAYS < a.day.toordinal()}


def shared_event_support(m: Mention, days: np.ndarray, weekdays: np.ndarray, years: np.ndarray,
                          anchors: list[Anchor]) -> np.ndarray:
    """Weighted share of anchors whose own text names the day this mention names, for each P."""
    if m.kind == "weekday":
        back = (weekdays - m.weekday) % 7
        named = [days - back, days + (m.weekday - weekdays) % 7]
    else:
        named = [resolve_years(m, days, years)]
    total = sum(a.weight for a in anchors) or 1.0
    support = np.zeros(days.shape)
    for a in anchors:
        if not a.events:
            continue
        events = np.fromiter(a.events, dtype=np.int64)
        hit = np.zeros(days.shape, dtype=bool)
        for e in named:
            hit |= np.isin(e, events)
        support += a.weight / total * hit
    return support
