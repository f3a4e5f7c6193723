"""Plain-text page dumps: find the article among the page furniture.

A page saved as text keeps its navigation, link lists, counters, captions and
footers. Each line gets a score — positive for prose (long lines that end a
sentence and read like English), negative for furniture (list items, short
labels, teasers cut off mid-sentence, boilerplate phrases) — and the article is
the contiguous run of lines with the highest total (the densest text block).
Inside that run only prose is kept, so a related-story headline pushed into the
body is dropped. Lines printed twice (captions) and teasers of a later
paragraph are removed before scoring.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from . import lines as L
from .dates import only_date, parse_printed_date
from .language import page_stopwords

MIN_PROSE_WORDS = 4
_BYLINE = re.compile(r"^(?:by|source:|author:)\s*(?P<name>[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,4})", re.I)
_GLUED_BYLINE = re.compile(r"source:\s*(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,3}?)(?=category:|$|\s{2})")


@dataclass(slots=True, frozen=True)
class CleanedText:
    title: str | None
    body: list[str]  # paragraphs of the article
    header: list[str]  # lines above the article (for dates, bylines, credits)
    claimed_date: str | None
    byline: str | None


def _line_score(line: str, tokens: list[str], stopwords: frozenset[str]) -> float:
    n = L.word_count(line, tokens)
    hits = L.boilerplate_hits(line)
    if hits >= 2 or (hits and n < 25):
        return -20.0
    if L.is_terminal(line) and n >= MIN_PROSE_WORDS and not L.is_bullet(line) and not L.is_all_caps(line):
        if n < 8 and L.stopword_ratio(tokens, stopwords) < 0.15:
            return -2.0
        return float(min(n, 120))
    if L.is_bullet(line) or L.has_counter(line):
        return -8.0
    return -3.0 - min(n, 30) / 6  # a headline, label, or teaser cut off mid-sentence


def _is_prose(line: str, tokens: list[str], stopwords: frozenset[str]) -> bool:
    return _line_score(line, tokens, stopwords) > 0


def _densest_block(scores: list[float]) -> tuple[int, int]:
    """Maximum-sum contiguous run (Kadane); returns [start, end)."""
    best, best_span = float("-inf"), (0, 0)
    total, start = 0.0, 0
    for i, score in enumerate(scores):
        if total <= 0:
            total, start = 0.0, i
        total += score
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


def clean_text(page_text: str) -> CleanedText:
    raw = [L.normalise_space(line) for line in page_text.splitlines()]
    lines = [line for line in raw if line]
    counts = Counter(lines)
    tokens = [L.words(line) for line in lines]

    drop = [False] * len(lines)
    for i, line in enumerate(lines):
        if counts[line] > 1 and len(tokens[i]) > 3:
            drop[i] = True  # printed twice: a caption or repeated chrome
        elif L.is_teaser(line):
            stem = re.sub(r"(\.\.\.|…)\s*$", "", line).strip()
            if any(other.startswith(stem) and other != line for other in lines[i + 1:i + 6]):
                drop[i] = True  # teaser of the paragraph that follows

    stopwords = page_stopwords([t for toks in tokens for t in toks])
    scores = [0.0 if drop[i] else _line_score(line, tokens[i], stopwords) for i, line in enumerate(lines)]
    start, end = _densest_block(scores)
    body = [line for i, line in enumerate(lines[start:end], start)
            if not drop[i] and _is_prose(line, tokens[i], stopwords)]
    header = lines[:start]
    title = _pick_title(header, tokens[:start], body)
    claimed = None
    for line in header[-12:]:
        found = parse_printed_date(line)
        if found:
            claimed = found[0].isoformat()
            break
    return CleanedText(title=title, body=body, header=header, claimed_date=claimed, byline=_byline(header))


def _title_like(line: str, tokens: list[str]) -> bool:
    return (
        3 <= len(tokens) <= 30
        and not L.is_terminal(line.rstrip("”\"’'"))
        and not L.is_teaser(line)
        and not L.is_all_caps(line)
        and not L.is_bullet(line)
        and not only_date(line)
        and not _BYLINE.match(line)
        and L.boilerplate_hits(line) == 0
    )


def _pick_title(header: list[str], tokens: list[list[str]], body: list[str]) -> str | None:
    """The title-like header line sharing most words with the article's lead.

    Where another header line holds the chosen title plus more (a breadcrumb
    or a spam suffix glued on: 'Home > ContactTitle -spam'), the title is
    returned with what follows it there, so affixes can be found and reported.
    """
    lead = {t.lower() for t in L.words(" ".join(body[:3]))} - L.STOPWORDS
    window = range(max(0, len(header) - 15), len(header))
    candidates: dict[str, float] = {}
    for i in window:
        line = header[i]
        if not _title_like(line, tokens[i]):
            continue
        content = [t.lower() for t in tokens[i] if t.lower() not in L.STOPWORDS]
        overlap = sum(1 for t in content if t in lead) / max(1, len(content))
        candidates[line] = overlap + 0.05 * (i - window.start) / max(1, len(window))  # nearer wins ties
    # A line holding a shorter candidate is that title with something glued on.
    clean = {c: s for c, s in candidates.items() if not any(o != c and o in c for o in candidates)}
    if not clean:
        return None
    title = max(clean, key=lambda c: clean[c])
    for line in header:
        if line != title and title in line:
            return line[line.index(title):]
    return title


def _byline(header: list[str]) -> str | None:
    for line in header[-12:]:
        match = _GLUED_BYLINE.search(line) or _BYLINE.match(line)
        if match and not only_date(match.group("name")):
            return match.group("name").strip()
    return None
