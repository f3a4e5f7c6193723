"""WARC input as crawlers leave it: uncompressed, cut off, with garbage records, piped on stdin.
Every good record is stored, every broken one is skipped with one clear line saying why."""
from __future__ import annotations

import gzip
import io
import json
import random
import subprocess
import sys
import tracemalloc
import zlib

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline import Storyline, extract
from storyline.cli import main
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


def _huge_record(length: int) -> bytes:
    """A response record whose Content-Length is `length`, far more than it holds."""
    return (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://news.example.com/huge\r\n"
            b"Content-Type: application/http; msgtype=response\r\nContent-Length: " + str(length).encode()
            + b"\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>short</p></body></html>\r\n\r\n")


@pytest.mark.parametrize("name,length,gz", [
    ("crawl.warc", 10**12, False), ("crawl.warc", 3000, False), ("crawl.warc.gz", 10**12, True),
    ("crawl.warc", 10**30, False)], ids=["10^12", "into-the-next-records", "10^12-gzipped-whole", "10^30"])
def test_a_huge_content_length_mid_file_skips_that_record_and_reads_on(tmp_path, name, length, gz):
    """A Content-Length past the end of the file (or into the records after it) swallowed the
    records after it: they were lost, and the skip said only 'cut off'. The record is skipped
    saying its Content-Length is wrong, the records inside it are read, and nothing the size
    of the claimed length is allocated."""
    records = _records()
    data = records[0] + _huge_record(length) + records[1] + records[2]
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if gz else data)
    tracemalloc.start()
    try:
        results = list(extract([path]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000_000
    assert _ok(results) == {uri for uri, _, _ in STORIES}
    (skip,) = _skips(results)
    assert "Content-Length" in skip["reason"] and "read on" in skip["reason"], skip
    assert skip["reason"].isprintable() and len(skip["reason"]) <= 300, skip


def test_a_huge_content_length_on_stdin_skips_that_record_and_reads_on():
    """The same through a pipe, which cannot be read back: what follows the line is kept."""
    records = _records()
    data = records[0] + _huge_record(10**12) + records[1] + records[2]
    proc = subprocess.run([sys.executable, "-m", "storyline.cli", "extract", "--json", "-"],
                          input=data, capture_output=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    pages = [json.loads(line) for line in proc.stdout.splitlines()]
    assert _ok(pages) == {uri for uri, _, _ in STORIES}
    (skip,) = _skips(pages)
    assert "Content-Length of 1,000,000,000,000 bytes" in skip["reason"], skip


def _many_records(count: int = 12) -> tuple[list[bytes], list[str]]:
    """Records of text that does not compress to nothing, so a gzip of them is many blocks;
    the same bytes on every run (no record ids or dates of now), so the damage is too."""
    rng = random.Random(20240114)
    words = ("harbour council budget storm ferry island library reader petition tram line bus district "
             "minister report weather river flood school museum whale quay").split()
    records, uris = [], []
    for n in range(count):
        text = " ".join(rng.choice(words) for _ in range(900))
        uri = f"https://news.example.com/story-{n}"
        block = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                 + _html(f"Story number {n}", text + ". "))
        records.append(f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\n"
                       f"WARC-Date: 2024-01-14T12:00:00Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{n:012d}>\r\n"
                       f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(block)}\r\n\r\n"
                       .encode() + block + b"\r\n\r\n")
        uris.append(uri)
    return records, uris


def _corrupt(data: bytes, at: int, size: int = 20) -> bytes:
    damaged = bytearray(data)
    for i in range(at, at + size):
        damaged[i] ^= 0x55
    return bytes(damaged)


@pytest.mark.parametrize("damage", [
    lambda z: _corrupt(z, len(z) // 2), lambda z: _corrupt(z, 3000), lambda z: _corrupt(z, len(z) - 6, 1)],
    ids=["corrupt-middle", "corrupt-first-block", "corrupt-checksum"])
def test_a_corrupt_whole_gzip_warc_keeps_the_records_before_the_damage(tmp_path, capfd, damage):
    """`gzip crawl.warc` with damaged bytes: warcio read a first block that fails as an
    uncompressed WARC (every record lost), lost all a later failing block held, printed zlib's
    error on stderr, and the skip said 'no Content-Length' or 'cut off'. Now the records before
    the damage are stored, one skip says the gzip data is corrupt and the rest not read, exit 1."""
    records, uris = _many_records()
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(damage(gzip.compress(b"".join(records), mtime=0)))
    code = main(["run", str(path), "--db", str(tmp_path / "s.db"), "--no-progress"])
    out, err = capfd.readouterr()
    assert code == 1, out + err
    assert "Traceback" not in err and "Error -3" not in err, err
    skipped = [line for line in out.splitlines() if line.strip().startswith("skipped ")]
    assert len(skipped) == 1, out
    assert "gzip data is corrupt" in skipped[0] and "rest of file not read" in skipped[0], skipped
    with Storyline(tmp_path / "s.db", Config()) as sl:
        stored = [p["source"] for p in sl.pages() if p["status"] == "ok"]
    kept = len(stored)
    assert kept >= 1 and sorted(stored) == sorted(uris[:kept]), stored  # the records before the damage


def test_a_hostile_uri_that_warcio_logs_reaches_the_terminal_escaped(tmp_path):
    # warcio logs a WARC-Target-URI with spaces as it is; one holding ESC sequences would clear
    # the user's screen and retitle the window.
    uri = "https://news.example.com/harbour \x1b[2J\x1b]0;pwned\x07"
    path = tmp_path / "crawl.warc"
    path.write_bytes(b"".join(_records([(uri, *STORIES[0][1:])])))
    proc = subprocess.run([sys.executable, "-m", "storyline.cli", "extract", str(path)],
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert b"Replacing spaces" in proc.stderr  # what warcio says, still said
    assert b"\x1b" not in proc.stderr and b"\x07" not in proc.stderr and b"\\u001b" in proc.stderr


def _with_content_length(record: bytes, change: int) -> bytes:
    """An uncompressed WARC record whose Content-Length header is `change` bytes off."""
    start = record.index(b"Content-Length: ") + len(b"Content-Length: ")
    end = record.index(b"\r\n", start)
    return record[:start] + str(int(record[start:end]) + change).encode() + record[end:]


@pytest.mark.parametrize("bad,change", [(1, -100), (1, 100), (2, -100)],
                         ids=["too-small", "too-large", "too-small-last"])
def test_a_wrong_content_length_in_a_gzipped_by_record_warc_loses_no_other_record(tmp_path, bad, change):
    """A .warc.gz (one gzip member per record) with a record whose Content-Length is wrong.
    One too small left the record's tail to be read as the next record: that failed, and the
    start over read past the next (valid) record, which was lost ('rest of file not read').
    The record is skipped saying its Content-Length is wrong, and reading goes on at the next
    gzip member: every other record is read, and none is missing without a word. The last
    record's tail gave a second skip, 'rest of file not read', where no rest is."""
    records = _records()
    records[bad] = _with_content_length(records[bad], change)
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(b"".join(gzip.compress(r) for r in records))
    results = list(extract([path]))
    assert _ok(results) == {uri for n, (uri, _, _) in enumerate(STORIES) if n != bad}, results
    (skip,) = _skips(results)
    assert skip["source"] == STORIES[bad][0] and "Content-Length" in skip["reason"], skip
    assert len(results) == 3, results
