"""Build the background document-frequency table shipped in storyline/cluster/.

    python tools/build_background_df.py ../shared/data/timeline17

Reads every articles.jsonl under the folder (real news articles, 2009-2011),
counts in how many articles each content word appears, keeps words seen in at
least two, and writes src/storyline/cluster/background_df.json.gz.
"""
from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from storyline.cluster.terms import term_counts  # noqa: E402


def main(folder: str) -> None:
    df: Counter[str] = Counter()
    n = 0
    for path in sorted(Path(folder).rglob("articles.jsonl")):
        for line in path.open(encoding="utf-8"):
            df.update(term_counts(None, json.loads(line)["text"]).keys())
            n += 1
    kept = {t: c for t, c in sorted(df.items()) if c >= 2}
    out = Path(__file__).resolve().parents[1] / "src/storyline/cluster/background_df.json.gz"
    out.write_bytes(gzip.compress(json.dumps({"n_docs": n, "source": "Timeline17 articles", "df": kept},
                                             ensure_ascii=False, sort_keys=True).encode(), mtime=0))
    print(f"{n} articles, {len(kept)} terms -> {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/timeline17")
