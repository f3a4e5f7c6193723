"""`storyline run --engine dask`: the per-page work of a run (read, extract, fingerprint, count
terms, date the page alone: run/local.py `prepare`) as a map over partitions of the input on a
Dask cluster, each partition written as one Parquet file; `storyline load` then runs the stages
after extraction (copies, dates, stories, storylines) into the store, on one machine, and builds
the story reports on the cluster (`dask_report_mapper`) or in local processes.

Extraction is where a run's time goes (trafilatura, about 40 ms a page), and it is independent
per page, so it is what scales out here. The stages after it are the local engine's, fed the
partitions in input order, so the store ends exactly as `storyline run` would leave it, whatever
the number of partitions and workers.

Faults: a partition's file appears whole or not at all (written under a temporary name, then
renamed), a task that dies with its worker is run again by Dask, and a run started again on the
same output folder skips the partitions already written. Only this module imports Dask.
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import shutil
import signal
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..config import Config
from ..dedup.pairs import (JudgedCandidates, bucket_pairs, exact_twins, judge_pairs, key_rows, pairs_problem,
                           unique_pairs)
from ..dedup.signature import text_shingles
from ..errors import ClusterError, InputError
from .local import prepare
from .partitions import PAGES_PER_PARTITION, Partition, plan_partitions, read_partition
from .prepared_dir import check_manifest
from .prepared_io import (partition_heads, partition_ids, partition_shingles, partition_texts, read_pairs, row_counts,
                          write_pairs, write_partition)
from .workers import NER_PRELOAD, preload, run_in_workers

log = logging.getLogger(__name__)

PAIRS = Path("copies") / "pairs.parquet"  # the judged copy candidates of all partitions (copy_pairs)
SHUFFLE = "shuffle"  # each partition's LSH key rows, by reducer, while copy_pairs runs; removed after
# A reducer takes the key rows of about this many partitions' pages (at least 4 reducers per worker):
# with more partitions come more reducers, so a reducer's memory does not grow with the input.
PARTITIONS_PER_REDUCER = 8


@dataclass(slots=True)
class DaskSummary:
    partitions: int = 0
    written: int = 0  # partitions computed by this run
    resumed: int = 0  # partitions found written by an earlier run and kept
    pages: int = 0  # pages in the partitions this run wrote
    kept_pages: int = 0  # pages in the partitions kept from an earlier run
    skipped: int = 0  # skipped pages of every partition, written or kept
    workers: int = 0
    # Largest resident memory of a worker process in MB over its life so far (on an existing
    # cluster: since it started). Each page's extraction runs in a child bounded apart
    # (max_worker_memory_mb of address space).
    worker_peak_mb: float = 0.0
    candidate_pairs: int = 0  # copy candidates found by the shuffle of LSH keys
    copy_pairs: int = 0  # of those, verified copies
    shuffle_bytes: int = 0  # LSH key rows moved from the partitions to the reducers
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def prepare_partition(part: Partition, config: Config, out_dir: str) -> dict:
    """One partition, on a worker: read, prepare each page (in a child process, under the
    per-page time and memory limits), write the partition's file. Skips a partition written."""
    path = Path(out_dir) / "prepared" / f"{part.name}.parquet"
    if path.exists():
        pages, skipped = row_counts(path)
        return {"index": part.index, "resumed": True, "pages": pages, "skipped": skipped}
    import multiprocessing
    if multiprocessing.current_process().daemon:
        raise RuntimeError("storyline extracts each page in a child process, which a daemon Dask worker may not "
                           "start: run the workers with the setting distributed.worker.daemon: False "
                           "(environment DASK_DISTRIBUTED__WORKER__DAEMON=False)")
    start = time.perf_counter()
    preload(NER_PRELOAD)  # once per Dask worker process: its fork server outlives the partition
    pages, skipped = write_partition(run_in_workers(read_partition(part, config), prepare, config, 1), path)
    return {"index": part.index, "resumed": False, "pages": pages, "skipped": skipped,
            "seconds": time.perf_counter() - start}


def run_dask(inputs: list[str], out_dir: str | Path, config: Config, *, workers: int | None = None,
             scheduler: str | None = None, pages_per_partition: int = PAGES_PER_PARTITION,
             task: Callable[[Partition, Config, str], dict] = prepare_partition) -> DaskSummary:
    """Prepare every page of `inputs` on a Dask cluster (the one at `scheduler`, else a local one
    of `workers` processes) into `out_dir`. Run again on the same folder, it resumes."""
    out = Path(out_dir).resolve()
    summary = DaskSummary()
    began = time.perf_counter()
    parts = plan_partitions(inputs, pages_per_partition)
    summary.partitions = len(parts)
    run_token = check_manifest(out, inputs, parts, config)
    summary.seconds["plan"] = round(time.perf_counter() - began, 3)
    client, cluster = _client(workers, scheduler)
    try:
        summary.workers = len(client.scheduler_info()["workers"])
        started = time.perf_counter()
        # Keys name this output folder's plan: two runs on one shared scheduler never share tasks.
        futures = client.map(task, parts, config=config, out_dir=str(out),
                             key=[f"prepare-{run_token}-{p.name}" for p in parts], pure=False, retries=2)
        try:
            results = client.gather(futures)
        except (CancelledError, OSError) as err:  # the scheduler died, or the network between us
            done = len(list((out / "prepared").glob("*.parquet")))
            raise ClusterError(f"the Dask cluster went away ({type(err).__name__}: {str(err)[:200]}); {done} of "
                               f"{len(parts)} partitions are written in {out}: run the same command again (on a "
                               "cluster that answers) to finish the rest") from err
        for result in results:
            summary.skipped += result.get("skipped", 0)  # a partition kept from before still holds its skips
            if result.get("resumed"):
                summary.resumed += 1
                summary.kept_pages += result.get("pages", 0)
            else:
                summary.written += 1
                summary.pages += result.get("pages", 0)
        summary.seconds["prepare"] = round(time.perf_counter() - started, 3)
        if summary.written and (out / PAIRS).exists():
            (out / PAIRS).unlink()  # found among partitions since written anew: found again below
        started = time.perf_counter()
        try:
            copy_pairs(client, out, [out / "prepared" / f"{p.name}.parquet" for p in parts], config, run_token,
                       summary)
        except (CancelledError, OSError) as err:
            raise ClusterError(f"the Dask cluster went away while finding copies ({type(err).__name__}: "
                               f"{str(err)[:200]}); every partition is written in {out}: run the same command "
                               "again to find them, or load the folder as it is (copies are then found in load)") from err
        summary.seconds["copy_pairs"] = round(time.perf_counter() - started, 3)
        summary.worker_peak_mb = max(client.run(_peak_memory_mb).values(), default=0.0)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    summary.seconds["total"] = round(time.perf_counter() - began, 3)
    return summary


def copy_pairs(client, out: Path, files: list[Path], config: Config, run_token: str, summary: DaskSummary) -> None:
    """The copy candidates of all partitions, judged, into `out`/copies/pairs.parquet: what the
    store's LSH index and add_page would find page by page in `load`, found in bulk (dedup/pairs.py).
    A shuffle: each partition's LSH key rows go, by key, to one of R reducers, which pair the pages
    sharing a key; the pairs are judged by tasks that read the two partitions they join. The key rows
    go through files (`out`/shuffle/, one per partition, its rows in reducer order): a worker holds
    one partition's rows while it writes them and a reducer its share while it pairs them, so a
    worker's memory does not grow with the pages it mapped. Kept from an earlier run on the same
    folder; not written when an id repeats (load then finds copies itself)."""
    path = out / PAIRS
    if path.exists():
        return
    names = [str(f) for f in files]
    workers = max(1, len(client.scheduler_info()["workers"]))
    reducers = reducer_count(len(files), workers)
    shuffle = out / SHUFFLE
    shuffle.mkdir(parents=True, exist_ok=True)
    try:
        # Each partition is read once: its key rows go to its file, its ids and hashes come here.
        heads = client.gather([client.submit(_keys_of_partition, name, reducers, str(shuffle / f"{i}.npy"),
                                             key=f"keys-{run_token}-{i}", pure=False, retries=2)
                               for i, name in enumerate(names)])
        ids = [i for part_ids, *_ in heads for i in part_ids]
        if len(set(ids)) != len(ids):
            log.warning("an id repeats in the input: copies are found in `storyline load`, not on the cluster")
            return
        summary.shuffle_bytes = int(sum(size for *_, size in heads))
        offsets = np.cumsum([0] + [len(part_ids) for part_ids, *_ in heads])
        # Exact copies of an earlier page are not indexed: their rows are dropped where they meet.
        twins = exact_twins([h for _, hashes, *_ in heads for h in hashes],
                            [k for _, _, keyed, *_ in heads for k in keyed])
        reduced = [client.submit(pairs_of_reducer, twins,
                                 [(str(shuffle / f"{i}.npy"), int(offsets[i]), cuts[r], cuts[r + 1])
                                  for i, (_, _, _, cuts, _) in enumerate(heads) if cuts[r + 1] > cuts[r]],
                                 key=f"reduce-{run_token}-{r}", pure=False, retries=2) for r in range(reducers)]
        pairs = unique_pairs(np.concatenate(client.gather(reduced) + [np.zeros((0, 2), np.int64)]))
        del reduced
    finally:
        shutil.rmtree(shuffle, ignore_errors=True)
    part = np.searchsorted(offsets, pairs, side="right") - 1  # the partition of each page of each pair
    jobs = {}
    for (pa, pb), rows in _by_partition_pair(pairs, part).items():
        jobs[(pa, pb)] = (rows, client.submit(_judge, names[pa], names[pb], int(offsets[pa]), int(offsets[pb]),
                                               pairs[rows], config, key=f"judge-{run_token}-{pa}-{pb}", pure=False,
                                               retries=2))
    rows_out = []
    for rows, future in jobs.values():
        for (a, b), verdict in zip(pairs[rows].tolist(), future.result()):
            rows_out.append((ids[a], ids[b], *(verdict or (None, None))))
    summary.candidate_pairs = len(rows_out)
    summary.copy_pairs = sum(r[2] is not None for r in rows_out)
    write_pairs(rows_out, path)


def _by_partition_pair(pairs: np.ndarray, part: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
    if not len(pairs):
        return {}
    code = part[:, 0] * (int(part.max()) + 1) + part[:, 1]
    order = np.argsort(code, kind="stable")
    cuts = np.flatnonzero(np.diff(code[order])) + 1
    return {(int(part[rows[0], 0]), int(part[rows[0], 1])): rows for rows in np.split(order, cuts)}


def reducer_count(partitions: int, workers: int) -> int:
    """At least 4 reducers per worker, and one per PARTITIONS_PER_REDUCER partitions: a reducer's
    share of the key rows stays about that many partitions' worth, whatever the input's size."""
    return max(1, min(partitions, max(4 * workers, math.ceil(partitions / PARTITIONS_PER_REDUCER))))


def _keys_of_partition(path: str, reducers: int, dest: str) -> tuple[list[str], list[str | None], list[bool],
                                                                      list[int], int]:
    """A partition's ids, exact hashes and whether each page has keys; its key rows written to
    `dest` (write_key_rows), where each reducer's rows start and end there, and their bytes."""
    ids, hashes, keys = partition_heads(Path(path))
    cuts, size = write_key_rows(((i, k) for i, k in enumerate(keys) if k), reducers, dest)
    return ids, hashes, [bool(k) for k in keys], cuts, size


def write_key_rows(pages, reducers: int, dest: str) -> tuple[list[int], int]:
    """The (key, position) rows of (position, keys) `pages` (positions within their partition), split
    over the reducers (dedup/pairs.py key_rows), written to `dest` one reducer's rows after the other
    (a .npy file); returns where each reducer's rows start and end there, and their bytes."""
    parts = key_rows(pages, reducers)
    rows = np.concatenate(parts)
    temporary = f"{dest}.{os.getpid()}.tmp"  # a task run again after its worker died rewrites it whole
    try:
        with open(temporary, "wb") as handle:
            np.save(handle, rows)
        os.replace(temporary, dest)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return np.cumsum([0] + [len(part) for part in parts]).tolist(), int(rows.nbytes)


def pairs_of_reducer(twins: np.ndarray, slices: list[tuple[str, int, int, int]]) -> np.ndarray:
    """The pairs of pages sharing a key among one reducer's rows, by position in the whole input:
    (file, offset of its partition in the input, first row, end row) of each partition with rows for
    it. Pages in `twins` (exact copies of an earlier page) are left out."""
    parts = []
    for path, offset, first, end in slices:
        rows = np.array(np.load(path, mmap_mode="r")[first:end])  # only this reducer's rows are read
        rows[:, 1] += offset
        parts.append(rows)
    rows = np.concatenate(parts) if parts else np.zeros((0, 2), np.int64)
    return bucket_pairs(rows[~np.isin(rows[:, 1], twins)])


def _judge(path_a: str, path_b: str, offset_a: int, offset_b: int, pairs: np.ndarray, config: Config) -> list:
    texts, shingles = partition_texts(Path(path_a)), partition_shingles(Path(path_b))  # the columns each side needs
    stored: dict[int, np.ndarray] = {}

    def stored_shingles(a: int) -> np.ndarray:  # of the stored text, as add_page compares them
        if a not in stored:
            stored[a] = text_shingles(texts[a - offset_a] or "", config)
        return stored[a]

    return judge_pairs(pairs, lambda b: shingles[b - offset_b], stored_shingles, config)


def judged_candidates(out_dir: str | Path, files: list[Path]) -> JudgedCandidates | None:
    """The copy candidates a scaled-out run judged (copy_pairs), or None when it did not, or when
    they do not fit the pages of the folder's partition `files` (a file altered, or copied from
    another folder): `load` then finds the copies itself, as a local run does, and says why."""
    path = Path(out_dir) / PAIRS
    if not path.exists():
        return None
    try:
        rows = read_pairs(path)
        problem = pairs_problem(rows, [i for f in files for i in partition_ids(f)])
    except InputError as err:
        problem = str(err)
    if problem:
        log.warning("the copy pairs in %s are not used (%s): copies are found in load instead", path, problem[:300])
        return None
    return JudgedCandidates.of_rows(rows)


def _peak_memory_mb() -> float:
    """On a worker: its peak resident memory so far."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def dask_report_mapper(scheduler: str) -> Callable:
    """A `refresh_reports` mapper that builds the reports on the Dask cluster at `scheduler`: each
    report job is one task, at most two per worker in flight, so jobs are read from the store as
    the cluster takes them. The driver writes each report as it comes back, so a worker killed
    mid-report costs that task's rerun, nothing else."""
    def mapper(fn, jobs):
        from distributed import Client, as_completed

        client = Client(scheduler)
        try:
            width = max(1, len(client.scheduler_info()["workers"]))
            jobs = iter(jobs)
            running = as_completed()
            for job in jobs:
                running.add(_submit(client, fn, job))
                if running.count() >= 2 * width:
                    break
            built = 0
            for future in running:
                try:
                    yield future.result()
                    built += 1
                except CancelledError as err:  # the scheduler is gone: every later task would be too
                    raise ClusterError(f"the Dask cluster went away while building reports ({str(err)[:200]}); "
                                       f"{built} were built and stored; `show` and `serve` build the others "
                                       "when they are asked for") from err
                except Exception as err:  # noqa: BLE001 - one report's failure is reported, not fatal
                    log.warning("a report could not be built on the cluster (%s: %s); `show` builds it later",
                                type(err).__name__, err)
                job = next(jobs, None)
                if job is not None:
                    running.add(_submit(client, fn, job))
        finally:
            client.close()
    return mapper


def _submit(client, fn, job):
    # A key of the report and the pages it is built from: two loads never share a task by mistake.
    report = hashlib.sha1(job.report_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return client.submit(fn, job, key=f"report-{job.fingerprint[:16]}-{report}", pure=False, retries=2)


class _NoAllExit(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "exception=AllExit()" not in record.getMessage()


_NO_ALL_EXIT = _NoAllExit()


def _client(workers: int | None, scheduler: str | None):
    import logging

    import dask
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.WARNING)  # a cluster's start and stop are no news
    # A gather cancelled by Ctrl-C leaves a task whose AllExit nobody reads: asyncio logs it, traceback
    # and all, as the run stops. It is how a stopped gather ends, not an error.
    logging.getLogger("asyncio").addFilter(_NO_ALL_EXIT)

    if scheduler:
        return Client(scheduler), None
    # Each task runs its pages in a child process (per-page limits), which a daemon worker may not have.
    dask.config.set({"distributed.worker.daemon": False,
                     # Its statistical profiler samples each worker every 10 ms for the dashboard, which
                     # a local cluster does not show: 11 % of a worker process's busy time (py-spy).
                     "distributed.worker.profile.enabled": False})
    with warnings.catch_warnings():
        # Its HTTP server falls back to another port when 8787 is taken (another cluster, another
        # run): no dashboard is asked for here, so the warning that it moved is no news either.
        warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
        # The workers start with Ctrl-C ignored (a disposition a new process keeps): the terminal sends
        # it to the whole process group, and this process alone stops the run and its cluster, instead
        # of every worker printing its own KeyboardInterrupt traceback.
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
        try:
            cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=40)
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, previous)
    return Client(cluster), cluster
