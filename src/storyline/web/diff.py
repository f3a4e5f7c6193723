"""Two pages side by side, word by word: what both hold, what only one holds, and the words a
content farm injected (which storyline removed from the clean text and keeps as `injections`).

The text is compared as it is stored (clean). A page's injected words are shown where they
were found in the title, and in the text only as the list of what was removed, since the clean
text no longer holds them. Output is plain data (segments of text with a kind); the template
escapes it.
"""
from __future__ import annotations

import difflib
import re

MAX_WORDS = 5_000  # per side: a diff of two huge pages stays bounded in time (difflib is quadratic at worst)
_TOKEN = re.compile(r"\S+|\n\n")


def _tokens(page: dict) -> list[str]:
    return _TOKEN.findall(page.get("text") or "")[:MAX_WORDS]


def _segments(tokens: list[str], spans: list[tuple[int, int, str]]) -> list[list[dict]]:
    """Paragraphs of {text, kind} segments, adjacent tokens of one kind joined."""
    kinds = ["same"] * len(tokens)
    for start, end, kind in spans:
        for i in range(start, end):
            kinds[i] = kind
    paragraphs: list[list[dict]] = [[]]
    for token, kind in zip(tokens, kinds):
        if token == "\n\n":
            paragraphs.append([])
            continue
        current = paragraphs[-1]
        if current and current[-1]["kind"] == kind:
            current[-1]["text"] += " " + token
        else:
            if current:
                current[-1]["text"] += " "
            current.append({"text": token, "kind": kind})
    return [p for p in paragraphs if p]


def title_segments(page: dict) -> list[dict]:
    """The page's title as it was served: its injected prefix and suffix put back, marked."""
    out = [{"text": page.get("title") or "", "kind": "same"}]
    for injection in page.get("injections") or []:
        if injection.get("where") == "title-prefix":
            out.insert(0, {"text": injection["text"] + " ", "kind": "injected"})
        elif injection.get("where") == "title-suffix":
            out.append({"text": " " + injection["text"], "kind": "injected"})
    return out


def side_by_side(a: dict, b: dict) -> tuple[list[list[dict]], list[list[dict]], float]:
    """(left paragraphs, right paragraphs, share of words in common). A segment's kind is
    `same`, `only` (on this side alone) or `injected` (a word this page's injections name)."""
    left, right = _tokens(a), _tokens(b)
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    left_spans, right_spans = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            left_spans.append((i1, i2, "only"))
            right_spans.append((j1, j2, "only"))
    for tokens, spans, page in ((left, left_spans, a), (right, right_spans, b)):
        injected = {i["text"].lower() for i in page.get("injections") or [] if i.get("text")}
        for n, token in enumerate(tokens):
            if token.lower().strip(".,;:!?\"'()") in injected:
                spans.append((n, n + 1, "injected"))
    words = max(len(left), len(right)) or 1
    same = sum(block.size for block in matcher.get_matching_blocks())
    return _segments(left, left_spans), _segments(right, right_spans), round(same / words, 3)
