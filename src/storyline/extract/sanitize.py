"""Invisible and direction-control characters: removed, and counted as evidence.

Zero-width spaces hide spam tokens from filters ("Ether\\u200bmac"), and bidi
overrides make a terminal or a browser show text in another order than it is
stored. Zero-width joiners (U+200C/U+200D) and the plain marks LRM/RLM are
kept: scripts such as Persian and Hindi need them.
"""
from __future__ import annotations

import re

_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad\u202a-\u202e\u2066-\u2069\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")


def strip_invisible(text: str) -> tuple[str, int]:
    """The text without invisible/direction-control characters, and how many there were."""
    return _INVISIBLE.subn("", text)
