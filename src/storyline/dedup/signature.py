"""A page's fingerprint: exact hash, MinHash, shingles and LSH band keys; and verifying a pair."""
from __future__ import annotations

import numpy as np

from ..config import Config
from ..records import Article, Signature
from .lsh import band_keys, window_keys
from .minhash import signatures
from .shingles import exact_hash, shingle_batch, shingle_hashes, tokens
from .verify import overlap_relation

FINGERPRINT = "oph1w"  # signature scheme of LSH keys (w: with window keys); a store indexed with another one is re-indexed


def fingerprint(article: Article, config: Config = Config()) -> Signature:
    toks = tokens(article.text)
    batch = shingle_batch([article.text], config.shingle_size)
    sig = signatures(batch, config.num_perm)
    return Signature(page_id=article.id, exact_hash=exact_hash(toks), minhash=sig[0],
                     shingles=np.unique(batch.hashes),
                     band_keys=tuple(int(k) for k in band_keys(sig, config.lsh_bands)[0]) if toks else (),
                     window_keys=window_keys(batch.hashes, config.num_perm, config.lsh_bands))


def compare(a: Signature, b: Signature, config: Config = Config()) -> tuple[str, float] | None:
    """Relation of two pages by their real overlap: ("exact"|"near"|"contained", score) or None."""
    if a.exact_hash == b.exact_hash and a.shingles.size:
        return "exact", 1.0
    return overlap_relation(a.shingles, b.shingles, config)


def text_shingles(text: str, config: Config = Config()) -> np.ndarray:
    return shingle_hashes(text, config.shingle_size)

