"""The checking commands: `bhyvetpl lint` (files) and `bhyvetpl doctor` (host and jail)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.cli_common import reports_errors
from bhyvetpl.errors import ExitCode
from bhyvetpl.lint import lint_paths


@reports_errors
def lint_cmd(
    files: Annotated[list[Path], typer.Argument(
        help="Guest configs (*.conf), Bastillefiles, or directories holding them.")],
) -> None:
    """Lint vm-bhyve guest configs and Bastillefiles; exit 1 when anything is an error."""
    findings = lint_paths(files)
    for finding in findings:
        typer.echo(str(finding))
    errors = sum(f.is_error for f in findings)
    typer.echo(f"{errors} error(s), {len(findings) - errors} warning(s)", err=True)
    if errors:
        raise typer.Exit(int(ExitCode.FAILURE))
