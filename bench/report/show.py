"""What a story report costs: per page at ingest, and `show` on a story of 500 pages.

    python bench/report/show.py [--pages 500] [--repeat 5]
    # writes bench/report/results.md and results.json

Input: one real Timeline17 article (bpoil_reuters, the longest of the first 50) and copies
of it made as farms make them (paragraphs dropped, a spam word glued into the text), so
that `storyline run` files all of them in one story; 20 other real articles of the set
beside them. Timed, 2 workers, whole commands as a user runs them:
- `storyline run --no-reports` against `storyline run` on the same input (fresh stores):
  the difference over the pages of stories of 2+ pages is what reports cost per page;
- `storyline show STORY --json` on the 500-page story, report stored by the run (median);
- the same after one more page joins the story (`run` builds its NER only, then `show`);
- `storyline show` on the store made with --no-reports (the report built on demand, not stored).
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dates"))
from environment import environment  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1].parent / "shared" / "data" / "timeline17" / "bpoil_reuters" / "articles.jsonl"
CLI = [sys.executable, "-m", "storyline.cli"]
SPAM = ("Ethermac", "Lucrosa", "Vantoro", "Quillix", "Brexa")


def variants(text: str, n: int, rnd: random.Random) -> list[str]:
    paragraphs = [p for p in text.split("\n") if p.strip()] or [text]
    out = []
    for _ in range(n):
        kept = [p for p in paragraphs if rnd.random() > 0.1] or paragraphs[:1]
        words = " ".join(kept).split(" ")
        at = rnd.randrange(len(words))
        words[at] = rnd.choice(SPAM) + words[at]
        out.append("\n".join([" ".join(words)]))
    return out


def timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    rnd = random.Random(0)
    articles = [json.loads(line) for line in open(DATA, encoding="utf-8")]
    base = max(articles[:50], key=lambda a: len(a["text"]))
    others = [a for a in articles[50:] if len(a["text"].split()) > 150][:20]
    texts = [base["text"]] + variants(base["text"], args.pages - 1, rnd)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stream = work / "in.jsonl"
        with open(stream, "w", encoding="utf-8") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": f"copy-{i:04d}", "text": t, "date": base["time"], "text_kind": "article"}) + "\n")
            for a in others:
                f.write(json.dumps({"id": f"other-{a['id']}", "text": a["text"], "date": a["time"],
                                    "text_kind": "article"}) + "\n")
        extra = work / "extra.jsonl"
        extra.write_text(json.dumps({"id": "copy-extra", "text": variants(base["text"], 1, rnd)[0],
                                     "date": base["time"], "text_kind": "article"}) + "\n")
        bare_s, _ = timed(["run", "--db", str(work / "bare.db"), "--workers", "2", "--no-reports", str(stream)])
        full_s, out = timed(["run", "--db", str(work / "full.db"), "--workers", "2", "--json", str(stream)])
        seconds = json.loads(out)["seconds"]
        stories = json.loads(timed(["stories", "--db", str(work / "full.db"), "--json"])[1])
        big = max(stories, key=lambda s: s["page_count"])
        in_reports = sum(s["page_count"] for s in stories if s["page_count"] >= 2)
        show = [timed(["show", big["id"], "--db", str(work / "full.db"), "--json"])[0] for _ in range(args.repeat)]
        add_s, out = timed(["run", "--db", str(work / "full.db"), "--workers", "2", "--json", str(extra)])
        add_seconds = json.loads(out)["seconds"]
        show_after = [timed(["show", big["id"], "--db", str(work / "full.db"), "--json"])[0]
                      for _ in range(args.repeat)]
        big_after = json.loads(timed(["show", big["id"], "--db", str(work / "full.db"), "--json"])[1])
        on_demand = [timed(["show", big["id"], "--db", str(work / "bare.db"), "--json"])[0] for _ in range(2)]
    # NER alone, in this process, on the 20 distinct articles: what a story of distinct pages
    # (no copies to share it) costs per page.
    from storyline.report.entities import page_spans
    page_spans(["Warm-up sentence about Paris."])
    start = time.perf_counter()
    page_spans([a["text"] for a in others])
    ner_s = time.perf_counter() - start
    ner_chars = sum(len(a["text"]) for a in others)
    result = {**environment(), "command": "python bench/report/show.py" + (f" --pages {args.pages}" if args.pages != 500 else ""),
              "pages": len(texts) + len(others), "story_pages": big["page_count"],
              "story_pages_after_one_more": big_after["page_count"],
              "pages_in_reported_stories": in_reports,
              "run_no_reports_s": round(bare_s, 2), "run_with_reports_s": round(full_s, 2),
              "reports_phase_s": seconds.get("reports"), "extraction_phase_s": seconds.get("read_extract_store"),
              "reports_ms_per_page": round(1000 * seconds.get("reports", 0) / max(1, in_reports), 1),
              "show_stored_median_s": round(statistics.median(show), 3),
              "run_one_more_page_s": round(add_s, 2), "reports_phase_one_more_s": add_seconds.get("reports"),
              "show_after_one_more_median_s": round(statistics.median(show_after), 3),
              "show_on_demand_median_s": round(statistics.median(on_demand), 2),
              "ner_ms_per_distinct_page": round(1000 * ner_s / len(others), 1),
              "ner_ms_per_1000_chars": round(1000 * ner_s / ner_chars * 1000, 2)}
    (args.out / "results.json").write_text(json.dumps(result, indent=1) + "\n")
    r = result
    lines = [f"# What story reports cost ({r['date']})", "",
             f"Machine: {r['machine']}; Python {r['python']}; " + ", ".join(f"{k} {v}" for k, v in r["versions"].items()), "",
             f"Command: `{r['command']}`. {r['pages']} pages: one real Timeline17 article (bpoil_reuters) and "
             f"copies of it made as farms make them, which `storyline run` files as one story of "
             f"{r['story_pages']} pages, and 20 other real articles of the set. Whole commands, 2 workers; "
             f"`show` timed {args.repeat} times, median.", "",
             "| | seconds |", "|---|---|",
             f"| `storyline run --no-reports` | {r['run_no_reports_s']} |",
             f"| `storyline run` (reports built) | {r['run_with_reports_s']} |",
             f"| of which extraction (read, extract, store) | {r['extraction_phase_s']} |",
             f"| of which reports, {r['pages_in_reported_stories']} pages in stories of 2+ pages | {r['reports_phase_s']} "
             f"({r['reports_ms_per_page']} ms per page) |",
             f"| `storyline show STORY --json`, {r['story_pages']} pages, report stored | **{r['show_stored_median_s']}** |",
             f"| `storyline run` adding one page to that story | {r['run_one_more_page_s']} "
             f"(reports phase {r['reports_phase_one_more_s']}) |",
             f"| `show` after it ({r['story_pages_after_one_more']} pages) | {r['show_after_one_more_median_s']} |",
             f"| `show` on the --no-reports store (report built on demand, not stored) | {r['show_on_demand_median_s']} |",
             f"| NER alone on the 20 distinct articles, per page (per 1,000 characters) | "
             f"{r['ner_ms_per_distinct_page'] / 1000:.3f} ({r['ner_ms_per_1000_chars']} ms) |",
             "", "Copies take their original's entity mentions, so NER reads the 500-page story's original "
             "once; a story of 500 distinct pages costs NER on each (the last row), once, at the run "
             "that adds it.",
             "", "Target (issue 17): `show` on a story of 500 pages in under a second."]
    (args.out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
