"""`bhyvetpl plan|apply|init`: the spec file is the whole setup; the plan is spec minus facts.

plan shows the difference and exits 0 (nothing to do) or 3 (changes); apply hands the
same plan to bhyvetpl.run (run, --dry-run, --emit sh); init writes a spec from the host.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.cli import options as o
from bhyvetpl.cli.shared import warn, warn_public_vnc
from bhyvetpl.errors import ExitCode, SpecError
from bhyvetpl.facts.model import Facts
from bhyvetpl.facts.owned import OWNED_PATH
from bhyvetpl.facts.source import host_facts, recorded_facts
from bhyvetpl.model.paths import local_path
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.converge import Converged, converge_spec
from bhyvetpl.plan.prune import Prune
from bhyvetpl.run import check_output, emit_ansible, run_plan
from bhyvetpl.show import changes_report
from bhyvetpl.spec.init import init_text
from bhyvetpl.spec.load import DEFAULT_SPEC, parse_spec, read_spec
from bhyvetpl.spec.view import below_root
from bhyvetpl.spec.write import write_spec

SpecPath = Annotated[Path, typer.Option(
    "-f", "--file", help="The spec file (TOML; `bhyvetpl schema` describes it).")]
FactsPath = Annotated[Path | None, typer.Option(
    "--facts", help="Plan against facts recorded by `bhyvetpl facts --json` instead of "
    "reading the host (files are still read below --root).")]


def _facts(facts: Path | None, root: Path) -> Facts:
    return recorded_facts(facts) if facts is not None else host_facts(root)


PruneFlag = Annotated[bool, typer.Option(
    "--prune", help="Also remove the jails and guests the spec no longer has, if "
    f"{OWNED_PATH} records them as bhyvetpl's (never a running guest).")]
DeleteDisks = Annotated[list[str] | None, typer.Option(
    "--delete-disks", metavar="JAIL/GUEST[,...]", help="With --prune: delete these guests' "
    "disks too (vm destroy); others keep theirs.")]
RestartFlag = Annotated[bool, typer.Option(
    help="Allow restarting a jail whose parameters change (its running guests are stopped "
         "through vm-bhyve first).")]


def _prune(prune: bool, delete_disks: list[str] | None) -> Prune | None:
    """The prune the flags allow; the snapshots' names carry this run's UTC time."""
    named = frozenset(n.strip() for item in delete_disks or () for n in item.split(","))
    if named and not prune:
        raise SpecError("--delete-disks", ",".join(sorted(named)), "together with --prune")
    if not prune:
        return None
    return Prune(time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()), named)


def _converged(file: Path, facts: Path | None, root: Path,
               prune: Prune | None = None, restart: bool = True,
               restart_network: bool = False) -> Converged:
    """The converged spec, after the warnings host prepare, jail create and new-guest print."""
    root = local_path("--root", root)
    converged = converge_spec(read_spec(below_root(file, root)), _facts(facts, root), root,
                              prune, restart, restart_network=restart_network)
    for jail in converged.desired.jails:
        warn(Features.of_jail(jail))
        for guest in jail.guests:
            warn_public_vnc(guest)
    return converged


FactsDir = Annotated[Path | None, typer.Option(
    "--facts-dir", help="Plan each host of a fleet from DIR/HOST.json (written by `bhyvetpl "
    "facts --json` on HOST; HOST.groups: its inventory groups), with the jails whose "
    "`hosts` name it; --root is then the hosts' `/`.")]
RoleDir = Annotated[Path | None, typer.Option(
    "-o", "--output", help="With --emit ansible: write site.yml and the role bhyvetpl "
    "here instead of printing one playbook.")]


def _plan_fleet(file: Path, facts_dir: Path, facts: Path | None, root: Path,
                emit: str | None, output: Path | None, force: bool, live: bool) -> None:
    """Plan every recorded host; show their changes, or emit one play per host."""
    import tempfile

    from bhyvetpl.plan.deferred import for_root
    from bhyvetpl.plan.fleet import plan_fleet
    from bhyvetpl.playbook import HostPlan

    if facts is not None:
        raise SpecError("--facts", str(facts), "no --facts with --facts-dir (one per host)")
    if emit == "sh":
        raise SpecError("--emit", emit, "ansible with --facts-dir (sh runs on one host)")
    if not root.is_absolute():
        raise SpecError("--root", str(root), "an absolute path on the hosts")
    spec = read_spec(file)
    with tempfile.TemporaryDirectory(prefix="bhyvetpl-fleet-") as scratch:
        planned = plan_fleet(spec, local_path("--facts-dir", facts_dir), Path(scratch), root)
    if emit is not None:
        emit_ansible([HostPlan(record.name, for_root(converged.plan, live))
                      for record, converged in planned], output, force)
        return
    changed = False
    for record, converged in planned:
        typer.echo(f"== {record.name}")
        typer.echo(changes_report(converged, str(file)), nl=False)
        changed = changed or bool(converged.changes)
    if changed:
        raise typer.Exit(ExitCode.CHANGES)


def plan_cmd(file: SpecPath = DEFAULT_SPEC, facts: FactsPath = None,
             root: o.Root = Path("/"), emit: o.Emit = None, output: RoleDir = None,
             force: o.Force = False, facts_dir: FactsDir = None,
             live: o.Live = False) -> None:
    """Show what applying the spec would change. Exits 3 when there is something to do.

    With --emit, print (or write) the plan apply would run instead, and exit 0.
    """
    check_output(emit, output)
    if facts_dir is not None:
        _plan_fleet(file, facts_dir, facts, root, emit, output, force, live)
        return
    converged = _converged(file, facts, root)
    if emit is not None:
        run_plan(converged.plan, False, emit, live, output, force)
        return
    typer.echo(changes_report(converged, str(file)), nl=False)
    if converged.changes:
        raise typer.Exit(ExitCode.CHANGES)


def apply_cmd(file: SpecPath = DEFAULT_SPEC, root: o.Root = Path("/"),
              dry_run: o.DryRun = False, emit: o.Emit = None, prune: PruneFlag = False,
              delete_disks: DeleteDisks = None, restart: RestartFlag = False,
              live: o.Live = False, output: RoleDir = None, force: o.Force = False,
              restart_network: o.RestartNetwork = False) -> None:
    """Make the host match the spec. Each step checks first whether it is already done."""
    check_output(emit, output)
    run_plan(_converged(file, None, root, _prune(prune, delete_disks), restart,
                        restart_network).plan, dry_run, emit, live, output, force)


def init_cmd(file: SpecPath = DEFAULT_SPEC, root: o.Root = Path("/"), facts: FactsPath = None,
             force: Annotated[bool, typer.Option(
                 "--force", help="Replace an existing spec file.")] = False) -> None:
    """Write a spec of the jails and guests the host has. Only the bhyve jails count."""
    root = local_path("--root", root)
    text = init_text(_facts(facts, root))
    parse_spec(text, str(file))   # what init writes, plan reads: a bug here is ours
    write_spec(local_path("-f", below_root(file, root)), text, force)
    typer.echo(f"wrote {file}; next: bhyvetpl plan -f {file}")
