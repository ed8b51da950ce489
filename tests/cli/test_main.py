"""`temdenoise`: help, usage errors, the entry points and one-line errors with exit codes."""

import subprocess
import sys

import pytest

from temdenoise import __version__
from temdenoise.cli import main


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "info" in out


def test_unknown_command_exits_non_zero(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_the_console_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "temdenoise", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"temdenoise {__version__}"


def test_errors_are_one_line_with_exit_codes(capsys, monkeypatch):
    from temdenoise import cli
    from temdenoise.cli import info
    from temdenoise.errors import InputError

    def bad_input(args):
        raise InputError("movie.dm4: not a DM4 file")

    def internal(args):
        raise RuntimeError("boom\nsecond line")

    for handler, code, line in [
        (bad_input, 2, "temdenoise: error: movie.dm4: not a DM4 file"),
        (internal, 1, "temdenoise: internal error: RuntimeError: boom (rerun with --debug"),
    ]:
        monkeypatch.setattr(info, "run", handler)
        assert cli.main(["info"]) == code
        err = capsys.readouterr().err
        assert err.startswith(line)
        assert err.count("\n") == 1
    with pytest.raises(RuntimeError, match="boom"):
        cli.main(["--debug", "info"])
