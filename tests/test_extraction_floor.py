"""CI gate: storyline's F1 on the 181 AEB pages must not fall below bench/extraction/floors.json.

The floors are the F1 recorded by bench/extraction/run.py (results.md), rounded down to two
decimals, minus 0.01. Raise them when extraction improves; lower them only on purpose.
"""
from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from storyline.extract import extract_page
from storyline.read.files import page_from_bytes
from storyline.records import Article, Skipped

from .conftest import ROOT

FLOORS = json.loads((ROOT / "bench/extraction/floors.json").read_text())


def _load_scoring():
    name = "storyline_bench_extraction_scoring"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench/extraction/scoring.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


S = _load_scoring()


def _text(data: bytes, pid: str, kind: str) -> str:
    page = page_from_bytes(data, key=pid, source=pid, kind=kind)
    out = page if isinstance(page, Skipped) else extract_page(page)
    return out.text if isinstance(out, Article) else ""


@pytest.mark.parametrize("mode", ["html", "text"])
def test_storyline_f1_on_the_aeb_pages_stays_above_its_floor(shared, mode):
    aeb = shared / "data/aeb"
    gold = S.load_gold(aeb)
    if mode == "html":
        inputs = S.load_html(aeb, gold)
    else:
        inputs = {pid: text.encode("utf-8") for pid, text in S.load_page_text(aeb).items()}
    assert inputs.keys() == gold.keys() and len(gold) == 181
    predicted = {pid: _text(data, pid, mode) for pid, data in inputs.items()}
    per_page = S.page_scores(gold, predicted)
    scores = S.aggregate(per_page.values())
    floor = FLOORS[f"{mode}_f1"]
    worst = sorted(per_page.items(), key=lambda item: item[1].f1)[:5]
    assert scores.f1 >= floor, (
        f"{mode} F1 {scores.f1:.4f} (P {scores.precision:.4f}, R {scores.recall:.4f}) is below the floor "
        f"{floor}; weakest pages: " + ", ".join(f"{pid[:12]} {s.f1:.3f}" for pid, s in worst))
