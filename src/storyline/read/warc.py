"""WARC: HTTP response records holding HTML or text (warcio underneath).

warcio takes a record's headers on trust: a record cut off by the end of the file comes
out as a short page, and one with no Content-Length swallows the rest of the file, both
without an error. So each record is read to its end and measured here, a broken record
becomes a Skipped with its reason, and reading starts over at the next record found. A
Content-Length that is too large (10**12 in the middle of a crawl) swallows the records
after it: the first 'WARC/1.x' line inside such a record is noted as it is read, and reading
starts over there (by seeking in a file; a pipe or a file gzipped whole keeps what follows it
in a spool of bounded size). Nothing is ever allocated by a record's claimed size.
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Generator, Iterator
from dataclasses import replace
from typing import BinaryIO

from warcio.archiveiterator import WARCIterator
from warcio.bufferedreaders import BUFF_SIZE
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader

from ..config import Config
from ..records import Page, Skipped
from .ids import page_id
from .pages import page_from_bytes, read_limited
from .warc_streams import BLOCK, SPOOL_MAX, Chain, Reader, Rewindable, Tap, inner_record, one_line

_READABLE = ("text/html", "application/xhtml", "text/plain")
_PAGE_TYPES = ("response", "resource")
_VERSION_LINE = re.compile(rb"WARC/1\.[01]\r?\n")
_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)  # what a broken stream raises


class _Records(WARCIterator):
    """warcio's iterator, WARC only (ARC parsing would read junk as records). A record not
    followed by its blank lines is counted in `err_count`, not printed to stderr; a file
    gzipped whole (not record by record) is read on, not refused. Where warcio stops as at a
    clean end of file, a record the file ends in the headers of is noted in `cut_header`, a gzip
    member the file ends in in `cut_member`, gzip data that is corrupt in `broken`."""

    INC_RECORD = ""
    cut_header = cut_member = False
    damaged = False  # the last record read to its end does not end where its Content-Length says
    broken: str | None = None  # why the gzip data could not be read on (kept from the reader, which close() drops)

    def __init__(self, stream: Rewindable):
        self.stream = stream
        self.base = stream.pos  # where in the stream this iterator starts
        super().__init__(stream)
        self.reader = Reader(self.fh, block_size=BUFF_SIZE)  # nothing is read before next()

    def _raise_invalid_gzip_err(self) -> None:
        """warcio refuses such a file only because it cannot seek to its records."""

    def _next_record(self, next_line):
        if self._tail_of_damaged_member(next_line):
            next_line = None
        start = self._taken()
        try:
            return super()._next_record(next_line)
        except EOFError:
            self.cut_header = bool(next_line) or self._taken() > start
            raise

    def _tail_of_damaged_member(self, next_line: bytes | None) -> bool:
        """Whether `next_line` and what follows it in its gzip member are the tail of the last
        record (its Content-Length too small) and the member has ended. Parsing the tail as a
        record fails, and warcio has then already opened the next member: starting over after
        the failure passed over that member, a valid record. In a file gzipped record by record
        the next record starts at the next member, so the tail (reported with its record) is
        dropped. A member holding a record after the tail is left as it was (gzipped whole)."""
        reader, decompressor = self.reader, self.reader.decompressor
        if not (self.damaged and next_line and decompressor is not None):
            return False
        if not (reader.starting_data or decompressor.eof):  # the member goes on: not all of it read
            return False
        rest = reader.buff.getvalue()[reader.buff.tell():] if reader.buff else b""  # the member's rest
        if _VERSION_LINE.match(next_line) or inner_record(b"\n" + rest) is not None:
            return False
        reader.buff = None
        return True

    def _taken(self) -> int:
        """Bytes taken out of warcio's reader so far."""
        reader = self.reader
        return reader.tell() - (reader.buff_size - reader.buff.tell() if reader.buff else 0)

    def close(self) -> None:
        reader = self.reader
        self.broken = self.broken or getattr(reader, "broken", None)
        if reader is not None and reader.decompressor is not None:
            self.cut_member = not reader.decompressor.eof and self.fh.tell() > 0
        super().close()


def read_warc(stream: BinaryIO, source: str, config: Config) -> Iterator[Page | Skipped]:
    rewindable: Rewindable | None = Rewindable(stream)
    n = 0
    while rewindable is not None:
        n, rewindable = yield from _read_records(_Records(rewindable), rewindable, n, source, config)


def _read_records(records: _Records, stream: Rewindable, n: int, source: str,
                  config: Config) -> Generator[Page | Skipped, None, tuple[int, Rewindable | None]]:
    """Yield what the records after record `n` hold, up to the end of the file or up to a broken
    record after which warcio must start over (the stream is then put at the next record, or a
    new one made that starts there). Returns the number of records seen and the stream to start
    over on (None: done)."""
    cut = False  # the last record was cut off
    # A record of gzipped data that does not end where its Content-Length says, held back: gzip
    # finds corrupt data only later (at the end of the member, by its checksum), and then that
    # record is where the damage shows, and its one skip says so.
    held: tuple[int, Skipped] | None = None

    def release(item: Page | Skipped | None, corrupt: str | None = None) -> list[Page | Skipped]:
        nonlocal held
        out: list[Page | Skipped] = []
        if held is not None:
            (k, skip), held = held, None
            if corrupt:
                return [replace(skip, reason=f"WARC record {k} is damaged: {corrupt}; rest of file not read")]
            out.append(skip)
        return out + ([item] if item is not None else [])

    while True:
        try:
            record = next(records)
        except StopIteration:
            ends = list(_cut_at_end(records, n, source, cut))
            yield from release(ends[0] if ends else None, _corrupt(records))
            return n, None
        except Exception as err:  # warcio raises several types on a broken archive
            if broken := _corrupt(records):
                yield from release(_skip(f"{source}#record{n + 1}", f"broken WARC file after record {n}: {broken}; "
                                         "rest of file not read"), broken)
                return n + 1, None
            found, more = _start_over(records, stream, records.next_line or b"")
            yield from release(_skip(f"{source}#record{n + 1}", f"broken WARC record after record {n}: {_why(err)}"
                                     f"{_and_corrupt(records)}; {_after(found, more)}"), _corrupt(records))
            return n + 1, stream if found else None
        n += 1
        problem = _header_problem(record)
        if problem and _declared_length(record) is None:  # where the record ends is unknown
            if broken := _corrupt(records):
                yield from release(_skip(f"{source}#record{n}", f"broken WARC record {n}: {broken}; "
                                         "rest of file not read"), broken)
                return n, None
            found, more = _start_over(records, stream)
            reason = (f"WARC record {n} is cut off in its headers ({problem})" if not more else
                      f"broken WARC record {n}: {problem}{_and_corrupt(records)}; {_after(found, more)}")
            yield from release(_skip(f"{source}#record{n}", reason), _corrupt(records))
            return n, stream if found else None
        tap = _tap(records, record, stream)
        try:
            result = _record_result(records, record, n, source, config, problem)
        except _READ_ERRORS as err:  # the file itself cannot be read on
            yield from release(_skip(f"{source}#record{n}", f"WARC record {n} cannot be read to its end: "
                                     f"{_why(err)}; rest of file not read"))
            return n, None
        finally:
            if tap is not None:
                records.reader = tap.reader
        cut = _short_by(record) > 0
        if records.damaged and (broken := _corrupt(records)):
            yield from release(replace(result, reason=f"WARC record {n} is {'cut off' if cut else 'damaged'}: "
                                       f"{broken}; rest of file not read"), broken)
            return n, None
        if tap is not None and tap.found is not None and records.damaged:  # its Content-Length is wrong?
            if (broken := _corrupt_member(records, tap)) is not None:  # or its gzip data corrupt
                yield from release(replace(result, reason=f"WARC record {n} is damaged: {broken}; "
                                           "rest of file not read"), broken)
                return n, None
            again = _start_inside(stream, tap)
            yield from release(replace(result, reason=_inner_reason(record, n, again)))
            return n, again
        decompressor = records.reader.decompressor
        if records.damaged and decompressor is not None and not decompressor.eof:
            yield from release(None)
            held = (n, result)
        else:
            yield from release(result)
        if tap is not None:
            tap.close()


def _tap(records: _Records, record, stream: Rewindable) -> Tap | None:
    """Put a Tap between warcio and its reader while `record` is read."""
    raw = record.raw_stream
    if not isinstance(raw, LimitReader):
        return None
    reader = records.reader
    tap = Tap(reader, records.base + records._taken(), spool=not (stream.seekable and reader.decompressor is None))
    raw.stream = records.reader = tap
    return tap


def _corrupt_member(records: _Records, tap: Tap) -> str | None:
    """Why the gzip member a damaged record is in is corrupt, if it is. Gzip finds corrupt data
    only at the end of the member, by its checksum, and damaged data can look like a record
    starting inside the damaged one: so the member is read to its end (kept in the spool, to
    start over from if it is sound)."""
    reader = tap.reader
    if not tap.spooling or reader.decompressor is None:
        return None
    try:
        while tap.read(BLOCK):
            pass
    except _READ_ERRORS as err:
        return f"its gzip data cannot be read ({_why(err)})"
    return _corrupt(records)


def _start_inside(stream: Rewindable, tap: Tap) -> Rewindable | None:
    """The stream to start over on at the WARC record found inside a record read to its end:
    `stream` moved back there, or the spool of what was read from there on followed by the
    rest; None when the spool could not hold it."""
    if not tap.spooling:
        stream.seek(tap.found)
        return stream
    if tap.overflow or tap.spool is None:
        return None
    spool, tap.spool = tap.spool, None  # now the new stream's
    return Rewindable(Chain(spool, tap.reader))


def _inner_reason(record, n: int, again: bool) -> str:
    """Why a record with WARC records inside it is skipped, and where reading goes on."""
    held = record.length - _short_by(record)
    what = (f"gives a Content-Length of {record.length:,} bytes, more than the {held:,} left in the file"
            if _short_by(record) else f"does not end where its Content-Length of {record.length:,} bytes says")
    then = ("a WARC record starts inside it: read on from there" if again else
            f"WARC records start inside it, more than the {SPOOL_MAX:,} bytes kept to read them: rest of file not read")
    return f"WARC record {n} {what}; {then}"


def _corrupt(records: _Records) -> str | None:
    """Why the file could not be read on, when its gzip data is corrupt."""
    reader = records.reader
    return (getattr(reader, "broken", None) if reader is not None else records.broken) or records.stream.broken


def _and_corrupt(records: _Records) -> str:
    broken = _corrupt(records)
    return f", and {broken}" if broken else ""


def _cut_at_end(records: _Records, n: int, source: str, cut: bool) -> Iterator[Skipped]:
    """A file cut off where warcio sees a clean end: in a record's headers, or in a gzip member
    (unless that cut a record already said to be cut off)."""
    where = f"{source}#record{n + 1}"
    if broken := _corrupt(records):
        if not cut:
            yield _skip(where, f"broken WARC file after record {n}: {broken}; rest of file not read")
    elif records.cut_header:
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
    while raw.read(BLOCK):
        pass
    errors = records.err_count
    records.read_to_end()
    records.damaged = bool(_short_by(record)) or records.err_count > errors
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
        value = one_line(record.rec_headers.get_header("Content-Length"), 40)
        return f"Content-Length {value!r} is no number of bytes"
    return None


def _declared_length(record) -> int | None:
    try:
        length = int(record.rec_headers.get_header("Content-Length"))
    except (TypeError, ValueError):
        return None
    return length if length >= 0 else None


def _start_over(records: _Records, stream: Rewindable, failed_line: bytes = b"") -> tuple[bool, bool]:
    """Put `stream` at the record after a broken one: the next gzip member, or the next
    'WARC/1.x' line of an uncompressed file (searched from the second byte of `failed_line`,
    the line warcio could not parse). Returns whether a record was found, and whether there
    was anything at all after the broken record."""
    reader = records.reader
    try:
        if reader.decompressor is not None:
            more = _drain(reader) > 0
            if reader.broken:  # no member after it can be found
                return False, True
            rest = reader.decompressor.unused_data or stream.read(BLOCK)
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
        chunk = reader.read(BLOCK)
        if not chunk:
            return b"", more
        more = True
        carry = carry[-16:] + chunk


def _drain(stream) -> int:
    size = 0
    while chunk := stream.read(BLOCK):
        size += len(chunk)
    return size


def _after(found: bool, more: bool) -> str:
    if found:
        return "read on from the next record"
    return "rest of file not read" if more else "the file ends there (cut off?)"


def _why(err: BaseException) -> str:
    """One clean line for a user: warcio's messages span lines and quote raw bytes, and a header
    it cannot use may surface as a Python error about None."""
    if isinstance(err, OverflowError):
        return "a Content-Length too large to be true (more bytes than any file holds)"
    if not isinstance(err, (ArchiveLoadFailed, *_READ_ERRORS)):
        return "WARC headers that cannot be parsed (a field such as WARC-Target-URI missing or malformed)"
    return one_line(str(err)) or type(err).__name__


def _skip(where: str, reason: str) -> Skipped:
    return Skipped(page_id(where, b""), where, reason)
