"""Text for a person at a terminal. Scraped strings (ids, URLs, titles, skip reasons quoting a
broken file) carry control characters: an ESC sequence clears the screen, recolours it or sets
the window title, a carriage return hides what came before it on the line. The commands'
human-readable output shows them escaped (`\u001b`); JSON and exports keep the data as it is
(JSON escapes the C0 controls itself)."""
from __future__ import annotations

from typing import TextIO

# C0 but newline and tab, DEL, and C1 (U+009B is a one-character CSI on some terminals).
_ESCAPES = {c: f"\\u{c:04x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) not in "\n\t"}


def printable(text: str) -> str:
    return text.translate(_ESCAPES)


class EscapingWriter:
    """A text stream that writes through `printable`: wraps stdout while a command prints."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(printable(text))

    def __getattr__(self, name: str):  # flush, fileno, isatty, encoding, ...
        return getattr(self.stream, name)
