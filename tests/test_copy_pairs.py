"""The copy candidates found in bulk by a shuffle of LSH keys (dedup/pairs.py) are those the
store's LSH index gives page by page."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from storyline.dedup.pairs import bucket_pairs, exact_twins, key_rows


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), max_size=5), min_size=1, max_size=30), st.integers(1, 5))
def test_the_shuffled_pairs_are_every_pair_of_pages_sharing_a_key(keys, reducers):
    parts = key_rows(enumerate(keys), reducers)
    assert sum(len(p) for p in parts) == sum(len(set(k)) for k in keys)
    found = set()
    for part in parts:
        found |= {tuple(p) for p in bucket_pairs(part).tolist()}
    # Every pair, once: a key's rows all go to one reducer.
    brute = {(a, b) for a in range(len(keys)) for b in range(a + 1, len(keys)) if set(keys[a]) & set(keys[b])}
    assert found == brute


def test_an_exact_copy_with_keys_is_a_twin_of_the_first_page_with_its_text():
    twins = exact_twins(["h1", "h2", None, "h1", "h1", "h2", "h3"], [True, True, False, True, False, True, True])
    assert twins.tolist() == [3, 5]  # 4 has no keys (no words): never a twin
    assert np.array_equal(bucket_pairs(np.zeros((0, 2), np.int64)), np.zeros((0, 2), np.int64))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.lists(st.integers(0, 12), max_size=5), min_size=1, max_size=8), min_size=1, max_size=5),
       st.integers(1, 5), st.lists(st.integers(0, 39), max_size=4))
def test_the_shuffle_through_files_finds_every_pair_across_partitions(tmp_path_factory, partitions, reducers, twins):
    """run --engine dask: each partition writes its key rows to a file, by reducer; each reducer reads
    only its rows of every file. Together they find every pair of pages sharing a key, as one
    reducer holding everything would, by position in the whole input, twins left out."""
    from storyline.run.dask_engine import pairs_of_reducer, write_key_rows

    folder = tmp_path_factory.mktemp("shuffle")
    heads, offset = [], 0
    for i, keys in enumerate(partitions):
        path = str(folder / f"{i}.npy")
        cuts, size = write_key_rows(((pos, k) for pos, k in enumerate(keys) if k), reducers, path)
        assert len(cuts) == reducers + 1 and size == 16 * sum(len(set(k)) for k in keys)
        heads.append((path, offset, cuts))
        offset += len(keys)
    left_out = np.array(sorted(set(twins)), dtype=np.int64)
    found = set()
    for r in range(reducers):
        slices = [(path, start, cuts[r], cuts[r + 1]) for path, start, cuts in heads if cuts[r + 1] > cuts[r]]
        found |= {tuple(p) for p in pairs_of_reducer(left_out, slices).tolist()}
    every = [set(k) for keys in partitions for k in keys]
    brute = {(a, b) for a in range(len(every)) for b in range(a + 1, len(every))
             if every[a] & every[b] and a not in set(twins) and b not in set(twins)}
    assert found == brute


def test_reducers_grow_with_the_partitions_so_a_reducers_share_does_not():
    from storyline.run.dask_engine import PARTITIONS_PER_REDUCER, reducer_count

    assert reducer_count(10, 2) == 8 and reducer_count(3, 2) == 3 and reducer_count(1, 1) == 1
    for partitions in (100, 1_000, 10_000):
        assert reducer_count(partitions, 2) * PARTITIONS_PER_REDUCER >= partitions  # about 8 partitions' rows each
