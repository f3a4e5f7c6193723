"""Copies at scale: quality on labelled copies of real articles, speed and memory beside
datasketch and rensa, growth to 1M texts, and the persistent index.

    python bench/dedup/run.py                      # everything; writes results.md and results.json
    python bench/dedup/run.py --sizes 10000,100000 # a shorter run

Quality: generate.labelled_set() (real Timeline17 + AEB articles and the copies content
farms make of them, see generate.py) plus the real pair in the seeds. Copies among the
real articles themselves are labelled first by exhaustive exact overlap. Pair P/R/F1 and
B-cubed F1 of the copy groups, per kind of copy, for all three tools on the same texts
with the same shingles, permutations and bands. Split: "dev" = bases whose sha1(id)
starts 0-7 (LSH settings were compared there), "held-out" = the rest.

Speed: generate.scale_corpus(n) (synthetic news-length texts, 10 % planted copies), each
tool in its own process; peak memory is the process's peak RSS minus its RSS with the
corpus loaded. Index: the band keys of the largest corpus in the SQLite index
(storyline.store.lsh_index), then 10,000 more texts added to it.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import gc
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import KINDS, labelled_set, scale_corpus, seed_pair  # noqa: E402
from metrics import bcubed, pair_scores  # noqa: E402
from tools import TOOLS  # noqa: E402

from storyline.config import Config  # noqa: E402
from storyline.dedup import text_shingles  # noqa: E402
from storyline.dedup.batch import fingerprint_texts  # noqa: E402
from storyline.store.lsh_index import LshIndex  # noqa: E402
from storyline.dedup.unionfind import UnionFind  # noqa: E402
from storyline.dedup.verify import judge, shared  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "storyline-bench-dedup"
SWEEP = [(126, 42), (252, 84), (126, 63)]  # (num_perm, bands): the LSH settings compared


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _reset_peak() -> None:
    """Linux: make the peak resident size (VmHWM) start again from the current size."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


# ---------------------------------------------------------------- quality

def labelled(docs) -> list[str]:
    """Group label per doc; real articles that are copies of each other (exhaustive exact check) merged."""
    bases = [d for d in docs if d.kind == "base"]
    sets = {d.id: text_shingles(d.text) for d in bases}
    merged = UnionFind()
    by_topic: dict[str, list] = {}
    for d in bases:
        by_topic.setdefault(d.topic, []).append(d)
    for same in by_topic.values():
        for i, a in enumerate(same):
            for b in same[i + 1:]:
                if judge(sets[a.id].size, sets[b.id].size, shared(sets[a.id], sets[b.id])):
                    merged.union(a.group, b.group)
    return [merged.find(d.group) for d in docs]


def _half(doc_id: str) -> str:
    base = doc_id.split("#")[0]
    return "dev" if hashlib.sha1(base.encode()).hexdigest()[0] in "01234567" else "held-out"


def score_by_kind(docs, truth: list[str], predicted: list) -> dict:
    size = Counter(truth)
    kinds_of: dict[str, set] = {}
    for d, t in zip(docs, truth):
        kinds_of.setdefault(t, set()).add(d.kind)
    rows = {"all": list(range(len(docs)))}
    for kind in KINDS + ("seed",):
        # The groups holding this kind of copy, plus every article that has no copy at all.
        rows[kind] = [i for i, t in enumerate(truth) if kind in kinds_of[t] or size[t] == 1]
    rows["real copies among the articles"] = [i for i, t in enumerate(truth) if kinds_of[t] == {"base"}]
    for half in ("dev", "held-out"):
        rows[f"all, {half}"] = [i for i, d in enumerate(docs) if _half(d.id) == half]
    out = {}
    for name, idx in rows.items():
        t = [truth[i] for i in idx]
        p = [predicted[i] for i in idx]
        out[name] = {**pair_scores(t, p), "bcubed_f1": bcubed(t, p)["f1"], "docs": len(idx)}
    return out


def quality(config: Config) -> dict:
    docs = labelled_set() + seed_pair()
    truth = labelled(docs)
    texts = [d.text for d in docs]
    result = {"docs": len(docs), "copies": sum(d.kind != "base" for d in docs),
              "real_copy_groups_merged": sum(d.kind == "base" for d in docs)
              - len({t for d, t in zip(docs, truth) if d.kind == "base"}), "tools": {}, "sweep": {}}
    for name, run in TOOLS.items():
        if name == "storyline-1-worker":
            continue  # the same groups as storyline
        groups, timing = run(texts, config)
        result["tools"][name] = {"by_kind": score_by_kind(docs, truth, groups.tolist()), **timing}
    for num_perm, bands in SWEEP:
        swept = replace(config, num_perm=num_perm, lsh_bands=bands)
        groups, timing = TOOLS["storyline"](texts, swept)
        scores = score_by_kind(docs, truth, groups.tolist())
        result["sweep"][f"{num_perm}/{bands}"] = {k: scores[k] for k in ("all", "all, dev", "all, held-out", "farm")}
        result["sweep"][f"{num_perm}/{bands}"]["candidates"] = timing["candidates"]
    return result


# ---------------------------------------------------------------- speed

def corpus(n: int) -> tuple[list[str], list[int]]:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"corpus-{n}.json"
    if not path.exists():
        texts, groups = scale_corpus(n)
        path.write_text(json.dumps({"texts": texts, "groups": groups}), encoding="utf-8")
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["texts"], data["groups"]


def worker(tool: str, n: int, config: Config) -> dict:
    texts, truth = corpus(n)
    gc.collect()
    base = _rss_mb()
    _reset_peak()
    groups, timing = TOOLS[tool](texts, config)
    peak = _status_mb("VmHWM")
    scores = pair_scores(truth, groups.tolist())
    return {**timing, "docs": n, "docs_per_s": n / timing["total_s"], "signature_docs_per_s": n / timing["signatures_s"],
            "peak_mb_over_corpus": peak - base, "corpus_mb": base, "pair_precision": scores["precision"],
            "pair_recall": scores["recall"], "pair_f1": scores["f1"]}


# Why a reference tool is not run above its size limit (the limits are options of main()).
TOO_BIG = {"datasketch": "memory: 4.6 GB at 100k texts, about 46 GB at 1M",
           "rensa": "at 1M texts it was killed by the out-of-memory killer at 20 GB resident (results-run1.md)"}


def speed(sizes: list[int], tools: list[str], limits: dict[str, int]) -> dict:
    out: dict = {}
    for n in sizes:
        corpus(n)  # made once, outside the timed processes
        for tool in tools:
            if tool in limits and n > limits[tool]:
                out.setdefault(str(n), {})[tool] = {
                    "skipped": f"not run: above --{tool}-max {limits[tool]} ({TOO_BIG[tool]})"}
                continue
            proc = subprocess.run([sys.executable, __file__, "--worker", tool, str(n)], capture_output=True, text=True)
            if proc.returncode:
                why = "killed (SIGKILL: the kernel's out-of-memory killer)" if proc.returncode == -9 else \
                    f"exit {proc.returncode}: {proc.stderr[-600:]}"
                out.setdefault(str(n), {})[tool] = {"failed": why}
            else:
                out.setdefault(str(n), {})[tool] = json.loads(proc.stdout.strip().splitlines()[-1])
            print(n, tool, out[str(n)][tool], file=sys.stderr, flush=True)
    return out


def growth(speed_results: dict, tool: str) -> float | None:
    points = [(int(n), r[tool]["total_s"]) for n, r in speed_results.items() if "total_s" in r.get(tool, {})]
    if len(points) < 2:
        return None
    x, y = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    return float(np.polyfit(x, y, 1)[0])


# ---------------------------------------------------------------- index

def index_bench(n: int, config: Config, added: int = 10_000) -> dict:
    texts, _ = corpus(n)
    extra, _ = scale_corpus(added, seed=11)
    path = CACHE / f"index-{n}.db"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    index = LshIndex(db)
    index.create()
    start = time.perf_counter()
    for lo in range(0, n, 100_000):
        keys = fingerprint_texts(texts[lo:lo + 100_000], config).keys
        db.execute("BEGIN")
        index.add_many(np.arange(lo, lo + keys.shape[0]), keys)
        db.execute("COMMIT")
    build_s = time.perf_counter() - start
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    file_bytes = path.stat().st_size
    rss_before = _rss_mb()
    start = time.perf_counter()
    keys = fingerprint_texts(extra, config).keys
    db.execute("BEGIN")
    found = 0
    for k, row in enumerate(keys):  # as storyline run adds pages: look up, then insert
        found += len(index.candidates(row)) > 0
        index.add(n + k, row)
    db.execute("COMMIT")
    add_s = time.perf_counter() - start
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    rows = index.rows()
    db.close()
    growth_bytes = path.stat().st_size - file_bytes
    path.unlink(missing_ok=True)
    return {"indexed_docs": n, "build_s": build_s, "disk_bytes_per_doc": file_bytes / n, "rows": rows,
            "added_docs": added, "add_s": add_s, "add_docs_per_s": added / add_s,
            "add_disk_bytes_per_doc": growth_bytes / added, "rss_growth_mb_while_adding": _rss_mb() - rss_before,
            "added_with_candidates": found}


# ---------------------------------------------------------------- report

def _versions() -> dict:
    out = {"python": platform.python_version()}
    for package in ("storyline", "numpy", "rensa", "datasketch"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = None
    out["sqlite"] = sqlite3.sqlite_version
    return out


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip() + f", {os.cpu_count()} cores"
    except OSError:
        pass
    return platform.processor()


def report(results: dict) -> str:
    lines = [f"# Dedup benchmark ({results['date']})", "",
             f"Machine: {results['machine']}. Versions: " + ", ".join(f"{k} {v}" for k, v in results["versions"].items())
             + ".", f"Command: `{results['command']}`. Settings: {results['settings']}.", ""]
    q = results.get("quality")
    if q:
        lines += ["## Quality: labelled copies of real articles", "",
                  f"{q['docs']} texts: real Timeline17 + AEB articles, {q['copies']} generated copies, the seed pair. "
                  "Pair precision / recall / F1 over all pairs implied by the groups; B-cubed F1 of the groups.", ""]
        head = "| kind | texts | true pairs |" + "".join(f" {t} P / R / F1 | {t} B³ F1 |" for t in q["tools"])
        lines += [head, "|" + "---|" * (3 + 2 * len(q["tools"]))]
        for kind in q["tools"]["storyline"]["by_kind"]:
            row = q["tools"]["storyline"]["by_kind"][kind]
            cells = [f"| {kind} | {row['docs']} | {row['pairs_true']} |"]
            for t in q["tools"]:
                r = q["tools"][t]["by_kind"][kind]
                cells.append(f" {r['precision']:.3f} / {r['recall']:.3f} / **{r['f1']:.3f}** | {r['bcubed_f1']:.3f} |")
            lines.append("".join(cells))
        lines += ["", "LSH settings compared (storyline, num_perm / bands, 3-word shingles):", "",
                  "| setting | candidates | all F1 | dev F1 | held-out F1 | farm F1 |", "|---|---|---|---|---|---|"]
        for name, s in q["sweep"].items():
            lines.append(f"| {name} | {s['candidates']} | {s['all']['f1']:.4f} | {s['all, dev']['f1']:.4f} | "
                         f"{s['all, held-out']['f1']:.4f} | {s['farm']['f1']:.4f} |")
        lines.append("")
    s = results.get("speed")
    if s:
        lines += ["## Speed and memory: synthetic news-length texts, 10 % planted copies", "",
                  "| texts | tool | signatures texts/s | end to end texts/s | seconds | peak MB over corpus | "
                  "pair F1 (planted) |", "|---|---|---|---|---|---|---|"]
        for n, by_tool in s.items():
            for tool, r in by_tool.items():
                if "total_s" not in r:
                    lines.append(f"| {int(n):,} | {tool} | {r.get('skipped') or 'failed: ' + r['failed']} | | | | |")
                    continue
                lines.append(f"| {int(n):,} | {tool} | {r['signature_docs_per_s']:,.0f} | {r['docs_per_s']:,.0f} | "
                             f"{r['total_s']:.1f} | {r['peak_mb_over_corpus']:,.0f} | {r['pair_f1']:.4f} |")
        lines.append("")
        for n, by_tool in s.items():
            ours = by_tool.get("storyline", {}).get("total_s")
            ratios = [f"{tool} {r['total_s'] / ours:.1f}× slower" for tool, r in by_tool.items()
                      if tool != "storyline" and ours and "total_s" in r]
            if ratios:
                lines.append(f"- {int(n):,} texts, end to end, against storyline: " + ", ".join(ratios))
        lines.append("")
        for tool, exponent in results["growth_exponent"].items():
            if exponent is not None:
                lines.append(f"- growth of end-to-end time with the number of texts, {tool}: "
                             f"time ∝ n^{exponent:.2f}")
        lines.append("")
    ix = results.get("index")
    if ix:
        lines += ["## The persistent index", "",
                  f"- {ix['indexed_docs']:,} texts indexed ({ix['rows']:,} rows after the additions) in "
                  f"{ix['build_s']:.0f} s: **{ix['disk_bytes_per_doc']:.0f} bytes of disk per text**.",
                  f"- Then {ix['added_docs']:,} texts added one by one as `storyline run` does (look up, insert): "
                  f"{ix['add_s']:.1f} s, {ix['add_docs_per_s']:,.0f} texts/s, no rebuild; the file grew "
                  f"{ix['add_disk_bytes_per_doc']:.0f} bytes per added text; resident memory grew "
                  f"{ix['rss_growth_mb_while_adding']:.0f} MB (SQLite's bounded page cache: memory per text is 0).",
                  ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--tools", default="storyline,storyline-1-worker,rensa,datasketch")
    # datasketch held 4.6 GB beyond the corpus at 100k texts; at 1M it would need about 46 GB (this machine: 24).
    parser.add_argument("--datasketch-max", type=int, default=100_000)
    parser.add_argument("--rensa-max", type=int, default=100_000)
    parser.add_argument("--skip", default="", help="comma list of parts to skip: quality,speed,index")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--report-only", action="store_true", help="rewrite results.md from results.json")
    args = parser.parse_args()
    config = Config()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]), config)))
        return
    if args.report_only:
        (HERE / "results.md").write_text(report(json.loads((HERE / "results.json").read_text())))
        return
    skip = set(filter(None, args.skip.split(",")))
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": _cpu(),
                     "versions": _versions(), "command": "python bench/dedup/run.py " + " ".join(sys.argv[1:]),
                     "settings": {"shingle_size": config.shingle_size, "num_perm": config.num_perm,
                                  "lsh_bands": config.lsh_bands, "near_jaccard": config.near_jaccard,
                                  "contained_ratio": config.contained_ratio, "partial_ratio": config.partial_ratio,
                                  "partial_min_shingles": config.partial_min_shingles}}
    if "quality" not in skip:
        results["quality"] = quality(config)
        print("quality done", file=sys.stderr, flush=True)
    if "speed" not in skip:
        results["speed"] = speed(sizes, args.tools.split(","),
                                 {"datasketch": args.datasketch_max, "rensa": args.rensa_max})
        results["growth_exponent"] = {t: growth(results["speed"], t) for t in args.tools.split(",")}
    if "index" not in skip:
        results["index"] = index_bench(max(sizes), config)
    (HERE / "results.json").write_text(json.dumps(results, indent=1))
    (HERE / "results.md").write_text(report(results))
    print(report(results))


if __name__ == "__main__":
    main()
