"""The README documents what the code does: fields, settings, commands."""
from __future__ import annotations

import dataclasses

from storyline.cli import COMMANDS
from storyline.config import Config
from storyline.schema import (COPY_LINK_FIELDS, PAGE_FIELDS, REPORT_FIELDS, REPORT_ROW_FIELDS, STORY_FIELDS,
                              STORYLINE_FIELDS)

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_json_field_is_documented_as_in_the_code():
    for fields in (PAGE_FIELDS, STORY_FIELDS, STORYLINE_FIELDS, REPORT_FIELDS, COPY_LINK_FIELDS, REPORT_ROW_FIELDS):
        for name, meaning in fields.items():
            assert f"| `{name}` | {meaning} |" in README, name


def test_every_setting_is_documented_with_its_default():
    for field in dataclasses.fields(Config):
        assert f"| `{field.name}` | {field.default} |" in README, field.name


def test_every_command_is_documented():
    for command in COMMANDS:
        assert f"storyline {command}" in README, command


def test_readme_opens_with_the_two_commands_ci_runs():
    ci = (ROOT / ".ci/run").read_text()
    test_command = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"
    assert test_command in ci and test_command in README
    assert README.index("storyline run examples") < README.index(test_command)
