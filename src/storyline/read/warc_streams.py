"""Byte streams under the WARC reader (read/warc.py): a stream bytes can be put back on, gzip
data read up to the byte it is damaged at, and what is read inside one record watched for the
start of another (kept, bounded, when the stream cannot be moved back there)."""
from __future__ import annotations

import re
import tempfile
import unicodedata
import zlib
from typing import BinaryIO

from warcio.bufferedreaders import DecompressingBufferedReader

INNER_RECORD = re.compile(rb"\nWARC/1\.[01]\r?\n")  # a record starting inside another one
SPOOL_MEMORY = 8 << 20  # what follows a record starting inside another, kept in memory up to this
SPOOL_MAX = 1 << 30  # and on disk up to this; past it that part of the file is not read
BLOCK = 1 << 16
REASON_CHARS = 200


class Reader(DecompressingBufferedReader):
    """warcio's reader, for gzip data that is corrupt. warcio reads a gzip member whose first
    block does not decompress as an uncompressed WARC (binary junk), and one that fails later
    as ending there, with the error on stderr; both lose all that block would have given. Here
    the block is given up to the byte the damage is found at, and the reader then ends, with
    `broken` saying why."""

    broken: str | None = None

    def _fillbuff(self, block_size=None):
        if self.broken is None:
            super()._fillbuff(block_size)
        elif self.empty():
            self.buff = None

    def _decompress(self, data: bytes) -> bytes:
        if self.broken is not None:
            return b""
        if not data or self.decompressor is None or self.decomp_type != "gzip":
            return super()._decompress(data)
        before = self.decompressor.copy()
        try:
            return self.decompressor.decompress(data)
        except zlib.error as err:
            if self.num_block_read == 0 and not data.startswith(b"\x1f\x8b"):  # not gzip: read as it is
                self.decompressor = None
                return data
            self.broken = f"its gzip data is corrupt ({one_line(str(err), 80)})"
            return decompress_up_to_damage(before, data)


def decompress_up_to_damage(decompressor, data: bytes) -> bytes:
    """What `data` decompresses to before the byte that makes zlib fail."""
    out = []
    for start in range(0, len(data), 4096):
        block = data[start:start + 4096]
        trial = decompressor.copy()
        try:
            out.append(decompressor.decompress(block))
        except zlib.error:
            for i in range(len(block)):  # the failing block, byte by byte
                try:
                    out.append(trial.decompress(block[i:i + 1]))
                except zlib.error:
                    break
            break
    return b"".join(out)


class Rewindable:
    """A stream that bytes already read can be put back on, for warcio to start over there,
    or (a file) that can be moved to a position; `pos`: how far into the stream it is."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._back = b""
        self.pos = 0
        try:
            self._start = stream.tell() if stream.seekable() else None
        except (AttributeError, OSError, ValueError):
            self._start = None

    @property
    def seekable(self) -> bool:
        return self._start is not None

    @property
    def broken(self) -> str | None:
        return getattr(self._stream, "broken", None)

    def put_back(self, data: bytes) -> None:
        self._back = data + self._back
        self.pos -= len(data)

    def seek(self, pos: int) -> None:
        self._stream.seek(self._start + pos)
        self._back, self.pos = b"", pos

    def read(self, size: int | None = -1) -> bytes:
        if not self._back:
            data = self._stream.read(size)
        else:
            end = len(self._back) if size is None or size < 0 else size
            data, self._back = self._back[:end], self._back[end:]
        self.pos += len(data)
        return data


def inner_record(data: bytes) -> int | None:
    """Where the first 'WARC/1.x' line at the start of a line in `data` begins."""
    start = 0
    while (hit := data.find(b"\nWARC/1.", start)) >= 0:
        if INNER_RECORD.match(data, hit):
            return hit + 1
        start = hit + 1
    return None


class Chain:
    """What a spool holds, then what warcio's reader of the stream gives on (decompressed,
    gzip member after member): the stream to start over on inside a record."""

    def __init__(self, spool: BinaryIO, reader):
        spool.seek(0)
        self._spool: BinaryIO | None = spool
        self._reader = reader

    def seekable(self) -> bool:
        return False

    @property
    def broken(self) -> str | None:
        """Why the gzip data read on could not be read on (see Reader)."""
        return getattr(self._reader, "broken", None)

    def read(self, size: int | None = -1) -> bytes:
        size = BLOCK if size is None or size < 0 else size
        if self._spool is not None:
            if data := self._spool.read(size):
                return data
            self._spool.close()
            self._spool = None
        data = self._reader.read(size)
        if not data and self._reader.read_next_member():
            data = self._reader.read(size)
        return data


class Tap:
    """Stands in for warcio's reader while one record is read: notes where the first
    'WARC/1.x' line inside the record is, and, when the stream cannot be moved back there,
    keeps what is read from that line on (bounded), for reading to start over there if the
    record's Content-Length turns out to be wrong."""

    def __init__(self, reader, at: int, spool: bool):
        self.reader = reader
        self.at = at  # stream position of the next byte read through here
        self.found: int | None = None  # stream position of the line
        self.spooling = spool
        self.spool: BinaryIO | None = None  # made when the line is found
        self.spooled = 0
        self.overflow = False
        self._carry = b"\n"

    def __getattr__(self, name):
        return getattr(self.reader, name)

    def read(self, *args) -> bytes:
        return self._see(self.reader.read(*args))

    def readline(self, *args) -> bytes:
        return self._see(self.reader.readline(*args))

    def _see(self, data: bytes) -> bytes:
        if not data:
            return data
        if self.found is None:
            # Searched for in the bytes carried over from the last read joined to the start of
            # these, then in these: no copy of a whole block.
            carried = len(self._carry)
            at = inner_record(self._carry + data[:16])
            if at is not None:
                at -= carried
            elif (at := inner_record(data)) is None:
                self._carry = (self._carry + data)[-16:] if len(data) < 16 else data[-16:]
            if at is not None:
                self.found = self.at + at
                self._keep(self._carry[carried + at:] + data if at < 0 else data[at:])
        else:
            self._keep(data)
        self.at += len(data)
        return data

    def _keep(self, data: bytes) -> None:
        if not self.spooling or self.overflow:
            return
        if self.spooled + len(data) > SPOOL_MAX:
            self.overflow = True
            self.close()
            return
        if self.spool is None:
            self.spool = tempfile.SpooledTemporaryFile(SPOOL_MEMORY)
        self.spool.write(data)
        self.spooled += len(data)

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
            self.spool = None


def one_line(text: str, limit: int = REASON_CHARS) -> str:
    """`text` as one printable line of at most `limit` characters."""
    text = " ".join("".join(" " if unicodedata.category(c)[0] == "C" else c for c in text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
