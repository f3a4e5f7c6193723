"""One page's bytes into a Page: bounded reading, format sniffing, decoding."""
from __future__ import annotations

from typing import BinaryIO

from ..records import Page, Skipped
from .decode import NotText, decode_bytes
from .ids import page_id


def sniff_format(head: bytes) -> str:
    """Guess the format of content with no telling extension."""
    start = head.lstrip()[:512]
    if start.startswith(b"WARC/"):
        return "warc"
    if start.startswith(b"{"):
        return "jsonl"
    lowered = start.lower()
    if lowered.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in lowered:
        return "html"
    return "text"


def read_limited(stream: BinaryIO, limit: int) -> bytes:
    """Read at most `limit` bytes; raise if there is more (also guards gzip bombs)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"page larger than the limit of {limit:,} bytes (max_page_bytes)")
    return data


def page_from_bytes(data: bytes, *, key: str, source: str, kind: str, url: str | None = None,
                    read_from: str | None = None) -> Page | Skipped:
    """Decode one page's bytes into a Page, or say why it cannot be."""
    pid = page_id(key, data)
    if not data.strip():
        return Skipped(pid, source, "empty page: no content")
    try:
        text, warnings = decode_bytes(data, html=kind == "html")
    except NotText as err:
        return Skipped(pid, source, str(err))
    if kind == "text" and sniff_format(data[:1024]) == "html":
        kind = "html"  # a .txt holding HTML is HTML
    return Page(id=pid, source=source, kind=kind, content=text, url=url, warnings=warnings, read_from=read_from)
