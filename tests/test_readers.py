"""Every input format gives the same clean article; records keep their own ids and dates."""
from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storyline import extract
from storyline.read import read_inputs

from .conftest import SEED

AEB_PAGE = "00fa9b6e1f10e7b24b1d0b6c0c2f7f5a"  # replaced below by the first page present


def _aeb_page(shared: Path) -> tuple[str, bytes, str]:
    """(id, raw HTML bytes, gold text) of one real AEB page."""
    gold = json.loads((shared / "data/aeb/ground-truth.json").read_text())
    page_id = sorted(gold)[0]
    html = gzip.decompress((shared / f"data/aeb/html/{page_id}.html.gz").read_bytes())
    return page_id, html, gold[page_id]["articleBody"]


def _warc(records: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for uri, body in records:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers))
    return buffer.getvalue()


def test_html_plain_gzipped_and_warc_agree(shared, tmp_path):
    _, html, gold = _aeb_page(shared)
    (tmp_path / "page.html").write_bytes(html)
    (tmp_path / "page.htm.gz").write_bytes(gzip.compress(html))
    (tmp_path / "crawl.warc.gz").write_bytes(_warc([("https://example.org/a", html)]))
    results = list(extract([tmp_path]))
    assert len(results) == 3
    texts = {r["text"] for r in results}
    assert len(texts) == 1
    text = texts.pop()
    # The article's opening and closing sentences are there.
    gold_lines = [line for line in gold.splitlines() if len(line.split()) > 8]
    assert gold_lines[0][:60] in text and gold_lines[-1][:60] in text
    warc_page = next(r for r in results if r["source"].startswith("https://"))
    assert warc_page["url"] == "https://example.org/a"
    assert all(r["title"] for r in results)


def test_html_date_and_site_metadata(shared):
    gold = json.loads((shared / "data/aeb/ground-truth.json").read_text())
    pages = list(extract(sorted((shared / "data/aeb/html").glob("*.html.gz"))[:20]))
    assert sum(1 for p in pages if p["claimed_date"]) >= 15
    assert all(p["claimed_date"] is None or len(p["claimed_date"]) == 10 for p in pages)
    assert len(gold) == 181


def test_jsonl_records_keep_their_id_date_and_title(tmp_path):
    seed_text = SEED["003"].read_text(encoding="utf-8")
    lines = [
        {"id": "afp-1", "url": "https://example.org/kcna", "text": seed_text, "date": "2024-01-14",
         "source": "Example Daily"},
        {"id": "feed-7", "title": "Headline-only record about a visit", "date": "14 January 2024"},
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines) + "\n", encoding="utf-8")
    first, second = list(extract([path]))
    assert first["id"] == "afp-1" and first["claimed_date"] == "2024-01-14"
    assert first["site_name"] == "Example Daily" and first["source"] == "https://example.org/kcna"
    assert first["text"].startswith("SEOUL: North Korea’s foreign minister will visit Russia")
    assert second["id"] == "feed-7" and second["title"] == "Headline-only record about a visit"
    assert second["claimed_date"] == "2024-01-14" and second["text"] == ""


def test_a_jsonl_field_of_the_wrong_type_is_ignored_with_a_warning_not_stored_as_its_repr(tmp_path):
    """Feeds get types wrong: a list as the URL, an object as the title. Such a field is no text:
    the page keeps the rest and says what was ignored, and a record whose text is no text is
    skipped with that reason. A numeric id is still an id."""
    body = "The harbour reopened on Sunday after the storm, port officials said, and ferries sailed again."
    lines = [{"id": 41, "url": ["https://example.org/a"], "title": {"en": "Harbour"}, "text": body, "source": True},
             {"id": "n-2", "text": 123}]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in lines) + "\n", encoding="utf-8")
    first, second = list(extract([path]))
    assert first["id"] == "41" and first["status"] == "ok"
    assert first["title"] != "{'en': 'Harbour'}" and "['" not in first["source"] and first["site_name"] is None
    assert "record field 'url' is a JSON array, not text: ignored" in first["warnings"]
    assert "record field 'title' is a JSON object, not text: ignored" in first["warnings"]
    assert "record field 'source' is a JSON boolean, not text: ignored" in first["warnings"]
    assert second["status"] == "skipped" and "field 'text' is a JSON number, not text" in second["reason"]


def test_stdin_is_sniffed(tmp_path):
    seed = SEED["000"].read_bytes()
    proc = subprocess.run([sys.executable, "-m", "storyline.cli", "extract", "--json", "-"],
                          input=seed, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (page,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert page["source"] == "<stdin>"
    assert page["title"].startswith("North Korean foreign minister visits Moscow")


def test_directories_are_read_recursively_and_only_known_formats(tmp_path):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (nested / "page.txt").write_bytes(SEED["004"].read_bytes())
    (nested / "notes.md").write_text("not a page")
    (nested / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    items = list(read_inputs([tmp_path]))
    assert [Path(i.source).name for i in items] == ["page.txt"]


def test_encodings_are_decoded(tmp_path):
    text = SEED["003"].read_text(encoding="utf-8").replace("’", "'").replace("“", '"').replace("”", '"')
    text = text.replace("Traditional allies", "Traditional allies (café)")
    (tmp_path / "latin1.txt").write_bytes(text.encode("cp1252"))
    (tmp_path / "utf16.txt").write_bytes(text.encode("utf-16"))
    for page in extract([tmp_path]):
        assert "(café)" in page["text"], page["source"]


def test_a_named_pipe_is_read_once_not_drained_by_the_page_count(tmp_path):
    """With the progress bar on, counting a FIFO's lines read its data, and the run then waited
    on the empty pipe for ever."""
    import os
    import threading

    from storyline.read import count_pages
    pipe = tmp_path / "feed.jsonl"
    os.mkfifo(pipe)
    record = {"id": "a", "text": "The harbour reopened on Sunday after the storm, port officials said."}
    writer = threading.Thread(target=lambda: pipe.write_text(json.dumps(record) + "\n"), daemon=True)
    writer.start()
    assert count_pages([pipe]) is None  # unknown, without opening it
    assert [p["id"] for p in extract([pipe])] == ["a"]
    writer.join(5)
