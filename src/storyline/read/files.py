"""Reading one file (or stdin) of any supported format, with size limits."""
from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..config import Config
from ..records import Page, Skipped
from .ids import page_id
from .pages import page_from_bytes, read_limited, sniff_format

__all__ = ["FORMATS", "format_of", "page_from_bytes", "read_file", "read_limited", "read_stream", "sniff_format"]

# extension (without .gz) -> format
FORMATS = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".xhtml": "html",
           ".warc": "warc", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def format_of(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return FORMATS.get(suffixes[-1]) if suffixes else None


def _gunzip_limited(data: bytes, limit: int) -> bytes:
    return read_limited(gzip.GzipFile(fileobj=io.BytesIO(data)), limit)


def read_file(path: Path, config: Config, source: str | None = None) -> Iterator[Page | Skipped]:
    """`source`: how the user named the file (default: the path given), for `source` fields."""
    source = source or str(path)
    key = str(path.resolve()) if path.exists() else source
    fmt = format_of(path)
    try:
        size = path.stat().st_size
        opener = gzip.open if path.suffix.lower() == ".gz" else open
        if fmt in ("warc", "jsonl"):
            # Containers are streamed: the limit applies to each record, not the file.
            if fmt == "warc":
                from .warc import read_warc

                with open(path, "rb") as handle:
                    yield from read_warc(handle, source, config)
            else:
                from .jsonl import read_jsonl

                with opener(path, "rb") as handle:
                    yield from read_jsonl(handle, source, config, key=key)
            return
        if size > config.max_page_bytes and path.suffix.lower() != ".gz":
            yield Skipped(page_id(key, b""), source,
                          f"file of {size:,} bytes is larger than the limit of {config.max_page_bytes:,} bytes (max_page_bytes)")
            return
        with open(path, "rb") as handle:
            data = read_limited(handle, config.max_page_bytes)
        if path.suffix.lower() == ".gz":
            data = _gunzip_limited(data, config.max_page_bytes)
    except (OSError, EOFError, zlib.error, ValueError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        yield Skipped(page_id(key, b""), source, f"cannot read: {reason}")
        return
    if fmt is None:
        fmt = sniff_format(data[:4096])
        if fmt in ("warc", "jsonl"):
            yield from read_stream(io.BytesIO(data), source, config)
            return
    yield page_from_bytes(data, key=key, source=source, kind=fmt)


def read_stream(stream: BinaryIO, source: str, config: Config) -> Iterator[Page | Skipped]:
    """Read stdin or any byte stream: sniff the format, then read as that format."""
    try:
        head = _read_head(stream, 4096)
        raw = _Prefixed(head, stream)
        gzipped = head.startswith(b"\x1f\x8b")
        fmt = sniff_format(_gunzip_start(head) if gzipped else head)
        if gzipped and fmt != "warc":  # warcio reads gzip itself, member by member (a cut-off
            raw = _Prefixed(b"", gzip.GzipFile(fileobj=raw))  # one then loses only its last record)
        buffered = io.BufferedReader(raw)  # type: ignore[arg-type]
        if fmt == "warc":
            from .warc import read_warc

            yield from read_warc(buffered, source, config)
        elif fmt == "jsonl":
            from .jsonl import read_jsonl

            yield from read_jsonl(buffered, source, config)
        else:
            data = read_limited(buffered, config.max_page_bytes)
            yield page_from_bytes(data, key=source, source=source, kind=fmt)
    except (OSError, EOFError, zlib.error, ValueError) as err:
        yield Skipped(page_id(source, b""), source, f"cannot read: {err}")


def _read_head(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end: a pipe may give less per read, and a peek only
    what is buffered, too little to tell a WARC from text."""
    head = b""
    while len(head) < size and (chunk := stream.read(size - len(head))):
        head += chunk
    return head


def _gunzip_start(data: bytes) -> bytes:
    """What the start of a gzip stream decompresses to, as far as it goes (to sniff it)."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 4096)
    except zlib.error:
        return b""


class _Prefixed(io.RawIOBase):
    """A stream with some already-read bytes put back in front."""

    def __init__(self, prefix: bytes, stream: BinaryIO):
        self._prefix = prefix
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
