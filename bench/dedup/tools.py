"""The three dedup pipelines compared, each from raw texts to copy groups, with the same
3-word shingles, the same number of permutations and the same LSH bands and rows.

storyline   storyline.dedup.batch.find_copies: one-permutation MinHash over NumPy shingle
            hashes, LSH, every candidate verified on its real shingle sets; signatures in 2
            worker processes (the machine's 2 cores), and in 1 as "storyline-1-worker".
rensa       RMinHash.from_token_sets (Rust, bulk) over the shingles as strings, RMinHashLSH
            insert_many + query_all; every LSH candidate counts (the library's usage).
datasketch  MinHash.bulk over the shingles as bytes, MinHashLSH(params=(bands, rows)) with
            an insertion session, then one query per text; every candidate counts.
"""
from __future__ import annotations

import time

import numpy as np

from storyline.config import Config
from storyline.dedup.batch import find_copies
from storyline.dedup.components import components
from storyline.dedup.shingles import tokens

def _shingle_strings(texts: list[str], size: int) -> list[list[str]]:
    out = []
    for text in texts:
        toks = tokens(text)
        out.append([" ".join(toks[i:i + size]) for i in range(max(1, len(toks) - size + 1))] if toks else [])
    return out


def _groups_from_neighbours(n: int, neighbours) -> np.ndarray:
    pairs = [(i, j) for i, found in enumerate(neighbours) for j in found if j != i]
    return components(n, np.array(pairs, dtype=np.int64).reshape(-1, 2))


CHUNK = 50_000  # texts turned into shingle strings at a time, for rensa and datasketch: bounded memory


def run_storyline(texts: list[str], config: Config, workers: int = 2) -> tuple[np.ndarray, dict]:
    timings: dict = {}
    start = time.perf_counter()
    result = find_copies(texts, None, config, workers=workers, timings=timings)
    return result.group, {"signatures_s": timings["signatures"], "total_s": time.perf_counter() - start,
                          "candidates": result.candidates, "verified_pairs": int(result.pairs.shape[0])}


def run_rensa(texts: list[str], config: Config) -> tuple[np.ndarray, dict]:
    from rensa import RMinHash, RMinHashLSH

    start = time.perf_counter()
    minhashes = []
    for lo in range(0, len(texts), CHUNK):
        shingles = _shingle_strings(texts[lo:lo + CHUNK], config.shingle_size)
        minhashes += RMinHash.from_token_sets(shingles, config.num_perm, 42)
    signatures_s = time.perf_counter() - start
    lsh = RMinHashLSH(config.near_jaccard, config.num_perm, config.lsh_bands)
    lsh.insert_many(minhashes)
    groups = _groups_from_neighbours(len(texts), lsh.query_all(minhashes))
    return groups, {"signatures_s": signatures_s, "total_s": time.perf_counter() - start}


def run_datasketch(texts: list[str], config: Config) -> tuple[np.ndarray, dict]:
    from datasketch import MinHash, MinHashLSH

    start = time.perf_counter()
    minhashes = []
    for lo in range(0, len(texts), CHUNK):
        shingles = [[s.encode("utf-8") for s in doc] for doc in _shingle_strings(texts[lo:lo + CHUNK], config.shingle_size)]
        minhashes += MinHash.bulk(shingles, num_perm=config.num_perm)
    signatures_s = time.perf_counter() - start
    lsh = MinHashLSH(num_perm=config.num_perm, params=(config.lsh_bands, config.num_perm // config.lsh_bands))
    with lsh.insertion_session() as session:
        for i, m in enumerate(minhashes):
            session.insert(i, m)
    groups = _groups_from_neighbours(len(texts), (lsh.query(m) for m in minhashes))
    return groups, {"signatures_s": signatures_s, "total_s": time.perf_counter() - start}


TOOLS = {"storyline": run_storyline, "storyline-1-worker": lambda texts, config: run_storyline(texts, config, 1),
         "rensa": run_rensa, "datasketch": run_datasketch}
