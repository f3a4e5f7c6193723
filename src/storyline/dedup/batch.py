"""Copy groups of a whole corpus in one pass: the batch engine.

signatures (chunked) -> collapse exact copies -> LSH candidate pairs ->
verify each pair on real shingle sets -> connected components. Memory stays
bounded: shingles are kept for one chunk at a time, and re-made for the texts
that turn up in candidate pairs. The result depends only on the texts and
their ids, not on their order.
"""
from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..config import Config
from .candidates import candidate_pairs
from .components import components
from .lsh import band_keys
from .minhash import signatures
from .shingles import shingle_batch, warm_tables
from .verify import judge, shared

CHUNK = 2000  # texts per NumPy batch: about 250 MB of temporaries for news-length texts


@dataclass(frozen=True, slots=True)
class CopyPairs:
    """Verified copy pairs of a corpus and its copy groups (indices into the input)."""

    pairs: np.ndarray  # (m, 2) int64, i < j
    relation: list[str]  # "exact" | "near" | "contained", per pair
    score: np.ndarray  # float32: 1.0 for exact, Jaccard for near, containment for contained
    group: np.ndarray  # int64 per text: smallest index of its copy group
    candidates: int  # LSH candidate pairs before verification


@dataclass(frozen=True, slots=True)
class Fingerprints:
    keys: np.ndarray  # (texts, bands) int64 LSH keys
    stream_hash: np.ndarray  # uint64 per text
    shingle_counts: np.ndarray  # int64 per text (with repeats)


# The corpus of the running batch, read by forked workers from the memory they share with the
# parent: pickling 100,000 texts to the workers cost more than a fifth of the signature time.
# One batch with workers at a time per process (it is set for the batch's pool, then cleared).
_CORPUS: list[str] = []


@contextmanager
def _pool_over(texts: list[str], workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """Forked worker processes that see `texts` (None for one worker: work in this process)."""
    global _CORPUS
    if workers <= 1:
        yield None
        return
    _CORPUS = texts
    warm_tables()  # built once here, inherited by every worker instead of built in each
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield pool
    finally:
        _CORPUS = []


def _fingerprint_chunk(texts: list[str], config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    batch = shingle_batch(texts, config.shingle_size)
    return (band_keys(signatures(batch, config.num_perm), config.lsh_bands), batch.stream_hash,
            np.bincount(batch.doc, minlength=batch.token_counts.size))


def _fingerprint_range(bounds: tuple[int, int], config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _fingerprint_chunk(_CORPUS[bounds[0]:bounds[1]], config)


def _fingerprints(texts: list[str], config: Config, pool: ProcessPoolExecutor | None) -> Fingerprints:
    ranges = [(start, min(start + CHUNK, len(texts))) for start in range(0, len(texts), CHUNK)]
    if not ranges:
        return Fingerprints(np.zeros((0, config.lsh_bands), np.int64), np.zeros(0, np.uint64), np.zeros(0, np.int64))
    if pool is not None and len(ranges) > 1:
        parts = list(pool.map(_fingerprint_range, ranges, [config] * len(ranges)))
    else:
        parts = [_fingerprint_chunk(texts[lo:hi], config) for lo, hi in ranges]
    keys, streams, counts = zip(*parts)
    return Fingerprints(np.concatenate(keys), np.concatenate(streams), np.concatenate(counts))


def fingerprint_texts(texts: list[str], config: Config = Config(), workers: int = 1) -> Fingerprints:
    """Band keys, stream hashes and shingle counts of `texts`, in chunks (across `workers` processes).
    A text's fingerprint does not depend on its chunk, so neither does the result on `workers`."""
    with _pool_over(texts, workers if len(texts) > CHUNK else 1) as pool:
        return _fingerprints(texts, config, pool)


def _unique_shingles(texts: list[str], size: int) -> tuple[np.ndarray, np.ndarray]:
    """Each text's sorted unique shingle hashes, end to end, and where each text's run ends."""
    batch = shingle_batch(texts, size)
    bounds = np.searchsorted(batch.doc, np.arange(len(texts) + 1))
    sets = [np.unique(batch.hashes[bounds[k]:bounds[k + 1]]) for k in range(len(texts))]
    return np.concatenate(sets) if sets else np.zeros(0, np.uint64), np.cumsum([s.size for s in sets])


def _unique_shingles_of(which: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    return _unique_shingles([_CORPUS[i] for i in which], size)


def _shingle_sets(texts: list[str], which: np.ndarray, size: int,
                  pool: ProcessPoolExecutor | None) -> dict[int, np.ndarray]:
    parts = [which[start:start + CHUNK] for start in range(0, which.size, CHUNK)]
    if pool is not None and len(parts) > 1:
        results = pool.map(_unique_shingles_of, parts, [size] * len(parts))
    else:
        results = (_unique_shingles([texts[i] for i in part], size) for part in parts)
    sets: dict[int, np.ndarray] = {}
    for part, (hashes, ends) in zip(parts, results):
        for i, lo, hi in zip(part.tolist(), np.concatenate(([0], ends[:-1])).tolist(), ends.tolist()):
            sets[i] = hashes[lo:hi]
    return sets


def find_copies(texts: list[str], ids: list[str] | None = None, config: Config = Config(), *,
                workers: int = 1, timings: dict[str, float] | None = None) -> CopyPairs:
    """Every verified copy pair of `texts` and their copy groups. `ids` (default: input order) break ties.

    `timings`, when given, receives the seconds spent on signatures."""
    with _pool_over(texts, workers) as pool:
        return _find_copies(texts, ids, config, pool, timings)


def _find_copies(texts: list[str], ids: list[str] | None, config: Config, pool: ProcessPoolExecutor | None,
                 timings: dict[str, float] | None) -> CopyPairs:
    n = len(texts)
    clock = time.perf_counter()
    fp = _fingerprints(texts, config, pool)
    if timings is not None:
        timings["signatures"] = time.perf_counter() - clock
    empty = fp.shingle_counts == 0
    # Exact copies: same token stream. The one with the smallest id represents them in LSH.
    id_rank = np.argsort(np.argsort(np.array(ids, dtype=object))) if ids is not None else np.arange(n)
    idx = np.lexsort((id_rank, fp.stream_hash))
    idx = idx[~empty[idx]]
    stream = fp.stream_hash[idx]
    run_start = np.concatenate(([True], stream[1:] != stream[:-1])) if idx.size else np.zeros(0, bool)
    rep = idx[np.flatnonzero(run_start)[np.cumsum(run_start) - 1]] if idx.size else idx
    copy = rep != idx
    exact = np.sort(np.stack((rep[copy], idx[copy]), axis=1), axis=1)
    reps = np.sort(idx[run_start])
    cand = candidate_pairs(fp.keys[reps], fp.stream_hash[reps])
    cand = reps[cand] if cand.size else cand
    sets = _shingle_sets(texts, np.unique(cand), config.shingle_size, pool) if cand.size else {}
    kept, relations, scores = [], [], []
    for a, b in cand:
        sa, sb = sets[int(a)], sets[int(b)]
        verdict = judge(sa.size, sb.size, shared(sa, sb), config)
        if verdict:
            kept.append((a, b)), relations.append(verdict[0]), scores.append(verdict[1])
    pairs = np.concatenate((exact, np.array(kept, dtype=np.int64).reshape(-1, 2)))
    relation = ["exact"] * len(exact) + relations
    score = np.concatenate((np.ones(len(exact), np.float32), np.array(scores, dtype=np.float32)))
    return CopyPairs(pairs=pairs, relation=relation, score=score, group=components(n, pairs),
                     candidates=int(cand.shape[0]))
