"""Normalised tokens, exact-text hash, and hashed word shingles."""
from __future__ import annotations

import hashlib
import re

import numpy as np

_TOKEN = re.compile(r"\w+", re.UNICODE)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def exact_hash(toks: list[str]) -> str:
    """Hash of the token stream: equal for texts differing only in case, spacing, punctuation."""
    return hashlib.sha1(" ".join(toks).encode("utf-8", "surrogatepass")).hexdigest()


def _token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def shingle_hashes(toks: list[str], size: int) -> np.ndarray:
    """Unique 64-bit hashes of the word `size`-grams (the whole text if shorter)."""
    if not toks:
        return np.zeros(0, dtype=np.uint64)
    cache: dict[str, int] = {}
    ids = np.fromiter((cache.setdefault(t, _token_hash(t)) for t in toks), dtype=np.uint64, count=len(toks))
    n = max(1, len(ids) - size + 1)
    combined = ids[:n].copy()
    with np.errstate(over="ignore"):
        for offset in range(1, min(size, len(ids))):
            # Position-dependent mix so "a b" and "b a" differ; wraps mod 2**64.
            combined = combined * _MIX + ids[offset:offset + n]
    return np.unique(combined)
