"""The engine refactor changes no answer: pages, copies, originals, stories and storylines on the
seeds (two runs) and on AEB are those recorded by the code before it (tests/engine_snapshot.py)."""
from __future__ import annotations

import json

import pytest

from .engine_snapshot import AEB, DATA, aeb_batches, seed_batches, snapshot


def _compare(name: str, got: dict) -> None:
    want = json.loads((DATA / f"engine-before-{name}.json").read_text(encoding="utf-8"))
    assert got["runs"] == want["runs"]
    want_pages = {p["id"]: p for p in want["pages"]}
    assert sorted(p["id"] for p in got["pages"]) == sorted(want_pages)
    for page in got["pages"]:
        assert page == want_pages[page["id"]], page["id"]
    assert got["stories"] == want["stories"]
    assert got["storylines"] == want["storylines"]


def test_seeds_give_the_recorded_answer(tmp_path):
    _compare("seeds", snapshot(seed_batches(tmp_path), tmp_path / "s.db"))


def test_aeb_gives_the_recorded_answer(tmp_path):
    if not AEB.is_dir():
        pytest.skip("../shared/data/aeb is not present")
    _compare("aeb", snapshot(aeb_batches(tmp_path), tmp_path / "a.db", workers=2))
