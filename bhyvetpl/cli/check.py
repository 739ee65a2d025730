"""The checking commands: `bhyvetpl lint` (files) and `bhyvetpl doctor` (host and jail)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.doctor import checks, collect_facts, diagnose, exit_failed
from bhyvetpl.doctor.report import as_json, as_table
from bhyvetpl.errors import ExitCode, SpecError
from bhyvetpl.facts.model import Facts
from bhyvetpl.facts.source import recorded_facts
from bhyvetpl.lint import lint_paths
from bhyvetpl.model.options import check_doctor_target


def lint_cmd(
    files: Annotated[list[Path], typer.Argument(
        help="Guest configs (*.conf), Bastillefiles, or directories holding them.")],
) -> None:
    """Lint vm-bhyve guest configs and Bastillefiles. Exits 1 when anything is an error."""
    findings = lint_paths(files)
    for finding in findings:
        typer.echo(str(finding))
    errors = sum(f.is_error for f in findings)
    typer.echo(f"{errors} error(s), {len(findings) - errors} warning(s)", err=True)
    if errors:
        raise typer.Exit(int(ExitCode.FAILURE))


# doctor's and audit's: they read the host (or a recording of it), never write.
JailsDir = Annotated[str | None, typer.Option(
    help="Where Bastille's jails are (default: bastille_jailsdir in bastille.conf).")]
ReadRoot = Annotated[Path | None, typer.Option(
    help="Read host files below this directory (default /).")]


def _recorded(facts_file: Path, root: Path | None, jails_dir: str | None) -> Facts:
    """A `facts --json` recording, which is the whole host: no --root or --jails-dir too."""
    if root is not None or jails_dir is not None:
        raise SpecError("--facts", str(facts_file),
                        "no --root or --jails-dir with --facts (the file is the host)")
    return recorded_facts(facts_file, "--facts")


def audit_cmd(
    jail: Annotated[str | None, typer.Argument(
        help="Bastille jail to audit (default: every jail with allow.vmm).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    jails_dir: JailsDir = None,
    root: ReadRoot = None,
    facts_file: Annotated[Path | None, typer.Option(
        "--facts", help="Audit facts recorded by `bhyvetpl facts --json` instead of the host.")]
    = None,
) -> None:
    """Show what bhyve jails reach beyond their guests' needs.

    Each excess comes with the change that removes it; exit 1 when anything is wider.
    """
    from bhyvetpl import audit

    check_doctor_target(jail, jails_dir)
    if facts_file is not None:
        facts = _recorded(facts_file, root, jails_dir)
    else:
        facts = collect_facts(SubprocessRunner(), root or Path("/"), jails_dir)
    if jail is not None and facts.jail(jail) is None:
        raise SpecError("jail", jail, "a jail with a jail.conf below the jails directory")
    findings = audit.audit(facts, jail)
    typer.echo(audit.as_json(findings) if json_out else audit.as_table(findings))
    if audit.wider(findings):
        raise typer.Exit(int(ExitCode.FAILURE))


def doctor_cmd(
    jail: Annotated[str | None, typer.Argument(help="Bastille jail that runs vm-bhyve.")]
    = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    ruleset: Annotated[int, typer.Option(help="devfs ruleset number the jail should use.")]
    = 25,
    jails_dir: JailsDir = None,
    root: ReadRoot = None,
    facts_file: Annotated[Path | None, typer.Option(
        "--facts", help="Check facts recorded by `bhyvetpl facts --json` instead of the host.")]
    = None,
) -> None:
    """Check the host (and a jail) for bhyve. Exits 1 when any check FAILs."""
    check_doctor_target(jail, jails_dir)
    if facts_file is not None:
        results = checks(_recorded(facts_file, root, jails_dir), jail, ruleset)
    else:
        results = diagnose(SubprocessRunner(), root or Path("/"), jail, ruleset, jails_dir)
    typer.echo(as_json(results) if json_out else as_table(results))
    if exit_failed(results):
        raise typer.Exit(int(ExitCode.FAILURE))
