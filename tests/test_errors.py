"""One exception base for the library: a user's mistake is a message and exit 2, a bug is a traceback."""
from __future__ import annotations

import pytest

import storyline.run.local as local
from storyline import Storyline
from storyline.cli import main
from storyline.config import load_config
from storyline.errors import ConfigError, InputError, StoreError, StorylineError, UsageError


def test_user_errors_share_one_base_and_say_what_is_wrong(tmp_path):
    with pytest.raises(ConfigError, match="story_join_probability"):
        load_config(story_join_probability=1.5)
    with pytest.raises(InputError, match="no such file"):
        Storyline(tmp_path / "s.db").run([tmp_path / "missing"])
    with pytest.raises(StoreError, match="no store"):
        Storyline(tmp_path / "none.db", read_only=True)
    with Storyline(tmp_path / "s.db") as sl, pytest.raises(UsageError, match="export format"):
        sl.export(tmp_path / "out", format="xml")
    for error in (ConfigError, InputError, StoreError, UsageError):
        assert issubclass(error, StorylineError)


def test_cli_prints_a_user_error_and_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STORYLINE_STORY_JOIN_PROBABILITY", "2")
    assert main(["run", "--db", str(tmp_path / "s.db"), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "storyline: error:" in err and "story_join_probability" in err and "Traceback" not in err


def test_a_bug_inside_a_stage_is_not_passed_off_as_a_usage_error(seed_dir, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a programming error")

    monkeypatch.setattr(local, "assign_stories", broken)
    with pytest.raises(ValueError, match="a programming error"):
        main(["run", "--db", str(tmp_path / "s.db"), str(seed_dir)])


def test_an_sqlite_file_of_another_program_is_left_untouched(tmp_path, capsys):
    """`--db` naming another program's database: before, `run` added storyline's tables to it (and
    switched it to WAL), and one with its own `pages` table was taken for an old store."""
    import sqlite3
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.executescript("CREATE TABLE pages (a, b); CREATE TABLE notes (n); INSERT INTO notes VALUES ('mine');")
    con.close()
    before = other.read_bytes()
    page = tmp_path / "page.txt"
    page.write_text("The harbour reopened on Sunday after the storm, port officials said.\n", encoding="utf-8")
    for command in (["run", "--no-progress", str(page)], ["stories"]):
        assert main([*command, "--db", str(other)]) == 2
        assert "another program" in capsys.readouterr().err
    assert other.read_bytes() == before
    with pytest.raises(StoreError, match="another program"):
        Storyline(other)
