"""datewise-lite (mention count + centroid): DATEWISE (Gholipour Ghalandari & Ifrim 2020)
without its learned date ranker, keyword filter or knee-point candidate pruning.

1. Each sentence gets the first day it names ("May 12, 2010", "12 May", "on Tuesday",
   "yesterday"), resolved against its article's publication day (a year-less day or a weekday
   is the latest such day up to publication, or the first from it on when the sentence speaks
   of the future: "will", "expected to", ...); a written calendar date wins over a weekday in
   the same sentence. "today" / "tonight" are not counted as naming a day. A sentence that
   names no day is assigned its article's publication day, as the paper does.
2. Dates are ranked by how many sentences name them (the paper's mention-count heuristic);
   ties, and days no sentence names, by how many unnamed sentences were assigned to them.
3. For each of the top L dates, the k candidate sentences (those that name it plus those
   assigned to it) nearest the TF-IDF centroid of the candidates, skipping a sentence nearly
   identical to one already chosen (cosine >= 0.8: copies of one wire story).

No parameter was fitted to Timeline17 scores. (Dropping "today" as a mention was decided on
reading the MJ set, whose BBC programme-listing pages say "today" and "tonight" dozens of times.)
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, timedelta

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from data import Article

NEAR_COPY = 0.8

_MONTHS = {"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
           "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
           "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
           "sept": 9, "oct": 10, "nov": 11, "dec": 12}
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
             "saturday": 5, "sunday": 6}
_M = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_D = r"(\d{1,2})(?:st|nd|rd|th)?"
_Y = r"(?: ?,? (\d{4}))?"
_MONTH_DAY = re.compile(rf"\b{_M} {_D}\b{_Y}", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"\b{_D} (?:of )?{_M}\b{_Y}", re.IGNORECASE)
_WEEKDAY = re.compile(r"\b(?:(last|next|this) )?(" + "|".join(_WEEKDAYS) + r")\b", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(yesterday|tomorrow)\b", re.IGNORECASE)  # "today" names no other day than the fallback
_FUTURE = re.compile(r"\b(?:will|'ll|shall|expected to|due to|scheduled|set for|plans? to)\b", re.IGNORECASE)


def _calendar(month: int, day: int, year: str | None, published: date, future: bool) -> date | None:
    """A written day; without a year, the latest such day up to publication (news tell what
    happened), or the first from publication on when the sentence speaks of the future."""
    if year:
        try:
            return date(int(year), month, day)
        except ValueError:
            return None
    options = []
    for y in (published.year - 1, published.year, published.year + 1):
        try:
            options.append(date(y, month, day))
        except ValueError:
            pass
    if future:
        return min((d for d in options if d >= published), default=None)
    return max((d for d in options if d <= published), default=None)


def mentioned_day(sentence: str, published: date) -> date | None:
    """The first day a tokenised sentence names, or None. A written calendar date wins over a
    weekday or "yesterday" in the same sentence (a "Tuesday , April 20" is April 20)."""
    future = bool(_FUTURE.search(sentence))
    calendar = []
    for m in _MONTH_DAY.finditer(sentence):
        calendar.append((m.start(), _MONTHS[m.group(1).lower()], int(m.group(2)), m.group(3)))
    for m in _DAY_MONTH.finditer(sentence):
        calendar.append((m.start(), _MONTHS[m.group(2).lower()], int(m.group(1)), m.group(3)))
    for _, month, day, year in sorted(calendar):
        if 1 <= day <= 31 and (d := _calendar(month, day, year, published, future)):
            return d
    relative = []
    for m in _RELATIVE.finditer(sentence):
        shift = {"yesterday": -1, "tomorrow": 1}[m.group(1).lower()]
        relative.append((m.start(), published + timedelta(days=shift)))
    for m in _WEEKDAY.finditer(sentence):
        target, now = _WEEKDAYS[m.group(2).lower()], published.weekday()
        qualifier = (m.group(1) or "").lower()
        if qualifier == "next" or (future and qualifier != "last"):
            shift = (target - now) % 7 or (7 if qualifier == "next" else 0)
        else:
            shift = -((now - target) % 7 or (7 if qualifier == "last" else 0))
        relative.append((m.start(), published + timedelta(days=shift)))
    return min(relative)[1] if relative else None


def datewise_lite(articles: list[Article], dates: int, per_date: int) -> dict[date, list[str]]:
    named: dict[date, list[str]] = defaultdict(list)
    assigned: dict[date, list[str]] = defaultdict(list)
    for a in articles:
        for s in a.sentences:
            d = mentioned_day(s, a.day)
            (named[d] if d else assigned[a.day]).append(s)
    mentions = Counter({d: len(v) for d, v in named.items()})
    fallback = Counter({d: len(v) for d, v in assigned.items()})
    ranked = sorted(set(named) | set(assigned), key=lambda d: (-mentions[d], -fallback[d], d))[:dates]
    if not ranked:
        return {}
    vectorizer = TfidfVectorizer(stop_words="english", lowercase=True)
    vectorizer.fit([s for v in (*named.values(), *assigned.values()) for s in v])
    out = {}
    for d in ranked:
        candidates = list(dict.fromkeys(named[d] + assigned[d]))  # distinct, in order
        X = vectorizer.transform(candidates)  # rows are L2-normalised
        centroid = np.asarray(X.mean(axis=0)).ravel()
        scores = X @ centroid
        chosen: list[int] = []
        for i in np.argsort(-scores, kind="stable"):
            if len(chosen) == per_date:
                break
            if chosen and (X[chosen] @ X[i].T).max() >= NEAR_COPY:
                continue
            chosen.append(int(i))
        out[d] = [candidates[i] for i in chosen]
    return out


def publication_lead(articles: list[Article], dates: int, per_date: int) -> dict[date, list[str]]:
    """The floor: the L days with most articles published (earlier first on ties), and for each
    the lead sentences of that day's articles, first sentences first, in file order."""
    by_day: dict[date, list[Article]] = defaultdict(list)
    for a in articles:
        if a.sentences:
            by_day[a.day].append(a)
    ranked = sorted(by_day, key=lambda d: (-len(by_day[d]), d))[:dates]
    out = {}
    for d in ranked:
        picked: list[str] = []
        depth = 0
        while len(picked) < per_date and any(depth < len(a.sentences) for a in by_day[d]):
            for a in by_day[d]:
                if depth < len(a.sentences) and a.sentences[depth] not in picked and len(picked) < per_date:
                    picked.append(a.sentences[depth])
            depth += 1
        out[d] = picked
    return out
