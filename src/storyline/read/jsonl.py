"""JSONL: one record per line, {"id"?, "url"?, "html"? | "text"?, "title"?, "date"?, "source"?}.

A record's date may also be under `published`, `datePublished`, `date_publish` or `time`
(the names crawlers and datasets use), in ISO form with or without time and zone, as a
printed date ("14 January 2024"), or as epoch seconds or milliseconds. A date that cannot be read is dropped with a warning on the page.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import BinaryIO

from ..config import Config
from ..extract.dates import parse_printed_date
from ..records import Page, Skipped
from .decode import NotText, decode_bytes
from .ids import page_id


def _field(record: dict, name: str, ignored: list[str] | None = None) -> str | None:
    """A text field; a number is its digits (ids are often numbers). Anything else (a list, an
    object, true) is no text: None, and a warning for the page in `ignored`, not "['x']" stored
    as its URL or title."""
    value = record.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if ignored is not None:
        ignored.append(f"record field {name!r} is a JSON {_json_type(value)}, not text: ignored")
    return None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(record: dict) -> tuple[dict, list[str]]:
    """JSON may escape half a UTF-16 pair ("\\udc80"): such a string cannot be encoded, so SQLite,
    spaCy and the terminal would all fail on it. Each one becomes U+FFFD, and the page says so."""
    mended = [k for k, v in record.items() if isinstance(v, str) and _LONE_SURROGATE.search(v)]
    if not mended:
        return record, []
    fixed = {k: _LONE_SURROGATE.sub("\ufffd", v) if k in mended else v for k, v in record.items()}
    return fixed, [f"record field {k[:40]!r} held half a UTF-16 pair (a lone surrogate): replaced by U+FFFD"
                   for k in mended]


_JSON_TYPES = {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object",
               type(None): "null"}


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


DATE_KEYS = ("date", "published", "datePublished", "date_publish", "time")


def record_date(record: dict) -> tuple[str | None, str | None]:
    """The record's date as ISO text, and a warning when it has one that cannot be read."""
    for key in DATE_KEYS:
        value = record.get(key)
        if value is None or value == "":
            continue
        parsed = _parse_date(value)
        if parsed is None:
            return None, f"record field {key!r}: cannot read {str(value)[:60]!r} as a date; the record has no date"
        return parsed, None
    return None, None


def _parse_date(value: object) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if abs(value) >= 1e11 else value  # epoch milliseconds or seconds
        try:
            moment = datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
        return moment.isoformat() if 1900 <= moment.year <= 2100 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        parsed: date | datetime = datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
    except ValueError:
        found = parse_printed_date(text[:200])  # "14 January 2024", "Jan. 14, 2024 10:00 GMT"
        return text if found else None
    # In ISO form: Python also reads "20240115" and week dates ("2024-W03-1"), which the date
    # normaliser downstream would not.
    return parsed.isoformat() if 1900 <= parsed.year <= 2100 else None


def _bounded_int(digits: str) -> int | float:
    """Python refuses ints of over 4,300 digits; such a number is read as a float (inf)."""
    return int(digits) if len(digits) <= 4000 else float(digits)


def read_jsonl(stream: BinaryIO, source: str, config: Config, key: str | None = None, *,
               first_line: int = 1, max_lines: int | None = None) -> Iterator[Page | Skipped]:
    """Records of a JSONL stream; `key` (the file's resolved path) makes ids of records
    without id or URL the same however the path was typed. A stream positioned at line
    `first_line` of its file reads `max_lines` lines from there (a partition of a big file)."""
    key = key or source
    limit = config.max_page_bytes
    lineno = first_line - 1
    while max_lines is None or lineno < first_line - 1 + max_lines:
        line = stream.readline(limit + 1)
        if not line:
            return
        lineno += 1
        where = f"{source}#L{lineno}"
        keyed = f"{key}#L{lineno}"
        if len(line) > limit and not line.endswith(b"\n"):
            # Skip the rest of an over-long line without holding it in memory.
            while line and not line.endswith(b"\n"):
                line = stream.readline(1 << 20)
            yield Skipped(page_id(keyed, b""), where, f"line {lineno}: record larger than the limit of {limit:,} bytes")
            continue
        if not line.strip():
            continue
        yield _record(line, lineno, where, keyed)


def _record(line: bytes, lineno: int, where: str, keyed: str) -> Page | Skipped:
    fallback_id = page_id(keyed, line)
    try:
        text, warnings = decode_bytes(line)
        record = json.loads(text, parse_int=_bounded_int)
    except (NotText, ValueError) as err:  # JSONDecodeError is a ValueError
        return Skipped(fallback_id, where, f"line {lineno}: not valid JSON ({err})")
    if not isinstance(record, dict):
        return Skipped(fallback_id, where, f"line {lineno}: a JSON {_json_type(record)}, not an object")
    record, mended = _without_lone_surrogates(record)
    warnings = (*warnings, *mended)
    html, body = record.get("html"), record.get("text")
    if isinstance(html, str) and html.strip():
        kind, content = "html", html
    elif isinstance(body, str) and body.strip():
        kind, content = "text", body
    elif isinstance(record.get("title"), str) and record["title"].strip():
        kind, content = "text", ""  # headline-only record
    else:
        wrong = [f"field {k!r} is a JSON {_json_type(record[k])}, not text" for k in ("html", "text", "title")
                 if record.get(k) is not None and not isinstance(record[k], str)]
        why = "; ".join(wrong) if wrong else "record has no html, text or title"
        return Skipped(_field(record, "id") or fallback_id, where, f"line {lineno}: {why}")
    ignored: list[str] = []
    url = _field(record, "url", ignored)
    pid = _field(record, "id", ignored) or page_id(url or keyed, line)
    title, site = _field(record, "title", ignored), _field(record, "source", ignored)
    claimed, problem = record_date(record)
    warnings = (*warnings, *ignored, *([problem] if problem else []))
    text_kind = _field(record, "text_kind")
    if text_kind not in (None, "article", "page"):
        warnings = (*warnings, f"text_kind {text_kind[:40]!r} is neither 'article' nor 'page': sniffed instead")
        text_kind = None
    return Page(id=pid, source=url or where, kind=kind, content=content, url=url,
                title=title, claimed_date=claimed,
                site=site, warnings=warnings, text_kind=text_kind or "sniff", read_from=where if url else None)
