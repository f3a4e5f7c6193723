"""A real `storyline serve` over a store of the five example pages, for the browser tests
(tests/test_web_browser.py) and the README's screenshots (docs/screenshots/take.py).

The store is built by the command a user runs, from the repository's folder so that each page's
site reads `examples/000_….txt`, and the server is the command a user runs, as a subprocess on a
free loopback port; stopping it ends that one process.
"""
from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def build_store(db: Path) -> Path:
    """`storyline run --db DB examples`, run from the repository's folder."""
    done = subprocess.run([sys.executable, "-m", "storyline.cli", "run", "--db", str(db), "--no-progress", "examples"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"storyline run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return db


def copy_store(source: Path, target: Path) -> Path:
    """A consistent copy of a store (SQLite's backup, whatever its journal holds)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`storyline serve --db DB --port PORT` on 127.0.0.1; its stderr goes to `log`."""

    def __init__(self, db: Path, log: Path) -> None:
        self.db, self.log_path = db, log
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout: float = 30.0) -> "Server":
        for _attempt in range(3):  # a free port can be taken between asking and binding
            port = free_port()
            self.url = f"http://127.0.0.1:{port}"
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "storyline.cli", "serve", "--db", str(self.db), "--port", str(port)],
                    cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if self._wait(timeout):
                return self
            self.stop()
        raise RuntimeError(f"storyline serve did not answer on {self.url}:\n{self.log()}")

    def _wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if httpx.get(self.url + "/", timeout=2).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
