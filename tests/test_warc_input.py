"""WARC input as crawlers leave it: uncompressed, cut off, with garbage records, piped on stdin.
Every good record is stored, every broken one is skipped with one clear line saying why."""
from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import zlib

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline import Storyline, extract
from storyline.config import Config

STORIES = [
    ("https://news.example.com/harbour", "Harbour reopens after the storm",
     "The harbour reopened on Sunday after a week of storms, port officials said, and the first ferries "
     "sailed to the islands in the afternoon. Fishermen returned to the quays to repair nets and boats. "),
    ("https://news.example.com/library", "Library to open longer hours",
     "The public library in the old town will extend its opening hours from next month, the culture "
     "department announced on Friday, after a petition signed by more than five thousand readers. "),
    ("https://news.example.com/budget", "Council approves transport budget",
     "The city council approved the transport budget on Thursday after a long debate, giving the tram "
     "line extension its first money and promising new buses for the northern districts next year. "),
]


def _html(title: str, sentence: str) -> bytes:
    body = "".join(f"<p>{sentence}Paragraph {n} of the report goes on with the details.</p>\n" for n in range(6))
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1>\n{body}</article></body></html>\n").encode("utf-8")


def _records(stories=STORIES, gz: bool = False) -> list[bytes]:
    """Each story as one WARC response record (one gzip member when `gz`)."""
    out = []
    for uri, title, sentence in stories:
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=gz)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(_html(title, sentence)),
                                                      http_headers=http))
        out.append(buffer.getvalue())
    return out


def _by_source(results: list[dict]) -> dict[str, dict]:
    return {r["source"]: r for r in results}


def _ok(results: list[dict]) -> set[str]:
    return {r["source"] for r in results if r["status"] == "ok"}


def _skips(results: list[dict]) -> list[dict]:
    return [r for r in results if r["status"] == "skipped"]


@pytest.mark.parametrize("name,gz", [("crawl.warc", False), ("crawl.warc.gz", True)])
def test_a_valid_warc_gives_its_pages_and_no_skip(tmp_path, name, gz):
    """An uncompressed WARC ends each record with a blank line: no bogus broken last record."""
    path = tmp_path / name
    path.write_bytes(b"".join(_records(STORIES[:2], gz)))
    with Storyline(tmp_path / "s.db", Config()) as sl:
        summary = sl.run([path], reports=False)
    assert summary.skipped == []
    assert summary.added == 2


def _gzip_cut(data: bytes, keep: int) -> bytes:
    """A gzip stream of `data` cut off where it has given the first `keep` bytes."""
    packer = zlib.compressobj(wbits=31)
    return packer.compress(data[:keep]) + packer.flush(zlib.Z_SYNC_FLUSH)


def _cut_plain(records: list[bytes]) -> bytes:
    whole = b"".join(records)
    return whole[:len(whole) - len(records[-1]) // 2]


def _cut_gzipped_whole(records: list[bytes]) -> bytes:
    """`gzip crawl.warc`: one gzip member for all records."""
    whole = b"".join(records)
    return _gzip_cut(whole, len(whole) - len(records[-1]) // 2)


def _cut_gzipped_by_record(records: list[bytes]) -> bytes:
    """One gzip member per record, as crawlers write .warc.gz."""
    return b"".join(gzip.compress(r) for r in records[:-1]) + _gzip_cut(records[-1], len(records[-1]) // 2)


@pytest.mark.parametrize("name,cut", [("crawl.warc", _cut_plain), ("crawl.warc.gz", _cut_gzipped_whole),
                                      ("crawl.warc.gz", _cut_gzipped_by_record)],
                         ids=["plain", "gzipped-whole", "gzipped-by-record"])
def test_a_cut_off_record_is_skipped_as_cut_off(tmp_path, name, cut):
    """A crawl cut off by a full disk or a broken copy: the cut record is not stored as a page
    holding part of its text; it is skipped and the reason says it is cut off."""
    path = tmp_path / name
    path.write_bytes(cut(_records()))
    results = list(extract([path]))
    assert _ok(results) == {STORIES[0][0], STORIES[1][0]}
    (skip,) = _skips(results)
    assert skip["source"] == STORIES[2][0] and "cut off" in skip["reason"], skip


def test_a_record_cut_off_in_its_headers_is_skipped_as_cut_off(tmp_path):
    records = _records()
    path = tmp_path / "crawl.warc"
    path.write_bytes(b"".join(records[:2]) + records[2][:60])  # ends in the WARC headers
    results = list(extract([path]))
    assert _ok(results) == {STORIES[0][0], STORIES[1][0]}
    (skip,) = _skips(results)
    assert skip["source"] == f"{path}#record3" and "cut off" in skip["reason"], skip


GARBAGE = b"WARC/1.0\r\nthis is garbage\r\n\r\n"


@pytest.mark.parametrize("garbage", [GARBAGE, GARBAGE + b"more garbage", gzip.compress(GARBAGE)],
                         ids=["record", "record-glued-to-the-next", "gzip-member"])
def test_a_garbage_record_is_skipped_with_a_reason_and_the_next_one_read(tmp_path, garbage):
    """A record with no WARC-Type and no Content-Length does not swallow the rest of the file,
    nor does it pass without a word: the run's summary names it."""
    first, second = _records(STORIES[:2], gz=garbage.startswith(b"\x1f\x8b"))
    path = tmp_path / "crawl.warc"
    path.write_bytes(first + garbage + second)
    with Storyline(tmp_path / "s.db", Config()) as sl:
        summary = sl.run([path], reports=False)
        stored = _by_source(sl.pages())
    assert summary.added == 2
    assert {STORIES[0][0], STORIES[1][0]} <= set(stored)
    ((source, reason),) = summary.skipped
    assert source == f"{path}#record2"
    assert "no WARC-Type" in reason and "Content-Length" in reason, reason


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzipped"])
def test_a_warc_on_stdin_is_read_as_warc(gz):
    data = b"".join(_records(STORIES[:2], gz))
    proc = subprocess.run([sys.executable, "-m", "storyline.cli", "extract", "--json", "-"],
                          input=data, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    pages = [json.loads(line) for line in proc.stdout.splitlines()]
    assert _ok(pages) == {STORIES[0][0], STORIES[1][0]}
    assert _by_source(pages)[STORIES[1][0]]["title"] == STORIES[1][1]


JUNK_LINE = b"\x00\x01\x02 binary junk \x1b[2J\x1b]0;pwned\x07 " * 40 + b"\r\n"
NO_URI = b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999999\r\n\r\nshort"


@pytest.mark.parametrize("junk", [JUNK_LINE, NO_URI], ids=["junk-line", "response-with-no-uri"])
def test_a_skip_reason_is_one_clean_line(tmp_path, junk):
    """A reason quoting what warcio says of a broken record is one printable line of bounded
    length: no terminal escapes, no multi-line message, no Python error about None."""
    first, second = _records(STORIES[:2])
    path = tmp_path / "crawl.warc"
    path.write_bytes(first + junk + second)
    results = list(extract([path]))
    (skip,) = _skips(results)
    reason = skip["reason"]
    assert skip["source"] == f"{path}#record2" and "broken WARC record" in reason
    assert reason.isprintable() and len(reason) <= 300, reason
    assert "NoneType" not in reason and "startswith" not in reason, reason
    assert _ok(results) == {STORIES[0][0], STORIES[1][0]}  # and reading goes on after it
