"""A stream of JSONL text records with stories and copies planted, built from real text.

Replica r of the 2,304 Timeline17 articles (detokenised) has half of its words renamed
("spill" -> "spill~r", chosen per word by a hash, the same in every article of the replica) and
its dates shifted by 3 * r days: replicas are different stories with the statistics of real
news, running side by side. One record in ten is a content farm's copy of an earlier record:
spam words, page furniture or a cut (bench/dedup/generate.py), claiming a later date.
"""
from __future__ import annotations

import hashlib
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "cluster"))
sys.path.insert(0, str(HERE.parent / "dedup"))
from data import timeline17  # noqa: E402
from generate import _cut, _furniture, _spam  # noqa: E402  (bench/dedup/generate.py)

COPY_SHARE = 0.1
FAKE_DATE = "2025-04-14"


def _renamer(replica: int):
    def rename(word: str) -> str:
        if replica == 0 or not word[:1].isalpha():
            return word
        keep = int(hashlib.blake2b(f"{word.lower()}|{replica}".encode(), digest_size=2).hexdigest(), 16) % 2
        return word if keep else f"{word}{replica}"
    return rename


def write_stream(path: Path, n: int, seed: int = 11) -> dict:
    """Write n records to path; returns how many copies and base stories (topic x replica) it holds."""
    articles = timeline17()
    headlines = [" ".join(a.text.split()[:12]) for a in articles]
    rnd = random.Random(seed)
    written: list[str] = []  # texts of the records written, for copies
    copies, topics = 0, set()
    with path.open("w", encoding="utf-8") as out:
        replica = 0
        while len(written) < n:
            rename = _renamer(replica)
            for a in articles:
                if len(written) >= n:
                    break
                if len(written) > 10 and rnd.random() < COPY_SHARE:
                    title, _, body = rnd.choice(written).partition("\n\n")
                    kind = rnd.choice(("spam", "furniture", "cut"))
                    if kind == "spam":
                        title, body = _spam(title, body, rnd)
                    elif kind == "furniture":
                        body = _furniture(body, rnd, headlines)
                    else:
                        body = _cut(body, rnd, "truncated")
                    record = {"id": f"copy-{len(written)}", "text": title + "\n\n" + body, "date": FAKE_DATE}
                    copies += 1
                else:
                    text = "\n\n".join(" ".join(rename(w) for w in line.split(" ")).strip()
                                         for line in a.text.split("\n") if line.strip())
                    day = date.fromisoformat(a.date) + timedelta(days=3 * replica)
                    record = {"id": f"{replica}/{a.key}", "text": text, "date": day.isoformat()}
                    topics.add((replica, a.topic))
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written.append(record["text"])
            replica += 1
    return {"copies": copies, "stories": len(topics)}
