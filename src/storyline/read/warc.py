"""WARC: HTTP response records holding HTML or text (warcio underneath)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from ..config import Config
from ..records import Page, Skipped
from .files import page_from_bytes, read_limited
from .ids import page_id

_READABLE = ("text/html", "application/xhtml", "text/plain")


def read_warc(stream: BinaryIO, source: str, config: Config) -> Iterator[Page | Skipped]:
    records = ArchiveIterator(stream, arc2warc=True)
    n = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except Exception as err:  # warcio raises several types on a broken archive
            where = f"{source}#record{n + 1}"
            yield Skipped(page_id(where, b""), where, f"broken WARC record after record {n}: {err}; rest of file not read")
            return
        n += 1
        if record.rec_type not in ("response", "resource"):
            continue
        uri = record.rec_headers.get_header("WARC-Target-URI") or f"{source}#record{n}"
        content_type = ""
        if record.http_headers is not None:
            content_type = (record.http_headers.get_header("Content-Type") or "").lower()
        else:
            content_type = (record.rec_headers.get_header("Content-Type") or "").lower()
        if content_type and not content_type.startswith(_READABLE):
            continue  # images, scripts, ...: not pages
        try:
            data = read_limited(record.content_stream(), config.max_page_bytes)
        except Exception as err:
            yield Skipped(page_id(uri, b""), uri, f"WARC record {n} unreadable: {err}")
            continue
        kind = "text" if content_type.startswith("text/plain") else "html"
        yield page_from_bytes(data, key=uri, source=uri, kind=kind, url=uri)
