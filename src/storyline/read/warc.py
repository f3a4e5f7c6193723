"""WARC: HTTP response records holding HTML or text (warcio underneath)."""
from __future__ import annotations

import os
from collections.abc import Iterator
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from ..config import Config
from ..records import Page, Skipped
from .pages import page_from_bytes, read_limited
from .ids import page_id

_READABLE = ("text/html", "application/xhtml", "text/plain")


def read_warc(stream: BinaryIO, source: str, config: Config) -> Iterator[Page | Skipped]:
    records = ArchiveIterator(stream)  # WARC only: ARC parsing would read junk as records
    end = 0
    n = 0
    while True:
        if n:  # where the previous record ends (reads its rest, as next() would)
            end = records.get_record_offset() + records.get_record_length()
        try:
            record = next(records)
        except StopIteration:
            # warcio takes a record cut off mid-header for a clean end of file.
            size = _size(stream)
            if size is not None and end < size:
                where = f"{source}#record{n + 1}"
                yield Skipped(page_id(where, b""), where,
                              f"broken WARC record after record {n}: the last {size - end:,} bytes are not a "
                              "complete record; rest of file not read")
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


def _size(stream: BinaryIO) -> int | None:
    """Size of the underlying file, or None for a pipe (stdin)."""
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return None
