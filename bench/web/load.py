"""Load benchmark of `storyline serve` (issue 18, item 9): a bounded asyncio client on loopback.

    .venv/bin/python bench/web/load.py --db /tmp/web10k.db --pin [--clients 50] [--seconds 30]
        [--sweep 5,10,25,50] [--states as-built,warm] [--out bench/web/results.md]

For each store state, the store is copied to a temp folder (the server stores the reports it builds, so
the input store is never served itself, and every state starts the same):
- as-built: the store as `storyline run` left it (stories of one page have no report yet; the first view of
  one builds it, NER, and stores it);
- warm: every missing story report built first (storyline.api.Storyline.report), as after long use.
Then `storyline serve --db COPY --port <free port>` starts as a subprocess (wait until it answers), and
virtual users (asyncio tasks, each with its own httpx.AsyncClient and keep-alive connection) run:
- paced: --clients users for --seconds, each pausing a random 0.5-1 s after every response (about
  clients / 0.75 requests/s); each user starts at a random offset in its first second;
- unpaced: the same users without pauses, once per client count in --sweep and --clients, for the
  highest sustained requests/s with no errors.
Each user cycles through the URL kinds (from a random start), with a random story, page or word:
  list `/`, list_p2 `/?page=2`, search `/?q=WORD`, story `/stories/{id}` (HTML),
  api_stories `/api/stories`, api_story `/api/stories/{id}`, api_page `/api/pages/{id}`.
Story and page ids come from the store (every story, every page with status 'ok'; page ids the server
cannot route are left out and reported). An error is an exception (10 s timeout, connection) or a status
>= 400. Before each run: wait for a quiet machine (--quiet-wait), fetch every kind once (unmeasured).
After the runs, a probe: one client, each kind 20 times, the five biggest stories, and the story list just
after the server stored a report (its list cache follows the store's state).

--pin runs the server on CPU 1 (`taskset -c 1`) and this client on CPU 0 (2 cores: the client's own CPU
would otherwise compete with the server's). Client, server and other CPU seconds are measured per run.
--url measures a server already running instead (no copy, no states). Writes --out and the same with .json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import quote

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHARED = False  # --shared-client: one httpx.AsyncClient for all users instead of one each
KINDS = ("list", "list_p2", "search", "story", "api_stories", "api_story", "api_page")
# words that occur in the store's titles and texts (Timeline17 topics, AEB news, farm spam)
WORDS = ("Egypt", "Mubarak", "Syria", "Assad", "Libya", "Gaddafi", "Haiti", "earthquake", "Iraq", "Baghdad",
         "Jackson", "swine", "flu", "BP", "oil", "spill", "Yemen", "bank", "election", "police")


# ---------------------------------------------------------------- ids and URLs
def store_ids(db: Path) -> dict:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        stories = [r[0] for r in con.execute("SELECT id FROM stories ORDER BY id")]
        pages = [r[0] for r in con.execute("SELECT id FROM pages WHERE status = 'ok' ORDER BY id")]
        big = con.execute("SELECT story, COUNT(*) FROM pages WHERE status = 'ok' AND story IS NOT NULL "
                          "GROUP BY story ORDER BY 2 DESC, 1 LIMIT 5").fetchall()
    finally:
        con.close()
    return {"stories": stories, "pages": pages, "big": big}


def url_for(kind: str, rnd: random.Random, ids: dict) -> str:
    if kind == "list":
        return "/"
    if kind == "list_p2":
        return "/?page=2"
    if kind == "search":
        return "/?q=" + quote(rnd.choice(WORDS))
    if kind == "story":
        return "/stories/" + quote(rnd.choice(ids["stories"]), safe="")
    if kind == "api_stories":
        return "/api/stories"
    if kind == "api_story":
        return "/api/stories/" + quote(rnd.choice(ids["stories"]), safe="")
    if kind == "api_page":
        return "/api/pages/" + quote(rnd.choice(ids["pages"]), safe="/" if ids.get("slash_raw") else "")
    raise ValueError(kind)


# ---------------------------------------------------------------- the client
class Recorder:
    def __init__(self):
        self.rows: list[tuple[str, float, int | None, str | None]] = []  # kind, seconds, status, error
        self.failures: list[dict] = []  # the first few failed requests, for the report
        self.late = 0  # requests sent in the window that finished after it: in the latencies, not in the rate

    def add(self, kind, seconds, status, error, url, late=False):
        self.rows.append((kind, seconds, status, error))
        self.late += late
        if (error or (status or 0) >= 400) and len(self.failures) < 20:
            self.failures.append({"kind": kind, "url": url, "status": status, "error": error,
                                  "ms": round(seconds * 1000, 1)})


async def fetch(client: httpx.AsyncClient, url: str) -> tuple[int | None, str | None]:
    try:
        r = await client.get(url)
        return r.status_code, None
    except Exception as e:  # noqa: BLE001  (any failure is an error of the run)
        return None, f"{type(e).__name__}: {e}"[:200]


async def user(client, ids, rec: Recorder, deadline: float, paced: bool, rnd: random.Random):
    k = rnd.randrange(len(KINDS))
    if paced:
        await asyncio.sleep(rnd.uniform(0, 1))  # users arrive over the first second
    while time.perf_counter() < deadline:
        kind = KINDS[k % len(KINDS)]
        k += 1
        url = url_for(kind, rnd, ids)
        t = time.perf_counter()
        status, error = await fetch(client, url)
        done = time.perf_counter()
        rec.add(kind, done - t, status, error, url, late=done > deadline)
        if done > deadline:
            break
        if paced:
            await asyncio.sleep(min(rnd.uniform(0.5, 1.0), max(0.0, deadline - time.perf_counter())))


def new_client(base: str, clients: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    return httpx.AsyncClient(base_url=base, limits=limits, timeout=httpx.Timeout(10.0), follow_redirects=True)


def proc_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each of these processes so far."""
    out, tick = {}, os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[pid] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return out


def server_cpu(server_pid: int | None, before: dict[int, float]) -> float:
    """CPU seconds the server's processes used since `before`, counting those started since (the
    report builder starts on the first report the server has to build)."""
    now = proc_cpu(tree(server_pid))
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(f[:8]) - f[3] - f[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait


def tree(pid: int | None) -> list[int]:
    """pid and its descendants (the server may be a wrapper and a uvicorn process; its report builder)."""
    if pid is None:
        return []
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        # Children are listed per thread: the report builder is started by one of the server's threads.
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


async def run_mode(base: str, ids: dict, clients: int, seconds: float, paced: bool, seed: int,
                   server_pid: int | None) -> dict:
    shared = new_client(base, clients) if SHARED else None
    own = [shared or new_client(base, 1) for _ in range(clients)]
    try:
        for kind in KINDS:  # warm-up, not measured
            await fetch(own[0], url_for(kind, random.Random(seed), ids))
        rec = Recorder()
        cpu0, scpu0, busy0 = time.process_time(), proc_cpu(tree(server_pid)), machine_busy()
        t0 = time.perf_counter()
        deadline = t0 + seconds
        await asyncio.gather(*(user(own[i], ids, rec, deadline, paced, random.Random(seed * 1000 + i))
                               for i in range(clients)))
        elapsed = time.perf_counter() - t0  # the window, and the wait for requests still in flight at its end
        cpu, scpu, busy = time.process_time() - cpu0, server_cpu(server_pid, scpu0), machine_busy() - busy0
    finally:
        for c in {id(c): c for c in own}.values():
            await c.aclose()
    return summarise(rec, seconds) | {"mode": "paced" if paced else "unpaced", "clients": clients,
                                      "seconds": round(seconds, 1), "tail_s": round(elapsed - seconds, 2), "client_cpu_s": round(cpu, 1),
                                      "server_cpu_s": round(scpu, 1),
                                      "other_cpu_s": round(max(0.0, busy - cpu - scpu), 1)}


def pct(sorted_values: list[float], p: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not sorted_values:
        return None
    i = max(0, min(len(sorted_values) - 1, -(-len(sorted_values) * p // 100) - 1))
    return round(sorted_values[int(i)] * 1000, 1)


def summarise(rec: Recorder, elapsed: float) -> dict:
    """elapsed: the window; req/s counts the requests that finished in it."""
    lat = sorted(r[1] for r in rec.rows)
    errors = sum(1 for r in rec.rows if r[3] or (r[2] or 0) >= 400)
    per = defaultdict(list)
    for kind, s, status, error in rec.rows:
        per[kind].append((s, bool(error or (status or 0) >= 400), status))
    kinds = {}
    for kind in KINDS:
        rows = per.get(kind, [])
        ls = sorted(s for s, _, _ in rows)
        statuses = defaultdict(int)
        for _, _, st in rows:
            statuses[str(st)] += 1
        kinds[kind] = {"requests": len(rows), "errors": sum(e for _, e, _ in rows), "p50": pct(ls, 50),
                       "p99": pct(ls, 99), "max": pct(ls, 100), "statuses": dict(statuses)}
    return {"requests": len(lat), "late": rec.late, "errors": errors,
            "rps": round((len(lat) - rec.late) / elapsed, 1) if elapsed else 0,
            "p50": pct(lat, 50), "p90": pct(lat, 90), "p99": pct(lat, 99), "max": pct(lat, 100),
            "kinds": kinds, "failures": rec.failures}


async def check_slash_ids(base: str, ids: dict) -> dict:
    """Can the server address a page whose id holds a '/' (Timeline17 'set/id', AEB 'aeb/id')? If not, those
    pages leave the mix (so that a routing gap does not pass for load errors) and the report says so."""
    slash = [p for p in ids["pages"] if "/" in p]
    if not slash:
        return {"pages_with_slash": 0}
    tried = {}
    async with new_client(base, 1) as client:
        for label, url in (("encoded %2F", "/api/pages/" + quote(slash[0], safe="")),
                           ("raw /", "/api/pages/" + quote(slash[0], safe="/")),
                           ("HTML, raw /", "/pages/" + quote(slash[0], safe="/"))):
            status, error = await fetch(client, url)
            tried[label] = {"url": url, "status": status, "error": error}
    ok = any(t["status"] == 200 for t in tried.values() if "/api/" in t["url"])
    if not ok:
        ids["pages"] = [p for p in ids["pages"] if "/" not in p]
    elif tried["encoded %2F"]["status"] != 200:
        ids["slash_raw"] = True
    return {"pages_with_slash": len(slash), "served": ok, "tried": tried}


async def probe(base: str, ids: dict, n: int = 20) -> dict:
    """One client, no pauses: each kind n times, and the five biggest stories' pages 3 times each."""
    out, rnd = {}, random.Random(7)
    async with new_client(base, 1) as client:
        for kind in KINDS:
            ls, bad = [], 0
            for _ in range(n):
                t = time.perf_counter()
                status, error = await fetch(client, url_for(kind, rnd, ids))
                ls.append(time.perf_counter() - t)
                bad += bool(error or (status or 0) >= 400)
            ls.sort()
            out[kind] = {"n": n, "errors": bad, "p50": pct(ls, 50), "max": pct(ls, 100)}
        for story, size in ids["big"]:
            for kind, path in (("story", "/stories/"), ("api_story", "/api/stories/")):
                ls, statuses = [], []
                for _ in range(3):
                    t = time.perf_counter()
                    status, error = await fetch(client, path + quote(story, safe=""))
                    ls.append(time.perf_counter() - t)
                    statuses.append(status if not error else error)
                out[f"{kind} {story} ({size} pages)"] = {"n": 3, "errors": sum(1 for s in statuses if s != 200),
                                                         "p50": pct(sorted(ls), 50), "max": pct(sorted(ls), 100),
                                                         "first": round(ls[0] * 1000, 1)}
    return out


# ---------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(cmd: list[str], base: str, log: Path, wait: float = 120.0) -> subprocess.Popen:
    handle = log.open("wb")
    proc = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < wait:
        if proc.poll() is not None:
            raise SystemExit(f"server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(base + "/", timeout=2.0).status_code < 500:
                print(f"server up after {time.perf_counter() - t0:.1f} s: {' '.join(cmd)}", flush=True)
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    proc.terminate()
    raise SystemExit(f"server did not answer in {wait:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------- the report
def ver(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def environment(db: Path, ids: dict) -> dict:
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), "0")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"], capture_output=True,
                               text=True).stdout.strip()
        commit = f"{head}{' (src/ has uncommitted changes)' if dirty else ''}"
    except OSError:
        commit = "unknown"
    return {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"), "commit": commit,
            "machine": f"{cpu}, {os.cpu_count()} cores (nproc), {int(mem) / 1024**2:.1f} GiB memory, {platform.platform()}",
            "versions": {"python": platform.python_version(),
                         **{p: ver(p) for p in ("storyline", "starlette", "uvicorn", "httpx", "jinja2")}},
            "store": {"path": str(db), "bytes": db.stat().st_size, "pages_ok": len(ids["pages"]),
                      "stories": len(ids["stories"]), "biggest_stories": ids["big"]}}


def fmt(v) -> str:
    return "–" if v is None else (f"{v:,}" if isinstance(v, int) else str(v))


def markdown(env: dict, command: str, pin: str, states: list[dict], paced_target: int) -> str:
    st = env["store"]
    lines = ["# Load benchmark of `storyline serve` (issue 18, item 9)", "",
             f"- date: {env['date']}", f"- storyline commit: {env.get('commit')}", f"- machine: {env['machine']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()),
             f"- store: {st['path']} ({st['bytes'] / 1e6:.0f} MB), built by `bench/web/make_store.py`: "
             f"{st['pages_ok']:,} pages (status ok), {st['stories']:,} stories, {st['story_reports']:,} of them "
             "with a stored report; biggest stories: " + ", ".join(f"{s} ({n} pages)" for s, n in st["biggest_stories"]),
             f"- command: `{command}`", f"- CPUs: {pin}",
             "- each store state is served from a fresh copy of the store (the server writes the reports it builds "
             "into the store it serves; the input store is never changed): *as built* is the store as "
             "`storyline run` left it (stories of one page have no report yet: the first view of one builds it, "
             "NER, and stores it); *warm* has every story's report built before the server starts.",
             ("- client: one httpx.AsyncClient shared by asyncio virtual users (a pool of one connection per user, "
              "keep-alive), " if SHARED else "- client: asyncio virtual users, each with its own httpx.AsyncClient "
              "(one keep-alive connection; one client shared by all users was much slower under httpx 0.28, "
              "its connection pool), ")
             + "10 s timeout; latency = request sent to body read, as the client sees it. Each user sends "
             "requests until the end of the window; a request sent in it and finished after it (late) counts in "
             "the latencies and errors, not in req/s (requests finished in the window / window). Each user "
             "cycles through the URL kinds from a random start, with a random story / page / search word. "
             "Before each run every kind is fetched once, unmeasured. An error is an exception or a status >= 400.",
             "- the client runs Python on the same 2-core machine: its CPU (client CPU s) is CPU the server "
             "did not get, so unpaced figures are a lower bound of what the server alone could do. Server CPU s: "
             "the server's processes, its report builder (a child at niceness 10, on the server's CPU) included. "
             "Other CPU s: "
             "the rest of the machine over the run (/proc/stat), near 0 on a quiet machine; each run waits for "
             "a quiet machine first, and a run disturbed anyway (other CPU above 10 % of one core) is run again, up "
             "to twice, keeping the least disturbed (attempts). Reports built: story reports the server built "
             "and stored during the run (a run again in the as-built state finds fewer left to build).", ""]
    slash = next((x["slash"] for x in states if x.get("slash")), {})
    if slash.get("pages_with_slash") and not slash.get("served"):
        lines += [f"- **Page ids holding a '/'** ({slash['pages_with_slash']:,} pages: Timeline17 `set/id`, AEB "
                  "`aeb/id`) are not served: "
                  + "; ".join(f"{k} `{t['url']}` -> {t['status'] or t['error']}" for k, t in slash["tried"].items())
                  + ". They are left out of the `/api/pages/{id}` mix, which draws from the other "
                  f"{st['pages_mixed']:,} pages.", ""]
    lines += ["## All runs", "",
              "| store | mode | clients | s | requests (late) | errors | req/s | p50 ms | p90 ms | p99 ms | max ms "
              "| client CPU s | server CPU s | other CPU s | reports built | attempts |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for x in states:
        for r in x["runs"]:
            lines.append(f"| {x['state']} | {r['mode']} | {r['clients']} | {r['seconds']} | {r['requests']:,} "
                         f"({r['late']}) | {r['errors']:,} | {r['rps']} | {fmt(r['p50'])} | {fmt(r['p90'])} | "
                         f"{fmt(r['p99'])} | {fmt(r['max'])} | {r['client_cpu_s']} | {r['server_cpu_s']} | "
                         f"{r['other_cpu_s']} | {r.get('reports_built', '–')} | {r.get('attempts', 1)} |")
    lines += ["", "## Against the targets", ""]
    for x in states:
        runs = x["runs"]
        reps = sorted((r for r in runs if r["mode"] == "paced"), key=lambda r: (r["p99"] is None, r["p99"] or 0))
        paced = reps[len(reps) // 2] if reps else None  # the median run by p99 (of an odd number of runs)
        clean = [r for r in runs if r["mode"] == "unpaced" and r["errors"] == 0]
        best = max(clean, key=lambda r: r["rps"], default=None)
        if paced:
            ok = paced["errors"] == 0 and paced["p99"] is not None and paced["p99"] <= 100
            fresh = ", each on a new copy of the store" if x["state"] == "as-built" else ""
            each = (f" (median of {len(reps)} runs{fresh}: p99 "
                    f"{', '.join(fmt(r['p99']) for r in reps)} ms; errors {sum(r['errors'] for r in reps)})"
                    if len(reps) > 1 else "")
            lines.append(f"- {x['state']}, paced, {paced['clients']} clients, 0.5-1 s pauses (about {paced_target} "
                         f"req/s offered): {paced['rps']} req/s, {paced['errors']} errors, p99 {paced['p99']} ms{each} "
                         f"-> **{'meets' if ok else 'misses'}** the target (no errors, p99 <= 100 ms)")
        if best:
            lines.append(f"- {x['state']}, unpaced: highest sustained rate with no errors **{best['rps']} req/s** "
                         f"({best['clients']} clients), p99 {best['p99']} ms")
        elif any(r["mode"] == "unpaced" for r in runs):
            lines.append(f"- {x['state']}, unpaced: no run without errors")
    for x in states:
        for r in x["runs"]:
            lines += ["", f"## {x['state']}, {r['mode']}, {r['clients']} clients: per URL kind", "",
                      "| kind | requests | errors | p50 ms | p99 ms | max ms | statuses |", "|---|---|---|---|---|---|---|"]
            for kind, k in r["kinds"].items():
                lines.append(f"| {kind} | {k['requests']:,} | {k['errors']} | {fmt(k['p50'])} | {fmt(k['p99'])} | "
                             f"{fmt(k['max'])} | {', '.join(f'{s}: {n}' for s, n in sorted(k['statuses'].items()))} |")
            if r["failures"]:
                lines += ["", "First failed requests:", ""]
                lines += [f"- {f['kind']} `{f['url']}`: {f['status'] or f['error']} ({f['ms']} ms)"
                          for f in r["failures"][:8]]
    for x in states:
        if not x.get("probe"):
            continue
        lines += ["", f"## {x['state']}: probe, one client, no pauses (each URL alone, without load)", "",
                  "| URL | n | errors | p50 ms | max ms |", "|---|---|---|---|---|"]
        for name, p in x["probe"].items():
            lines.append(f"| {name} | {p['n']} | {p['errors']} | {fmt(p['p50'])} | {fmt(p['max'])} |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- store states
def count_reports(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT COUNT(*) FROM reports WHERE id IN (SELECT id FROM stories)").fetchone()[0]
    except sqlite3.OperationalError:  # no reports table (a stand-in store)
        return 0
    finally:
        con.close()


def unreported(db: Path) -> list[str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute("SELECT id FROM stories WHERE id NOT IN (SELECT id FROM reports) ORDER BY id")]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def copy_store(db: Path, folder: Path) -> Path:
    """The store and its write-ahead log, copied (no one may be writing it meanwhile)."""
    out = folder / db.name
    for suffix in ("", "-wal"):
        src = Path(f"{db}{suffix}")
        if src.exists():
            shutil.copyfile(src, f"{out}{suffix}")
    return out


def warm_reports(db: Path) -> tuple[int, float]:
    """Build and store every story report the store lacks (what the server would build on first view)."""
    from storyline.api import Storyline
    todo, t0 = unreported(db), time.perf_counter()
    with Storyline(db) as sl:
        for sid in todo:
            sl.report(sid)
    return len(todo), time.perf_counter() - t0


def wait_quiet(limit: float, share: float = 0.25, sample: float = 5.0) -> float:
    """Wait (at most `limit` s) until the machine is busy less than `share` of a core over `sample` s."""
    t0 = time.perf_counter()
    while True:
        b0 = machine_busy()
        time.sleep(sample)
        busy = (machine_busy() - b0) / sample
        if busy < share or time.perf_counter() - t0 > limit:
            if busy >= share:
                print(f"machine still busy ({busy:.2f} cores) after {limit:.0f} s: measuring anyway", flush=True)
            return busy
        print(f"machine busy ({busy:.2f} cores): waiting", flush=True)


async def list_after_build(base: str, db: Path) -> dict:
    """The story list just after the server stored a report (its cached list facts follow the store's
    state), against the list served from its cache."""
    todo = unreported(db)
    if not todo:
        return {}
    out = {}
    async with new_client(base, 1) as client:
        for i, sid in enumerate(todo[:3]):
            await fetch(client, "/")  # cached
            t = time.perf_counter()
            await fetch(client, "/")
            cached = time.perf_counter() - t
            await fetch(client, "/api/stories/" + quote(sid, safe=""))  # builds its report (waits up to 2 s)
            for _ in range(40):  # until the report is stored
                if sid not in unreported(db):
                    break
                await asyncio.sleep(0.25)
            t = time.perf_counter()
            status, error = await fetch(client, "/")
            after = time.perf_counter() - t
            out[f"list `/` after story {sid}'s report was built"] = {"n": 1, "errors": int(status != 200),
                                                                     "p50": round(after * 1000, 1),
                                                                     "max": round(after * 1000, 1)}
            out[f"list `/` from cache (before, {i + 1})"] = {"n": 1, "errors": 0, "p50": round(cached * 1000, 1),
                                                              "max": round(cached * 1000, 1)}
    return out


# ---------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True, help="the store (copied for each state; never changed)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--sweep", default="5,10,25,50", help="client counts of the unpaced runs (plus --clients)")
    ap.add_argument("--modes", default="paced,unpaced")
    ap.add_argument("--states", default="as-built,warm",
                    help="as-built (the store as storyline run left it), warm (every story report built first)")
    ap.add_argument("--pin", action="store_true", help="server on CPU 1, client on CPU 0")
    ap.add_argument("--url", help="a server already running (not started, not pinned; one state: 'given')")
    ap.add_argument("--serve", default=str(ROOT / ".venv" / "bin" / "storyline") + " serve --db {db} --port {port}",
                    help="the server command ({db}, {port} filled in)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="paced runs per state (as-built: each on a new copy of the store); the median by p99 is "
                         "held against the target")
    ap.add_argument("--seed", type=int, default=18)
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    ap.add_argument("--no-probe", action="store_true")
    ap.add_argument("--quiet-wait", type=float, default=900.0,
                    help="before each run, wait up to this many seconds for a quiet machine (0: do not wait)")
    ap.add_argument("--max-other-cpu", type=float, default=0.1,
                    help="a run during which other processes used more than this share of one core is run again")
    ap.add_argument("--retries", type=int, default=2, help="at most this many runs again (the least disturbed kept)")
    ap.add_argument("--shared-client", action="store_true",
                    help="one httpx.AsyncClient (pool of --clients connections) for all users, not one each")
    args = ap.parse_args(argv)
    global SHARED
    SHARED = args.shared_client
    command = "python bench/web/load.py " + " ".join(sys.argv[1:] if argv is None else argv)
    args.db = args.db.resolve()
    ids = store_ids(args.db)
    if not ids["stories"] or not ids["pages"]:
        raise SystemExit(f"{args.db}: no stories or pages")
    env = environment(args.db, ids)
    try:
        env["store"]["story_reports"] = count_reports(args.db)
    except sqlite3.Error:
        env["store"]["story_reports"] = 0
    pin = "server and client share both cores (not pinned)"
    if args.url:
        pin = "server started elsewhere (--url)"
    elif args.pin:
        os.sched_setaffinity(0, {0})
        pin = "server pinned to CPU 1 (`taskset -c 1`), client to CPU 0 (sched_setaffinity)"
    states = []
    for state in (["given"] if args.url else args.states.split(",")):
        x = {"state": state, "runs": []}
        states.append(x)
        work = Path(tempfile.mkdtemp(prefix="storyline-load-"))
        proc, served = None, args.db
        log = work / "serve.log"
        try:
            if args.url:
                base = args.url.rstrip("/")
            else:
                served = copy_store(args.db, work)
                if state == "warm":
                    n, secs = warm_reports(served)
                    x["warmed"] = {"reports": n, "seconds": round(secs, 1)}
                    print(f"warm: built {n} story reports in {secs:.0f} s", flush=True)
                port = free_port()
                base = f"http://127.0.0.1:{port}"

                def cmd_for(db: Path, port: int = port) -> list[str]:
                    cmd = args.serve.format(db=db, port=port).split()
                    return ["taskset", "-c", "1", *cmd] if args.pin else cmd
                proc = start_server(cmd_for(served), base, log)
            run_ids = {**ids, "pages": list(ids["pages"])}
            x["slash"] = asyncio.run(check_slash_ids(base, run_ids))
            env["store"]["pages_mixed"] = len(run_ids["pages"])
            plan = ([(args.clients, True)] * args.repeat if "paced" in args.modes.split(",") else []) + \
                   ([(n, False) for n in sorted({int(v) for v in args.sweep.split(",") if v} | {args.clients})]
                    if "unpaced" in args.modes.split(",") else [])
            for n, paced in plan:
                if args.quiet_wait:
                    wait_quiet(args.quiet_wait)
                print(f"{state}: {'paced' if paced else 'unpaced'}, {n} clients, {args.seconds:.0f} s", flush=True)
                attempts = []
                for attempt in range(1 + args.retries):
                    if attempt or (paced and x["runs"] and state == "as-built"):  # a repeat starts as built, too
                        if attempt:
                            print(f"  other processes took {attempts[-1]['other_cpu_s']} CPU s: run again", flush=True)
                        if state == "as-built" and not args.url:
                            # The first attempt built reports into this copy: the next starts from a new one.
                            stop_server(proc)
                            shutil.rmtree(served.parent, ignore_errors=True)
                            served = copy_store(args.db, Path(tempfile.mkdtemp(prefix="storyline-load-")))
                            work = served.parent
                            log = work / "serve.log"
                            proc = start_server(cmd_for(served), base, log)
                        if args.quiet_wait:
                            wait_quiet(args.quiet_wait)
                    before = count_reports(served) if not args.url else None
                    r = asyncio.run(run_mode(base, run_ids, n, args.seconds, paced, args.seed + len(x["runs"]),
                                             proc.pid if proc else None))
                    if before is not None:
                        r["reports_built"] = count_reports(served) - before
                    attempts.append(r)
                    if r["other_cpu_s"] <= args.max_other_cpu * args.seconds:
                        break
                r = min(attempts, key=lambda a: a["other_cpu_s"])  # the least disturbed
                r["attempts"] = len(attempts)
                x["runs"].append(r)
                print(json.dumps({k: v for k, v in r.items() if k not in ("kinds", "failures")}), flush=True)
            if not args.no_probe:
                x["probe"] = asyncio.run(probe(base, run_ids))
                if not args.url:
                    x["probe"] |= asyncio.run(list_after_build(base, served))
        finally:
            if proc:
                stop_server(proc)
                tail = log.read_text(errors="replace")[-4000:]
                x["server_log_tail"] = tail
            shutil.rmtree(work, ignore_errors=True)
    end_commit = environment(args.db, ids)["commit"]
    if end_commit != env["commit"]:
        env["commit"] += f" at the start, {end_commit} at the end (servers started at different states of the code)"
    md = markdown(env, command, pin, states, round(args.clients / 0.75))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(md, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps({**env, "command": command, "cpus": pin, "states": states},
                                                        indent=1) + "\n")
    print(md)


if __name__ == "__main__":
    main()
