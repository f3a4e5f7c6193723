"""Hostile and broken input: no crash, no hang, a clear reason for every skipped page."""
from __future__ import annotations

import gzip
import io
import json
import time
import zlib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline import Storyline, extract
from storyline.config import Config
from storyline.extract import extract_page
from storyline.read import read_inputs
from storyline.records import Article, Skipped

from .conftest import SEED

SMALL = Config(max_page_bytes=1_000_000)


def _write_zeros_gz(path: Path, megabytes: int) -> None:
    chunk = b"\0" * (1 << 20)
    with gzip.open(path, "wb", compresslevel=1) as handle:
        for _ in range(megabytes):
            handle.write(chunk)


def _read_all(path: Path, config: Config = Config()) -> list[Article | Skipped]:
    out = []
    for item in read_inputs([path], config):
        out.append(item if isinstance(item, Skipped) else extract_page(item, config))
    return out


def test_gzip_bomb_stops_at_the_limit(tmp_path):
    bomb = tmp_path / "bomb.html.gz"
    _write_zeros_gz(bomb, 50)  # 50 MB of zeros in about 50 KB
    assert bomb.stat().st_size < 1_000_000
    (result,) = _read_all(bomb, SMALL)
    assert isinstance(result, Skipped) and "limit of 1,000,000 bytes" in result.reason


def test_warc_record_bomb_is_skipped_and_the_next_record_read(tmp_path):
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    headers = [("Content-Type", "text/html")]
    for uri, body in [("https://bomb.example/", b"<p>" + b"a" * 30_000_000 + b"</p>"),
                      ("https://ok.example/", b"<html><head><title>Fine page</title></head><body>"
                                              + b"<p>" + SEED["003"].read_bytes() + b"</p></body></html>")]:
        writer.write_record(writer.create_warc_record(
            uri, "response", payload=io.BytesIO(body),
            http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")))
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(buffer.getvalue())
    assert path.stat().st_size < 1_000_000
    bomb, ok = _read_all(path, SMALL)
    assert isinstance(bomb, Skipped) and "limit" in bomb.reason and bomb.source == "https://bomb.example/"
    assert isinstance(ok, Article) and "SEOUL" in ok.text


def test_100_mb_jsonl_line_is_skipped_and_other_lines_kept(tmp_path):
    path = tmp_path / "feed.jsonl"
    good = json.dumps({"id": "good", "text": SEED["003"].read_text(encoding="utf-8")})
    with path.open("w", encoding="utf-8") as handle:
        handle.write(good.replace('"good"', '"before"') + "\n")
        handle.write('{"id": "huge", "text": "' + "x" * 100_000_000 + '"}\n')
        handle.write(good.replace('"good"', '"after"') + "\n")
    results = _read_all(path)
    assert [r.id for r in results if isinstance(r, Article)] == ["before", "after"]
    (skipped,) = [r for r in results if isinstance(r, Skipped)]
    assert "line 2" in skipped.reason and "limit" in skipped.reason


def test_jsonl_with_huge_numbers(tmp_path):
    text = SEED["003"].read_text(encoding="utf-8")
    path = tmp_path / "numbers.jsonl"
    path.write_text('{"id": ' + "9" * 5000 + ', "text": ' + json.dumps(text) + "}\n"
                    + '{"id": 1e999999, "text": ' + json.dumps(text) + "}\n", encoding="utf-8")
    results = _read_all(path)
    assert len(results) == 2 and all(isinstance(r, Article) for r in results)


def test_deeply_nested_html_does_not_crash_or_hang(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 100_000 + "<p>Deep text here.</p>" + "</div>" * 100_000
                    + "</body></html>")
    start = time.monotonic()
    (page,) = list(extract([path]))
    assert time.monotonic() - start < 60
    assert page["status"] in ("ok", "skipped")
    if page["status"] == "skipped":
        assert page["reason"]


def test_slow_page_is_stopped_at_the_time_limit(shared, tmp_path):
    page = sorted((shared / "data/aeb/html").glob("*.html.gz"))[0]
    (result,) = list(extract([page], Config(max_seconds_per_page=0.001)))
    assert result["status"] == "skipped" and "max_seconds_per_page" in result["reason"]
    # The next pages still go through when the limit allows.
    (ok,) = list(extract([page]))
    assert ok["status"] == "ok"


def test_invisible_and_bidi_characters_are_removed_and_reported(tmp_path):
    text = SEED["001"].read_text(encoding="utf-8")
    hostile = text.replace("Ethermac-North", "Ether\u200bmac-North", 1).replace("Lavrov", "Lav\u202erov\u202c")
    path = tmp_path / "hostile.txt"
    path.write_text(hostile, encoding="utf-8")
    (page,) = list(extract([path]))
    assert page["title"].startswith("North Korea’s top diplomat in Moscow")
    assert ("Ethermac", "title-prefix") in [(i["text"], i["where"]) for i in page["injections"]]
    assert "\u202e" not in page["text"] and "\u200b" not in page["text"] and "Lavrov" in page["text"]
    assert any("invisible" in w for w in page["warnings"])


def test_mixed_encodings_in_one_folder(tmp_path):
    text = SEED["003"].read_text(encoding="utf-8")
    (tmp_path / "utf8.txt").write_text(text, encoding="utf-8")
    (tmp_path / "utf16.txt").write_text(text, encoding="utf-16")
    latin = text.replace("’", "'").replace("“", '"').replace("”", '"') + "\nCafé société.\n"
    (tmp_path / "cp1252.txt").write_bytes(latin.encode("cp1252"))
    pages = list(extract([tmp_path]))
    assert [p["status"] for p in pages] == ["ok", "ok", "ok"]
    assert all(p["text"].startswith("SEOUL: North Korea") for p in pages)


FORMATS = ["page.txt", "page.html", "page.htm.gz", "feed.jsonl", "crawl.warc", "crawl.warc.gz", "page.unknown"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096), name=st.sampled_from(FORMATS), gz=st.booleans())
def test_random_bytes_never_crash(tmp_path, data, name, gz):
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if gz and name.endswith(".gz") else data)
    for result in _read_all(path):
        assert isinstance(result, (Article, Skipped))
        if isinstance(result, Skipped):
            assert result.reason
        else:
            assert result.text or result.title


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=4000), junk=st.binary(max_size=64), name=st.sampled_from(FORMATS[:3]))
def test_damaged_real_pages_never_crash(tmp_path, cut, junk, name):
    raw = SEED["002"].read_bytes()
    damaged = raw[:cut] + junk + raw[cut + len(junk):]
    path = tmp_path / name
    path.write_bytes(gzip.compress(damaged) if name.endswith(".gz") else damaged)
    for result in _read_all(path):
        assert isinstance(result, (Article, Skipped))


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=3000))
def test_any_unicode_text_page_extracts_or_says_why(text):
    from storyline.records import Page

    result = extract_page(Page(id="x", source="x", kind="text", content=text))
    assert isinstance(result, (Article, Skipped))
    if isinstance(result, Article):
        assert "\u202e" not in result.text and "\u200b" not in result.text


def test_a_run_over_hostile_input_keeps_the_store(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _write_zeros_gz(folder / "bomb.html.gz", 30)
    (folder / "deep.html").write_text("<div>" * 50_000)
    (folder / "ok.txt").write_bytes(SEED["003"].read_bytes())
    (folder / "bad.warc").write_bytes(b"WARC/1.0\r\n" + zlib.compress(b"x" * 1000))
    with Storyline(tmp_path / "s.db", Config(max_page_bytes=1_000_000)) as sl:
        summary = sl.run([folder])
        assert summary.added >= 1 and summary.skipped
        ok = [p for p in sl.pages() if p["source"].endswith("ok.txt")]
        assert ok and ok[0]["story"]
        assert all(p["reason"] for p in sl.pages(errors=True))


BODY = "The harbour reopened on Sunday after the storm, port officials said, and ferries sailed again."


def test_half_a_utf16_pair_in_a_jsonl_record_is_mended_and_the_run_goes_on(tmp_path):
    """JSON can escape a lone surrogate ("\\udc80"), which no encoder takes: before, the whole run
    stopped at the store with a UnicodeEncodeError and kept none of the records read before it."""
    lines = ['{"id": "fine", "text": "%s"}' % BODY,
             '{"id": "s4", "url": "http://x/\\udc80", "title": "A \\ud800 title", "text": "%s Again."}' % BODY]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join(lines) + "\n", encoding="ascii")
    with Storyline(tmp_path / "s.db") as sl:
        summary = sl.run([feed])
        pages = {p["id"]: p for p in sl.pages()}
    assert not summary.skipped and set(pages) == {"fine", "s4"}
    assert pages["s4"]["title"] == "A \ufffd title" and pages["s4"]["source"] == "http://x/\ufffd"
    assert any("lone surrogate" in w for w in pages["s4"]["warnings"])


def test_a_huge_title_is_cut_and_a_cut_text_says_so(tmp_path):
    """A feed's megabyte title would be stored and printed whole, and crashed NER (spaCy takes
    under a million characters) on every run; text cut at max_text_chars was cut silently."""
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "t", "title": "Storm " * 200_000, "text": BODY}) + "\n" +
                    json.dumps({"id": "long", "text": BODY * 50}) + "\n", encoding="utf-8")
    with Storyline(tmp_path / "s.db", Config(max_text_chars=1000)) as sl:
        summary = sl.run([feed])
        pages = {p["id"]: p for p in sl.pages()}
    assert not summary.skipped and len(pages["t"]["title"]) <= 1000
    assert any(w.startswith("title cut to 1,000 characters") for w in pages["t"]["warnings"])
    assert len(pages["long"]["text"]) == 1000
    assert any(w.startswith("text cut to max_text_chars = 1,000") for w in pages["long"]["warnings"])


def test_record_dates_python_reads_are_kept_and_others_said(tmp_path):
    """Basic ISO ("20240115") and week dates passed the reader, then vanished without a word."""
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": str(i), "text": f"{BODY} {i}", "date": d}) + "\n"
                            for i, d in enumerate(["20240115", "2024-W03-1", "2024-01-15T10:00Z"])), encoding="utf-8")
    assert [p["claimed_date"] for p in extract([feed])] == ["2024-01-15"] * 3


def test_control_characters_of_scraped_fields_never_reach_the_terminal(tmp_path, capsys):
    """An id or URL with ESC sequences would clear the screen or set the window title when
    `pages` prints it; the text output shows them escaped, the JSON output keeps the data."""
    from storyline.cli import main
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "esc\x1b[2Jred", "url": "http://x/\x1b]0;pwned\x07", "text": BODY}) + "\n",
                    encoding="utf-8")
    db = str(tmp_path / "s.db")
    assert main(["run", "--db", db, "--no-progress", str(feed)]) == 0
    capsys.readouterr()
    assert main(["pages", "--db", db]) == 0
    shown = capsys.readouterr().out
    assert "\x1b" not in shown and "\x07" not in shown and "esc\\u001b[2Jred" in shown
    assert main(["pages", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == "esc\x1b[2Jred"


def test_a_damaged_store_is_an_error_with_the_reason_not_a_traceback(tmp_path, capsys):
    from storyline.cli import main
    db = tmp_path / "s.db"
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": str(i), "text": f"{BODY} {i}"}) + "\n" for i in range(30)))
    assert main(["run", "--db", str(db), "--no-progress", str(feed)]) == 0
    with open(db, "r+b") as f:  # zeros over pages past the header, as a failing disk leaves them
        f.seek(2 * 4096)
        f.write(b"\0" * 8 * 4096)
    capsys.readouterr()
    assert main(["pages", "--db", str(db)]) == 2
    assert "damaged" in capsys.readouterr().err


def test_a_page_over_the_memory_limit_is_skipped_with_that_reason_and_the_next_is_read(tmp_path):
    """lxml and trafilatura swallow a failed allocation, so such a page came back as "no article
    text found" (or "extraction failed: MemoryError"): a reason that sends the user looking at the
    page, not at the setting. (Without a limit this page is no skip at all: trafilatura works on its
    1.9 million paragraphs past max_seconds_per_page; with 600 MB, lxml runs out at once.)"""
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a-huge.html").write_text("<html><body>" + "<p>x y</p>" * 1_900_000 + "</body></html>")
    (folder / "b-seed.txt").write_bytes(SEED["000"].read_bytes())
    huge, seed = list(extract([folder], Config(max_worker_memory_mb=600)))
    assert huge["status"] == "skipped"
    assert huge["reason"] == "page needs more than 600 MB to extract (max_worker_memory_mb)"
    assert seed["status"] == "ok" and seed["text"]


def test_dates_in_old_print_or_with_turkish_letters_never_crash_the_run(tmp_path):
    """IGNORECASE matches the long s of old print ("ſeptember 5") as an s, and the month's name was
    then looked up by lower(), which keeps it: a KeyError that crashed the worker (and `extract`
    itself, which dates each page it returns); an agency's name skipped the page."""
    body = SEED["003"].read_text(encoding="utf-8")
    path = tmp_path / "old-print.jsonl"
    path.write_text("\n".join(json.dumps({"id": key, "text": lead + "\n\n" + body}) for key, lead in (
        ("long-s", "The talks ended on ſunday, ſeptember 5, 2009."),
        ("turkish", "İstanbul, ſeptember 5, 2009: the talks ended on ſunday."),
        ("agency", "LONDON (REUTERſ) - The talks ended on Sunday after three days of meetings between the "
                   "ministers of both countries, officials said."))) + "\n", encoding="utf-8")
    pages = list(extract([path]))
    assert [(p["id"], p["status"]) for p in pages] == [("long-s", "ok"), ("turkish", "ok"), ("agency", "ok")]
    assert pages[2]["agency"] == "Reuters"
