"""Bad input, as a user meets it: one folder of broken pages next to good ones.

Every bad input is built in tmp_path at test time (no binary fixtures). The
folder goes to a single `storyline run` (in process, through `storyline.cli.main`)
and the tests check what a user would see: the exit code, the pages stored,
and a clear reason for every page skipped (`storyline pages --errors --json`).
"""
from __future__ import annotations

import codecs
import io
import json
import os
import random
import shutil
import time
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline.cli import main
from storyline.schema import PAGE_FIELDS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
GOOD_EXAMPLE = EXAMPLES / "003_d9f85effd8569e74.txt"
DEFAULT_MAX_PAGE_BYTES = 20_000_000

# -- prose for the pages we build ---------------------------------------------

TRANSPORT = [
    "The city council voted on Tuesday to approve a new budget for public transport, after months of "
    "debate over fares and the cost of repairs to the ageing tram network.",
    "Officials said the plan would add forty new buses by next spring and extend evening service on six "
    "routes that residents had described as unreliable and overcrowded.",
    "Opposition members argued that the budget relied on optimistic estimates of ticket revenue and warned "
    "that fares could rise again before the end of the year.",
    "The mayor defended the plan, saying the investment was overdue and that the city could not afford to "
    "let its transport system decline any further.",
]
FLOODS = [
    "Heavy rain caused rivers to rise across the northern valleys on Monday, and forecasters issued flood "
    "warnings for towns along the banks, urging residents to move cars and valuables to higher ground.",
    "Emergency crews worked through the night to reinforce levees near the old mill, while schools in three "
    "districts announced they would stay closed until the water receded.",
    "The regional government said it had opened four shelters and asked volunteers with boats to register "
    "with the fire service rather than setting out on their own.",
]
MUSEUM = [
    "The national history museum reopened its doors on Saturday after a three-year renovation that "
    "replaced the leaking glass roof and doubled the space for temporary exhibitions.",
    "Thousands of visitors queued in the rain before opening time, many of them families drawn by the "
    "restored skeleton of a blue whale that now hangs above the main hall.",
    "The director said the museum would stay open late on Thursdays during the summer and that entry to "
    "the permanent collection would remain free for everyone under eighteen.",
]
HARBOUR = [
    "Dock workers at the country's largest port ended a two-week strike on Wednesday after union leaders "
    "accepted a pay offer that had been rejected twice before.",
    "Hundreds of containers had piled up on the quays during the dispute, and shipping companies warned "
    "that it would take several weeks to clear the backlog of delayed cargo.",
    "The agreement includes a raise of six percent over two years and a promise to review night-shift "
    "schedules, which workers said had become dangerous and exhausting.",
]
LIBRARY = [
    "The public library in the old town will extend its opening hours from next month, the culture "
    "department announced on Friday, after a petition signed by more than five thousand readers.",
    "“People told us they wanted somewhere quiet to work after their shifts,” the head librarian "
    "said, adding that the library’s café would also stay open later.",
    "Branches will open at eight in the morning on weekdays and stay open until nine in the evening, "
    "giving students and shift workers more time to borrow books and use the reading rooms.",
    "The department said the change would be paid for by savings on energy, after the buildings were "
    "fitted with new insulation and heat pumps last winter.",
]
BRIDGE = [
    "Engineers closed the river bridge to heavy lorries on Thursday after an inspection found cracks in "
    "two of the steel supports beneath the eastern span.",
    "Cars and buses may still cross at reduced speed, but hauliers will have to take a detour of almost "
    "thirty kilometres through the hills until repairs are finished.",
    "The transport ministry said a full report would be published next week and that work on the supports "
    "was expected to begin before the autumn storms.",
    "Local businesses said the closure would raise their delivery costs and asked the government for "
    "temporary help while the bridge is repaired.",
]


def _article_html(title: str, paragraphs: list[str]) -> str:
    body = "".join(f'<p class="story-body">{p}</p>\n' for p in paragraphs)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title></head>\n<body><header><nav><a href=\"/\">Home</a></nav></header>\n"
            f"<main><article><h1>{title}</h1>\n{body}</article></main>\n"
            "<footer><p>Copyright The Daily Example</p></footer></body></html>\n")


def _warc_with_two_good_records(prefix: str) -> tuple[bytes, list[str]]:
    """A gzipped WARC holding two HTML response records; returns the bytes and the two URIs."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    uris = []
    for n, (title, paragraphs) in enumerate((("Museum reopens after renovation", MUSEUM),
                                             ("Port strike ends with pay deal", HARBOUR))):
        uri = f"https://news.example.com/{prefix}/story-{n + 1}.html"
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        payload = io.BytesIO(_article_html(title, paragraphs).encode("utf-8"))
        writer.write_record(writer.create_warc_record(uri, "response", payload=payload, http_headers=http))
        uris.append(uri)
    return buf.getvalue(), uris


# Garbage after the last good WARC record, as a crash or a bad copy leaves it.
BINARY_JUNK = random.Random(20240114).randbytes(600)  # no spaces in its first "line": not ARC-like
SPACED_JUNK = b"\x00\x00\x00 partial write: connection reset by peer \xff\xfe\x13\x37\r\n" * 4
TRUNCATED_RECORD = b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://news.example.com/lo"

# -- the folder of bad input -------------------------------------------------

# name -> (source suffix of the skipped page, keywords its reason must contain)
BAD = {
    "empty": ("empty.txt", ["empty"]),
    "binary": ("logo.html", ["binary"]),
    "huge": ("huge.txt", ["limit", f"{DEFAULT_MAX_PAGE_BYTES:,}"]),
    "jsonl-line-2": ("feed.jsonl#L2", ["line 2", "JSON"]),
    "broken-warc-record": ("crawl.warc.gz#record3", ["broken WARC record", "after record 2"]),
    "dangling-symlink": ("x.html", ["cannot read", "no such file"]),
    "not-gzip": ("notgzip.html.gz", ["cannot read", "gzip"]),
}


def make_bad_dir(root: Path) -> dict:
    """Write the folder of bad input (plus one good page); returns what a test needs to know."""
    d = root / "input"
    d.mkdir()
    shutil.copy(GOOD_EXAMPLE, d / "good.txt")

    # An empty file.
    (d / "empty.txt").write_bytes(b"")

    # A PNG (NULs, control bytes) saved under an .html name.
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
           + bytes(range(256)) * 16 + b"\x00\x00\x00\x00IEND\xaeB`\x82")
    (d / "logo.html").write_bytes(png)

    # An article page cut off in the middle of a tag (`<p cla`), as an interrupted download leaves it.
    html = _article_html("Bridge closed to lorries after cracks found", BRIDGE)
    cut = html.index(f'<p class="story-body">{BRIDGE[3]}') + len("<p cla")
    (d / "truncated.html").write_text(html[:cut], encoding="utf-8")

    # 50 MB of text, written sparse: prose at the start, then a hole up to 50,000,000 bytes.
    with open(d / "huge.txt", "wb") as handle:
        handle.write(("Huge dump\n\n" + "\n\n".join(FLOODS) + "\n").encode())
        handle.truncate(50_000_000)

    # English prose with two invalid UTF-8 bytes in it: stored, with a warning. News prose has
    # curly quotes (valid multi-byte UTF-8); the ASCII-only variant has nothing else to go by.
    for name, paragraphs in (("badutf8.txt", LIBRARY), ("badutf8-ascii.txt", [LIBRARY[0], *LIBRARY[2:]])):
        prose = ("Library to open longer hours\n\n" + "\n\n".join(paragraphs) + "\n").encode("utf-8")
        at = prose.index(b"five thousand")
        (d / name).write_bytes(prose[:at] + b"\xff\xfe" + prose[at:])

    # JSONL: line 2 is not JSON; lines 1 and 3 are good records.
    lines = [json.dumps({"id": "rec-1", "text": "Council approves transport budget\n\n" + "\n\n".join(TRANSPORT)}),
             '{"id": "rec-2", "text": "cut off here',
             json.dumps({"id": "rec-3", "text": "Flood warnings issued\n\n" + "\n\n".join(FLOODS)})]
    (d / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    # WARC: two good response records, then garbage bytes.
    warc, uris = _warc_with_two_good_records("main")
    (d / "crawl.warc.gz").write_bytes(warc + BINARY_JUNK)

    # A dangling symlink: a file that cannot be read.
    os.symlink(d / "deleted-page.html", d / "x.html")

    # A .html.gz that is not gzip.
    (d / "notgzip.html.gz").write_bytes(_article_html("Not compressed", MUSEUM).encode())

    good_sources = {str(d / "good.txt"), str(d / "badutf8.txt"), str(d / "badutf8-ascii.txt"), str(d / "truncated.html"),
                    str(d / "feed.jsonl") + "#L1", str(d / "feed.jsonl") + "#L3", *uris}
    return {"dir": d, "warc_uris": uris, "good_sources": good_sources,
            "bad_sources": {name: str(d / suffix) for name, (suffix, _) in BAD.items()}}


# -- running the command ----------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No storyline.toml or STORYLINE_* setting from the developer's machine."""
    for name in list(os.environ):
        if name.startswith("STORYLINE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def bad(tmp_path) -> dict:
    return make_bad_dir(tmp_path)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # drop anything printed before
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stored_pages(capsys, db: Path, *, errors: bool = False) -> list[dict]:
    code, out, err = cli(capsys, "pages", "--json", "--db", str(db), *(["--errors"] if errors else []))
    assert code == 0, err
    return json.loads(out)


def run(capsys, db: Path, *inputs: Path | str, json_out: bool = False) -> tuple[int, str, str]:
    return cli(capsys, "run", *map(str, inputs), "--db", str(db), "--no-progress", *(["--json"] if json_out else []))


def extract_lines(capsys, *inputs: Path | str) -> tuple[int, list[dict], str]:
    code, out, err = cli(capsys, "extract", *map(str, inputs), "--json")
    return code, [json.loads(line) for line in out.splitlines()], err


def _has_keywords(reason: str | None, keywords: list[str]) -> bool:
    return reason is not None and all(k.lower() in reason.lower() for k in keywords)


# -- the tests ---------------------------------------------------------------


def test_run_over_bad_folder_exits_1_and_names_each_skip(capsys, bad, tmp_path):
    code, out, err = run(capsys, tmp_path / "s.db", bad["dir"])
    assert code == 1, out + err
    assert "Traceback" not in err
    # The summary printed to the user names every skipped page.
    for name, source in bad["bad_sources"].items():
        assert f"skipped {source}:" in out, (name, out)


def test_good_pages_are_stored(capsys, bad, tmp_path):
    db = tmp_path / "s.db"
    run(capsys, db, bad["dir"])
    ok = {p["source"]: p for p in stored_pages(capsys, db) if p["status"] == "ok"}
    assert set(ok) == bad["good_sources"]
    good = ok[str(bad["dir"] / "good.txt")]
    assert good["title"] == "North Korean foreign minister to visit Russia: KCNA"
    assert "Choe Son Hui" in good["text"]
    assert all(p["text"] and p["reason"] is None for p in ok.values())


CASES = list(BAD)


@pytest.mark.parametrize("command", ["run", "extract"])
@pytest.mark.parametrize("name", CASES)
def test_bad_page_is_reported(capsys, bad, tmp_path, name, command):
    """Each bad page shows up as skipped, under its own source, with a specific reason."""
    source, keywords = bad["bad_sources"][name], BAD[name][1]
    if command == "run":
        db = tmp_path / "s.db"
        run(capsys, db, bad["dir"])
        skipped = {p["source"]: p for p in stored_pages(capsys, db, errors=True)}
        assert all(p["status"] == "skipped" for p in skipped.values())
    else:
        _code, lines, _err = extract_lines(capsys, bad["dir"])
        skipped = {p["source"]: p for p in lines if p["status"] == "skipped"}
    assert source in skipped, f"{name}: {source} not reported; skipped: {sorted(skipped)}"
    reason = skipped[source]["reason"]
    assert _has_keywords(reason, keywords), f"{name}: reason {reason!r} lacks {keywords}"


def test_no_page_is_skipped_that_should_not_be(capsys, bad, tmp_path):
    db = tmp_path / "s.db"
    run(capsys, db, bad["dir"])
    skipped = {p["source"] for p in stored_pages(capsys, db, errors=True)}
    assert skipped <= set(bad["bad_sources"].values())
    assert not skipped & bad["good_sources"]


def test_invalid_utf8_is_stored_with_a_warning(capsys, bad, tmp_path):
    db = tmp_path / "s.db"
    run(capsys, db, bad["dir"])
    page = {p["source"]: p for p in stored_pages(capsys, db)}[str(bad["dir"] / "badutf8.txt")]
    assert page["status"] == "ok" and page["reason"] is None
    assert page["title"] == "Library to open longer hours"
    assert len(page["warnings"]) == 1 and "invalid UTF-8" in page["warnings"][0], page["warnings"]
    assert "\ufffd\ufffdfive thousand readers" in page["text"]  # the bad bytes are replaced, visibly
    assert LIBRARY[1] in page["text"] and LIBRARY[3] in page["text"]  # the good UTF-8 is kept as it was


def test_invalid_bytes_in_ascii_prose_are_stored_with_a_warning(capsys, bad, tmp_path):
    """With no valid multi-byte UTF-8 to go by, storyline may read the file as a legacy encoding;
    either way the page is stored, the prose around the bad bytes is intact and a warning says so."""
    db = tmp_path / "s.db"
    run(capsys, db, bad["dir"])
    page = {p["source"]: p for p in stored_pages(capsys, db)}[str(bad["dir"] / "badutf8-ascii.txt")]
    assert page["status"] == "ok" and page["reason"] is None
    assert len(page["warnings"]) == 1 and "UTF-8" in page["warnings"][0], page["warnings"]
    assert "signed by more than" in page["text"] and "five thousand readers" in page["text"]
    assert LIBRARY[3] in page["text"]


def test_truncated_html_keeps_the_text_before_the_cut(capsys, bad, tmp_path):
    db = tmp_path / "s.db"
    run(capsys, db, bad["dir"])
    page = {p["source"]: p for p in stored_pages(capsys, db)}[str(bad["dir"] / "truncated.html")]
    assert page["status"] == "ok"
    assert page["title"] == "Bridge closed to lorries after cracks found"
    for paragraph in BRIDGE[:3]:
        assert paragraph in page["text"]
    assert BRIDGE[3][:30] not in page["text"]
    assert "<" not in page["text"] and "cla" not in page["text"].split()  # no debris of the cut tag


def test_jsonl_good_lines_are_stored_around_the_bad_one(capsys, bad, tmp_path):
    db = tmp_path / "s.db"
    run(capsys, db, bad["dir"])
    pages = {p["id"]: p for p in stored_pages(capsys, db)}
    feed = str(bad["dir"] / "feed.jsonl")
    assert pages["rec-1"]["status"] == "ok" and pages["rec-1"]["source"] == feed + "#L1"
    assert pages["rec-1"]["title"] == "Council approves transport budget"
    assert TRANSPORT[1] in pages["rec-1"]["text"]
    assert pages["rec-3"]["status"] == "ok" and pages["rec-3"]["source"] == feed + "#L3"
    assert FLOODS[2] in pages["rec-3"]["text"]
    assert "rec-2" not in pages  # the broken line is skipped under a fallback id, not its own
    [line2] = [p for p in pages.values() if p["source"] == feed + "#L2"]
    assert line2["status"] == "skipped"


def test_warc_good_records_are_stored_before_the_broken_one(capsys, bad, tmp_path):
    db = tmp_path / "s.db"
    run(capsys, db, bad["dir"])
    pages = {p["source"]: p for p in stored_pages(capsys, db)}
    first, second = bad["warc_uris"]
    assert pages[first]["status"] == "ok" and pages[first]["url"] == first
    assert pages[first]["title"] == "Museum reopens after renovation" and MUSEUM[1] in pages[first]["text"]
    assert pages[second]["status"] == "ok" and pages[second]["url"] == second
    assert pages[second]["title"] == "Port strike ends with pay deal" and HARBOUR[2] in pages[second]["text"]


@pytest.mark.parametrize("junk", [
    pytest.param(BINARY_JUNK, id="binary-junk"),
    pytest.param(SPACED_JUNK, id="junk-with-spaces"),
    pytest.param(TRUNCATED_RECORD, id="truncated-last-record"),
])
def test_garbage_after_warc_records_is_reported(capsys, tmp_path, junk):
    d = tmp_path / "warc"
    d.mkdir()
    warc, uris = _warc_with_two_good_records("junk")
    (d / "crawl.warc.gz").write_bytes(warc + junk)
    db = tmp_path / "s.db"
    code, out, err = run(capsys, db, d)
    ok = {p["source"] for p in stored_pages(capsys, db) if p["status"] == "ok"}
    assert ok == set(uris)
    errors = stored_pages(capsys, db, errors=True)
    assert [p["source"] for p in errors] == [str(d / "crawl.warc.gz") + "#record3"], errors
    assert "WARC" in errors[0]["reason"]
    assert code == 1


def test_second_run_adds_nothing_and_loses_nothing(capsys, bad, tmp_path):
    db = tmp_path / "s.db"
    code, out, _ = run(capsys, db, bad["dir"], json_out=True)
    assert code == 1
    first = json.loads(out)
    before = stored_pages(capsys, db)

    code, out, err = run(capsys, db, bad["dir"], json_out=True)
    assert code == 1, err  # the same pages are still skipped, and the run says so again
    second = json.loads(out)
    assert second["pages_read"] == first["pages_read"]
    assert second["pages_added"] == 0 and second["already_stored"] + len(second["skipped"]) == second["pages_read"]
    assert second["still_skipped"] == len(second["skipped"])  # not extracted again
    assert second["skipped"] == first["skipped"]  # reported again, stored once
    assert second["store"] == first["store"]
    assert stored_pages(capsys, db) == before  # same pages, same fields, same order
    assert len({p["id"] for p in before}) == len(before)


def test_store_keeps_its_pages_after_a_run_over_bad_input(capsys, bad, tmp_path):
    db = tmp_path / "s.db"
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    for name in ("000_d0b7ec262d07d9cb.txt", "001_bb9dc4096f305549.txt", "002_e5c01929fdadc18c.txt",
                 "004_34014f73af9cef3a.txt"):
        shutil.copy(EXAMPLES / name, earlier / name)
    code, _, err = run(capsys, db, earlier)
    assert code == 0, err
    before = stored_pages(capsys, db)
    assert len(before) == 4 and all(p["status"] == "ok" for p in before)
    stories_before = {p["id"]: p["story"] for p in before}

    code, _, _ = run(capsys, db, bad["dir"])
    assert code == 1
    after = {p["id"]: p for p in stored_pages(capsys, db)}
    # May move with new evidence: copy links when a new page joins a copy group, and the
    # date estimate and content-farm verdict when a new page of the same story dates it.
    copy_fields = {"duplicate_of", "relation", "relation_score", "published", "misdated", "content_farm"}
    for page in before:
        assert page["id"] in after, f"lost {page['source']}"
        kept = after[page["id"]]
        assert {k: v for k, v in kept.items() if k not in copy_fields} == \
               {k: v for k, v in page.items() if k not in copy_fields}
        assert kept["story"] == stories_before[page["id"]]
    assert {p["source"] for p in after.values() if p["status"] == "ok"} >= bad["good_sources"]


def test_extract_prints_one_json_line_per_page_and_exits_1(capsys, bad):
    code, lines, err = extract_lines(capsys, bad["dir"])
    assert code == 1, err
    for page in lines:
        assert list(page) == list(PAGE_FIELDS)
        assert page["status"] in ("ok", "skipped")
        assert (page["reason"] is None) == (page["status"] == "ok")
    sources = [p["source"] for p in lines]
    assert len(sources) == len(set(sources)), "a page printed twice"
    expected = bad["good_sources"] | set(bad["bad_sources"].values())
    assert set(sources) == expected
    assert {p["source"] for p in lines if p["status"] == "ok"} == bad["good_sources"]
    utf8 = next(p for p in lines if p["source"] == str(bad["dir"] / "badutf8.txt"))
    assert len(utf8["warnings"]) == 1 and "invalid UTF-8" in utf8["warnings"][0]


# -- pages the HTML parser cannot take as they are ----------------------------


def _nested_article(depth: int, paragraphs: list[str] | None = None) -> str:
    """An article page with its article `depth` <div>s deep (libxml2 stops at 256 levels)."""
    article = "" if paragraphs is None else (
        "<article><h1>Council approves transport budget</h1>"
        + "".join(f"<p>{p}</p>\n" for p in paragraphs) + "</article>")
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Council approves transport budget</title>"
            "</head><body>" + "<div>" * depth + article + "</div>" * depth + "</body></html>")


@pytest.mark.parametrize("depth", [300, 100_000])
def test_an_article_nested_deeper_than_the_parser_goes_is_extracted(capsys, tmp_path, depth):
    """The parser drops everything past 256 levels without an error: the article came out as
    'no article text found'. The page is flattened and read, and a warning says so."""
    path = tmp_path / "deep.html"
    path.write_text(_nested_article(depth, TRANSPORT), encoding="utf-8")
    code, (page,), err = extract_lines(capsys, path)
    assert code == 0 and "Traceback" not in err, err
    assert page["status"] == "ok", page["reason"]
    assert page["title"] == "Council approves transport budget"
    assert all(p in page["text"] for p in TRANSPORT)
    assert any("nested" in w and "flattened" in w for w in page["warnings"]), page["warnings"]


def test_a_deep_page_with_no_article_is_skipped_naming_the_nesting(capsys, tmp_path):
    path = tmp_path / "empty-deep.html"
    path.write_text(_nested_article(100_000), encoding="utf-8")
    code, (page,), err = extract_lines(capsys, path)
    assert code == 1 and "Traceback" not in err, err
    assert page["status"] == "skipped"
    assert "no article text found" in page["reason"] and "100,002 levels deep" in page["reason"], page["reason"]


def _utf16_pages() -> dict[str, tuple[bytes, str]]:
    """name -> (the page's bytes, a piece of its text that must come out intact)."""
    html = _article_html("Library to open longer hours", LIBRARY)
    utf16_meta = html.replace('<meta charset="utf-8">', '<meta charset="utf-16">')
    emoji = utf16_meta.replace("five thousand readers", "five thousand readers \U0001F4DA")
    cp1252 = utf16_meta.replace("’", "'").replace("“", '"').replace("”", '"').encode("cp1252")
    return {
        # Declares UTF-16 in ASCII (which it cannot be) and is cp1252: was read as UTF-16, all CJK
        # (when it has an even number of bytes; an odd one does not decode as UTF-16).
        "declared-utf16-cp1252": (cp1252 + b"\n" * (len(cp1252) % 2), "library's café"),
        # UTF-32 with its BOM: was read as UTF-16 (FF FE 00 00 starts with FF FE).
        "utf32-bom": (codecs.BOM_UTF32_LE + emoji.encode("utf-32-le"), "five thousand readers \U0001F4DA"),
        # UTF-16 with no BOM: was refused as binary (NUL bytes).
        "utf16-no-bom": (utf16_meta.encode("utf-16-le"), "library’s café"),
    }


@pytest.mark.parametrize("name", list(_utf16_pages()))
def test_a_page_declaring_or_written_in_utf16_is_read(capsys, tmp_path, name):
    data, piece = _utf16_pages()[name]
    path = tmp_path / f"{name}.html"
    path.write_bytes(data)
    code, (page,), err = extract_lines(capsys, path)
    assert code == 0 and "Traceback" not in err, err
    assert page["status"] == "ok", page["reason"]
    assert page["title"] == "Library to open longer hours"
    assert piece in page["text"] and LIBRARY[3] in page["text"], page["text"][:300]
    assert not any("invisible" in w for w in page["warnings"]), page["warnings"]


def test_a_page_of_unclosed_title_tags_is_read_in_seconds(capsys, tmp_path):
    """The fallback title search was a regex that, on a page with many '<title>' and no end
    tag, tried each one to the end of the page: over a minute for these 700 KB."""
    body = "".join(f"<p>{p}</p>\n" for p in BRIDGE)
    path = tmp_path / "titles.html"  # no title and no headline: the title is searched for in the HTML
    path.write_text(f"<html><body><article>{body}</article>" + "<title>" * 100_000 + "</body></html>",
                    encoding="utf-8")
    start = time.monotonic()
    code, (page,), err = extract_lines(capsys, path)
    assert time.monotonic() - start < 15
    assert page["status"] == "ok", page["reason"]
    assert BRIDGE[0] in page["text"]
