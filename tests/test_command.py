"""The `storyline` command's entry (command.py): the fork server of `run`'s workers starts before
the pipeline loads, Ctrl-C before the command begins is said plainly, and the package's public
names still resolve as before though they are imported when first used."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from .conftest import SEED

# Records, in a fresh interpreter, whether the pipeline (cli.py, api.py) was loaded when the fork
# server was started, then runs the command as the console script does.
_RECORDING = """
import json, os, sys
if os.environ.get("PIN_TO_ONE_CORE"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
import storyline.run.workers as workers
started = []
real = workers.start_fork_server
def recording():
    started.append({m: m in sys.modules for m in ("storyline.cli", "storyline.api", "storyline.run.local")})
    real()
workers.start_fork_server = recording
from storyline.command import main
try:  # printed however main ends: argparse's --help and usage errors leave it by SystemExit
    code = main(sys.argv[1:])
finally:
    print(json.dumps({"started": started}))
sys.exit(code)
"""


def _command(tmp_path, *args: str, script: str = _RECORDING, one_core: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, PIN_TO_ONE_CORE="1") if one_core else None
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=tmp_path,
                          timeout=300, env=env)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the early start needs a second core to overlap on")
def test_run_starts_its_workers_server_before_loading_the_pipeline(tmp_path):
    done = _command(tmp_path, "run", "--db", "s.db", "--no-progress", "--json", str(SEED["004"]))
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout.strip().splitlines()[-1])
    # The first start is the command's (the run's own later calls find the server running).
    assert said["started"][0] == {"storyline.cli": False, "storyline.api": False, "storyline.run.local": False}
    listed = subprocess.run([sys.executable, "-m", "storyline", "pages", "--db", "s.db", "--json"], capture_output=True,
                            text=True, cwd=tmp_path, check=True)
    assert [p["status"] for p in json.loads(listed.stdout)] == ["ok"]


def test_on_one_core_the_server_starts_when_the_run_needs_it(tmp_path):
    # Nothing to overlap on one core (taskset -c 0): the run starts the server itself, as before.
    done = _command(tmp_path, "run", "--db", "s.db", "--no-progress", "--json", str(SEED["004"]), one_core=True)
    assert done.returncode == 0, done.stderr
    started = json.loads(done.stdout.strip().splitlines()[-1])["started"]
    assert started and started[0]["storyline.run.local"] is True


@pytest.mark.parametrize("args", [["stories", "--db", "none.db"], ["run", "--help"],
                                  ["run", "--engine", "dask", "--help"], ["run", "--engine=dask", "x"]])
def test_commands_without_local_workers_start_no_server(tmp_path, args):
    done = _command(tmp_path, *args)
    assert json.loads(done.stdout.strip().splitlines()[-1])["started"] == []


def test_ctrl_c_while_the_command_loads_is_said_without_a_traceback(tmp_path):
    script = textwrap.dedent("""
        import sys
        class Interrupted:  # Ctrl-C arriving while cli.py is being imported
            def find_spec(self, name, path=None, target=None):
                if name == "storyline.cli":
                    raise KeyboardInterrupt
        sys.meta_path.insert(0, Interrupted())
        from storyline.command import main
        sys.exit(main(sys.argv[1:]))
    """)
    done = _command(tmp_path, "stories", "--db", "s.db", script=script)
    assert done.returncode == 130
    assert "interrupted before the command began" in done.stderr
    assert "Traceback" not in done.stderr


def test_public_names_resolve_as_before_whatever_is_imported_first():
    # A fresh interpreter: the extraction subpackage loaded first must not take the name of the
    # `extract` function, and every public name is there.
    script = textwrap.dedent("""
        import storyline.extract.html, storyline.run.local
        import storyline
        from storyline import Storyline, extract, Config, load_config, __version__
        from storyline.run import RunSummary, run_pipeline
        import storyline.api
        assert extract is storyline.extract is storyline.api.extract, extract
        print(storyline.extract.__module__, sorted(set(storyline.__all__) - set(dir(storyline))))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["storyline.api", "[]"]
