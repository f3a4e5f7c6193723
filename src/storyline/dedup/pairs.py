"""Candidate copy pairs of a whole prepared corpus by a shuffle of LSH keys: the pairs the store's
LSH index would give `storyline run`, page by page, found in bulk instead.

A page is a candidate of a later page when they share an LSH key (band or window key) and both
are indexed; an exact copy of an earlier page (same exact hash) is not indexed: it links to that
page alone (run/working.py add_page). Keys are spread over reducers by key (`key_rows`), each
reducer pairs the pages sharing a key (`bucket_pairs`), and each pair is judged on its real
overlap, exactly as add_page judges it (`judge_pairs`). A batch driver (run/dask_engine.py) moves
the rows between processes; these functions see plain arrays.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..config import Config
from .verify import overlap_relation

Verdict = tuple[str, float] | None  # (relation, score) of a copy pair, None when it is no copy


@dataclass(slots=True)
class JudgedCandidates:
    """Each page's candidates among the pages stored before it, judged beforehand: page id ->
    {earlier page id: verdict}. add_page (run/working.py) takes them instead of the store's LSH
    index, for pages loaded into an empty store in the order the candidates were found in."""

    of_page: dict[str, dict[str, Verdict]] = field(default_factory=dict)
    # Set when a page they were found among is not stored after all (a row altered after the run):
    # an exact twin of it, say, was left out of the pairs. The store's index answers from then on.
    withdrawn: bool = False

    @classmethod
    def of_rows(cls, rows: Iterable[tuple[str, str, str | None, float | None]]) -> JudgedCandidates:
        """From (earlier, later, relation or None, score or None) rows."""
        judged = cls()
        for earlier, later, relation, score in rows:
            judged.of_page.setdefault(later, {})[earlier] = None if relation is None else (relation, score)
        return judged

    def candidates(self, page_id: str) -> list[str]:
        return sorted(self.of_page.get(page_id, ()))  # in id order, as the store's index gives them

    def verdict_of(self, page_id: str) -> Callable[[str], Verdict]:
        return self.of_page.get(page_id, {}).get


RELATIONS = ("near", "contained")  # what judge_pairs gives a copy (exact twins are linked apart)


def pairs_problem(rows: Sequence[tuple[str, str, str | None, float | None]], ids: Sequence[str | None]) -> str | None:
    """Why judged pairs do not fit the pages they were found in (`ids`, in input order), or None:
    every id known and unique there, the earlier page first, and each verdict one judge_pairs gives."""
    position: dict[str, int] = {}
    for pos, page_id in enumerate(ids):
        if not isinstance(page_id, str) or not page_id or page_id in position:
            return "the pages' ids are not unique"  # the cluster writes no pairs then
        position[page_id] = pos
    for earlier, later, relation, score in rows:
        if earlier not in position or later not in position:
            return f"a pair names a page the folder does not hold ({str(earlier)[:60]!r}, {str(later)[:60]!r})"
        if position[earlier] >= position[later]:
            return f"a pair does not lead from an earlier page to a later one ({earlier[:60]!r}, {later[:60]!r})"
        if relation is None and score is None:
            continue
        if relation not in RELATIONS or score is None or not 0.0 <= score <= 1.0:
            return f"a pair has a verdict judging never gives ({str(relation)[:20]!r}, {score!r})"
    return None


def exact_twins(hashes: Sequence[str | None], has_keys: Sequence[bool]) -> np.ndarray:
    """Positions (in input order) of pages with band keys whose exact hash an earlier page has:
    those link to the first such page and stay out of the LSH index."""
    first: dict[str, int] = {}
    twins = []
    for pos, (digest, keyed) in enumerate(zip(hashes, has_keys)):
        if digest is None:
            continue
        if digest in first and keyed:
            twins.append(pos)
        first.setdefault(digest, pos)
    return np.array(twins, dtype=np.int64)


def key_rows(pages: Iterable[tuple[int, Sequence[int]]], reducers: int) -> list[np.ndarray]:
    """(key, position) rows of indexed pages, split by key over `reducers` (a key's rows all go to one)."""
    keys, positions = [], []
    for pos, page_keys in pages:
        unique = np.unique(np.asarray(page_keys, dtype=np.int64))
        keys.append(unique)
        positions.append(np.full(unique.size, pos, dtype=np.int64))
    rows = np.stack((np.concatenate(keys), np.concatenate(positions)), axis=1) if keys else np.zeros((0, 2), np.int64)
    target = rows[:, 0] % reducers
    return [rows[target == r] for r in range(reducers)]


def bucket_pairs(rows: np.ndarray) -> np.ndarray:
    """Unique (earlier, later) position pairs of pages sharing a key, from (key, position) rows.
    Every pair of a bucket, as the store's index gives a page every earlier page sharing a key."""
    if not len(rows):
        return np.zeros((0, 2), dtype=np.int64)
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    starts = np.flatnonzero(np.concatenate(([True], rows[1:, 0] != rows[:-1, 0])))
    sizes = np.diff(np.append(starts, len(rows)))
    found = []
    for gap in range(1, int(sizes.max())):
        same = rows[gap:, 0] == rows[:-gap, 0]
        if not same.any():
            break
        found.append(np.stack((rows[:-gap, 1][same], rows[gap:, 1][same]), axis=1))
    return unique_pairs(np.concatenate(found)) if found else np.zeros((0, 2), dtype=np.int64)


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    """Sorted unique pairs, each as (smaller, larger)."""
    pairs = np.sort(pairs, axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    return np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)


def judge_pairs(pairs: np.ndarray, signature_shingles: Callable[[int], np.ndarray],
                stored_shingles: Callable[[int], np.ndarray], config: Config) -> list[Verdict]:
    """Each (earlier, later) pair's verdict on its real overlap, None when it is no copy: as add_page
    judges a new page (its signature's shingles) against a stored one (shingles of its stored text)."""
    return [overlap_relation(signature_shingles(int(b)), stored_shingles(int(a)), config) for a, b in pairs]
