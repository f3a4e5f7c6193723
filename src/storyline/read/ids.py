"""Stable page ids: the same input always gets the same id."""
from __future__ import annotations

import hashlib


def page_id(source_key: str, content: bytes | str) -> str:
    """Id from where a page came from and what it holds.

    Re-reading the same file gives the same id (so nothing is stored twice);
    a changed file at the same place is a new page, as a re-crawl would be.
    """
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    digest = hashlib.sha1(source_key.encode("utf-8", "surrogatepass"))
    digest.update(b"\0")
    digest.update(hashlib.sha1(content).digest())
    return digest.hexdigest()[:16]
