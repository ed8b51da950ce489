"""The README and the docs show commands and code that exist."""

import argparse
import ast
import re
import shlex
from pathlib import Path

import pytest

from temdenoise.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def _commands(path: Path) -> list[list[str]]:
    """Every ``temdenoise SUBCOMMAND ...`` line of the bash blocks, as words."""
    found = []
    for block in _blocks(path.read_text(), "bash"):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if line.startswith("temdenoise "):
                found.append(shlex.split(line)[1:])
    return found


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_documented_command_names_real_options(path):
    commands = _subcommands()
    for words in _commands(path):
        name = words[0]
        assert name in commands, f"{path.name}: no subcommand {name!r}"
        known = {s for a in commands[name]._actions for s in a.option_strings}
        for word in words[1:]:
            if word.startswith("--"):
                option = word.split("=")[0]
                assert option in known, f"{path.name}: temdenoise {name} has no {option}"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_python_block_is_valid_python(path):
    for block in _blocks(path.read_text(), "python"):
        ast.parse(block)


def test_the_guide_covers_counts_gain_calibration_and_the_verdict():
    guide = (ROOT / "docs" / "guide.md").read_text()
    for topic in ("--counts-per-electron", "Calibration in other tools", "Read the verdict"):
        assert topic in guide
    commands = {words[0] for words in _commands(ROOT / "docs" / "guide.md")}
    assert set(_subcommands()) <= commands, "a subcommand the guide never shows"
