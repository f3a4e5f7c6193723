"""A bad setting is a usage error (README "Exit codes"): one line naming the setting and what it may
be, exit 2, whether it comes from the TOML file, the environment, a flag or Config(...). Before, a
file that was not TOML, inf or nan were tracebacks, and out-of-range values were taken silently
(--max-page-bytes -1 made every JSONL record vanish)."""
from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storyline.cli import main
from storyline.config import RANGES, Config, load_config
from storyline.errors import ConfigError

STORYLINE = Path(sys.executable).with_name("storyline")
OUT_OF_RANGE = [
    ("max_page_bytes", -1), ("max_page_bytes", 0), ("max_text_chars", 0), ("max_seconds_per_page", -1.0),
    ("max_worker_memory_mb", -1), ("shingle_size", 0), ("shingle_size", -1), ("num_perm", 0),
    ("near_jaccard", math.nan), ("near_jaccard", 1.5), ("contained_ratio", -0.1), ("partial_min_shingles", -1),
    ("version_overlap", math.inf), ("storyline_merge_similarity", math.nan), ("storyline_decay_days", math.inf),
    ("storyline_similarity", 2.0), ("max_seconds_per_page", math.inf), ("max_page_bytes", math.inf),
    ("shingle_size", 2.5), ("shingle_size", True),
]


@pytest.fixture(autouse=True)
def clean_settings(tmp_path, monkeypatch):
    """No ./storyline.toml or STORYLINE_* variable of the caller's leaks into these tests."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("STORYLINE_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def page(tmp_path) -> Path:
    path = tmp_path / "some.txt"
    path.write_text("Flood warnings were issued on Monday for the river valley after heavy rain fell overnight.\n")
    return path


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"
    return repr(value)


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    return code, capsys.readouterr().err


def assert_usage_error(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert err.startswith("storyline: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err


@pytest.mark.parametrize("content, problem", [
    (b"x = = [\n", "not valid TOML (line 1, column 5: invalid value)"),
    (b"max_page_bytes = 5\nmax_page_bytes = 6\n", "not valid TOML ("),
    (b"\xff\xfe = 1\n", "not valid TOML (not UTF-8 text"),
    (b"partial_min_shingles = " + b"1" * 5000 + b"\n", "not valid TOML ("),
])
def test_a_config_file_that_is_not_toml_is_a_usage_error(tmp_path, capsys, page, content, problem):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(content)
    code, err = run_cli(capsys, "run", "--config", str(bad), "--db", str(tmp_path / "s.db"), str(page))
    assert_usage_error(code, err, f"{bad}: {problem}")


def test_a_bad_storyline_toml_in_the_working_directory_stops_every_command_with_one_line(tmp_path, capsys, page):
    (tmp_path / "storyline.toml").write_text("x = = [\n")
    for argv in (["run", str(page)], ["stories"], ["extract", str(page)]):
        code, err = run_cli(capsys, *argv)
        assert_usage_error(code, err, "storyline.toml: not valid TOML (line 1")


def test_the_installed_command_prints_the_toml_error_and_exits_2(tmp_path, page):
    bad = tmp_path / "bad.toml"
    bad.write_text("x = = [\n")
    done = subprocess.run([str(STORYLINE), "run", "--config", str(bad), str(page)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert_usage_error(done.returncode, done.stderr, "bad.toml: not valid TOML (line 1, column 5")


@pytest.mark.parametrize("name, value", OUT_OF_RANGE)
def test_an_out_of_range_setting_in_the_config_file_exits_2_naming_its_range(tmp_path, capsys, page, name, value):
    config = tmp_path / "settings.toml"
    config.write_text(f"{name} = {toml_value(value)}\n")
    code, err = run_cli(capsys, "run", "--config", str(config), "--db", str(tmp_path / "s.db"), str(page))
    low, high, _ = RANGES[name]
    assert_usage_error(code, err, f"{name} must be", f"{low:,}", "" if high == math.inf else f"{high:,}")
    assert not (tmp_path / "s.db").exists()  # refused before anything was read or stored


@pytest.mark.parametrize("name, value", OUT_OF_RANGE)
def test_an_out_of_range_setting_is_a_config_error_in_the_python_api(name, value):
    with pytest.raises(ConfigError, match=f"^{name} must be"):
        Config(**{name: value})
    with pytest.raises(ConfigError, match=f"^{name} must be"):
        load_config(**{name: value})
    with pytest.raises(ConfigError, match=f"^{name} must be"):
        dataclasses.replace(Config(), **{name: value})


def test_a_negative_max_page_bytes_flag_is_refused_not_read_as_end_of_file(tmp_path, capsys):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "title": "Flood warnings", "text": "Flood warnings were issued on Monday."}\n')
    code, err = run_cli(capsys, "run", "--max-page-bytes", "-1", "--db", str(tmp_path / "s.db"), str(feed))
    assert_usage_error(code, err, "max_page_bytes must be an integer from 1 to 2,000,000,000, not -1")


@pytest.mark.parametrize("variable, value, words", [
    ("STORYLINE_MAX_TEXT_CHARS", "0", "max_text_chars must be an integer of at least 1, not 0"),
    ("STORYLINE_MAX_SECONDS_PER_PAGE", "nan", "max_seconds_per_page must be a number from 0 to 86,400"),
    ("STORYLINE_NUM_PERM", "many", "num_perm: cannot read 'many' as int"),
])
def test_a_bad_setting_from_the_environment_exits_2(tmp_path, capsys, monkeypatch, page, variable, value, words):
    monkeypatch.setenv(variable, value)
    code, err = run_cli(capsys, "run", "--db", str(tmp_path / "s.db"), str(page))
    assert_usage_error(code, err, words)


def test_the_defaults_and_the_ends_of_each_range_are_accepted():
    assert load_config() == Config()
    numeric = {f.name for f in dataclasses.fields(Config) if f.type in ("int", "float")}
    assert numeric == set(RANGES)  # a new numeric setting needs its range
    for name, (low, high, _) in RANGES.items():
        assert low <= getattr(Config(), name) <= high, name
    edges = Config(max_seconds_per_page=0, max_worker_memory_mb=0, near_jaccard=1, partial_min_shingles=0,
                   num_perm=4096, lsh_bands=4096, shingle_size=50, storyline_decay_days=1)
    assert edges.max_seconds_per_page == 0.0 and isinstance(edges.max_seconds_per_page, float)
    assert load_config(max_page_bytes=1000.0).max_page_bytes == 1000  # a whole number written as a float


def test_a_memory_limit_no_worker_can_start_under_is_refused_with_the_reason():
    """A limit under what a worker holds before its first page skipped every page, each as
    "extraction failed: MemoryError"."""
    with pytest.raises(ConfigError, match="max_worker_memory_mb must be 0 \\(no limit\\) or at least 512"):
        Config(max_worker_memory_mb=50)
    assert Config(max_worker_memory_mb=512).max_worker_memory_mb == 512
