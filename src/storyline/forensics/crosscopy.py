"""Injections found by comparing a copy with its original, word by word.

A content farm glues its keyword onto words ("EthermacTuesday") or drops it
between them; the original has the plain word at that place. Where the copy's
word is the original's word with letters glued on, or where the copy inserts
the same foreign word at two or more places, that word was injected.
"""
from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

MAX_WORDS = 3000  # alignment is quadratic at worst: compare the first part only
_WORD = re.compile(r"\S+")
_GLUE = re.compile(r"^(?P<spam>[A-Z][a-z]{2,}(?:[A-Z][a-z]+)?)(?P<word>[A-Z][\w’'-]*)$")


def injected_tokens(copy_text: str, original_text: str) -> list[str]:
    copy_words = _WORD.findall(copy_text)[:MAX_WORDS]
    original_words = _WORD.findall(original_text)[:MAX_WORDS]
    original_vocab = {w.strip(".,;:!?“”\"'’").lower() for w in original_words}
    glued: list[str] = []
    inserted: Counter[str] = Counter()
    matcher = SequenceMatcher(None, original_words, copy_words, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "replace" and a1 - a0 == b1 - b0:
            for orig, copy in zip(original_words[a0:a1], copy_words[b0:b1]):
                match = _GLUE.match(copy.strip(".,;:!?“”\"'’"))
                if match and orig.strip(".,;:!?“”\"'’") == match.group("word") \
                        and match.group("spam").lower() not in original_vocab:
                    glued.append(match.group("spam"))
        elif op == "insert" and b1 - b0 == 1:
            word = copy_words[b0].strip(".,;:!?“”\"'’")
            if word[:1].isupper() and word.lower() not in original_vocab:
                inserted[word] += 1
    return list(dict.fromkeys(glued + [w for w, n in inserted.items() if n >= 2]))
