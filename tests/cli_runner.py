"""CliRunner on every supported typer: stderr apart from stdout, and no click import.

typer < 0.21 hands click 8.1's runner over, which mixes stderr into stdout unless told
not to; newer typer (and click 8.2+) keep them apart and no longer take mix_stderr.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner


def cli_runner() -> CliRunner:
    """A runner whose results have .stdout and .stderr apart."""
    apart: dict[str, Any] = (
        {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters
        else {})
    return CliRunner(**apart)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run of a prebuilt command left: exit code, stdout and stderr."""

    exit_code: int
    stdout: str
    stderr: str


def invoke_built(command: Any, capsys: pytest.CaptureFixture[str],
                 args: list[str]) -> Outcome:
    """Run a command built once (typer.main.get_command) through its boundary, under capsys.

    typer's CliRunner rebuilds the command from the app for every call (about 24 ms); the
    matrices run thousands of cases, so they build it once and call its main directly.
    """
    with pytest.raises(SystemExit) as info:
        command.main(args, prog_name="bhyvetpl")
    out, err = capsys.readouterr()
    return Outcome(int(info.value.code or 0), out, err)
