"""The checking commands: `bhyvetpl lint` (files) and `bhyvetpl doctor` (host and jail)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.doctor import Reader, exit_failed, run_doctor
from bhyvetpl.doctor.report import as_json, as_table
from bhyvetpl.errors import ExitCode
from bhyvetpl.lint import lint_paths
from bhyvetpl.model.options import check_doctor_target


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


def doctor_cmd(
    jail: Annotated[str | None, typer.Argument(help="Bastille jail that runs vm-bhyve.")]
    = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    ruleset: Annotated[int, typer.Option(help="devfs ruleset number the jail should use.")]
    = 25,
    jails_dir: Annotated[str, typer.Option(help="Bastille's bastille_jailsdir.")]
    = "/usr/local/bastille/jails",
    root: Annotated[Path, typer.Option(help="Read host files below this directory.")]
    = Path("/"),
) -> None:
    """Check the host (and a jail) for bhyve; exit 1 when any check FAILs."""
    check_doctor_target(jail, jails_dir)
    results = run_doctor(Reader(SubprocessRunner(), root), jail, ruleset, jails_dir)
    typer.echo(as_json(results) if json_out else as_table(results))
    if exit_failed(results):
        raise typer.Exit(int(ExitCode.FAILURE))
