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
