"""Bytes in, correctly decoded text out."""
from __future__ import annotations

import codecs
import re

import charset_normalizer

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([a-zA-Z0-9_\-]+)""", re.I)
# A byte-order mark says the encoding before anything else does (UTF-32's before UTF-16's:
# FF FE 00 00 starts with FF FE).
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Encodings a <meta> tag found as ASCII bytes cannot be true of: in them "<meta" has NUL bytes.
# (The HTML standard reads a page declaring UTF-16 as UTF-8 for the same reason.)
_WIDE = ("utf-16", "utf-32")


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


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes are plainly UTF-16 with no BOM: one byte of
    nearly every pair NUL (markup and Latin text), the other almost never."""
    head = data[:8192]
    head = head[:len(head) - len(head) % 2]
    if len(head) < 16:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    pairs = len(head) // 2
    for nuls, others, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if nuls >= 0.7 * pairs and others <= 0.02 * pairs:
            text = head.decode(encoding, errors="replace")
            controls = sum(1 for c in text if c < " " and c not in "\t\n\r" or c == "\ufffd")
            return encoding if controls <= 0.02 * len(text) else None
    return None


def _replacing(data: bytes, encoding: str) -> tuple[str, str | None]:
    """`data` decoded with bad sequences replaced, and how many were, said for the page's repairs."""
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd")
    return text, f"{bad} bad byte sequence(s) replaced" if bad else None


def decode_bytes(data: bytes, *, html: bool = False) -> tuple[str, tuple[str, ...]]:
    """Decode `data`; returns the text and the repairs made (empty when clean)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text, replaced = _replacing(data, encoding)
            return text, ((f"invalid {encoding.upper()}: {replaced}",) if replaced else ())
    if b"\x00" in data[:8192] and (wide := _utf16_without_bom(data)):
        text, replaced = _replacing(data, wide)
        return text, (f"{wide.upper()} with no byte-order mark" + (f": {replaced}" if replaced else ""),)
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
                if not codecs.lookup(name).name.startswith(_WIDE):  # declared UTF-16 in ASCII: not so
                    return data.decode(name), ()
            except (LookupError, UnicodeDecodeError):
                pass
    repaired, replaced = _replacing(data, "utf-8")
    damaged = f"invalid UTF-8: {replaced} (first at byte {first_bad})"
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
