"""What a page shows around its article that tells a content farm from a newspaper.

Read at extraction time, while the whole page is at hand; judged later
(forensics/farm.py), where the article's text and its copies are known too.
"""
from __future__ import annotations

import re

from ..records import PageSignals
from . import lines as L

# "category:Stocks", "More:Stocks", "Home > Markets" (a breadcrumb, often glued to the title)
_CATEGORY = [
    re.compile(r"(?<![A-Za-z])category\s*:\s*(?P<name>[A-Z][A-Za-z&]+(?: [A-Z][A-Za-z&]+)?)(?=[A-Z][a-z]+:|\s*$|\s{2}|\d)"),
    re.compile(r"^More\s*:\s*(?P<name>[A-Z][A-Za-z&]+(?: [A-Z][A-Za-z&]+)?)\s*$"),
    re.compile(r"\bHome\s*(?:>|»|/|›)\s*(?P<name>[A-Z][a-z]+)"),
]
_SOURCE_LABEL = re.compile(r"(?<![A-Za-z])source\s*:\s*[A-Z][a-z]+\s+[A-Z]", re.I)
_HEADLINE_WORDS = (4, 25)
MAX_LINES = 5000  # a hostile page may have millions of lines; the signals need few
REMOVED_LINES, REMOVED_LINE_CHARS = 300, 400  # what is kept of the lines extraction left out


def text_page_signals(page_lines: list[str], header: list[str], title: str | None, body: list[str],
                      claimed_line: str | None) -> PageSignals:
    page_lines = page_lines[:MAX_LINES]
    categories = []
    for line in header[-15:] + _after_body(page_lines, body)[:80]:
        for pattern in _CATEGORY:
            match = pattern.search(line)
            if match and match.group("name").lower() not in ("contact", "home", "news"):
                categories.append(match.group("name"))
    byline_label = "source" if any(_SOURCE_LABEL.search(line) for line in header[-12:]) else None
    where = "printed"
    if claimed_line is not None and title:
        at_date = next((i for i, line in enumerate(header) if line == claimed_line), None)
        at_title = next((i for i, line in enumerate(header) if title in line), None)
        if at_date is not None and at_title is not None and at_date < at_title:
            where = "masthead"  # a date above the headline is the site's "today", not the story's
    return PageSignals(categories=tuple(dict.fromkeys(categories)), byline_label=byline_label,
                       claimed_date_where=where if claimed_line else None,
                       unrelated_headlines=_unrelated_headlines(page_lines, title, body))


def html_page_signals(categories: list[str] | None, has_claimed: bool) -> PageSignals:
    # A page's metadata often lists every section of the site; one category is a real label.
    categories = [c for c in (categories or []) if c]
    return PageSignals(categories=tuple(categories) if len(categories) == 1 else (), byline_label=None,
                       claimed_date_where="metadata" if has_claimed else None, unrelated_headlines=0)


def removed_lines(page_lines: list[str], title: str | None, body: list[str]) -> tuple[str, ...]:
    """The page's lines the article does not hold, in page order, bounded: what a reader is
    shown as removed."""
    inside, text = set(body), "\n".join(body)
    # A line the article holds in part (an extractor joins or splits blocks its own way) is not removed.
    kept = [line for line in page_lines[:MAX_LINES] if line not in inside and line != title and line not in text]
    return tuple(line[:REMOVED_LINE_CHARS] for line in kept[:REMOVED_LINES])


def _after_body(page_lines: list[str], body: list[str]) -> list[str]:
    if not body:
        return []
    last = body[-1]
    for i in range(len(page_lines) - 1, -1, -1):
        if page_lines[i] == last or last in page_lines[i]:
            return page_lines[i + 1:]
    return []


def _unrelated_headlines(page_lines: list[str], title: str | None, body: list[str]) -> int:
    """Headline-like lines outside the article sharing no content word with it: a link farm's lists."""
    vocab = {w.lower() for w in L.words(" ".join([title or ""] + body))} - L.STOPWORDS
    inside = set(body)
    count = 0
    for line in page_lines:
        if line in inside or (title and title in line):
            continue
        words = L.words(line)
        if not (_HEADLINE_WORDS[0] <= len(words) <= _HEADLINE_WORDS[1]) or L.is_terminal(line):
            continue
        content = {w.lower() for w in words} - L.STOPWORDS
        if len(content) >= 3 and len(content & vocab) <= 1:
            count += 1
    return count
