"""Deduplication: fingerprints, candidate pairs, verified relations, copy groups.

fingerprint() turns an Article into a Signature; compare() verifies a candidate
pair by its real overlap (an LSH collision alone never makes a duplicate);
rank_originals() orders a copy group so its first page is the likeliest original.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..config import Config
from ..records import Article, Signature
from .lsh import band_keys
from .original import Candidate, rank_originals
from .minhash import permutations, signature
from .shingles import exact_hash, shingle_hashes, tokens
from .unionfind import UnionFind

__all__ = ["fingerprint", "compare", "overlap_relation", "text_shingles", "rank_originals", "Candidate",
           "UnionFind"]


@lru_cache(maxsize=4)
def _perms(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    return permutations(num_perm)


def fingerprint(article: Article, config: Config = Config()) -> Signature:
    toks = tokens(article.text)
    shingles = shingle_hashes(toks, config.shingle_size)
    sig = signature(shingles, _perms(config.num_perm))
    return Signature(page_id=article.id, exact_hash=exact_hash(toks), minhash=sig, shingles=shingles,
                     band_keys=tuple(band_keys(sig, config.lsh_bands)) if toks else ())


def compare(a: Signature, b: Signature, config: Config = Config()) -> tuple[str, float] | None:
    """Relation of two pages by their real overlap: ("exact"|"near"|"contained", score) or None."""
    if a.exact_hash == b.exact_hash and a.shingles.size:
        return "exact", 1.0
    return overlap_relation(a.shingles, b.shingles, config)


def text_shingles(text: str, config: Config = Config()) -> np.ndarray:
    return shingle_hashes(tokens(text), config.shingle_size)


def overlap_relation(a: np.ndarray, b: np.ndarray, config: Config = Config()) -> tuple[str, float] | None:
    """("near", Jaccard) or ("contained", containment) of two shingle sets, or None."""
    if not a.size or not b.size:
        return None
    common = np.intersect1d(a, b, assume_unique=True).size
    jaccard = common / (a.size + b.size - common)
    if jaccard >= config.near_jaccard:
        return "near", round(float(jaccard), 4)
    containment = common / min(a.size, b.size)
    if containment >= config.contained_ratio:
        return "contained", round(float(containment), 4)
    return None
