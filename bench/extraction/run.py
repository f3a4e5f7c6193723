"""Extraction quality and speed on the Article Extraction Benchmark (181 news pages).

    .venv/bin/python bench/extraction/run.py [--repeat 3] [--only html|text] [--per-page OUT.csv]

HTML mode: storyline's extraction of html/<id>.html.gz beside trafilatura alone
(trafilatura.extract defaults), readability-lxml (Document(html).summary(), text by lxml
text_content()) and jusText (English stoplist, the paragraphs not marked boilerplate).
Plain-text mode: storyline's cleaning of the whole page as text (page-text.json) beside
keeping everything. Every system is scored against ground-truth.json by the benchmark's
own scoring (scoring.py), on all pages and on the fixed dev / heldout halves.

Speed: only the extraction call is timed, on pages already in memory (storyline gets the
decoded Page, the others the decoded HTML string); each system runs once untimed on a few
pages first (imports, caches), then the systems take turns for --repeat rounds over all
pages and the median round gives pages/s. The table is printed; a run of both modes also
writes it, with date, machine and versions, to bench/extraction/results.json and results.md
(a run with --only leaves them as they are).
"""
from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
AEB = ROOT.parent / "shared/data/aeb"
sys.path.insert(0, str(HERE))

import scoring  # noqa: E402  (bench/extraction/scoring.py)
from storyline.records import Skipped  # noqa: E402

PUBLISHED = {"trafilatura 2.0": 0.958, "readability.js": 0.947, "newspaper4k": 0.949, "goose3": 0.896,
             "justext": 0.804, "whole page as text": 0.665}
SUBSETS = ("all", "dev", "heldout")


# --- the systems: each takes the page as prepared for it and returns the text ---------------

def storyline_system() -> Callable:
    from storyline.extract import extract_page
    from storyline.records import Article

    def run(page) -> str:
        out = extract_page(page)
        return out.text if isinstance(out, Article) else ""
    return run


def trafilatura_system() -> Callable:
    import trafilatura

    def run(html: str) -> str:
        return trafilatura.extract(html) or ""
    return run


def readability_system() -> Callable:
    import lxml.html
    from readability import Document

    def run(html: str) -> str:
        summary = Document(html).summary()
        return lxml.html.fromstring(summary).text_content() if summary.strip() else ""
    return run


def justext_system() -> Callable:
    import justext

    stoplist = justext.get_stoplist("English")

    def run(html: str) -> str:
        return "\n\n".join(p.text for p in justext.justext(html, stoplist) if not p.is_boilerplate)
    return run


def keep_everything(text: str) -> str:
    return text


# --- data --------------------------------------------------------------------------------------

def prepare(aeb: Path, modes: list[str]) -> tuple[dict[str, str], dict[str, dict[str, tuple[Callable, dict]]]]:
    """Gold texts, and per mode {system: (function, {page id: its input})}."""
    from storyline.read.files import page_from_bytes

    gold = scoring.load_gold(aeb)
    ids = sorted(gold)
    systems: dict[str, dict[str, tuple[Callable, dict]]] = {}
    if "html" in modes:
        raw = scoring.load_html(aeb, ids)
        pages = {pid: page_from_bytes(data, key=pid, source=pid, kind="html") for pid, data in raw.items()}
        html = {pid: data.decode("utf-8", errors="replace") for pid, data in raw.items()}
        systems["html"] = {
            "storyline": (storyline_system(), pages),
            "trafilatura": (trafilatura_system(), html),
            "readability-lxml": (readability_system(), html),
            "justext": (justext_system(), html),
        }
    if "text" in modes:
        text = scoring.load_page_text(aeb)
        pages = {pid: page_from_bytes(text[pid].encode("utf-8"), key=pid, source=pid, kind="text") for pid in ids}
        systems["text"] = {
            "storyline": (storyline_system(), pages),
            "keep everything": (keep_everything, {pid: text[pid] for pid in ids}),
        }
    for mode, mode_systems in systems.items():
        for name, (_, inputs) in mode_systems.items():
            bad = [pid for pid, item in inputs.items() if isinstance(item, Skipped)]
            if bad:  # page_from_bytes said Skipped: the page never reaches extraction (empty prediction)
                print(f"warning: {mode}/{name}: {len(bad)} pages could not be read: {bad[:3]}", file=sys.stderr)
    return gold, systems


def run_once(fn: Callable, inputs: dict) -> tuple[dict[str, str], float]:
    """Outputs and the summed time of the extraction calls alone."""
    outputs, spent = {}, 0.0
    for pid, item in inputs.items():
        if isinstance(item, Skipped):
            outputs[pid] = ""  # unreadable page: empty prediction, not timed
            continue
        start = time.perf_counter()
        text = fn(item)
        spent += time.perf_counter() - start
        outputs[pid] = text
    return outputs, spent


# --- where and with what -----------------------------------------------------------------------

def machine() -> dict:
    cpu, cores = platform.processor() or "unknown", os.cpu_count()
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), cpu)
        cores = sum(1 for line in lines if line.startswith("processor")) or cores
    except OSError:
        pass
    return {"cpu": cpu, "cores": cores, "python": platform.python_version()}


def versions() -> dict:
    out = {}
    for name in ("storyline", "trafilatura", "readability-lxml", "justext", "lxml"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def git_state() -> dict:
    def git(*args: str) -> str | None:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return None
    status = git("status", "--porcelain", "--", "src")
    changed = None if status is None else [line[3:] for line in status.splitlines()]
    commit = git("rev-parse", "--short", "HEAD")
    return {"commit": commit and commit.strip(), "src_modified": None if changed is None else bool(changed),
            "src_changes": changed}


# --- report ------------------------------------------------------------------------------------

def table(results: dict) -> list[str]:
    head = ["mode", "system"] + [f"{s} {m}" for s in SUBSETS for m in ("F1", "P", "R")] + ["pages/s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for mode, systems in results["modes"].items():
        for name, r in systems.items():
            cells = [mode, name]
            for subset in SUBSETS:
                sc = r["scores"][subset]
                cells += [f"{sc['f1']:.3f}", f"{sc['precision']:.3f}", f"{sc['recall']:.3f}"]
            cells.append("—" if r["pages_per_second"] is None else f"{r['pages_per_second']:.1f}")
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(results: dict, command: str) -> str:
    m, g = results["machine"], results["git"]
    split = results["split"]
    lines = [f"# Extraction on the Article Extraction Benchmark ({results['pages']} pages)", "",
             f"- date: {results['date']}",
             f"- machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items()),
             f"- storyline source: git {g['commit']}" + (" + uncommitted changes: " + ", ".join(g["src_changes"]) if g["src_modified"] else ""),
             f"- command: `{command}`",
             f"- pages: all {split['all']}, dev {split['dev']}, heldout {split['heldout']} "
             "(dev: sha1(page id) in hex starts with 0-7)",
             f"- speed: extraction call only, pages in memory, median of {results['repeats']} interleaved rounds",
             "- scoring: the benchmark authors' (4-token shingles, P and R averaged over pages, F1 of the averages)",
             "", *table(results), "",
             "Published F1 on the HTML (data README): "
             + ", ".join(f"{k} {v}" for k, v in PUBLISHED.items()) + "."]
    if results.get("outputs_differ"):
        lines += ["", "Outputs differed between rounds for: " + ", ".join(results["outputs_differ"]) + "."]
    vs = results.get("html_storyline_vs_trafilatura")
    if vs:
        lines += ["", "## HTML: storyline's weakest pages", "",
                  f"Per page, storyline's F1 is below trafilatura's on {vs['pages_below']} pages, equal on "
                  f"{vs['pages_equal']}, above on {vs['pages_above']}.", "",
                  "| page id | split | storyline F1 | P | R | trafilatura F1 |", "|---|---|---|---|---|---|"]
        lines += [f"| {w['id']} | {w['split']} | {w['storyline_f1']:.3f} | {w['storyline_precision']:.3f} | "
                  f"{w['storyline_recall']:.3f} | {w['trafilatura_f1']:.3f} |" for w in vs["worst_storyline"]]
    if results.get("text_worst_storyline"):
        lines += ["", "## Plain text: storyline's weakest pages", "",
                  "| page id | split | storyline F1 | P | R | keep everything F1 |", "|---|---|---|---|---|---|"]
        lines += [f"| {w['id']} | {w['split']} | {w['storyline_f1']:.3f} | {w['storyline_precision']:.3f} | "
                  f"{w['storyline_recall']:.3f} | {w['keep_everything_f1']:.3f} |" for w in results["text_worst_storyline"]]
    return "\n".join(lines) + "\n"


def worst(gold: dict, mine: dict, ref: dict, ref_name: str, n: int = 10) -> list[dict]:
    """The n pages where storyline scores lowest, with a reference system's F1 beside."""
    ids = sorted(gold, key=lambda i: (mine[i].f1, i))[:n]
    return [{"id": i, "split": scoring.split_of(i), "storyline_f1": round(mine[i].f1, 4),
             "storyline_precision": round(mine[i].precision, 4), "storyline_recall": round(mine[i].recall, 4),
             ref_name: round(ref[i].f1, 4)} for i in ids]


def write_per_page(path: Path, gold: dict, per_page: dict) -> None:
    modes = [(mode, ref) for mode, ref in (("html", "trafilatura"), ("text", "keep everything")) if mode in per_page]
    fields = ["id", "split", "gold_shingles"]
    for mode, ref in modes:
        fields += [f"{mode}_{k}" for k in ("tp", "fp", "fn", "precision", "recall", "f1")]
        fields.append(f"{mode}_{ref.replace(' ', '_')}_f1")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for pid in sorted(gold):
            row = {"id": pid, "split": scoring.split_of(pid), "gold_shingles": sum(scoring.shingles(gold[pid]).values())}
            for mode, ref in modes:
                s = per_page[mode]["storyline"][pid]
                row.update({f"{mode}_tp": s.tp, f"{mode}_fp": s.fp, f"{mode}_fn": s.fn,
                            f"{mode}_precision": round(s.precision, 4), f"{mode}_recall": round(s.recall, 4),
                            f"{mode}_f1": round(s.f1, 4),
                            f"{mode}_{ref.replace(' ', '_')}_f1": round(per_page[mode][ref][pid].f1, 4)})
            writer.writerow(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds per system (median reported)")
    parser.add_argument("--only", choices=("html", "text"), help="run one mode only")
    parser.add_argument("--per-page", type=Path, metavar="OUT.csv", help="per-page P/R/F1 of storyline")
    parser.add_argument("--data", type=Path, default=AEB, help=f"the AEB folder (default {AEB})")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not (args.data / "ground-truth.json").is_file():
        sys.exit(f"no benchmark data at {args.data}")
    for name in ("trafilatura", "htmldate", "readability", "justext", "storyline"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    modes = [args.only] if args.only else ["html", "text"]
    gold, systems = prepare(args.data, modes)
    ids = scoring.split_ids(gold)

    for mode in systems.values():  # warm-up, untimed
        for fn, inputs in mode.values():
            run_once(fn, dict(list(inputs.items())[:5]))

    outputs: dict[str, dict[str, dict[str, str]]] = {m: {} for m in systems}
    seconds: dict[str, dict[str, list[float]]] = {m: {s: [] for s in systems[m]} for m in systems}
    differ = []
    for _ in range(args.repeat):  # interleaved, so drift hits every system alike
        for mode, mode_systems in systems.items():
            for name, (fn, inputs) in mode_systems.items():
                out, spent = run_once(fn, inputs)
                seconds[mode][name].append(spent)
                if name not in outputs[mode]:
                    outputs[mode][name] = out
                elif out != outputs[mode][name] and f"{mode}/{name}" not in differ:
                    differ.append(f"{mode}/{name}")

    n = len(gold)
    per_page = {m: {s: scoring.page_scores(gold, outputs[m][s]) for s in systems[m]} for m in systems}
    results: dict = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": machine(),
        "versions": versions(),
        "git": git_state(),
        "pages": n,
        "split": {k: len(v) for k, v in ids.items()},
        "repeats": args.repeat,
        "modes": {},
        "outputs_differ": differ,
    }
    for mode in systems:
        results["modes"][mode] = {}
        for name in systems[mode]:
            scores = per_page[mode][name]
            med = statistics.median(seconds[mode][name])
            results["modes"][mode][name] = {
                "scores": {sub: scoring.aggregate(scores[i] for i in ids[sub]).as_dict() for sub in SUBSETS},
                "empty_outputs": sum(1 for t in outputs[mode][name].values() if not t.strip()),
                "pages_per_second": None if name == "keep everything" else round(n / med, 1) if med else None,
                "seconds": [round(x, 3) for x in seconds[mode][name]],
            }
    if "html" in per_page:
        st, tr = per_page["html"]["storyline"], per_page["html"]["trafilatura"]
        results["html_storyline_vs_trafilatura"] = {
            "pages_below": sum(st[i].f1 < tr[i].f1 for i in gold), "pages_equal": sum(st[i].f1 == tr[i].f1 for i in gold),
            "pages_above": sum(st[i].f1 > tr[i].f1 for i in gold),
            "worst_storyline": worst(gold, st, tr, "trafilatura_f1")}
    if "text" in per_page:
        results["text_worst_storyline"] = worst(gold, per_page["text"]["storyline"],
                                                per_page["text"]["keep everything"], "keep_everything_f1")
    command = " ".join([".venv/bin/python bench/extraction/run.py", *sys.argv[1:]])
    results["command"] = command
    if not args.only:  # the recorded results are those of a run of both modes
        (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        (HERE / "results.md").write_text(markdown(results, command), encoding="utf-8")
    if args.per_page:
        write_per_page(args.per_page, gold, per_page)
    print(markdown(results, command))


if __name__ == "__main__":
    main()
