"""Ctrl-C, and runs and readers sharing one store (the long trials are in bench/reliability)."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "storyline.cli"]


def _start(db, *inputs):
    return subprocess.Popen([*CLI, "run", "--db", str(db), *map(str, inputs)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for_store(db, seconds=60):
    """Readers need the store to exist: wait until the first writer has made it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if db.exists():
            con = sqlite3.connect(db)
            try:
                if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'stories'").fetchone():
                    return
            except sqlite3.OperationalError:
                pass
            finally:
                con.close()
        time.sleep(0.05)
    raise AssertionError("no store was created")


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(shared, tmp_path):
    html = shared / "data/aeb/html"
    db = tmp_path / "s.db"
    proc = _start(db, html)
    time.sleep(4)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 130:
        assert "run the same command again to resume" in err
        assert "Traceback" not in err
    else:  # the run was already over: nothing to interrupt
        assert proc.returncode == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    resumed = subprocess.run([*CLI, "run", "--db", str(db), "--json", str(html)], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["store"]["pages"] == 181 and summary["pages_added"] + summary["already_stored"] == 181


def test_two_runs_and_readers_on_one_store(shared, seed_dir, tmp_path):
    html = shared / "data/aeb/html"
    db = tmp_path / "s.db"
    writers = [_start(db, html, seed_dir), _start(db, seed_dir, html)]
    _wait_for_store(db)
    errors, reads = [], 0
    while any(w.poll() is None for w in writers):
        for command in ("stories", "pages"):
            result = subprocess.run([*CLI, command, "--db", str(db), "--json"], capture_output=True, text=True)
            reads += 1
            if result.returncode != 0:
                errors.append(result.stderr)
            elif command == "stories":
                for story in json.loads(result.stdout):
                    if story["original"] not in story["pages"]:
                        errors.append(f"half-built story {story['id']}")
    assert [w.returncode for w in writers] == [0, 0], [w.stderr.read() for w in writers]
    assert errors == [] and reads > 0
    con = sqlite3.connect(db)
    ids = [r[0] for r in con.execute("SELECT id FROM pages")]
    assert len(ids) == len(set(ids)) == 186
    assert con.execute("SELECT count(*) FROM pages WHERE story IS NULL").fetchone()[0] == 0
    con.close()


def _open_store_at(path, barrier, results):
    from storyline.store.sqlite import SqliteStore
    barrier.wait()
    try:
        SqliteStore(path).close()
        results.put("ok")
    except Exception as err:  # reported to the test, which shows it
        results.put(repr(err))


def test_runs_that_start_together_on_a_new_store_both_open_it(tmp_path):
    """Two `storyline run`s started at once on one new file: the second used to fail at once with
    'database is locked' (switching to WAL does not wait on SQLite's busy timeout)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    failures = []
    for trial in range(12):
        barrier, results = context.Barrier(3), context.Queue()
        path = tmp_path / f"{trial}.db"
        openers = [context.Process(target=_open_store_at, args=(path, barrier, results)) for _ in range(3)]
        for process in openers:
            process.start()
        for process in openers:
            process.join(60)
        failures += [r for r in (results.get(timeout=5) for _ in openers) if r != "ok"]
    assert failures == []


def test_large_pages_in_a_row_do_not_hang_the_run(tmp_path):
    """Two pages of a few hundred kB in a row used to hang `storyline run` for ever: the parent
    blocked sending the next page while the worker blocked sending back the last result."""
    sentence = "The minister said on Tuesday that the talks in Moscow would go on until an agreement was reached. "
    records = [{"id": f"big-{i}", "title": f"Long report {i}", "text": f"Report {i}. " + sentence * 2600}
               for i in range(3)]
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    result = subprocess.run([*CLI, "run", "--db", str(tmp_path / "s.db"), "--json", str(path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["store"]["pages"] == 3


@pytest.mark.parametrize("when", ["while the worker processes start", "while they work"])
def test_ctrl_c_stops_the_worker_processes_at_once_and_quietly(tmp_path, when):
    """Ctrl-C reaches every process of the terminal's group. The fork server printed a
    KeyboardInterrupt traceback when it came during its imports, a pool process started at that
    moment outlived the run and printed another, and a Ctrl-C while reports were built waited
    for the jobs in flight."""
    root = Path(__file__).resolve().parents[1]
    child = subprocess.Popen([sys.executable, "-m", "tests.interrupt_helper", str(tmp_path)], cwd=root,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    marker = "go" if when.startswith("while the worker") else "started-*"
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(marker)) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    sent = time.monotonic()
    os.killpg(child.pid, signal.SIGINT)
    _, err = child.communicate(timeout=120)  # (until every process holding its stderr is gone)
    waited = time.monotonic() - sent
    assert child.returncode == 130 and err.strip() == "interrupted", err
    assert waited < 10  # the jobs take 20 s each
