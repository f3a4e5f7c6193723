"""Normalised tokens, exact-text hash, and hashed word shingles.

Tokens are lowercased runs of word characters (`\\w+`). shingle_batch() turns
many texts into word-shingle hashes at once: the lowercased text becomes an
array of code points, a lookup table marks word characters, and every token is
hashed with a polynomial hash computed by prefix sums in NumPy. No Python object is
made per token, which is where per-document MinHash code spends its time.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

_TOKEN = re.compile(r"\w+", re.UNICODE)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_POLY = np.uint64(0x100000001B3)  # odd, so invertible modulo 2**64
_POLY_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_DOC_BREAK = "\x01"  # separates documents in a batch; removed from the texts first


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def exact_hash(toks: list[str]) -> str:
    """Hash of the token stream: equal for texts differing only in case, spacing, punctuation."""
    return hashlib.sha1(" ".join(toks).encode("utf-8", "surrogatepass")).hexdigest()


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: every output bit depends on every input bit."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


@lru_cache(maxsize=1)
def _lowercase() -> np.ndarray:
    """A caseless form of each BMP code point, so a copy in capitals has the same shingles.

    Its lowercase; where that is several characters, the first ('İ' -> 'i'); the
    final sigma 'ς' as 'σ', because 'Σ' has one lowercase whatever its place. One more
    entry, 0x10000, stands for every code point beyond the BMP (a separator, see below)."""
    lower = np.arange(0x10001, dtype=np.uint64)
    for cp in range(0x10000):
        low = chr(cp).lower()
        if ord(low[0]) != cp:
            lower[cp] = ord(low[0])
    lower[ord("ς")] = ord("σ")
    return lower


@lru_cache(maxsize=4)
def _powers(n: int, base: int) -> np.ndarray:
    powers = np.full(n, base, dtype=np.uint64)
    powers[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(powers, out=powers)


def _powers_upto(n: int, base: int) -> np.ndarray:
    size = 1 << max(16, (n - 1).bit_length())  # cached by power of two, so chunks reuse one table
    return _powers(size, base)[:n]


@lru_cache(maxsize=1)
def _word_chars() -> np.ndarray:
    """For each code point of the Basic Multilingual Plane: is it a word character (`\\w`)?
    Entry 0x10000, every code point beyond the BMP, is not."""
    word = re.compile(r"\w")
    return np.array([word.match(chr(cp)) is not None for cp in range(0x10000)] + [False], dtype=bool)


def warm_tables() -> None:
    """Build the character tables now (about 0.1 s), e.g. before forking workers that all need them."""
    _lowercase()
    _word_chars()


@dataclass(frozen=True, slots=True)
class ShingleBatch:
    """Word-shingle hashes of many texts: doc[i] is the text that shingle i belongs to."""

    hashes: np.ndarray  # uint64, shingles in text order (not unique)
    doc: np.ndarray  # int64, text index of each shingle, non-decreasing
    token_counts: np.ndarray  # int64, tokens per text
    stream_hash: np.ndarray  # uint64 per text: hash of its whole token stream (exact copies)

    def of(self, i: int) -> np.ndarray:
        lo, hi = np.searchsorted(self.doc, [i, i + 1])
        return self.hashes[lo:hi]


def _token_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Hash of every token of every text, and the text index of each token."""
    clean = [t.replace(_DOC_BREAK, " ") if _DOC_BREAK in t else t for t in texts]
    joined = _DOC_BREAK.join(clean)
    raw = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    n = raw.size
    is_break = raw == 1
    # Lowercase and word characters by table lookup; beyond the BMP (emoji, rare
    # scripts) characters are separators. (Clipping to one table entry for them is
    # cheaper than indexing through a mask; their code never enters a word's hash.)
    chars = _lowercase()[np.minimum(raw, 0x10000)]  # uint64, ready for the hash below
    in_word = _word_chars()[chars]
    before = np.concatenate(([False], in_word[:-1]))
    after = np.concatenate((in_word[1:], [False]))
    starts = np.flatnonzero(in_word & ~before)
    ends = np.flatnonzero(in_word & ~after)  # inclusive
    # Polynomial hash of code points [s, e]: (P[e] - P[s-1]) / POLY**s, with P the prefix sum of cp * POLY**i.
    with np.errstate(over="ignore"):
        prefix = np.cumsum(np.multiply(chars, _powers_upto(n, int(_POLY)), out=chars), out=chars)
        inverse = _powers_upto(n, int(_POLY_INV))
        below = np.where(starts > 0, prefix[starts - 1], np.uint64(0))
        values = (prefix[ends] - below) * inverse[starts] + (ends - starts).astype(np.uint64)
    doc = np.searchsorted(np.flatnonzero(is_break), starts)
    return mix64(values), doc.astype(np.int64)


def shingle_batch(texts: list[str], size: int) -> ShingleBatch:
    """The `size`-word shingles of every text (a text shorter than that is one shingle)."""
    token_hash, token_doc = _token_hashes(texts)
    counts = np.bincount(token_doc, minlength=len(texts)).astype(np.int64)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    position = np.arange(token_hash.size) - first[token_doc]
    n = token_hash.size
    with np.errstate(over="ignore"):
        combined = token_hash.copy()
        for offset in range(1, min(size, n)):  # no token has a neighbour n or more places on
            # Position-dependent mix so "a b" and "b a" differ; wraps mod 2**64.
            same_text = (token_doc[offset:] == token_doc[: n - offset]).astype(np.uint64)
            combined[: n - offset] = combined[: n - offset] * _MIX + token_hash[offset:] * same_text
        # Stream hash: each token weighted by a hash of its position, summed per text.
        weighted = token_hash * mix64(position.astype(np.uint64) + np.uint64(1))
    stream = np.zeros(len(texts), dtype=np.uint64)
    np.add.at(stream, token_doc, weighted)
    # A shingle is kept if it ends inside its text, or it is the first of a text shorter than `size`.
    keep = (position + size <= counts[token_doc]) | ((position == 0) & (counts[token_doc] < size))
    return ShingleBatch(hashes=mix64(combined[keep]), doc=token_doc[keep], token_counts=counts,
                        stream_hash=mix64(stream ^ counts.astype(np.uint64)))


def shingle_sequence(text: str, size: int) -> np.ndarray:
    """One text's shingle hashes in text order (with repeats)."""
    return shingle_batch([text], size).hashes


def shingle_hashes(text: str, size: int) -> np.ndarray:
    """Sorted unique shingle hashes of one text."""
    return np.unique(shingle_batch([text], size).hashes)
