"""Deduplication: fingerprints, candidate pairs, verified relations, copy groups.

fingerprint() turns an Article into a Signature; overlap_relation() verifies a
candidate pair by its real overlap (an LSH collision alone never makes a
duplicate); rank_originals() orders a copy group so its first page is the
likeliest original. batch.find_copies() does the whole corpus at once.
"""
from __future__ import annotations

from .groups import group_copies, link_new_page, link_page
from .original import Candidate, candidate_of, rank_originals
from .signature import FINGERPRINT, compare, fingerprint, text_shingles
from .unionfind import UnionFind
from .verify import overlap, overlap_relation

__all__ = ["FINGERPRINT", "fingerprint", "compare", "overlap", "overlap_relation", "text_shingles", "rank_originals",
           "Candidate", "candidate_of", "UnionFind", "link_page", "link_new_page", "group_copies"]
