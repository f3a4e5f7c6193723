"""`storyline run` on the 181 AEB pages, as a whole command, beside trafilatura's own command.

    .venv/bin/python bench/throughput/run_aeb.py [--repeat 5] [--before REF]

The reference is what a user would otherwise run: trafilatura's command line with metadata,
`trafilatura --input-dir DIR --with-metadata --json -o OUT`, on the same pages uncompressed into a
folder. Both are timed as whole processes (start-up included), storyline on a fresh store:
- one core: both pinned to CPU 0 (`taskset -c 0`), `storyline run --workers 1` against
  `trafilatura ... --parallel 1`;
- two cores: `storyline run --workers 2` against trafilatura at its default parallelism.
Runs alternate (A B A B ...), so drift hits both alike; the ratio is taken run by run and its
median quoted. storyline's own time per phase (`seconds` in `run --json`) is reported too; the
phases after extraction run in the parent process while the workers are idle. Also, as before:
trafilatura.extract alone in one process (extraction only, no start-up); and what the NER of
story grouping costs: spaCy over each page's headline and first 80 words (cluster/ner.py, the
model loaded once), in one process, on the texts storyline extracted.
Rows added on 2026-12-03: the same two storyline commands with `--no-reports` (the ingest, whose
budget the stories issue sets; reports have their own), and both commands on one page (what a
command costs before its pages: start-up, the NER model). With --before REF, `storyline run` at REF
runs right after this code's run of the same row, and the ratio this / REF is taken run by run.
Results go to bench/throughput/results.md and results.json with date, machine and versions.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
AEB = ROOT.parent / "shared/data/aeb/html"
BIN = Path(sys.executable).parent


def time_storyline(pages: Path, workers: int, pin: bool, *, reports: bool = True,
                   src: Path | None = None) -> tuple[float, dict]:
    """`storyline run` as a whole process; `src`: the code to run (another commit's src/), else the installed."""
    env = dict(os.environ, PYTHONPATH=str(src)) if src else None
    with tempfile.TemporaryDirectory() as tmp:
        command = storyline_command(src) + ["run", "--db", f"{tmp}/s.db", "--workers", str(workers), "--json",
                                            "--no-progress", str(pages)] + ([] if reports else ["--no-reports"])
        start = time.perf_counter()
        done = subprocess.run((["taskset", "-c", "0"] if pin else []) + command, check=True, capture_output=True,
                              text=True, env=env)
        return time.perf_counter() - start, json.loads(done.stdout)["seconds"]


def storyline_command(src: Path | None = None) -> list[str]:
    """The command as the console script runs it (`python -m storyline`), of the installed code or of
    `src` (another commit's src/, through PYTHONPATH); a commit from before storyline/__main__.py
    through its cli module."""
    entry = "storyline" if ((src or ROOT / "src") / "storyline" / "__main__.py").exists() else "storyline.cli"
    return [sys.executable, "-m", entry]


def time_trafilatura_command(pages: Path, parallel: int | None, pin: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        command = [str(BIN / "trafilatura"), "--input-dir", str(pages), "--with-metadata", "--json", "-o", f"{tmp}/out"]
        if parallel is not None:
            command += ["--parallel", str(parallel)]
        start = time.perf_counter()
        subprocess.run((["taskset", "-c", "0"] if pin else []) + command, check=True, capture_output=True)
        return time.perf_counter() - start


def time_trafilatura_inprocess(pages: list[bytes]) -> float:
    import trafilatura

    start = time.perf_counter()
    for html in pages:
        trafilatura.extract(html, include_comments=False)
    return time.perf_counter() - start


def time_ner(pages: list[bytes]) -> float:
    from storyline.cluster.ner import entity_counts, load_nlp
    from storyline.config import Config
    from storyline.extract import extract_page
    from storyline.read.pages import page_from_bytes

    load_nlp()
    articles = [a for i, html in enumerate(pages)
                if not hasattr(a := extract_page(page_from_bytes(html, key=f"p{i}", source=f"p{i}.html", kind="html"),
                                                 Config()),
                               "reason")]
    start = time.perf_counter()
    for a in articles:
        entity_counts(a.title or "", a.text)
    return (time.perf_counter() - start) * len(pages) / max(len(articles), 1)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", metavar="REF", help="also time `storyline run` at this commit (a temporary git "
                        "worktree, imported through PYTHONPATH) in the same alternation: a change's effect alone")
    args = parser.parse_args()
    if args.before:
        with code_at(args.before) as src:
            measure(args, src)
    else:
        measure(args, None)


@contextmanager
def code_at(ref: str) -> Iterator[Path]:
    """REF's src/ in a temporary git worktree (removed after), to run through PYTHONPATH."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), ref], check=True,
                       capture_output=True)
        try:
            yield tree / "src"
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=True,
                           capture_output=True)


def measure(args, before: Path | None) -> None:
    files = sorted(AEB.glob("*.html.gz"))
    raw = [gzip.decompress(f.read_bytes()) for f in files]
    n = len(raw)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "aeb"
        folder.mkdir()
        for f, html in zip(files, raw):
            (folder / f.name.removesuffix(".gz")).write_bytes(html)
        time_storyline(folder, 1, True)  # warm-up: file cache, byte-code
        time_trafilatura_command(folder, 1, True)
        time_trafilatura_inprocess(raw[:10])
        one = Path(tmp) / "one"  # a single page: what a command costs before its pages (start-up, model)
        one.mkdir()
        (one / files[0].name.removesuffix(".gz")).write_bytes(raw[0])
        at_before = f" at {args.before}" if before else ""
        runs: dict[str, list[float]] = {k: [] for k in (
            "storyline run --workers 1 (one core)", "trafilatura command --parallel 1 (one core)",
            "storyline run --workers 2 (two cores)", "trafilatura command, default parallelism (two cores)",
            "storyline run --workers 1 --no-reports (one core)", "storyline run --workers 2 --no-reports (two cores)",
            "storyline run on one page (two cores)", "trafilatura command on one page",
            "trafilatura.extract alone, in-process (extraction only)",
            "NER for grouping alone, in-process (headline and lead)",
            *([f"storyline run --workers 1{at_before} (one core)", f"storyline run --workers 2{at_before} (two cores)",
               f"storyline run on one page{at_before} (two cores)"] if before else []))}
        phases: dict[str, list[dict]] = {"1": [], "2": []}
        for _ in range(args.repeat):
            t, p = time_storyline(folder, 1, True)
            runs["storyline run --workers 1 (one core)"].append(t)
            phases["1"].append(p)
            if before:
                runs[f"storyline run --workers 1{at_before} (one core)"].append(
                    time_storyline(folder, 1, True, src=before)[0])
            runs["trafilatura command --parallel 1 (one core)"].append(time_trafilatura_command(folder, 1, True))
            t, p = time_storyline(folder, 2, False)
            runs["storyline run --workers 2 (two cores)"].append(t)
            phases["2"].append(p)
            if before:
                runs[f"storyline run --workers 2{at_before} (two cores)"].append(
                    time_storyline(folder, 2, False, src=before)[0])
            runs["trafilatura command, default parallelism (two cores)"].append(
                time_trafilatura_command(folder, None, False))
            runs["storyline run --workers 1 --no-reports (one core)"].append(
                time_storyline(folder, 1, True, reports=False)[0])
            runs["storyline run --workers 2 --no-reports (two cores)"].append(
                time_storyline(folder, 2, False, reports=False)[0])
            runs["storyline run on one page (two cores)"].append(time_storyline(one, 2, False)[0])
            if before:
                runs[f"storyline run on one page{at_before} (two cores)"].append(time_storyline(one, 2, False, src=before)[0])
            runs["trafilatura command on one page"].append(time_trafilatura_command(one, None, False))
            runs["trafilatura.extract alone, in-process (extraction only)"].append(time_trafilatura_inprocess(raw))
            runs["NER for grouping alone, in-process (headline and lead)"].append(time_ner(raw))
    keys = list(runs)
    ratios = {"one core": [a / b for a, b in zip(runs[keys[0]], runs[keys[1]])],
              "two cores": [a / b for a, b in zip(runs[keys[2]], runs[keys[3]])],
              "one core, --no-reports": [a / b for a, b in zip(runs[keys[4]], runs[keys[1]])],
              "two cores, --no-reports": [a / b for a, b in zip(runs[keys[5]], runs[keys[3]])],
              "one page (start-up)": [a / b for a, b in zip(runs[keys[6]], runs[keys[7]])]}
    changed = {}
    if before:  # this code against REF's, run by run
        changed = {"one core": [a / b for a, b in zip(runs[keys[0]], runs[keys[-3]])],
                   "two cores": [a / b for a, b in zip(runs[keys[2]], runs[keys[-2]])],
                   "one page (start-up), two cores": [a / b for a, b in zip(runs[keys[6]], runs[keys[-1]])]}
    median_phases = {w: {k: round(statistics.median(p.get(k, 0.0) for p in ps), 3) for k in ps[0]}
                     for w, ps in phases.items()}
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": machine(),
        "versions": {p: version(p) for p in ("storyline", "trafilatura", "htmldate", "lxml", "numpy")},
        "pages": n, "repeats": args.repeat,
        "median_seconds": {k: round(statistics.median(v), 2) for k, v in runs.items()},
        "pages_per_second_median": {k: round(n / statistics.median(v), 1) for k, v in runs.items()},
        "seconds": {k: [round(x, 2) for x in v] for k, v in runs.items()},
        "ratio_storyline_to_trafilatura_command": {k: {"median": round(statistics.median(v), 2),
                                                       "runs": [round(x, 2) for x in v]} for k, v in ratios.items()},
        "storyline_phase_seconds_median": median_phases,
        "before": args.before,
        "ratio_to_before": {k: {"median": round(statistics.median(v), 2), "runs": [round(x, 2) for x in v]}
                            for k, v in changed.items()},
    }
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# storyline run on the AEB pages ({n} HTML pages), as a whole command", "",
             f"- date: {result['date']}", f"- machine: {result['machine']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
             f"- command: `python bench/throughput/run_aeb.py --repeat {args.repeat}"
             f"{f' --before {args.before}' if args.before else ''}`", "",
             "| what | median s | pages/s | seconds per run |", "|---|---|---|---|"]
    for k, v in runs.items():
        lines.append(f"| {k} | {result['median_seconds'][k]} | {result['pages_per_second_median'][k]} | "
                     f"{', '.join(f'{x:.2f}' for x in v)} |")
    lines += ["", "| storyline / trafilatura command | median ratio | per run |", "|---|---|---|"]
    for k, v in result["ratio_storyline_to_trafilatura_command"].items():
        lines.append(f"| {k} | **{v['median']}** | {', '.join(str(x) for x in v['runs'])} |")
    if changed:
        lines += ["", f"| this code / {args.before}, same alternation | median ratio | per run |", "|---|---|---|"]
        for k, v in result["ratio_to_before"].items():
            lines.append(f"| {k} | **{v['median']}** | {', '.join(str(x) for x in v['runs'])} |")
    lines += ["", "storyline's own time per phase (median seconds; `read_extract_store` is reading, extraction "
                  "in the workers and storing, the rest run after it):", "",
              "| workers | " + " | ".join(median_phases["1"]) + " |", "|---" * (1 + len(median_phases["1"])) + "|"]
    for w, ps in median_phases.items():
        lines.append(f"| {w} | " + " | ".join(str(ps.get(k, "")) for k in median_phases["1"]) + " |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
