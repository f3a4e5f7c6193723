"""Timeline17 as a news stream: every article of the 10 topic/source sets, in date order.

The articles come tokenised in Penn Treebank style ("Jackson 's", "-LRB-", "``");
they are put back into plain text first, as a scraped page would read. They
carry no separate title (the headline is glued to the text), so a page is
headed by its first words (storyline.cluster.vectors.headline_text).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMELINE17 = ROOT.parent / "shared" / "data" / "timeline17"
SEEDS = ROOT.parent / "shared" / "seeds"

_PTB = [(re.compile(r"-LRB-"), "("), (re.compile(r"-RRB-"), ")"), (re.compile(r"-LSB-"), "["),
        (re.compile(r"-RSB-"), "]"), (re.compile(r"-LCB-"), "{"), (re.compile(r"-RCB-"), "}"),
        (re.compile(r"``\s*"), '"'), (re.compile(r"\s*''"), '"'), (re.compile(r"\(\s+"), "("),
        (re.compile(r"\s+\)"), ")"), (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b"), r"\1"),
        (re.compile(r" ([.,;:!?%])"), r"\1"), (re.compile(r"\$ (\d)"), r"$\1"), (re.compile(r"[ \t]+\n"), "\n")]


def detokenise(text: str) -> str:
    for pattern, replacement in _PTB:
        text = pattern.sub(replacement, text)
    return text


@dataclass(slots=True, frozen=True)
class Article:
    key: str  # "<set>/<id>"
    topic: str  # "bpoil", "H1N1", "MJ", "haiti"
    day: int  # date ordinal
    date: str
    text: str


def timeline17(root: Path = TIMELINE17) -> list[Article]:
    """All articles, sorted by date, then key (a stable stream order)."""
    out = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        with (folder / "articles.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                out.append(Article(f"{folder.name}/{record['id']}", folder.name.split("_")[0],
                                   date.fromisoformat(record["time"]).toordinal(), record["time"],
                                   detokenise(record["text"])))
    out.sort(key=lambda a: (a.day, a.key))
    return out
