"""`storyline run --engine dask` then `storyline load`: the same store as a local run, whatever
the partitions and workers; a worker killed mid-run and a run stopped half-way lose and
duplicate nothing."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from storyline import Storyline
from storyline.config import Config
from storyline.errors import ClusterError, InputError, UsageError
from storyline.read import read_inputs
from storyline.run.partitions import plan_partitions, read_partition

from .engine_snapshot import AEB, aeb_batches, seed_batches, snapshot
from .test_engine_same_answer import _compare

pytest.importorskip("distributed")
from storyline.run.dask_engine import prepare_partition, run_dask  # noqa: E402  (needs dask)
from storyline.run.prepared_io import row_counts  # noqa: E402


def _jsonl(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(n):
            record = {"text": f"Report {i}: the council met on Monday and voted on item {i} of the budget."}
            if i % 3 == 0:
                record["id"] = f"own-{i}"
            handle.write(json.dumps(record) + "\n")
            if i % 5 == 0:
                handle.write("\n")  # blank lines count as lines, not records
    return path


def test_partitions_yield_the_pages_of_a_local_read_in_order(tmp_path):
    big = _jsonl(tmp_path / "big.jsonl", 23)
    (tmp_path / "pages").mkdir()
    for i in range(5):
        (tmp_path / "pages" / f"{i}.txt").write_text(f"Page {i}. Rain fell all day in the valley, officials said.")
    inputs = [str(tmp_path / "pages"), str(big)]
    config = Config()
    local = [(p.id, p.source) for p in read_inputs(inputs, config)]
    parts = plan_partitions(inputs, pages_per_partition=4)
    assert len(parts) > 4
    got = [(p.id, p.source) for part in parts for p in read_partition(part, config)]
    assert got == local



def test_a_partition_is_written_holding_one_batch_of_pages_at_a_time(tmp_path):
    # A worker's memory: the pages of a partition come from the extraction process one by one and
    # are turned into rows a batch at a time; they are never all held at once. Read back, the file
    # gives every page in order.
    import gc

    from storyline.run.local import Prepared, prepare
    from storyline.run.prepared_io import PAGES_PER_BATCH, read_partition_file, write_partition

    config = Config()
    pages = list(read_inputs([str(_jsonl(tmp_path / "in.jsonl", 2 * PAGES_PER_BATCH + 50))], config))
    held = []

    def prepared():
        for i, page in enumerate(pages):
            if i % 25 == 0:
                held.append(sum(type(o) is Prepared for o in gc.get_objects()))
            yield prepare(page, config)

    path = tmp_path / "prepared" / "p.parquet"
    assert write_partition(prepared(), path) == (len(pages), 0)
    assert max(held) <= PAGES_PER_BATCH
    back = list(read_partition_file(path))
    assert [item.article.id for item in back] == [page.id for page in pages]
    assert all(isinstance(item, Prepared) and item.terms for item in back)

def _load_run(out: Path, workers: int, per_partition: int, task=prepare_partition):
    def run(sl, batch):
        summary = run_dask([str(batch)], out / batch.stem, sl.config, workers=workers,
                           pages_per_partition=per_partition, task=task)
        assert summary.written + summary.resumed == summary.partitions
        assert summary.worker_peak_mb > 0
        return sl.load(out / batch.stem)
    return run


def test_seeds_give_the_local_engines_answer(tmp_path):
    got = snapshot(seed_batches(tmp_path), tmp_path / "s.db", run=_load_run(tmp_path / "out", 2, 1))
    _compare("seeds", got)


def test_aeb_gives_the_local_engines_answer(tmp_path):
    if not AEB.is_dir():
        pytest.skip("../shared/data/aeb is not present")
    got = snapshot(aeb_batches(tmp_path), tmp_path / "a.db", run=_load_run(tmp_path / "out", 2, 40))
    _compare("aeb", got)


def _dies_once(part, config, out_dir):
    """A partition task whose worker process dies (as if killed) the first time it runs partition 1."""
    marker = Path(out_dir) / f".died-{part.index}"
    if part.index == 1 and not marker.exists():
        marker.write_text("died")
        os._exit(1)
    return prepare_partition(part, config, out_dir)


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(tmp_path):
    got = snapshot(seed_batches(tmp_path), tmp_path / "s.db", run=_load_run(tmp_path / "out", 2, 1, task=_dies_once))
    assert list((tmp_path / "out").glob("*/.died-1"))  # the worker did die
    _compare("seeds", got)


def _fails_from_partition_2(part, config, out_dir):
    if part.index >= 2:
        raise RuntimeError("the cluster went away")
    return prepare_partition(part, config, out_dir)


def test_a_rerun_resumes_from_the_partitions_written(tmp_path):
    batch = _jsonl(tmp_path / "b.jsonl", 12)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="went away"):
        run_dask([str(batch)], out, Config(), workers=1, pages_per_partition=3, task=_fails_from_partition_2)
    written = sorted(p.name for p in (out / "prepared").glob("*.parquet"))
    assert written[:2] == ["part-000000.parquet", "part-000001.parquet"]
    with Storyline(tmp_path / "x.db") as sl, pytest.raises(InputError, match="not written yet"):
        sl.load(out)
    again = run_dask([str(batch)], out, Config(), workers=1, pages_per_partition=3)
    assert again.resumed == len(written) and again.written == again.partitions - len(written)
    kept = sum(row_counts(out / "prepared" / name)[0] for name in written)
    assert 0 < kept < 12 and (again.kept_pages, again.pages) == (kept, 12 - kept)  # every page counted once
    with Storyline(tmp_path / "d.db") as sl:
        loaded = sl.load(out, reports=False)
    with Storyline(tmp_path / "l.db") as sl:
        local = sl.run([batch], reports=False)
    assert loaded.added == local.added == 12
    with Storyline(tmp_path / "d.db") as d, Storyline(tmp_path / "l.db") as l:
        assert [(p["id"], p["story"], p["duplicate_of"]) for p in d.pages()] == \
            [(p["id"], p["story"], p["duplicate_of"]) for p in l.pages()]
    with pytest.raises(UsageError, match="another run"):
        run_dask([str(batch)], out, Config(), workers=1, pages_per_partition=5)


def test_load_tells_its_progress_as_run_does(tmp_path):
    # A load of a large folder takes a while: the pages are counted against the rows of the
    # partitions' footers, then each stage is named, as `run` shows them.
    from storyline.run.prepared_dir import prepared_files, prepared_rows

    batch = _jsonl(tmp_path / "b.jsonl", 12)
    with open(batch, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "blank", "text": "   "}) + "\n")  # stored as skipped, counted too
    out = tmp_path / "out"
    run_dask([str(batch)], out, Config(), workers=1, pages_per_partition=5)
    assert prepared_rows(prepared_files(out, Config())) == 13
    counted, phases = [], []
    with Storyline(tmp_path / "d.db") as sl:
        summary = sl.load(out, reports=False, progress=counted.append, phase=phases.append)
    assert summary.added == 12 and len(summary.skipped) == 1
    assert sum(counted) == 13
    assert {"copies", "stories", "dates", "storylines"} <= set(phases)


def test_load_on_a_terminal_shows_a_progress_bar(tmp_path, capsys, monkeypatch):
    import sys

    from storyline.cli import main

    out = tmp_path / "out"
    run_dask([str(_jsonl(tmp_path / "b.jsonl", 12))], out, Config(), workers=1, pages_per_partition=5)
    capsys.readouterr()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["load", str(out), "--db", str(tmp_path / "t.db"), "--no-reports"]) == 0
    err = capsys.readouterr().err
    assert "12/12" in err and "pages" in err
    assert main(["load", str(out), "--db", str(tmp_path / "q.db"), "--no-reports", "--no-progress"]) == 0
    assert "12/12" not in capsys.readouterr().err


def test_load_refuses_an_unfinished_folder_before_making_a_store(tmp_path, capsys):
    from storyline.cli import main

    assert main(["load", str(tmp_path / "nothing"), "--db", str(tmp_path / "new.db")]) == 2
    assert "not the output of" in capsys.readouterr().err
    assert not (tmp_path / "new.db").exists()


def _report_dies_once(job):
    """A report task whose worker process dies (as if killed) the first time it runs."""
    from storyline.run.reports import build_job

    marker = Path(os.environ["STORYLINE_TEST_REPORT_MARKER"])
    if not marker.exists():
        marker.write_text("died")
        os._exit(1)
    return build_job(job)


def test_reports_built_on_an_existing_cluster_equal_local_ones_even_when_a_worker_dies(tmp_path, monkeypatch):
    import dask
    from distributed import LocalCluster

    from storyline.run import reports

    marker = tmp_path / ".report-died"
    monkeypatch.setenv("STORYLINE_TEST_REPORT_MARKER", str(marker))  # before the workers start: they inherit it
    batches = seed_batches(tmp_path)
    with Storyline(tmp_path / "local.db") as sl:
        for batch in batches:
            sl.run([batch])
        local = {s["id"]: sl.report(s["id"], build=False) for s in sl.stories() if s["page_count"] > 1}
    monkeypatch.setattr(reports, "build_job", _report_dies_once)  # only what the cluster runs: it kills its process
    with dask.config.set({"distributed.worker.daemon": False}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                         silence_logs=40) as cluster, Storyline(tmp_path / "cluster.db") as sl:
        for batch in batches:  # prepared and reported on the cluster given by its address, as `--scheduler` does
            run_dask([str(batch)], tmp_path / "out" / batch.stem, sl.config, scheduler=cluster.scheduler_address)
            summary = sl.load(tmp_path / "out" / batch.stem, scheduler=cluster.scheduler_address)
        assert summary.reports_built == 1
        remote = {s["id"]: sl.report(s["id"], build=False) for s in sl.stories() if s["page_count"] > 1}
    assert marker.exists()  # a worker did die in the middle of a report
    assert local and remote == local and all(r and r["timeline"] for r in remote.values())


def test_a_rerun_after_the_scheduler_died_resumes_from_the_partitions_written(tmp_path):
    """A real scheduler and worker (the `dask` commands a cluster runs), the scheduler killed
    while partitions are being written; the same command on a new cluster finishes the rest."""
    import signal
    import subprocess
    import sys
    import threading
    import time

    import dask

    from .web_server import free_port

    batch = _jsonl(tmp_path / "b.jsonl", 60)
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                               "--nworkers", "1", "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    failed: list[BaseException] = []

    def first_run() -> None:
        try:
            with dask.config.set({"distributed.comm.timeouts.connect": "5s"}):
                run_dask([str(batch)], out, Config(), scheduler=address, pages_per_partition=3)
        except BaseException as err:  # noqa: BLE001 - what the user sees when the scheduler dies
            failed.append(err)
    try:
        runner = threading.Thread(target=first_run, daemon=True)
        runner.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list((out / "prepared").glob("*.parquet"))) < 2:
            time.sleep(0.1)
        scheduler.send_signal(signal.SIGKILL)
        scheduler.wait(timeout=10)
        runner.join(timeout=120)
        assert not runner.is_alive() and failed  # the run stopped with an error, not a hang
        assert isinstance(failed[0], ClusterError) and "run the same command again" in str(failed[0])
    finally:
        for process in (scheduler, worker):
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    written = len(list((out / "prepared").glob("*.parquet")))
    parts = len(plan_partitions([str(batch)], 3))
    assert 2 <= written < parts
    again = run_dask([str(batch)], out, Config(), workers=1, pages_per_partition=3)
    assert again.resumed == written and again.written == parts - written
    with Storyline(tmp_path / "d.db") as sl:
        loaded = sl.load(out, reports=False)
    assert loaded.added == 60 and not loaded.skipped


def _copies_feed(path: Path, repeat_id: bool = False) -> Path:
    """Six articles and their copies (exact, near, cut), spread over partitions, as JSONL."""
    import random

    rng = random.Random(7)
    words = [f"{rng.choice('bcdfghklmnprstvz')}{rng.choice('aeiou')}{rng.choice('bcdfghklmnprstvz')}"
             f"{rng.choice('aeiou')}{rng.choice('nrst')}" for _ in range(3000)]
    bases = [" ".join(rng.choice(words) for _ in range(160)) + "." for _ in range(6)]
    records = [{"id": f"base-{i}", "text": text} for i, text in enumerate(bases)]
    for i, text in enumerate(bases):
        tokens = text.split()
        records.append({"id": f"exact-{i}", "text": text})
        records.append({"id": f"near-{i}", "text": " ".join(t if k % 40 else "Spamword" for k, t in enumerate(tokens))})
        records.append({"id": f"cut-{i}", "text": " ".join(tokens[:100]) + "."})
    rng.shuffle(records)
    if repeat_id:
        records.append(dict(records[0]))  # the same record twice: stored once
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    return path


def _copies(sl) -> list[tuple]:
    return sorted((p["id"], p["duplicate_of"], p["relation"], p["story"]) for p in sl.pages())


def test_copies_are_found_on_the_cluster_and_load_takes_them(tmp_path, monkeypatch):
    from storyline.store.sqlite import SqliteStore

    feed = _copies_feed(tmp_path / "feed.jsonl")
    summary = run_dask([str(feed)], tmp_path / "out", Config(), workers=2, pages_per_partition=5)
    assert summary.partitions == 5 and (tmp_path / "out" / "copies" / "pairs.parquet").exists()
    assert not (tmp_path / "out" / "shuffle").exists()  # the key rows' files go once the pairs are found
    assert summary.copy_pairs >= 18 and summary.candidate_pairs >= summary.copy_pairs and summary.shuffle_bytes > 0
    with Storyline(tmp_path / "local.db") as sl:
        sl.run([feed], reports=False)
        local = _copies(sl)
    assert sum(d is not None for _, d, _, _ in local) == 18  # every copy of the six found

    def no_index(*args, **kwargs):
        raise AssertionError("load asked the store's LSH index though the cluster judged the candidates")
    monkeypatch.setattr(SqliteStore, "lsh_candidates", no_index)
    with Storyline(tmp_path / "cluster.db") as sl:
        sl.load(tmp_path / "out", reports=False)
        assert _copies(sl) == local


def _loads_as_a_local_run(tmp_path: Path, feed: Path, out: Path) -> list[tuple]:
    """`feed` run locally into local.db and `out` loaded into cluster.db (each store as earlier
    calls left it) give the same copies and stories; returns them."""
    with Storyline(tmp_path / "local.db") as sl:
        sl.run([feed], reports=False)
        local = _copies(sl)
    with Storyline(tmp_path / "cluster.db") as sl:
        sl.load(out, reports=False)
        assert _copies(sl) == local
    return local


def test_a_load_into_a_store_with_pages_or_of_repeated_ids_finds_copies_itself(tmp_path):
    feed = _copies_feed(tmp_path / "feed.jsonl", repeat_id=True)
    summary = run_dask([str(feed)], tmp_path / "out", Config(), workers=1, pages_per_partition=7)
    assert not (tmp_path / "out" / "copies").exists() and summary.copy_pairs == 0  # an id repeats
    _loads_as_a_local_run(tmp_path, feed, tmp_path / "out")
    # Near copies of pages stored before (none an exact copy of one): their candidates are stored
    # pages the cluster never saw, found in the store's index.
    other = tmp_path / "other.jsonl"
    with open(feed, encoding="utf-8") as old, open(other, "w", encoding="utf-8") as new:
        for record in map(json.loads, old):
            if record["id"].startswith("base-"):
                text = " ".join(t if k % 37 else "Otherspam" for k, t in enumerate(record["text"].split()))
                new.write(json.dumps({"id": "again-" + record["id"], "text": text}) + "\n")
    run_dask([str(other)], tmp_path / "out2", Config(), workers=1, pages_per_partition=4)
    assert (tmp_path / "out2" / "copies" / "pairs.parquet").exists()
    both = _loads_as_a_local_run(tmp_path, other, tmp_path / "out2")
    original = {i: d or i for i, d, _, _ in both}
    assert all(original[f"again-base-{k}"] == original[f"base-{k}"] for k in range(6))  # joined the old groups


def test_ctrl_c_stops_a_dask_run_with_one_message_and_no_worker_tracebacks(tmp_path):
    """The terminal sends Ctrl-C to the whole process group: only the command itself answers it.
    Before, each worker printed its KeyboardInterrupt traceback and asyncio logged the cancelled
    gather's AllExit, about 50 lines, and the message spoke of pages stored, which this command
    does not store."""
    import signal
    import subprocess
    import sys
    import time

    batch = _jsonl(tmp_path / "b.jsonl", 400)
    out = tmp_path / "out"
    child = subprocess.Popen(
        [sys.executable, "-m", "storyline", "run", "--engine", "dask", "--workers", "1", "--out", str(out),
         "--pages-per-partition", "5", str(batch)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as at a terminal, not a background job
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list((out / "prepared").glob("*.parquet")):
            time.sleep(0.1)
        os.killpg(child.pid, signal.SIGINT)
        _, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
    assert child.returncode == 130, err
    assert "Partitions written so far are kept" in err and "Traceback" not in err and "AllExit" not in err, err
