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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..config import Config
from .candidates import candidate_pairs
from .components import components
from .lsh import band_keys
from .minhash import signatures
from .shingles import shingle_batch
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


def _fingerprint_chunk(texts: list[str], config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    batch = shingle_batch(texts, config.shingle_size)
    return (band_keys(signatures(batch, config.num_perm), config.lsh_bands), batch.stream_hash,
            np.bincount(batch.doc, minlength=batch.token_counts.size))


def fingerprint_texts(texts: list[str], config: Config = Config(), workers: int = 1) -> Fingerprints:
    """Band keys, stream hashes and shingle counts of `texts`, in chunks (across `workers` processes).
    A text's fingerprint does not depend on its chunk, so neither does the result on `workers`."""
    chunks = [texts[start:start + CHUNK] for start in range(0, len(texts), CHUNK)]
    if not chunks:
        return Fingerprints(np.zeros((0, config.lsh_bands), np.int64), np.zeros(0, np.uint64), np.zeros(0, np.int64))
    if workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_fingerprint_chunk, chunks, [config] * len(chunks)))
    else:
        parts = [_fingerprint_chunk(chunk, config) for chunk in chunks]
    keys, streams, counts = zip(*parts)
    return Fingerprints(np.concatenate(keys), np.concatenate(streams), np.concatenate(counts))


def _shingle_sets(texts: list[str], which: np.ndarray, size: int) -> dict[int, np.ndarray]:
    sets: dict[int, np.ndarray] = {}
    for start in range(0, which.size, CHUNK):
        part = which[start:start + CHUNK]
        batch = shingle_batch([texts[i] for i in part], size)
        bounds = np.searchsorted(batch.doc, np.arange(part.size + 1))
        for k, i in enumerate(part):
            sets[int(i)] = np.unique(batch.hashes[bounds[k]:bounds[k + 1]])
    return sets


def find_copies(texts: list[str], ids: list[str] | None = None, config: Config = Config(), *,
                workers: int = 1, timings: dict[str, float] | None = None) -> CopyPairs:
    """Every verified copy pair of `texts` and their copy groups. `ids` (default: input order) break ties.

    `timings`, when given, receives the seconds spent on signatures."""
    n = len(texts)
    clock = time.perf_counter()
    fp = fingerprint_texts(texts, config, workers)
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
    sets = _shingle_sets(texts, np.unique(cand), config.shingle_size) if cand.size else {}
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
