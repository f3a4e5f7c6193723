"""When was a page really published? A score for every candidate day.

Each candidate day P in a window gets a log score from independent pieces of evidence:
- anchors: dates of related pages that are credible (the same copy group, the same
  story, similar pages), a Laplace kernel around each, narrow for a copy or a story
  member, wide for a merely similar page; a copy cannot predate its original;
- the text's temporal mentions resolved against P: "on Tuesday" (a weekday within
  the week around P, most often the day itself or the day before), "May 12",
  "from January 15 to 17", "in September", "in 2018", each with its direction
  (past or future from the verb near it);
- the claimed date, weighted by how credible it is (a content farm's date is not).
The estimate is the best day; [earliest, latest] is the smallest run of days that
holds `interval_mass` of the score; confidence is the share of the score on the
best day and its neighbours. Parameters were chosen on the `dev` half of
Timeline17 (bench/dates), never on the held-out half. Anchors, and what their texts say
of the days this page names, are in events.py.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np

from ..records import Published
from .claims import CREDIBLE
from .events import (ALIGN_OUTSIDE, RECENT_DAYS, Anchor, aligned_events, recounting_anchors, resolve_years,
                     shared_event_support, valid_date)
from .timex import WEEKDAYS, Mention, find_mentions

WINDOW_MARGIN_DAYS = 45
MAX_WINDOW_DAYS = 4000
LEAD_CHARS = 150  # a date this close to the start of the text is the page's own date line


@dataclass(slots=True, frozen=True)
class DateParams:
    # The interval's share of the score. Anchors and mentions multiply as if independent, which
    # makes the score too sure: at 0.975 the true day fell inside on 93.8 % of the hidden dev
    # pages of Timeline17 (bench/dates/hidden.py). The smallest of 0.975 / 0.99 / 0.993 / 0.995
    # that holds it on 95 % there: 0.99 until the similar-page anchors narrowed (8682629), then
    # 94.7 %, and 0.993 (95.2 %, median width 50 days on that half). A credible claimed date is no
    # such product: at 0.975 the dated pages' intervals already hold their day on 98.9 %, and
    # stay a few days wide.
    interval_mass: float = 0.993
    claimed_interval_mass: float = 0.975
    mention_temper: float = 1.0  # exponent on the product of mention likelihoods
    weekday_floor: float = 0.02  # a weekday naming another week
    shared_event_boost: float = 4.0  # how much a day named by similar pages too counts
    anchor_floor: float = 1e-4
    # The weekday of the news itself ("arrived in North Korea on Wednesday", in the lead):
    # the page is published that day or just after, whatever later paragraphs recount.
    lead_weekday_weight: float = 2.0


NO_ESTIMATE = Published(None, None, None, 0.0, ("no date evidence: no credible claimed date, no dated mention, no anchor",))

# How far a mention lies from the publication day P, measured on the dev half of
# Timeline17 (bench/dates; 1161 articles) and smoothed: general habits of news writing,
# not rules for one story. Weekdays: P minus the latest such weekday at or before P.
_WEEKDAY_BACK = {
    "past": np.array([0.44, 0.31, 0.09, 0.05, 0.04, 0.03, 0.04]),
    "either": np.array([0.39, 0.25, 0.10, 0.07, 0.06, 0.06, 0.07]),
    "future": np.array([0.30, 0.11, 0.05, 0.05, 0.11, 0.12, 0.26]),  # days *after* P, mostly
    "last": np.array([0.14, 0.11, 0.08, 0.08, 0.17, 0.20, 0.22]),
}
# Dates: P - E in days. A date opening the text is the page's own date line; a date with a
# year elsewhere is often a time stamp (a day late when stamped in another time zone);
# a bare "May 12" is mostly an earlier event, rarely a later one.
_DATE_SHAPES = {
    "lead": ({0: 0.75, 1: 0.08, 2: 0.04, -1: 0.02}, [(3, 14, 0.005), (-14, -2, 0.001)], 0.0008),
    "dated": ({0: 0.50, -1: 0.15, 1: 0.03}, [(2, 14, 0.005), (-14, -2, 0.005)], 0.0008),
    "past": ({}, [(0, 14, 0.015), (15, 59, 0.008), (-59, -1, 0.0015)], 0.0008),
    "either": ({}, [(0, 14, 0.012), (15, 59, 0.008), (-59, -1, 0.004)], 0.0008),
    "future": ({}, [(-14, 0, 0.02), (-59, -15, 0.005), (1, 59, 0.003)], 0.0008),
}


HABIT_PRIOR_WEIGHT = 20.0  # pseudo-counts of the general tables against one site's own habits
_NEAR = (-1, 0, 1, 2)


@dataclass(slots=True, frozen=True)
class Habits:
    """How one site dates what it reports (a Saturday paper says "on Friday"; a wire
    stamps the day itself), learned from its pages whose dates are credible and mixed
    with the general tables above."""

    weekday: dict[str, np.ndarray]
    date_shapes: dict[str, tuple]

    @classmethod
    def general(cls) -> "Habits":
        return cls(dict(_WEEKDAY_BACK), dict(_DATE_SHAPES))

    @classmethod
    def learn(cls, counts: Counter) -> "Habits":
        weekday = dict(_WEEKDAY_BACK)
        for direction in ("past", "either"):
            seen = np.array([counts[("wd", direction, k)] for k in range(7)], dtype=float)
            if seen.sum():
                weekday[direction] = (_WEEKDAY_BACK[direction] * HABIT_PRIOR_WEIGHT + seen) / (HABIT_PRIOR_WEIGHT + seen.sum())
        shapes = dict(_DATE_SHAPES)
        for role in ("lead", "dated"):
            points, bands, far = _DATE_SHAPES[role]
            seen = np.array([counts[("date", role, d)] for d in _NEAR], dtype=float)
            if seen.sum():
                prior = np.array([points.get(d, 0.0) for d in _NEAR])
                mixed = (prior / prior.sum() * HABIT_PRIOR_WEIGHT + seen) / (HABIT_PRIOR_WEIGHT + seen.sum())
                shapes[role] = ({d: float(v * prior.sum()) for d, v in zip(_NEAR, mixed)}, bands, far)
        return cls(weekday, shapes)


def habit_counts(mentions: list[Mention], day: date) -> Counter:
    """What one page with a credible date says about its site's habits."""
    counts: Counter = Counter()
    for m in _distinct(mentions):
        if m.kind == "weekday" and not m.modifier and m.direction in ("past", "either"):
            counts[("wd", m.direction, (day.weekday() - m.weekday) % 7)] += 1
        elif m.kind == "date" and date_mention_role(m) in ("lead", "dated") and m.year:
            try:
                d = (day - date(m.year, m.month, m.day)).days
            except ValueError:
                continue
            if d in _NEAR:
                counts[("date", date_mention_role(m), d)] += 1
    return counts


def _shape(d: np.ndarray, points: dict[int, float], bands: list[tuple[int, int, float]], far: float) -> np.ndarray:
    out = np.full(d.shape, far)
    for lo, hi, value in bands:
        out = np.where((d >= lo) & (d <= hi), value, out)
    for at, value in points.items():
        out = np.where(d == at, np.maximum(out, value), out)
    return out


def _weekday_likelihood(m: Mention, days: np.ndarray, weekdays: np.ndarray, p: DateParams,
                        habits: Habits) -> np.ndarray:
    back = (weekdays - m.weekday) % 7  # days since the latest such weekday, at or before P
    if m.modifier in ("next", "this coming"):
        table = habits.weekday["future"]
    elif m.modifier == "last":
        table = habits.weekday["last"]
    else:
        table = habits.weekday[m.direction]
    return table[back] + p.weekday_floor


def date_mention_role(m: Mention) -> str:
    if m.start < LEAD_CHARS and m.direction != "future":  # "will visit on January 16" is no date line
        return "lead"
    if m.year is not None:
        return "dated"
    return m.direction


def _date_likelihood(m: Mention, days: np.ndarray, years: np.ndarray, habits: Habits) -> np.ndarray:
    event = resolve_years(m, days, years)
    if (event < 0).all():
        return np.ones(days.shape)
    like = _shape(days - event, *habits.date_shapes[date_mention_role(m)])
    return np.where(event < 0, 1.0, like)


def _month_likelihood(m: Mention, months: np.ndarray) -> np.ndarray:
    """Months without a year only constrain P once a year is given ("in September 2023");
    without one they say the month is the latest such month (past) or the next (future)."""
    ym = months  # year * 12 + month - 1 of each candidate day
    if m.year is not None:
        target = np.full(ym.shape, m.year * 12 + m.month - 1)
    else:
        cur = ym % 12
        back = (cur - (m.month - 1)) % 12
        fwd = ((m.month - 1) - cur) % 12
        if m.modifier == "last":
            back = np.where(back == 0, 12, back)
        if m.direction == "future" or m.modifier == "next":
            target = ym + np.where(fwd == 0, 12 if m.modifier == "next" else 0, fwd)
        else:
            target = ym - back
    gap = ym - target  # months from the mentioned month to P's month
    if m.direction == "future":
        gap = -gap
    like = np.where(gap < 0, 0.05, np.where(gap == 0, 1.0, np.exp(-gap / 4)))
    return np.maximum(like, 0.05)


def _year_likelihood(m: Mention, years: np.ndarray) -> np.ndarray:
    if m.direction == "future":
        return np.where(years <= m.year, 1.0, 0.1)
    return np.where(years >= m.year, 1.0, 0.1 if m.direction == "past" else 0.4)


def _window(anchors: list[Anchor], mentions: list[Mention], claimed: date | None,
            aligned: list[int] = ()) -> tuple[int, int] | None:
    """Days worth scoring: around the anchors and a credible claimed date when there are
    any (mentions far from them are history, not candidates), else around the dated mentions."""
    core = [a.day.toordinal() for a in anchors] + ([claimed.toordinal()] if claimed else []) + list(aligned)
    dated = [date(m.year, m.month or 1, m.day or 1).toordinal() for m in mentions
             if m.kind == "date" and m.year and valid_date(m.year, m.month, m.day)]
    if core:
        lo, hi = min(core), max(core)
        near = [d for d in dated if lo - 365 <= d <= hi + 365]
        centers = core + near
    elif dated:
        centers = [d for d in dated if d >= max(dated) - MAX_WINDOW_DAYS]  # published after what it recounts
    else:
        return None
    lo, hi = min(centers) - WINDOW_MARGIN_DAYS, max(centers) + WINDOW_MARGIN_DAYS
    if hi - lo > MAX_WINDOW_DAYS:  # anchors far apart: keep the window around their median
        mid = int(np.median(core or centers))
        lo, hi = max(lo, mid - MAX_WINDOW_DAYS // 2), min(hi, mid + MAX_WINDOW_DAYS // 2)
    return lo, hi


_GENERAL = Habits.general()


def estimate_published(text: str, *, claimed: date | None = None, claimed_credibility: float = 0.0,
                       anchors: list[Anchor] = (), params: DateParams = DateParams(),
                       mentions: list[Mention] | None = None, habits: Habits | None = None,
                       not_after: date | None = None) -> Published:
    """The publication day of a page from its text, its claimed date and its anchors."""
    mentions = find_mentions(text) if mentions is None else mentions
    habits = habits or _GENERAL
    anchors = list(anchors)
    aligned = aligned_events(text, mentions, anchors) if any(a.event_sentences for a in anchors) else []
    window = _window(anchors, mentions, claimed if claimed_credibility > 0 else None,
                     [d for _m, lo, hi, _w in aligned for d in (lo, hi + RECENT_DAYS)])
    if window is not None and not_after is not None:  # the page was seen that day: it cannot be younger
        window = (min(window[0], not_after.toordinal()), min(window[1], not_after.toordinal()))
    if window is None:
        return NO_ESTIMATE
    days = np.arange(window[0], window[1] + 1, dtype=np.int64)
    as_dates = [date.fromordinal(int(x)) for x in days]
    weekdays = np.array([x.weekday() for x in as_dates])
    years = np.array([x.year for x in as_dates])
    months = np.array([x.year * 12 + x.month - 1 for x in as_dates])

    log_score = np.zeros(days.shape)
    recounting = recounting_anchors(anchors, aligned)
    centres = [a for a in anchors if id(a) not in recounting]
    if centres:
        total = sum(a.weight for a in centres)
        kernel = np.zeros(days.shape)
        for a in centres:
            d = days - a.day.toordinal()
            k = np.exp(-np.abs(d) / a.scale) / (2 * a.scale)
            if a.not_before:
                k = np.where(d < 0, k * 0.02, k)
            kernel += a.weight / total * k
        log_score += np.log(kernel + params.anchor_floor)
    for a in anchors:
        if id(a) in recounting:
            log_score += np.where(days <= a.day.toordinal(), 0.0, np.log(ALIGN_OUTSIDE))
    if claimed is not None and claimed_credibility > 0:
        d = days - claimed.toordinal()
        k = claimed_credibility * np.exp(-np.abs(d) / 0.7) + (1 - claimed_credibility) / len(days)
        log_score += np.log(k)

    mention_log = np.zeros(days.shape)
    news_day = lead_weekday(mentions, text)
    for m in _distinct(mentions):
        if m.kind == "weekday":
            like = _weekday_likelihood(m, days, weekdays, params, habits)
        elif m.kind == "date":
            like = _date_likelihood(m, days, years, habits)
        elif m.kind == "month":
            like = _month_likelihood(m, months)
        else:
            like = _year_likelihood(m, years)
        if anchors and m.kind in ("weekday", "date") and params.shared_event_boost:
            like = like * (1 + params.shared_event_boost * shared_event_support(m, days, weekdays, years, anchors))
        mention_log += np.log(like) * (params.lead_weekday_weight if m is news_day else 1.0)
    log_score += params.mention_temper * mention_log
    # A sentence this page shares with a dated page names the event's time: "The White House
    # said on Friday that ... 1,000 containers" where a dated page says it was "in October".
    for _m, lo, hi, _anchor in aligned:
        log_score += np.where((days >= lo) & (days <= hi + RECENT_DAYS), 0.0, np.log(ALIGN_OUTSIDE))

    post = np.exp(log_score - log_score.max())
    post /= post.sum()
    best = _middle_of_best(post)
    credible_claim = claimed is not None and claimed_credibility >= CREDIBLE
    lo, hi = _interval(post, params.claimed_interval_mass if credible_claim else params.interval_mass)
    confidence = float(post[max(0, best - 1):best + 2].sum())
    value = as_dates[best]
    told = tuple(f"'{m.text.strip()}' ({m.direction}) is in a sentence that {_source(a.why)} also has; "
                 f"it dates that event {date.fromordinal(first).isoformat()}..{date.fromordinal(last).isoformat()}"
                 for m, first, last, a in aligned[:2])
    evidence = told + _evidence(value, mentions, anchors, claimed, claimed_credibility, days, weekdays, years,
                                params, habits)
    return Published(value, as_dates[lo], as_dates[hi], round(confidence, 3), evidence)


LEAD_SENTENCE_CHARS = 400
_SENTENCE_STOP = re.compile(r"[.!?](?=\s|$)|\n")


def lead_weekday(mentions: list[Mention], text: str) -> Mention | None:
    """The weekday the lead sentence gives its news: the first weekday of the first sentence of
    the text's first real paragraph (20 words or more: not a title or a menu line), past or either."""
    start = 0
    for paragraph in text.split("\n"):
        if len(paragraph.split()) >= 20:
            break
        start += len(paragraph) + 1
    else:
        return None
    stop = _SENTENCE_STOP.search(text, start, start + LEAD_SENTENCE_CHARS)
    end = stop.start() if stop else start + LEAD_SENTENCE_CHARS
    for m in mentions:
        if m.kind == "weekday" and start <= m.start < end and m.direction != "future" and not m.modifier \
                and text.startswith(m.text, m.start):  # its own (a copy's mentions come pooled with it)
            return m
    return None


def _distinct(mentions: list[Mention]) -> list[Mention]:
    """A weekday or date said twice is one piece of evidence, not two."""
    seen: set[tuple] = set()
    out = []
    for m in mentions:
        key = (m.kind, m.weekday, m.year, m.month, m.day, m.direction, m.modifier, m.start < LEAD_CHARS)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _source(why: str) -> str:
    """'similar page X (cosine 0.45) dated' -> 'similar page X (cosine 0.45)'."""
    return re.sub(r",? (?:credibly )?dated$", "", why.split(":")[0])


TIED = 0.99  # days scored this close to the best are equally likely


def _middle_of_best(post: np.ndarray) -> int:
    """The best day; when several days score the same (every Wednesday of a month that the
    evidence allows), the one nearest the posterior median, which is the least wrong on
    average, rather than the first."""
    tied = np.flatnonzero(post >= TIED * post.max())
    if len(tied) == 1:
        return int(tied[0])
    median = int(np.searchsorted(np.cumsum(post), 0.5 * post.sum()))
    return int(tied[np.argmin(np.abs(tied - median))])


def _interval(post: np.ndarray, mass: float) -> tuple[int, int]:
    order = np.argsort(-post, kind="stable")
    cum = np.cumsum(post[order])
    chosen = order[: int(np.searchsorted(cum, mass)) + 1]
    return int(chosen.min()), int(chosen.max())


def _evidence(value: date, mentions: list[Mention], anchors: list[Anchor], claimed: date | None,
              credibility: float, days: np.ndarray, weekdays: np.ndarray, years: np.ndarray,
              params: DateParams, habits: Habits) -> tuple[str, ...]:
    """Human-readable reasons, strongest first: what pins the chosen day."""
    out: list[str] = []
    i = int(np.searchsorted(days, value.toordinal()))
    for a in sorted(anchors, key=lambda a: -a.weight)[:3]:
        out.append(f"{a.why}: {a.day.isoformat()}")
    for m in mentions:
        if m.kind == "weekday":
            like = _weekday_likelihood(m, days, weekdays, params, habits)
            if like[i] >= 0.3:
                gap = (value.weekday() - m.weekday) % 7
                when = "the same day" if gap == 0 else f"{gap} day(s) before"
                out.append(f"'{m.text.strip()}' ({m.direction}): {when}, {WEEKDAYS[value.weekday()].capitalize()} "
                           f"{value.isoformat()}")
        elif m.kind == "date":
            like = _date_likelihood(m, days, years, habits)
            if like[i] >= 0.1:
                out.append(f"'{m.text.strip()}' ({m.direction}) lies {_days_word(value, m, days, years, i)}")
        elif m.kind in ("month", "year") and m.year:
            out.append(f"'{m.text.strip()}' ({m.direction})")
        if len(out) >= 8:
            break
    if claimed is not None:
        verdict = "credible" if credibility >= 0.5 else "not credible"
        out.append(f"claimed date {claimed.isoformat()} ({verdict})")
    return tuple(dict.fromkeys(out))


def _days_word(value: date, m: Mention, days: np.ndarray, years: np.ndarray, i: int) -> str:
    event = resolve_years(m, days, years)[i]
    if event < 0:
        return "in the window"
    gap = value.toordinal() - int(event)
    return "on that day" if gap == 0 else f"{abs(gap)} day(s) {'before' if gap > 0 else 'after'} it"
