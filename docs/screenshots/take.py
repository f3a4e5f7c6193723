"""The README's screenshots of the web reader, taken in headless Chromium (Debian's package):

- story.png: the seed story's page (the 4-page story of examples/000 to 003), 1280 px wide, its top
  part (title, summary, timeline);
- sources.png: its sources table and provenance graph.

    .venv/bin/python docs/screenshots/take.py [--out docs/screenshots]

It builds a store of the five example pages in a temporary folder (`storyline run --db … examples`),
serves it with `storyline serve` on a free loopback port, and writes the two PNGs.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.web_server import Server, build_store  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
WIDTH, TOP = 1280, 1100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNGs (default: this one)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = build_store(Path(tmp) / "s.db")
        with Server(db, Path(tmp) / "serve.log") as server, sync_playwright() as pw:
            sandbox = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=sandbox)
            page = browser.new_page(viewport={"width": WIDTH, "height": 900})
            page.goto(server.url + "/")
            page.get_by_role("link", name=re.compile("North Korean foreign minister")).click()
            page.wait_for_selector("svg.timeline")
            height = page.evaluate("document.documentElement.scrollHeight")
            story = args.out / "story.png"
            page.screenshot(path=str(story), clip={"x": 0, "y": 0, "width": WIDTH, "height": min(TOP, height)},
                            full_page=True)
            sources = page.locator("section#sources").bounding_box()
            graph = page.locator("section:has(svg.graph)").bounding_box()
            top, bottom = sources["y"] - 8, graph["y"] + graph["height"] + 8
            table = args.out / "sources.png"
            page.screenshot(path=str(table), clip={"x": 0, "y": top, "width": WIDTH, "height": bottom - top},
                            full_page=True)
            browser.close()
    for path in (story, table):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
