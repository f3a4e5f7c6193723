"""Temporal expressions in article text, before they are resolved against a date.

A mention says what the text says ("on Tuesday", "May 12", "in September",
"from January 15 to 17", "last year") and whether it points backward or forward
in time; published.py resolves each mention against every candidate
publication day. English rules: they cover the wire style ("on Tuesday",
"Jan. 15") that copies of news carry. Other languages get no mentions and lean
on anchors and the claimed date.
"""
from __future__ import annotations

import re

from ..records import Mention

__all__ = ["WEEKDAYS", "Mention", "find_mentions", "future_tense", "past_tense", "until_told_as_past"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_NAMES = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH = (r"(?P<month>jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?"
          r"|sept?(?:ember|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?)")
_FULL_MONTH = r"(?P<month>january|february|march|april|may|june|july|august|september|october|november|december)"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[12]?\d|3[01])(?:st|nd|rd|th)?"

# Named days that are not "this week's" weekday.
_NOT_A_WEEKDAY = re.compile(r"(?:super|black|good|ash|cyber|holy|maundy|easter|palm|bloody|giving|"
                            r"fat|shrove|small business)\s*$", re.I)
_FUTURE_CUE = re.compile(
    r"\b(?:will|would|shall|to be|is to|are to|was to|due|set to|plans? to|planned|scheduled|expected to|"
    r"next|coming|until|till|ahead of|upcoming|from now|later)\b", re.I)
_PAST_CUE = re.compile(r"\b(?:was|were|had|did|said|told|announced|reported|last|ago|earlier|since|\w+ed)\b", re.I)

_WEEKDAY = re.compile(
    r"(?P<mod>\b(?:last|next|this|this coming|on|since|until|by|from|before|after)\s+)?"
    r"\b(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?P<poss>\s*[’']\s*s)?\b", re.I)
# "May 12", "May 12, 2009", "Jan. 15", "12 May 2009", "12th of May"
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}(?:\s*,?\s*{_YEAR})?\b(?!\s*(?:%|percent|million|billion))", re.I)
_DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:\s*,?\s*{_YEAR})?\b", re.I)
# "from January 15 to 17", "January 15-17"
_RANGE = re.compile(rf"\b{_MONTH}\s+(?P<day>[12]?\d|3[01])\s*(?:-|–|to|through|and)\s*(?P<day2>[12]?\d|3[01])\b(?!\s*,?\s*\d)", re.I)
_ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<m>0?[1-9]|1[0-2])-(?P<d>0?[1-9]|[12]\d|3[01])\b")
# "in September", "last September", "in September 2023", "this month"
_MONTH_ONLY = re.compile(rf"\b(?P<mod>in|last|next|this|since|until|by|early|late|mid-?|earlier in|later in)\s+"
                         rf"{_FULL_MONTH}(?:\s*,?\s*{_YEAR})?\b(?!\s*\d)", re.I)
_YEAR_ONLY = re.compile(r"\b(?P<mod>in|since|until|by|of|during|early|late|mid-?|before|after|from)\s+"
                        r"(?P<year>(?:19|20)\d\d)\b(?!\s*(?:%|percent|-|–))", re.I)


def _month(name: str) -> int:
    # casefold, not lower: IGNORECASE matches the long s of old print ("ſeptember"), which lower() keeps
    return _MONTH_NAMES[name.casefold().rstrip(".")]


def _direction(text: str, start: int, end: int, modifier: str = "") -> str:
    """Past or future from the words near the mention (the verb usually precedes it)."""
    if modifier in ("next", "this coming", "until", "coming"):
        return "future"
    if modifier in ("last", "since"):
        return "past"
    # The verb governing a time expression sits just before it ("reported Sunday", "will meet on Tuesday").
    before = " ".join(re.split(r"[.;!?,]\s", text[max(0, start - 80):start])[-1].split()[-6:])
    after = text[end:end + 30]
    if _FUTURE_CUE.search(before) or re.match(r"\s*(?:will|is expected)\b", after):
        return "future"
    if _PAST_CUE.search(before) or re.match(r"\s*,?\s*\w+ed\b", after):
        return "past"
    return "either"


def future_tense(clause: str) -> bool:
    """Whether a clause speaks of what is to come ("She is to meet her counterpart, X, on ...")."""
    return bool(_FUTURE_CUE.search(clause))


_UNTIL = re.compile(r"\b(?:until|till)\b", re.I)


def until_told_as_past(clause: str) -> bool:
    """Whether a clause ending in "until <time>" tells what is over: "until" looks ahead from a verb
    that does ("will stay until Friday", "stays until Friday"), not from one that tells what happened
    ("schools were closed until Monday", "had claimed until late on Thursday"). Dating a page keeps
    the mention's own reading, on which its weekday tables were measured."""
    untils = list(_UNTIL.finditer(clause))
    if not untils or any(not _UNTIL.fullmatch(m.group(0)) for m in _FUTURE_CUE.finditer(clause)):
        return False
    return bool(_PAST_CUE.search(clause, 0, untils[-1].start()))


def past_tense(clause: str) -> bool:
    """Whether a clause tells what happened ("Jackson died at his home in Los Angeles on ...")."""
    return bool(_PAST_CUE.search(clause))


def _lowered(pattern: re.Pattern) -> re.Pattern:
    """The pattern for lower-cased text: without IGNORECASE, re skips ahead on the first letters
    of its alternatives, about twice as fast over an article."""
    return re.compile(pattern.pattern, pattern.flags & ~re.I)


_LOWER = {p: _lowered(p) for p in (_RANGE, _ISO, _MONTH_DAY, _DAY_MONTH, _MONTH_ONLY, _YEAR_ONLY, _WEEKDAY)}


def find_mentions(text: str, limit: int = 400) -> list[Mention]:
    """Temporal expressions in reading order (at most `limit`: a hostile page may be all dates)."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []
    lower = text.lower()
    # Scanned lower-cased, where that keeps every offset (lower() lengthens a few letters: "İ").
    same_offsets = len(lower) == len(text)
    scan = lower if same_offsets else text

    def matches(pattern: re.Pattern):
        return (_LOWER[pattern] if same_offsets else pattern).finditer(scan)

    def said(m: re.Match) -> str:  # the words as the text has them
        return text[m.start():m.end()]

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    def add(mention: Mention, end: int) -> None:
        taken.append((mention.start, end))
        found.append(mention)

    for m in matches(_RANGE):
        month = _month(m.group("month"))
        direction = _direction(text, m.start(), m.end())
        for day in (int(m.group("day")), int(m.group("day2"))):
            if 1 <= day <= 31:
                found.append(Mention("date", said(m), m.start(), direction, month=month, day=day))
        taken.append((m.start(), m.end()))
    for m in matches(_ISO):
        if free(m.start(), m.end()):
            add(Mention("date", said(m), m.start(), _direction(text, m.start(), m.end()),
                        year=int(m.group("year")), month=int(m.group("m")), day=int(m.group("d"))), m.end())
    for pattern in (_MONTH_DAY, _DAY_MONTH):
        for m in matches(pattern):
            if not free(m.start(), m.end()):
                continue
            year = int(m.group("year")) if m.group("year") else None
            add(Mention("date", said(m), m.start(), _direction(text, m.start(), m.end()),
                        year=year, month=_month(m.group("month")), day=int(m.group("day"))), m.end())
    for m in matches(_MONTH_ONLY):
        if not free(m.start(), m.end()):
            continue
        mod = m.group("mod").lower()
        mod = "last" if mod == "last" else "next" if mod == "next" else "this" if mod == "this" else ""
        year = int(m.group("year")) if m.group("year") else None
        add(Mention("month", said(m), m.start(), _direction(text, m.start(), m.end(), mod),
                    year=year, month=_month(m.group("month")), modifier=mod), m.end())
    for m in matches(_YEAR_ONLY):
        if free(m.start(), m.end()):
            add(Mention("year", said(m), m.start(), _direction(text, m.start(), m.end()),
                        year=int(m.group("year"))), m.end())
    for m in matches(_WEEKDAY):
        if not free(m.start(), m.end()) or _NOT_A_WEEKDAY.search(text[max(0, m.start() - 20):m.start("wd")]):
            continue
        mod = (m.group("mod") or "").strip().lower()
        modifier = mod if mod in ("last", "next", "this", "this coming") else ""
        add(Mention("weekday", said(m), m.start(), _direction(text, m.start(), m.end(), mod),
                    weekday=WEEKDAYS.index(m.group("wd").casefold()), modifier=modifier), m.end())
    found.sort(key=lambda x: x.start)
    return found[:limit]
