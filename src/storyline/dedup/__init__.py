"""Deduplication: fingerprints, candidate pairs, verified relations, copy groups.

fingerprint() turns an Article into a Signature; compare() verifies a candidate
pair by its real overlap (an LSH collision alone never makes a duplicate);
rank_originals() orders a copy group so its first page is the likeliest original.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..config import Config
from ..records import Article, CopyLink, Signature
from .lsh import band_keys
from .original import Candidate, rank_originals
from .minhash import permutations, signature
from .shingles import exact_hash, shingle_hashes, tokens
from .unionfind import UnionFind

__all__ = ["fingerprint", "compare", "rank_originals", "Candidate", "UnionFind"]


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
    if not a.shingles.size or not b.shingles.size:
        return None
    common = np.intersect1d(a.shingles, b.shingles, assume_unique=True).size
    jaccard = common / (a.shingles.size + b.shingles.size - common)
    if jaccard >= config.near_jaccard:
        return "near", round(float(jaccard), 4)
    containment = common / min(a.shingles.size, b.shingles.size)
    if containment >= config.contained_ratio:
        return "contained", round(float(containment), 4)
    return None


def link(copy: str, original: str, relation: str, score: float) -> CopyLink:
    return CopyLink(page_id=copy, original=original, relation=relation, score=score)
