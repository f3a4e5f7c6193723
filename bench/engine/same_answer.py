"""Does the engine give the same answer as an earlier commit? Pages, copies, originals, dates,
stories and storylines, on the seeds (two runs), AEB and all of Timeline17 (in one run, and in
20 runs one after the other: timeline17-sliced, where runs change what earlier runs linked).

    .venv/bin/python bench/engine/same_answer.py --before REF [--sets seeds aeb timeline17 timeline17-sliced]

The code of REF is checked out into a temporary git worktree and run beside the working tree's
code, each in its own process on the same JSONL input (tests/engine_snapshot.py: records carry
their own ids, so ids match). Every difference is listed in bench/engine/results.md. The test
suite compares the seeds and AEB with answers recorded before the engine refactor; Timeline17
(a minute a run) is compared here.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

RUN = """
import json, sys
from pathlib import Path
from tests.engine_snapshot import INPUTS, snapshot
import storyline
assert storyline.__file__.startswith({src!r}), storyline.__file__

if __name__ == "__main__":  # earlier code's workers import the main module again
    folder = Path({tmp!r})
    print(json.dumps(snapshot(INPUTS[{name!r}](folder), folder / "s.db", workers=2)))
"""


def answer(src: Path, name: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "answer.py"
        script.write_text(RUN.format(src=str(src), root=str(ROOT), tmp=tmp, name=name), encoding="utf-8")
        # PYTHONPATH, so that the worker processes (and the forkserver that starts them) import the same code
        env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{ROOT}"}
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env)
        if done.returncode:
            raise SystemExit(f"{src} on {name} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout)


def storyline_bcubed(snap: dict) -> float | None:
    """B-cubed F1 of the pages' storylines against their topics, where page ids name one
    ("bpoil_bbc/12": Timeline17's topic bpoil, whichever publisher); None otherwise."""
    line_of = {s["id"]: s.get("storyline") or s["id"] for s in snap["stories"]}
    pages = [(p["id"].split("/")[0].split("_")[0], line_of.get(p.get("story"), p["id"])) for p in snap["pages"]
             if "/" in p["id"] and p.get("story")]
    if not pages:
        return None
    by_topic, by_line = Counter(t for t, _ in pages), Counter(l for _, l in pages)
    both = Counter(pages)
    precision = sum(both[(t, l)] / by_line[l] for t, l in pages) / len(pages)
    recall = sum(both[(t, l)] / by_topic[t] for t, l in pages) / len(pages)
    return round(2 * precision * recall / (precision + recall), 4)


def differences(before: dict, after: dict) -> dict:
    b_pages = {p["id"]: p for p in before["pages"]}
    a_pages = {p["id"]: p for p in after["pages"]}
    fields: Counter[str] = Counter()
    differing: set[str] = set()
    examples: list[str] = []
    for pid in sorted(set(b_pages) | set(a_pages)):
        b, a = b_pages.get(pid), a_pages.get(pid)
        if b is None or a is None:
            fields["page present"] += 1
            differing.add(pid)
            continue
        for key in sorted(set(b) | set(a)):
            if b.get(key) != a.get(key):
                fields[key] += 1
                differing.add(pid)
                if len(examples) < 15:
                    examples.append(f"{pid} {key}: {json.dumps(b.get(key))[:160]} -> {json.dumps(a.get(key))[:160]}")
    return {"pages": len(a_pages), "pages_differing": len(differing),
            "fields_differing": dict(fields), "examples": examples,
            "runs_equal": before["runs"] == after["runs"],
            "stories_equal": before["stories"] == after["stories"],
            "storylines_equal": before["storylines"] == after["storylines"],
            "stories": (len(before["stories"]), len(after["stories"])),
            "storylines": (len(before["storylines"]), len(after["storylines"])),
            "storyline_bcubed_f1": (storyline_bcubed(before), storyline_bcubed(after))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="git ref of the earlier code")
    parser.add_argument("--sets", nargs="+", default=["seeds", "aeb", "timeline17"])
    args = parser.parse_args()
    ref = subprocess.run(["git", "rev-parse", "--short", args.before], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            for name in args.sets:
                results[name] = differences(answer(tree / "src", name), answer(ROOT / "src", name))
                print(name, json.dumps(results[name])[:400], flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    out = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "before": ref,
           "after": f"{head} and the working tree", "results": results}
    (HERE / "results.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [f"# Same answer: {ref} (before) against {out['after']}", "",
             f"- date: {out['date']}", f"- command: `python bench/engine/same_answer.py --before {args.before} "
                                       f"--sets {' '.join(args.sets)}`", "",
             "| input | pages | page fields differing (pages) | stories before / after | equal stories | "
             "storylines before / after | equal storylines | storyline B-cubed F1 before / after |",
             "|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        diff = ", ".join(f"{k} ({n})" for k, n in r["fields_differing"].items()) or "none"
        lines.append(f"| {name} | {r['pages']} | {diff} | {r['stories'][0]} / {r['stories'][1]} | {r['stories_equal']} "
                     f"| {r['storylines'][0]} / {r['storylines'][1]} | {r['storylines_equal']} "
                     f"| {' / '.join(str(f) for f in r['storyline_bcubed_f1']) if r['storyline_bcubed_f1'][0] else '-'} |")
    for name, r in results.items():
        if r["examples"]:
            lines += ["", f"Differences on {name} (first {len(r['examples'])}):", ""]
            lines += [f"- {e}" for e in r["examples"]]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
