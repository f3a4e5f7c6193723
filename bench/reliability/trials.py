"""Reliability trials: SIGKILL and Ctrl-C at random moments, concurrent runs and readers.

    python bench/reliability/trials.py [--chains 5] [--kills 10] [--workers 2]

1. A clean run of the 5,000-page input (corpus.py) gives the reference content.
2. Kill chains: on an empty store, `storyline run` is started and killed with
   SIGKILL at a random moment, `--kills` times in a row (each kill a trial);
   after every kill the store must pass SQLite's integrity check, and the
   stories shown must be whole (every story has pages and an original). Then
   the run is finished, and the store must equal the clean run's: same pages,
   same copies, same stories, nothing lost, nothing twice.
3. Ctrl-C: a run gets SIGINT at a random moment; it must exit 130, say how to
   resume, and the resumed run must again equal the clean run.
4. Concurrency: two `storyline run` on one store at once (overlapping inputs)
   while readers loop over `stories`, `pages`, `show`: no reader or writer
   error, and every page of the input stored exactly once with a story.
Results go to bench/reliability/results.md and results.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus import build  # noqa: E402

CLI = [sys.executable, "-m", "storyline.cli"]


def content(db: Path) -> dict:
    """What a user sees: pages with their copies and stories, and the stories."""
    con = sqlite3.connect(db)
    pages = con.execute("SELECT id, status, reason, title, length(text), duplicate_of, relation, relation_score, "
                        "story FROM pages ORDER BY id").fetchall()
    stories = con.execute("SELECT s.id, s.title, s.original, s.first_date, s.last_date, "
                          "(SELECT count(*) FROM pages p WHERE p.story = s.id) FROM stories s ORDER BY s.id").fetchall()
    con.close()
    return {"pages": [list(p) for p in pages], "stories": [list(s) for s in stories]}


def integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    result = con.execute("PRAGMA integrity_check").fetchone()[0]
    broken = con.execute("SELECT count(*) FROM stories s WHERE s.original IS NULL OR NOT EXISTS "
                         "(SELECT 1 FROM pages p WHERE p.story = s.id)").fetchone()[0]
    con.close()
    return result if not broken else f"{broken} half-built stories visible"


def run(db: Path, inputs: list[str], workers: int) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "run", "--db", str(db), "--workers", str(workers), "--json", *inputs],
                          capture_output=True, text=True)


def _as_from_a_terminal() -> None:
    # A shell starts background jobs with SIGINT ignored, and Python then never raises
    # KeyboardInterrupt: give the run the default handling a terminal's Ctrl-C meets.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(db: Path, inputs: list[str], workers: int) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "run", "--db", str(db), "--workers", str(workers), *inputs],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_as_from_a_terminal)


def kill_chain(db: Path, inputs: list[str], workers: int, kills: int, span: float, rng: random.Random,
               reference: dict, log: list) -> dict:
    for k in range(kills):
        proc = start(db, inputs, workers)
        delay = rng.uniform(0.5, span)
        time.sleep(delay)
        finished = proc.poll() is not None
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers, as a crash or OOM kill would
        except ProcessLookupError:  # the run had already ended
            pass
        proc.wait()
        check = integrity(db) if db.exists() else "ok"
        log.append({"trial": len(log) + 1, "signal": "SIGKILL", "after_s": round(delay, 2),
                    "run_had_finished": finished, "integrity": check})
        if check != "ok":
            return {"equal": False, "why": check}
    final = run(db, inputs, workers)
    if final.returncode not in (0, 1):
        return {"equal": False, "why": f"resume exited {final.returncode}: {final.stderr[-500:]}"}
    got = content(db)
    return {"equal": got == reference, "pages": len(got["pages"]), "stories": len(got["stories"])}


def ctrl_c(db: Path, inputs: list[str], workers: int, span: float, rng: random.Random, reference: dict,
           log: list) -> dict:
    proc = start(db, inputs, workers)
    delay = rng.uniform(2, span)
    time.sleep(delay)
    try:
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C reaches the whole process group
    except ProcessLookupError:  # the run had already ended
        pass
    out, err = proc.communicate(timeout=120)
    check = integrity(db)
    log.append({"trial": len(log) + 1, "signal": "SIGINT", "after_s": round(delay, 2), "exit": proc.returncode,
                "integrity": check})
    interrupted = proc.returncode == 130
    said_resume = "run the same command again" in err
    final = run(db, inputs, workers)
    equal = content(db) == reference
    return {"exit": proc.returncode, "interrupted": interrupted, "said_how_to_resume": said_resume,
            "equal": equal and check == "ok" and final.returncode in (0, 1)}


def _has_schema(db: Path) -> bool:
    if not db.exists():
        return False
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT 1 FROM sqlite_master WHERE name = 'stories'").fetchone() is not None
    except sqlite3.OperationalError:
        return False
    finally:
        con.close()


def concurrency(db: Path, halves: tuple[list[str], list[str]], workers: int, expected_ids: set[str]) -> dict:
    writers = [start(db, half, workers) for half in halves]
    while not _has_schema(db):
        time.sleep(0.05)  # readers need the store the first writer creates
    reader_errors, reads = [], 0
    while any(w.poll() is None for w in writers):
        for command in (["stories", "--json"], ["pages", "--json"]):
            result = subprocess.run([*CLI, command[0], "--db", str(db), *command[1:]], capture_output=True, text=True)
            reads += 1
            if result.returncode != 0:
                reader_errors.append(result.stderr[-300:])
                continue
            if command[0] == "stories":
                for story in json.loads(result.stdout):
                    if not story["pages"] or story["original"] not in story["pages"]:
                        reader_errors.append(f"half-built story shown: {story['id']}")
    writer_exits = [w.wait() for w in writers]
    writer_errors = [w.stderr.read()[-300:] for w in writers if w.returncode not in (0, 1)]
    con = sqlite3.connect(db)
    ids = [r[0] for r in con.execute("SELECT id FROM pages")]
    unstoried = con.execute("SELECT count(*) FROM pages WHERE status = 'ok' AND story IS NULL").fetchone()[0]
    con.close()
    return {"reads": reads, "reader_errors": reader_errors[:5], "writer_exits": writer_exits,
            "writer_errors": writer_errors, "pages": len(ids), "stored_twice": len(ids) - len(set(ids)),
            "lost": len(expected_ids - set(ids)), "pages_without_story": unstoried}


def fuzz_runs(runs: int) -> dict:
    """Run the coverage-guided fuzz target; a crash is any exception escaping read/extract."""
    target = HERE.parents[1] / "fuzz/fuzz_read_extract.py"
    try:
        import atheris  # noqa: F401
    except ImportError:
        return {"skipped": "atheris not installed (pip install -e '.[fuzz]')"}
    if runs <= 0:
        return {"skipped": "--fuzz-runs 0"}
    with tempfile.TemporaryDirectory() as corpus:
        subprocess.run([sys.executable, str(target), "--seed-corpus", corpus], check=True)
        proc = subprocess.run([sys.executable, str(target), f"-atheris_runs={runs}", corpus],
                              capture_output=True, text=True)
    done = [line for line in proc.stderr.splitlines() if line.startswith("Done ")]
    return {"runs": runs, "crashes": 0 if proc.returncode == 0 else 1, "summary": done[-1] if done else "",
            "exit": proc.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chains", type=int, default=5)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--ctrl-c", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--fuzz-runs", type=int, default=20000, help="atheris runs (needs the fuzz extra)")
    parser.add_argument("--redo-ctrl-c", action="store_true", help="re-run only the Ctrl-C trials, update results")
    args = parser.parse_args()
    if args.redo_ctrl_c:
        redo_ctrl_c(args.ctrl_c, args.workers, args.pages, args.seed)
        return
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pages = build(tmp / "input", args.pages)
        inputs = [str(tmp / "input")]
        t0 = time.monotonic()
        clean = run(tmp / "clean.db", inputs, args.workers)
        clean_seconds = time.monotonic() - t0
        reference = content(tmp / "clean.db")
        expected_ids = {p[0] for p in reference["pages"]}
        log: list = []
        chains = []
        for c in range(args.chains):
            # Kills land anywhere in a run, its last step included.
            chains.append(kill_chain(tmp / f"chain{c}.db", inputs, args.workers, args.kills,
                                     clean_seconds * 1.1, rng, reference, log))
            print(f"chain {c + 1}: {chains[-1]}", flush=True)
        interrupts = [ctrl_c(tmp / f"ctrlc{i}.db", inputs, args.workers, clean_seconds, rng, reference, log)
                      for i in range(args.ctrl_c)]
        print(f"ctrl-c: {interrupts}", flush=True)
        input_dir = tmp / "input"
        halves = ([str(input_dir / "timeline17.jsonl"), str(input_dir / "aeb_html"), str(input_dir / "copies.jsonl")],
                  [str(input_dir / "aeb_html"), str(input_dir / "aeb_text"), str(input_dir / "timeline17.jsonl")])
        both = concurrency(tmp / "concurrent.db", halves, args.workers, expected_ids)
        print(f"concurrency: {both}", flush=True)
    fuzz = fuzz_runs(args.fuzz_runs)
    print(f"fuzz: {fuzz}", flush=True)
    kills = [t for t in log if t["signal"] == "SIGKILL"]
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "versions": {p: version(p) for p in ("storyline", "trafilatura", "warcio")},
        "command": f"python bench/reliability/trials.py --chains {args.chains} --kills {args.kills} "
                   f"--ctrl-c {args.ctrl_c} --workers {args.workers} --fuzz-runs {args.fuzz_runs}",
        "input_pages": pages,
        "clean_run_seconds": round(clean_seconds, 1),
        "clean_run_exit": clean.returncode,
        "sigkill_trials": len(kills),
        "sigkill_integrity_failures": sum(t["integrity"] != "ok" for t in kills),
        "chains_equal_to_clean_run": f"{sum(c['equal'] for c in chains)}/{len(chains)}",
        "concurrency": both,
        "fuzz": fuzz,
        "chains": chains,
        "trials": log,
    }
    result["pages_lost"] = 0 if all(c["equal"] for c in chains) and not both["lost"] else "see chains"
    set_ctrl_c(result, interrupts)
    write_results(result)


def set_ctrl_c(result: dict, interrupts: list[dict]) -> None:
    result["ctrl_c"] = interrupts
    result["ctrl_c_trials"] = len(interrupts)
    result["ctrl_c_interrupted"] = sum(i["interrupted"] for i in interrupts)
    result["ctrl_c_clean_exit_and_resume"] = (
        f"{sum(i['equal'] and (i['said_how_to_resume'] if i['interrupted'] else i['exit'] in (0, 1)) for i in interrupts)}"
        f"/{len(interrupts)}")


def write_results(result: dict) -> None:
    both, fuzz = result["concurrency"], result["fuzz"]
    (HERE / "results.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = [
        "# Reliability trials", "",
        f"- date: {result['date']}; machine: {result['machine']}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
        f"- command: `{result['command']}`" + (f"; Ctrl-C trials re-run with `{result['ctrl_c_command']}`"
                                               if result.get("ctrl_c_command") else ""),
        f"- input: {result['input_pages']} pages (bench/reliability/corpus.py: Timeline17 JSONL, AEB HTML and text "
        f"dumps, content-farm copies); clean run {result['clean_run_seconds']} s", "",
        "| what | result |", "|---|---|",
        f"| SIGKILL at a random moment (trials) | {result['sigkill_trials']} |",
        f"| store failing `PRAGMA integrity_check` or showing a half-built story after a kill | "
        f"{result['sigkill_integrity_failures']} |",
        f"| kill chains whose resumed store equals the clean run (pages, copies, stories) | "
        f"{result['chains_equal_to_clean_run']} |",
        f"| Ctrl-C trials (interrupted mid-run): exit 130 saying how to resume, resume equals clean run | "
        f"{result['ctrl_c_clean_exit_and_resume']} ({result['ctrl_c_interrupted']} interrupted mid-run) |",
        f"| two concurrent runs + {both['reads']} reads: reader errors, writer errors | "
        f"{len(both['reader_errors'])}, {len(both['writer_errors'])} |",
        f"| concurrent runs: pages stored twice, pages lost, pages without a story | "
        f"{both['stored_twice']}, {both['lost']}, {both['pages_without_story']} |",
        f"| fuzzed inputs (atheris, readers + extractors), crashes | {fuzz.get('runs', 'not run')}, "
        f"{fuzz.get('crashes', '-')} |",
        f"| **pages lost** | **{result['pages_lost']}** |",
    ]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def redo_ctrl_c(count: int, workers: int, pages_wanted: int, seed: int) -> None:
    """Re-run only the Ctrl-C trials and update the recorded results."""
    result = json.loads((HERE / "results.json").read_text())
    if "command" not in result:  # recorded before the command was stored: rebuild it from the figures
        chains = len(result["chains"])
        result["command"] = (f"python bench/reliability/trials.py --chains {chains} --kills "
                             f"{result['sigkill_trials'] // max(1, chains)} --ctrl-c {len(result['ctrl_c'])} "
                             f"--workers {workers} --fuzz-runs {result['fuzz'].get('runs', 0)}")
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        build(tmp / "input", pages_wanted)
        inputs = [str(tmp / "input")]
        t0 = time.monotonic()
        run(tmp / "clean.db", inputs, workers)
        clean_seconds = time.monotonic() - t0
        reference = content(tmp / "clean.db")
        log: list = []
        interrupts = [ctrl_c(tmp / f"ctrlc{i}.db", inputs, workers, clean_seconds * 0.8, rng, reference, log)
                      for i in range(count)]
    print(f"ctrl-c: {interrupts}", flush=True)
    result["trials"] = [t for t in result["trials"] if t["signal"] != "SIGINT"] + log
    result["ctrl_c_command"] = f"python bench/reliability/trials.py --redo-ctrl-c --ctrl-c {count} --workers {workers}"
    set_ctrl_c(result, interrupts)
    write_results(result)


if __name__ == "__main__":
    main()
