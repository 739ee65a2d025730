"""CliRunner on every supported typer: stderr apart from stdout, and no click import.

typer < 0.21 hands click 8.1's runner over, which mixes stderr into stdout unless told
not to; newer typer (and click 8.2+) keep them apart and no longer take mix_stderr.
"""

from __future__ import annotations

import inspect
from typing import Any

from typer.testing import CliRunner


def cli_runner() -> CliRunner:
    """A runner whose results have .stdout and .stderr apart."""
    apart: dict[str, Any] = (
        {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters
        else {})
    return CliRunner(**apart)
