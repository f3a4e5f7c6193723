"""The Python API from a plain script (no main guard) and from `python -`: worker processes must not
run the caller's main module again (before, every page was skipped as 'extraction crashed')."""
from __future__ import annotations

import subprocess
import sys

SCRIPT = """
from storyline import Storyline
with Storyline({db!r}) as sl:
    summary = sl.run([{folder!r}], workers=2)
    print("stored", summary.totals["pages"], "skipped", len(summary.skipped))
"""


def test_api_runs_from_a_script_without_main_guard(seed_dir, tmp_path):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT.format(db=str(tmp_path / "a.db"), folder=str(seed_dir)), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "stored 5 skipped 0" in done.stdout and "Error" not in done.stderr


def test_api_runs_from_stdin(seed_dir, tmp_path):
    done = subprocess.run([sys.executable, "-"], input=SCRIPT.format(db=str(tmp_path / "b.db"), folder=str(seed_dir)),
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "stored 5 skipped 0" in done.stdout and "Error" not in done.stderr
