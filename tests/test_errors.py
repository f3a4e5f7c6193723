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
