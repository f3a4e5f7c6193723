from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
SEED = {n: next(EXAMPLES.glob(f"{n}_*.txt")) for n in ("000", "001", "002", "003", "004")}


@pytest.fixture(autouse=True, scope="session")
def _temp_files_in_pytest_dir(tmp_path_factory):
    """Temporary files of the suite and of the commands it starts go under pytest's own folder
    (which it prunes): a run the tests kill on purpose cannot remove its fork server's socket
    folder (pymp-*), and those would pile up in /tmp."""
    folder = tmp_path_factory.getbasetemp() / "tmp"
    folder.mkdir(exist_ok=True)
    before = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None  # gettempdir() asks TMPDIR again
    yield
    if before is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = before
    tempfile.tempdir = None


def write_jsonl(path: Path, records: list[dict]) -> Path:
    """A JSONL input file of these records (ASCII-escaped: a lone surrogate in a hostile record survives)."""
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def shared() -> Path:
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A private copy of the five example pages."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    for path in SEED.values():
        shutil.copy(path, folder / path.name)
    return folder
