"""Deduplication: fingerprints, candidate pairs, verified relations, copy groups.

fingerprint() turns an Article into a Signature; overlap_relation() verifies a
candidate pair by its real overlap (an LSH collision alone never makes a
duplicate); rank_originals() orders a copy group so its first page is the
likeliest original. batch.find_copies() does the whole corpus at once.
"""
from __future__ import annotations

import numpy as np

from ..config import Config
from ..records import Article, Signature
from .lsh import band_keys
from .minhash import signatures
from .original import Candidate, rank_originals
from .shingles import exact_hash, shingle_batch, shingle_hashes, tokens
from .unionfind import UnionFind
from .verify import overlap_relation

__all__ = ["fingerprint", "compare", "overlap_relation", "text_shingles", "rank_originals", "Candidate",
           "UnionFind"]


def fingerprint(article: Article, config: Config = Config()) -> Signature:
    toks = tokens(article.text)
    batch = shingle_batch([article.text], config.shingle_size)
    sig = signatures(batch, config.num_perm)
    return Signature(page_id=article.id, exact_hash=exact_hash(toks), minhash=sig[0],
                     shingles=np.unique(batch.hashes),
                     band_keys=tuple(int(k) for k in band_keys(sig, config.lsh_bands)[0]) if toks else ())


def compare(a: Signature, b: Signature, config: Config = Config()) -> tuple[str, float] | None:
    """Relation of two pages by their real overlap: ("exact"|"near"|"contained", score) or None."""
    if a.exact_hash == b.exact_hash and a.shingles.size:
        return "exact", 1.0
    return overlap_relation(a.shingles, b.shingles, config)


def text_shingles(text: str, config: Config = Config()) -> np.ndarray:
    return shingle_hashes(text, config.shingle_size)
