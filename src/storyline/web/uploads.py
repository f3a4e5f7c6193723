"""Pages added from the browser or the API, read by the same readers as `storyline run`
(`read_stream` sniffs HTML, text, JSONL and WARC; a JSON record is read as a JSONL line) and
run through the same pipeline into the same store, one writer at a time.

A record without an id of its own (pasted, or sent as JSON) gets an id from its content, and an
uploaded file one from its name and bytes, so adding either again stores it once. A file that
`storyline run` stored has an id from its path: uploaded again, it is stored again, as an exact
copy, and linked as one.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

from ..read.files import read_stream
from ..read.jsonl import read_jsonl
from ..records import Page, Skipped

MAX_FILES = 50
MAX_RECORDS = 1000  # pages per request, however they come (JSON, files, a JSONL or WARC inside a file)
MAX_CONTENT = 200_000_000  # characters of page content per request: a small gzip may unpack to gigabytes
RECORD_KEYS = ("id", "url", "html", "text", "title", "date", "source", "text_kind", "published", "datePublished")
TEXT_KEYS = ("id", "url", "html", "text", "title", "source", "text_kind")  # the dates may also be epoch numbers


class UploadError(ValueError):
    """What was sent cannot be read as pages at all (400), with a message for the user."""


@dataclass(slots=True)
class Upload:
    """Pages read from one request, in order, and where each came from."""

    records: list[Page | Skipped] = field(default_factory=list)
    content: int = 0

    def _add(self, item: Page | Skipped) -> None:
        if len(self.records) >= MAX_RECORDS:
            raise UploadError(f"at most {MAX_RECORDS} pages per request: send the rest in another")
        self.content += len(item.content) if isinstance(item, Page) else 0
        if self.content > MAX_CONTENT:
            raise UploadError(f"more than {MAX_CONTENT:,} characters of pages in one request (unpacked): send "
                              "fewer at a time, or use `storyline run` on the files")
        self.records.append(item)

    def add_stream(self, data: bytes, source: str, config) -> None:
        for item in read_stream(io.BytesIO(data), source, config):  # lazily: the caps stop a bomb early
            self._add(item)

    def add_record(self, record: object, source: str, config) -> None:
        """One JSON record ({"text" or "html", "title"?, "url"?, "date"?, "id"?}) as a JSONL line."""
        if not isinstance(record, dict):
            raise UploadError(f"{source}: a page is a JSON object, not {type(record).__name__}")
        unknown = sorted(set(record) - set(RECORD_KEYS))
        if unknown:
            raise UploadError(f"{source}: unknown field(s) {', '.join(k[:40] for k in unknown[:5])} "
                              f"(known: {', '.join(RECORD_KEYS)})")
        # A client's mistake is its request's 400, not a page stored with "['x']" as its URL.
        wrong = [k for k in TEXT_KEYS if record.get(k) is not None and not isinstance(record[k], str)
                 and not (k == "id" and type(record[k]) is int)]
        if wrong:
            raise UploadError(f"{source}: field(s) {', '.join(wrong)} must be strings"
                              f"{' (id: a string or an integer)' if 'id' in wrong else ''}")
        try:
            line = json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"
        except UnicodeEncodeError:  # half a UTF-16 pair: kept as its JSON escape, which the reader mends
            line = json.dumps(record).encode("ascii") + b"\n"
        # Keyed alike for every record: a record without id or URL gets an id from its content
        # alone, wherever it stands in the request, so sending it again stores it once.
        for item in read_jsonl(io.BytesIO(line), source, config, key="api"):
            self._add(item)


def from_json(body: bytes, config) -> Upload:
    """`{"pages": [record, ...]}`, one record, or a list of records."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise UploadError("the body is nested too deeply to be pages") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise UploadError(f"the body is not valid JSON ({err})") from None
    records = value.get("pages") if isinstance(value, dict) and "pages" in value else value
    records = records if isinstance(records, list) else [records]
    if not records:
        raise UploadError("no pages in the request")
    if len(records) > MAX_RECORDS:
        raise UploadError(f"at most {MAX_RECORDS} pages per request")
    upload = Upload()
    for n, record in enumerate(records, 1):
        upload.add_record(record, f"api#{n}", config)
    return upload


async def form_parts(form) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """The files (name, bytes) and text fields of a form, read (the request body is bounded)."""
    files = [f for f in form.getlist("files") if hasattr(f, "read") and getattr(f, "filename", "")]
    if len(files) > MAX_FILES:
        raise UploadError(f"at most {MAX_FILES} files per upload")
    read = [(_clean_name(f.filename), await f.read()) for f in files]
    fields = {k: form.get(k) for k in ("text", "title", "url", "date") if isinstance(form.get(k), str)}
    return read, fields


def from_form(files: list[tuple[str, bytes]], form: dict[str, str], config) -> Upload:
    """A browser form or an API multipart body: pasted `text` (with `title`, `url`, `date`) and
    any number of `files` (HTML, text, JSONL or WARC, gzipped or not). Parsing is work: call it
    off the event loop."""
    upload = Upload()
    for name, data in files:
        upload.add_stream(data, f"upload:{name}", config)
    text = form.get("text")
    if isinstance(text, str) and text.strip():
        record = {"text": text}
        for key in ("title", "url", "date"):
            value = form.get(key)
            if isinstance(value, str) and value.strip():
                record[key] = value.strip()
        upload.add_record(record, "pasted", config)
    if not upload.records:
        raise UploadError("nothing to add: paste a text or choose files")
    return upload


def _clean_name(name: str) -> str:
    """A file name as sent, reduced to its last part and bounded: it is shown back to users."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:120] or "file"


def outcome(upload: Upload, summary, stored_before: set[str]) -> dict:
    """What the adder is told: each page's id and whether it was added (`ok`), was there
    before (`already_stored`), or was skipped (with the reason)."""
    skipped = {source: reason for source, reason in summary.skipped}
    pages = []
    for record in upload.records:
        if isinstance(record, Skipped):
            pages.append({"id": record.id, "source": record.source, "status": "skipped", "reason": record.reason})
            continue
        reason = skipped.get(record.source)
        status = "skipped" if reason else "already_stored" if record.id in stored_before else "ok"
        pages.append({"id": record.id, "source": record.source, "status": status, "reason": reason})
    return {"pages": pages, "summary": summary.as_dict()}
