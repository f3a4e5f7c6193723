"""All 181 real pages of the Article Extraction Benchmark go through run and extract."""
from __future__ import annotations

import json

from storyline import Storyline, extract


def test_run_and_extract_every_aeb_page(shared, tmp_path):
    html = shared / "data/aeb/html"
    files = sorted(html.glob("*.html.gz"))
    assert len(files) == 181
    with Storyline(tmp_path / "aeb.db") as sl:
        summary = sl.run([html], workers=2)
        assert summary.added == 181 and not summary.skipped
        pages = sl.pages()
    assert all(p["status"] == "ok" and p["story"] for p in pages)
    extracted = list(extract(files))
    assert len(extracted) == 181
    empty = [p["source"] for p in extracted if not p["text"].strip() or not p["title"]]
    assert empty == []
    # The text is the article: on average most of the gold text's words are found.
    gold = json.loads((shared / "data/aeb/ground-truth.json").read_text())
    found = 0.0
    for page in extracted:
        gold_words = set(gold[page["source"].rsplit("/", 1)[1].split(".")[0]]["articleBody"].split())
        found += len(gold_words & set(page["text"].split())) / max(1, len(gold_words))
    assert found / len(extracted) > 0.85
