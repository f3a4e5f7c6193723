"""Bytes in, correctly decoded text out."""
from __future__ import annotations

import codecs
import re

import charset_normalizer

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([a-zA-Z0-9_\-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class NotText(ValueError):
    """The bytes are not text in any encoding (an image, an archive, ...)."""


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls / len(head) > 0.1


def decode_bytes(data: bytes, *, html: bool = False) -> tuple[str, tuple[str, ...]]:
    """Decode `data`; returns the text and the repairs made (empty when clean)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), ()
    if looks_binary(data):
        raise NotText("binary content, not text (NUL or control bytes)")
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as err:
        first_bad = err.start
    if html:
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii", "ignore")
            try:
                return data.decode(name), ()
            except (LookupError, UnicodeDecodeError):
                pass
    repaired = data.decode("utf-8", errors="replace")
    bad = repaired.count("\ufffd")
    damaged = f"invalid UTF-8: {bad} bad byte sequence(s) replaced (first at byte {first_bad})"
    # Valid multi-byte UTF-8 elsewhere in the page means UTF-8 with a few bad bytes;
    # none at all means a legacy single-byte encoding (cp1252, latin-1, ...).
    if any(ord(c) > 127 and c != "\ufffd" for c in repaired):
        return repaired, (damaged,)
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    for encoding in ([best.encoding] if best is not None and best.encoding else []) + ["cp1252"]:
        try:
            return data.decode(encoding), (f"not UTF-8: decoded as {encoding}",)
        except (LookupError, UnicodeDecodeError):
            continue
    return repaired, (damaged,)
