"""How long an upload through `storyline serve` takes, when a report was built first and when not.

    python bench/web/uploads.py [--src DIR] [--repeat 3]

Each round: the five example pages run into a fresh store (without reports, so that stories'
reports are built by the server); `storyline serve` starts on it; the client waits until it
answers, then either views a story's report first (the server's report builder starts) or
not, then adds three single pages through the API (`POST /api/pages`), one after the other.
Latency is request sent to answer read. `--src` runs the server from another source tree (a
worktree of an older commit, through PYTHONPATH), to compare two versions side by side; the
rounds of the two versions are not interleaved by this script: run it twice, back to back.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "throughput"))
from run_aeb import machine  # noqa: E402

TEXT = ("The mayor of {town} said on {day} that the city council approved a new budget for the river bridge "
        "repairs, after a long debate about the cost of the works and the closures they will bring. ") * 4
UPLOADS = [{"id": "u1", "title": "Springfield approves bridge budget", "date": "2024-03-05",
            "text": TEXT.format(town="Springfield", day="Tuesday")},
           {"id": "u2", "title": "Springfield council votes on the bridge", "date": "2024-03-06",
            "text": TEXT.format(town="Springfield", day="Wednesday") + "Work starts in May."},
           {"id": "u3", "title": "Shelbyville plans its own bridge", "date": "2024-03-07",
            "text": TEXT.format(town="Shelbyville", day="Thursday")}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_round(src: Path | None, report_first: bool) -> dict:
    env = dict(os.environ, **({"PYTHONPATH": str(src)} if src else {}))
    command = [sys.executable, "-m", "storyline.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "s.db"
        subprocess.run([*command, "run", "--db", str(db), "--no-reports", str(ROOT / "examples")], env=env,
                       check=False, capture_output=True)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([*command, "serve", "--db", str(db), "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/api/stories", timeout=5)
                    break
                except OSError:
                    time.sleep(0.1)
            out: dict = {}
            if report_first:
                stories = json.load(urllib.request.urlopen(base + "/api/stories"))["stories"]
                sid = min(stories, key=lambda s: s["page_count"])["id"]
                start = time.perf_counter()
                while not json.load(urllib.request.urlopen(f"{base}/api/stories/{sid}", timeout=120)).get("report"):
                    time.sleep(0.05)
                out["report"] = time.perf_counter() - start
            for n, record in enumerate(UPLOADS, 1):
                request = urllib.request.Request(base + "/api/pages", data=json.dumps(record).encode(),
                                                 headers={"content-type": "application/json"})
                start = time.perf_counter()
                answer = json.load(urllib.request.urlopen(request, timeout=120))
                out[f"upload {n}"] = time.perf_counter() - start
                if [p["status"] for p in answer["pages"]] != ["ok"]:
                    raise SystemExit(f"upload {n} was not stored: {answer}")
            return out
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--src", type=Path, help="a source tree to serve from (default: the installed storyline)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    rounds = {"report first": [], "uploads first": []}
    for _ in range(args.repeat):
        for name in rounds:
            rounds[name].append(one_round(args.src, name == "report first"))
    medians = {name: {k: round(statistics.median(r[k] for r in rs), 3) for k in rs[0]} for name, rs in rounds.items()}
    result = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
              "src": str(args.src or "installed"), "repeat": args.repeat, "medians_s": medians, "rounds": rounds}
    print(json.dumps(medians, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
