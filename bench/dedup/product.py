"""Copies as `storyline run` finds them, on the labelled set of run.py, beside the batch engine.

    .venv/bin/python bench/dedup/product.py

The same 4,292 texts (generate.labelled_set() and the seed pair) go through the whole product,
as JSONL records {id, text}: extraction (each text is cleaned as a page dump first: furniture
lines go before fingerprinting), copy links verified against the LSH candidates of the persistent
index, copy groups and originals (dedup.link_page, dedup.group_copies), after dating. In the same
run, the batch engine (dedup.batch.find_copies: the same shingles, signatures, bands and
verification, with candidates from sorted band keys, no extraction) on the raw texts. Pair and
B-cubed scores per kind, with run.py's metrics; the difference between the two rows is the
tolerance between the two drivers. Results: bench/dedup/product.md and product.json.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import labelled_set, seed_pair  # noqa: E402
from run import _cpu, _versions, labelled, score_by_kind  # noqa: E402
from tools import TOOLS  # noqa: E402

from storyline import Storyline  # noqa: E402
from storyline.config import Config  # noqa: E402


def product_groups(docs) -> tuple[list[str], float]:
    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / "labelled.jsonl"
        with stream.open("w", encoding="utf-8") as out:
            for d in docs:
                out.write(json.dumps({"id": d.id, "text": d.text}, ensure_ascii=False) + "\n")
        start = time.perf_counter()
        with Storyline(Path(tmp) / "s.db") as sl:
            sl.run([stream], workers=2)
            seconds = time.perf_counter() - start
            group = {p["id"]: (p["duplicate_of"] if p["relation"] in ("exact", "near", "contained") else None)
                     or p["id"] for p in sl.pages()}
    return [group.get(d.id, d.id) for d in docs], seconds


def main() -> None:
    docs = labelled_set() + seed_pair()
    truth = labelled(docs)
    groups, seconds = product_groups(docs)
    batch, timing = TOOLS["storyline"]([d.text for d in docs], Config())
    rows = {"storyline run (product)": score_by_kind(docs, truth, groups),
            "batch engine (find_copies)": score_by_kind(docs, truth, batch.tolist())}
    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": _cpu(), "versions": _versions(),
              "command": "python bench/dedup/product.py", "docs": len(docs), "product_seconds": round(seconds, 1),
              "rows": rows}
    (HERE / "product.json").write_text(json.dumps(result, indent=1) + "\n")
    kinds = list(rows["storyline run (product)"])
    lines = ["# Copies through `storyline run`, beside the batch engine (labelled set of run.py)", "",
             f"- date: {result['date']}", f"- machine: {result['machine']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
             f"- command: `{result['command']}`; {len(docs):,} texts; storyline run took {seconds:.0f} s "
             "(2 workers, extraction and dating included)", "",
             "| kind | docs | product P / R / F1 | batch engine P / R / F1 |", "|---|---|---|---|"]
    for kind in kinds:
        p, b = rows["storyline run (product)"][kind], rows["batch engine (find_copies)"][kind]
        lines.append(f"| {kind} | {p['docs']} | {p['precision']:.3f} / {p['recall']:.3f} / **{p['f1']:.3f}** | "
                     f"{b['precision']:.3f} / {b['recall']:.3f} / {b['f1']:.3f} |")
    (HERE / "product.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
