"""Dates as pages print them: '2025-04-14 22:34:16', '14 Jan, 2024', 'Friday, December 13, 2024'."""
from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        ["jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
         "aug august", "sep sept september", "oct october", "nov november", "dec december"]
    )
    for m in names.split()
}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_PATTERNS = [
    (re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), ("y", "m", "d")),
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I), ("M", "d", "y")),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})\b", re.I), ("d", "M", "y")),
]


def parse_printed_date(text: str, *, lo: int = 1990, hi: int = 2100) -> tuple[date, str] | None:
    """The first plausible date printed in `text`, with the matched string."""
    best: tuple[int, date, str] | None = None
    for pattern, order in _PATTERNS:
        for match in pattern.finditer(text):
            parts = dict(zip(order, match.groups()))
            try:
                month = _MONTHS[parts["M"].lower().rstrip(".")] if "M" in parts else int(parts["m"])
                value = date(int(parts["y"]), month, int(parts["d"]))
            except (KeyError, ValueError):
                continue
            if lo <= value.year <= hi and (best is None or match.start() < best[0]):
                best = (match.start(), value, match.group(0))
            break
    return (best[1], best[2]) if best else None


def only_date(line: str) -> bool:
    """True when a line is little more than a date (a timestamp line)."""
    found = parse_printed_date(line)
    if not found:
        return False
    rest = line.replace(found[1], " ")
    return len(re.findall(r"[A-Za-z]{3,}", rest)) <= 4
