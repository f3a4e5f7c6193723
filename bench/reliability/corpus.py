"""Build the 5,000-page input the reliability trials run on (not committed: it is rebuilt).

    python bench/reliability/corpus.py OUT_DIR [--pages 5000]

Real pages of every input kind: the Timeline17 articles as JSONL records (with
their dates), the 181 AEB pages as gzipped HTML and as whole-page text dumps,
and content-farm style copies of Timeline17 articles (spam words glued into
the text, paragraphs dropped) as a second JSONL file, up to the page count.
The same arguments give the same files.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared/data"
SPAM = ["Ethermac", "Aspire", "Moneyfy", "Goldstar", "Trendex"]


def build(out: Path, pages: int = 5000, seed: int = 7) -> int:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    articles = []
    for path in sorted((DATA / "timeline17").glob("*/articles.jsonl")):
        for line in path.open(encoding="utf-8"):
            record = json.loads(line)
            articles.append({"id": f"{path.parent.name}-{record['id']}", "text": record["text"],
                             "date": record["time"]})
    with (out / "timeline17.jsonl").open("w", encoding="utf-8") as handle:
        for record in articles:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    html_dir = out / "aeb_html"
    html_dir.mkdir(exist_ok=True)
    for path in sorted((DATA / "aeb/html").glob("*.html.gz")):
        shutil.copy(path, html_dir / path.name)
    text_dir = out / "aeb_text"
    text_dir.mkdir(exist_ok=True)
    page_text = json.loads((DATA / "aeb/page-text.json").read_text())["output"]
    for page_id, record in sorted(page_text.items()):
        (text_dir / f"{page_id}.txt").write_text(record["articleBody"], encoding="utf-8")
    count = len(articles) + 2 * len(page_text)
    with (out / "copies.jsonl").open("w", encoding="utf-8") as handle:
        i = 0
        while count < pages:
            source = articles[i % len(articles)]
            words = source["text"].split(" ")
            spam = rng.choice(SPAM)
            for _ in range(max(1, len(words) // 60)):
                k = rng.randrange(len(words))
                words[k] = spam + words[k]
            cut = len(words) if rng.random() < 0.5 else int(len(words) * rng.uniform(0.6, 0.95))
            handle.write(json.dumps({"id": f"copy-{i}-{source['id']}", "text": " ".join(words[:cut]),
                                     "date": "2025-04-14"}, ensure_ascii=False) + "\n")
            i += 1
            count += 1
    return count


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--pages", type=int, default=5000)
    args = parser.parse_args()
    print(f"{build(args.out, args.pages)} pages in {args.out}")
