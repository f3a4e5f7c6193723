"""WARC: HTTP response records holding HTML or text (warcio underneath).

warcio takes a record's headers on trust: a record cut off by the end of the file comes
out as a short page, and one with no Content-Length swallows the rest of the file, both
without an error. So each record is read to its end and measured here, a broken record
becomes a Skipped with its reason, and reading starts over at the next record found.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Generator, Iterator
from typing import BinaryIO

from warcio.archiveiterator import WARCIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader

from ..config import Config
from ..records import Page, Skipped
from .ids import page_id
from .pages import page_from_bytes, read_limited

_READABLE = ("text/html", "application/xhtml", "text/plain")
_PAGE_TYPES = ("response", "resource")
_VERSION_LINE = re.compile(rb"WARC/1\.[01]\r?\n")
_BLOCK = 1 << 16
_REASON_CHARS = 200
_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)  # what a broken stream raises


class _Records(WARCIterator):
    """warcio's iterator, WARC only (ARC parsing would read junk as records). A record not
    followed by its blank lines is counted in `err_count`, not printed to stderr; a file
    gzipped whole (not record by record) is read on, not refused. Where warcio stops as at a
    clean end of file, a record the file ends in the headers of is noted in `cut_header`, a gzip
    member the file ends in in `cut_member`."""

    INC_RECORD = ""
    cut_header = cut_member = False

    def _raise_invalid_gzip_err(self) -> None:
        """warcio refuses such a file only because it cannot seek to its records."""

    def _next_record(self, next_line):
        start = self._taken()
        try:
            return super()._next_record(next_line)
        except EOFError:
            self.cut_header = bool(next_line) or self._taken() > start
            raise

    def _taken(self) -> int:
        """Bytes taken out of warcio's reader so far."""
        reader = self.reader
        return reader.tell() - (reader.buff_size - reader.buff.tell() if reader.buff else 0)

    def close(self) -> None:
        reader = self.reader
        if reader is not None and reader.decompressor is not None:
            self.cut_member = not reader.decompressor.eof and self.fh.tell() > 0
        super().close()


class _Rewindable:
    """A stream that bytes already read can be put back on, for warcio to start over there."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._back = b""

    def put_back(self, data: bytes) -> None:
        self._back = data + self._back

    def read(self, size: int | None = -1) -> bytes:
        if not self._back:
            return self._stream.read(size)
        end = len(self._back) if size is None or size < 0 else size
        data, self._back = self._back[:end], self._back[end:]
        return data


def read_warc(stream: BinaryIO, source: str, config: Config) -> Iterator[Page | Skipped]:
    stream = _Rewindable(stream)
    n, again = 0, True
    while again:
        n, again = yield from _read_records(_Records(stream), stream, n, source, config)


def _read_records(records: _Records, stream: _Rewindable, n: int, source: str,
                  config: Config) -> Generator[Page | Skipped, None, tuple[int, bool]]:
    """Yield what the records after record `n` hold, up to the end of the file or up to a broken
    record after which warcio must start over (the stream is then put at the next record).
    Returns the number of records seen and whether to start over."""
    cut = False  # the last record was cut off
    while True:
        try:
            record = next(records)
        except StopIteration:
            yield from _cut_at_end(records, n, source, cut)
            return n, False
        except Exception as err:  # warcio raises several types on a broken archive
            found, more = _start_over(records, stream, records.next_line or b"")
            yield _skip(f"{source}#record{n + 1}",
                        f"broken WARC record after record {n}: {_why(err)}; {_after(found, more)}")
            return n + 1, found
        n += 1
        problem = _header_problem(record)
        if problem and _declared_length(record) is None:  # where the record ends is unknown
            found, more = _start_over(records, stream)
            reason = (f"WARC record {n} is cut off in its headers ({problem})" if not more else
                      f"broken WARC record {n}: {problem}; {_after(found, more)}")
            yield _skip(f"{source}#record{n}", reason)
            return n, found
        try:
            result = _record_result(records, record, n, source, config, problem)
        except _READ_ERRORS as err:  # the file itself cannot be read on
            yield _skip(f"{source}#record{n}", f"WARC record {n} cannot be read to its end: {_why(err)}; "
                        "rest of file not read")
            return n, False
        cut = _short_by(record) > 0
        if result is not None:
            yield result


def _cut_at_end(records: _Records, n: int, source: str, cut: bool) -> Iterator[Skipped]:
    """A file cut off where warcio sees a clean end: in a record's headers, or in a gzip member
    (unless that cut a record already said to be cut off)."""
    where = f"{source}#record{n + 1}"
    if records.cut_header:
        yield _skip(where, f"WARC record {n + 1} is cut off in its headers")
    elif records.cut_member and not cut:
        yield _skip(where, f"broken WARC record after record {n}: the file ends inside a gzip member (cut off)")


def _record_result(records: _Records, record, n: int, source: str, config: Config,
                   problem: str | None) -> Page | Skipped | None:
    """The page a record holds, a Skipped saying why it cannot be one (or why the record is
    broken: `problem`), or None for a record that holds no page (a request, an image...)."""
    content_type = _content_type(record)
    wanted = not problem and record.rec_type in _PAGE_TYPES and (
        not content_type or content_type.startswith(_READABLE))
    uri = record.rec_headers.get_header("WARC-Target-URI") or f"{source}#record{n}"
    data, error = b"", None
    if wanted:
        try:
            data = read_limited(record.content_stream(), config.max_page_bytes)
        except Exception as err:  # over the limit, or a payload its Content-Encoding does not fit
            error = err
    damage = _damage(records, record)
    where = uri if wanted else f"{source}#record{n}"
    if damage:
        return _skip(where, f"WARC record {n} {damage}")
    if problem:
        return _skip(where, f"broken WARC record {n}: {problem}")
    if not wanted:
        return None
    if error is not None:
        return _skip(uri, f"WARC record {n} unreadable: {_why(error)}")
    kind = "text" if content_type.startswith("text/plain") else "html"
    return page_from_bytes(data, key=uri, source=uri, kind=kind, url=uri, read_from=f"{source}#record{n}")


def _content_type(record) -> str:
    headers = record.http_headers if record.http_headers is not None else record.rec_headers
    return (headers.get_header("Content-Type") or "").lower()


def _damage(records: _Records, record) -> str | None:
    """What is wrong with a record's length, found by reading it to its end (as warcio would
    before the next record): the file ends before the Content-Length does, or no blank line
    follows the record, so the Content-Length is wrong."""
    raw = record.raw_stream
    while raw.read(_BLOCK):
        pass
    errors = records.err_count
    records.read_to_end()
    if _short_by(record):
        return (f"is cut off: it holds {record.length - _short_by(record):,} of the {record.length:,} "
                "bytes its Content-Length gives")
    if records.err_count > errors:
        return "does not end where its Content-Length says (no blank line after it)"
    return None


def _short_by(record) -> int:
    """How many of the bytes its Content-Length gives a record read to its end lacks."""
    raw = record.raw_stream
    return raw.limit if isinstance(raw, LimitReader) else 0


def _header_problem(record) -> str | None:
    """What makes a record's WARC header unusable, if anything."""
    missing = [name for name in ("WARC-Type", "Content-Length") if record.rec_headers.get_header(name) is None]
    if missing:
        return "no " + " and no ".join(missing)
    if _declared_length(record) is None:
        value = _one_line(record.rec_headers.get_header("Content-Length"), 40)
        return f"Content-Length {value!r} is no number of bytes"
    return None


def _declared_length(record) -> int | None:
    try:
        length = int(record.rec_headers.get_header("Content-Length"))
    except (TypeError, ValueError):
        return None
    return length if length >= 0 else None


def _start_over(records: _Records, stream: _Rewindable, failed_line: bytes = b"") -> tuple[bool, bool]:
    """Put `stream` at the record after a broken one: the next gzip member, or the next
    'WARC/1.x' line of an uncompressed file (searched from the second byte of `failed_line`,
    the line warcio could not parse). Returns whether a record was found, and whether there
    was anything at all after the broken record."""
    reader = records.reader
    try:
        if reader.decompressor is not None:
            more = _drain(reader) > 0
            rest = reader.decompressor.unused_data or stream.read(_BLOCK)
        else:
            rest, more = _next_version_line(reader, failed_line[1:])
            rest += reader.read(reader.rem_length())
    except _READ_ERRORS:
        return False, True
    stream.put_back(rest)
    return bool(rest), more or bool(rest)


def _next_version_line(reader, carry: bytes) -> tuple[bytes, bool]:
    """The bytes read from the next 'WARC/1.x' line on (empty if there is none), and whether
    any byte was read."""
    more = False
    while True:
        found = _VERSION_LINE.search(carry)
        if found:
            return carry[found.start():], True
        chunk = reader.read(_BLOCK)
        if not chunk:
            return b"", more
        more = True
        carry = carry[-16:] + chunk


def _drain(stream) -> int:
    size = 0
    while chunk := stream.read(_BLOCK):
        size += len(chunk)
    return size


def _after(found: bool, more: bool) -> str:
    if found:
        return "read on from the next record"
    return "rest of file not read" if more else "the file ends there (cut off?)"


def _why(err: BaseException) -> str:
    """One clean line for a user: warcio's messages span lines and quote raw bytes, and a header
    it cannot use may surface as a Python error about None."""
    if not isinstance(err, (ArchiveLoadFailed, *_READ_ERRORS)):
        return "WARC headers that cannot be parsed (a field such as WARC-Target-URI missing or malformed)"
    return _one_line(str(err)) or type(err).__name__


def _one_line(text: str, limit: int = _REASON_CHARS) -> str:
    """`text` as one printable line of at most `limit` characters."""
    text = " ".join("".join(" " if unicodedata.category(c)[0] == "C" else c for c in text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _skip(where: str, reason: str) -> Skipped:
    return Skipped(page_id(where, b""), where, reason)
