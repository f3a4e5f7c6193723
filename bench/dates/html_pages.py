"""Publication dates of real news HTML pages with gold dates: storyline beside htmldate alone.

    python bench/dates/html_pages.py      # writes bench/dates/html_pages.md and html_pages.json

Data: ../shared/data/dated-pages (95 pages of many sites and languages, half of htmldate's
MediaCloud 2020 evaluation set; the other half is kept for checking). Pages whose gold date
is missing are left out of every figure. In the same run, for each page:
- htmldate alone: `find_date(html, url=url, original_date=True, extensive_search=True)`;
- storyline's `claimed_date` (what the page claims, read by trafilatura/htmldate);
- storyline's `published.value`, the page judged alone (as `storyline extract` does: no
  store, so no copies or story to lean on).
Nothing here was tuned on these pages.
"""
from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import json
import math
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

from htmldate import find_date

from storyline.extract import extract_page
from storyline.forensics import judge_alone
from storyline.records import Article, Page

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1].parent / "shared" / "data" / "dated-pages"


def load(data: Path) -> list[tuple[str, str, str, str]]:
    """(id, url, gold day, html) of the pages with a gold date."""
    gold = json.loads((data / "gold.json").read_text())
    out = []
    for pid, g in sorted(gold.items()):
        day = g.get("date")
        if not isinstance(day, str):  # NaN in the public set: no gold date
            continue
        html = gzip.decompress((data / "html" / f"{pid}.html.gz").read_bytes()).decode("utf-8", "replace")
        out.append((pid, g["url"], day, html))
    return out


def judge(pid: str, url: str, html: str) -> tuple[str | None, str | None, str | None]:
    article = extract_page(Page(pid, pid, "html", html, url=url))
    if not isinstance(article, Article):
        return None, None, f"skipped: {article.reason}"
    forensics = judge_alone(article)
    value = forensics.published.value
    farm = "; ".join(forensics.content_farm.reasons) if forensics.content_farm.is_farm else None
    return article.claimed_date, value.isoformat() if value else None, farm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    pages = load(args.data)
    started = time.perf_counter()
    rows = []
    for pid, url, gold, html in pages:
        reference = find_date(html, url=url, original_date=True, extensive_search=True)
        claimed, published, note = judge(pid, url, html)
        rows.append({"id": pid, "gold": gold, "htmldate": reference, "claimed_date": claimed,
                     "published": published, "note": note})
    seconds = time.perf_counter() - started
    n = len(rows)
    score = {key: sum(r[key] == r["gold"] for r in rows) / n for key in ("htmldate", "claimed_date", "published")}
    versions = {p: importlib.metadata.version(p) for p in ("storyline", "trafilatura", "htmldate", "numpy")}
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    machine = f"{platform.machine()} {os.cpu_count()} cores, {platform.platform()}; Python {platform.python_version()}"
    wrong = [r for r in rows if not (r["htmldate"] == r["claimed_date"] == r["published"] == r["gold"])]
    lines = [
        f"# Publication dates of real news HTML pages ({now})", "",
        f"Machine: {machine}; " + ", ".join(f"{k} {v}" for k, v in versions.items()), "",
        "Command: `python bench/dates/html_pages.py`. Data: `../shared/data/dated-pages` "
        f"({n} pages with a gold date). Exact day against the gold date, same run:", "",
        "| method | exact day |", "|---|---|",
        f"| htmldate alone (`original_date=True, extensive_search=True`) | {score['htmldate']:.1%} |",
        f"| storyline `claimed_date` | {score['claimed_date']:.1%} |",
        f"| storyline `published.value` (page judged alone) | {score['published']:.1%} |", "",
        f"Ratio storyline published / htmldate: {score['published'] / score['htmldate']:.3f}. "
        f"Run time {seconds:.0f} s for both.", "",
        "Pages where any of the three is wrong:", "",
        "| page | gold | htmldate | claimed_date | published | note |", "|---|---|---|---|---|---|",
        *[f"| {r['id']} | {r['gold']} | {r['htmldate']} | {r['claimed_date']} | {r['published']} | "
          f"{(r['note'] or '').replace('|', '/')} |" for r in wrong],
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "html_pages.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out / "html_pages.json").write_text(json.dumps(
        {"date": now, "machine": machine, "versions": versions, "pages": n, "exact": score, "rows": rows},
        indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print("\n".join(lines[:12]))
    assert not math.isnan(score["published"])


if __name__ == "__main__":
    main()
