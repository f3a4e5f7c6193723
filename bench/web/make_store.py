"""A ~10,000-page store for the web load benchmark, built with `storyline run` from real data.

    .venv/bin/python bench/web/make_store.py --out /tmp/web10k.db [--pages 10000] [--workers 2] [--no-reports]

Input (written to a temp folder, never into the repository):
- every usable Timeline17 article (../shared/data/timeline17; the originals of bench/dates/farm.py:
  50 words to 50,000 characters, about 2,220), with its true date, its set as source, a URL on its own site;
- the 181 AEB pages (../shared/data/aeb) as HTML records with their URL;
- content-farm copies of the Timeline17 articles (bench/dates/farm.py's `farm_copy`: spam, furniture or cut,
  each from a distinct farm site, each claiming 2025-04-14) until the total reaches --pages.

Then `storyline run --db OUT --workers N INPUT` (reports built, unless --no-reports), timed. The OUT store
must not exist (or --force). Prints the store's pages and stories and the seconds taken.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
AEB = ROOT.parent / "shared" / "data" / "aeb"
sys.path.insert(0, str(HERE.parent / "dates"))
from farm import FAKE_DATE, KINDS, farm_copy, load_sample  # noqa: E402  (bench/dates/farm.py)

SEED, FARM_SITES = 18, 60


def records(total: int) -> list[dict]:
    rnd = random.Random(SEED)
    originals = load_sample(10**6)  # all usable Timeline17 articles, round-robin over the sets
    out = [{k: o[k] for k in ("id", "title", "text", "date", "source", "url")} for o in originals]
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    for path in sorted((AEB / "html").glob("*.html.gz")):
        aid = path.name.removesuffix(".html.gz")
        out.append({"id": f"aeb/{aid}", "html": gzip.decompress(path.read_bytes()).decode("utf-8", "replace"),
                    "url": truth.get(aid, {}).get("url")})
    need = max(0, total - len(out))
    # copies per original: `need` spread as evenly as possible, the remainder to a seeded choice of originals
    base, extra = divmod(need, len(originals))
    lucky = set(rnd.sample(range(len(originals)), extra))
    headlines = [o["title"] for o in originals]
    for i, o in enumerate(originals):
        n = base + (i in lucky)
        for site in rnd.sample(range(1, FARM_SITES + 1), n):  # two copies never share a farm site
            title, text = farm_copy(o, rnd.choice(KINDS), rnd, headlines)
            cid = "p-" + hashlib.sha1(f"{o['id']}|{site}".encode()).hexdigest()[:12]
            out.append({"id": cid, "title": title, "text": text, "date": FAKE_DATE, "source": f"farm-site-{site}",
                        "url": f"http://farm-site-{site}.example/{cid[2:]}.html"})
    rnd.shuffle(out)  # a crawl's order: copies do not follow their original
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="the SQLite store to create")
    ap.add_argument("--pages", type=int, default=10_000, help="records in all (default 10,000)")
    ap.add_argument("--workers", type=int, default=2, help="storyline run --workers (default 2)")
    ap.add_argument("--no-reports", action="store_true", help="pass --no-reports to storyline run")
    ap.add_argument("--force", action="store_true", help="delete OUT first if it exists")
    args = ap.parse_args(argv)
    stale = [args.out, Path(f"{args.out}-wal"), Path(f"{args.out}-shm")]
    if any(p.exists() for p in stale):
        if not args.force:
            raise SystemExit(f"{args.out} exists: choose another --out or pass --force")
        for p in stale:
            p.unlink(missing_ok=True)
    recs = records(args.pages)
    with tempfile.TemporaryDirectory(prefix="storyline-web10k-") as tmp:
        jsonl = Path(tmp) / "web10k.jsonl"
        jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
        kinds = {"aeb": sum(r["id"].startswith("aeb/") for r in recs), "copies": sum(r["id"].startswith("p-") for r in recs)}
        print(f"{len(recs)} records ({len(recs) - kinds['aeb'] - kinds['copies']} Timeline17, {kinds['aeb']} AEB, "
              f"{kinds['copies']} farm copies) -> {jsonl}", flush=True)
        cmd = [str(ROOT / ".venv" / "bin" / "storyline"), "run", "--db", str(args.out), "--workers", str(args.workers),
               "--no-progress", "--json", *(["--no-reports"] if args.no_reports else []), str(jsonl)]
        print("$ " + " ".join(cmd), flush=True)
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):  # 1: some pages skipped, still a store
        raise SystemExit(f"storyline run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    try:
        summary = json.loads(done.stdout)
    except json.JSONDecodeError:
        summary = done.stdout[-2000:]
    con = sqlite3.connect(args.out)
    pages = con.execute("SELECT COUNT(*) FROM pages WHERE status = 'ok'").fetchone()[0]
    stories = con.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    con.close()
    print(json.dumps(summary, indent=1) if isinstance(summary, dict) else summary)
    print(f"store {args.out}: {pages} pages (status ok), {stories} stories; storyline run {seconds:.0f} s "
          f"(exit {done.returncode}{', --no-reports' if args.no_reports else ', reports built'})")


if __name__ == "__main__":
    main()
