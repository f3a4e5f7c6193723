"""Coverage-guided fuzz target for the readers and extractors (atheris).

    .venv/bin/pip install -e '.[fuzz]'
    .venv/bin/python fuzz/fuzz_read_extract.py -atheris_runs=20000 fuzz/corpus

The first byte picks the input format (txt, html, html.gz, jsonl, warc,
warc.gz, sniffed); the rest is the file. Any exception escaping the reader
or the extractor is a bug: a bad page must become a Skipped record with a
reason. `fuzz/corpus` is seeded from examples/ by `--seed-corpus`.
"""
from __future__ import annotations

import gzip
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["storyline"]):
    from storyline.config import Config
    from storyline.extract import extract_page
    from storyline.read import read_inputs
    from storyline.records import Article, Skipped

NAMES = ["page.txt", "page.html", "page.html.gz", "feed.jsonl", "crawl.warc", "crawl.warc.gz", "page.bin"]
CONFIG = Config(max_page_bytes=2_000_000)
TMP = Path(tempfile.mkdtemp(prefix="storyline-fuzz-"))


def test_one_input(data: bytes) -> None:
    if not data:
        return
    name = NAMES[data[0] % len(NAMES)]
    body = data[1:]
    if name.endswith(".gz") and data[0] & 0x80:
        body = gzip.compress(body)  # also reach the decoders behind gzip
    path = TMP / name
    path.write_bytes(body)
    for item in read_inputs([path], CONFIG):
        result = item if isinstance(item, Skipped) else extract_page(item, CONFIG)
        if not isinstance(result, (Article, Skipped)):
            raise AssertionError(f"unexpected record {type(result)}")
        if isinstance(result, Skipped) and not result.reason:
            raise AssertionError("skipped without a reason")


def seed_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    examples = Path(__file__).resolve().parents[1] / "examples"
    for i, page in enumerate(sorted(examples.glob("*.txt"))):
        raw = page.read_bytes()
        (folder / f"txt-{i}").write_bytes(bytes([0]) + raw)
        (folder / f"html-{i}").write_bytes(bytes([1]) + b"<html><body><p>" + raw + b"</p></body></html>")
        (folder / f"jsonl-{i}").write_bytes(bytes([3]) + b'{"id": "x", "text": "' + raw[:500].replace(b'"', b"'")
                                           .replace(b"\n", b"\\n") + b'"}\n')


if __name__ == "__main__":
    if "--seed-corpus" in sys.argv:
        seed_corpus(Path(sys.argv[-1]))
        sys.exit(0)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
