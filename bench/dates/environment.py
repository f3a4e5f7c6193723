"""Where and with what a bench/dates figure was measured: the header of every results file."""
from __future__ import annotations

import importlib.metadata
import os
import platform
from datetime import datetime, timezone

PACKAGES = ("storyline", "numpy", "trafilatura", "htmldate")


def environment() -> dict:
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.platform()}",
            "python": platform.python_version(),
            "versions": {m: importlib.metadata.version(m) for m in PACKAGES}}
