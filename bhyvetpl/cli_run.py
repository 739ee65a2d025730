"""Commands that change a host: `host prepare`, `jail create`, `jail apply`.

Each builds one plan and hands it to exactly one consumer: `--dry-run` shows it,
`--emit sh` prints it as a script, otherwise apply runs it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.apply import Status, apply, tree_digest
from bhyvetpl.cli_common import reports_errors, warn
from bhyvetpl.emit import emit_sh
from bhyvetpl.errors import SpecError
from bhyvetpl.model import values
from bhyvetpl.model.options import HostOptions, JailOptions, build_features, build_jail
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.actions import Plan, Step
from bhyvetpl.plan.build import (
    BASTILLE_PREFIX,
    host_prepare_plan,
    jail_create_plan,
    template_apply_plan,
)
from bhyvetpl.show import describe

host_app = typer.Typer(no_args_is_help=True, help="Change the FreeBSD host.")
jail_app = typer.Typer(no_args_is_help=True, help="Create or update the bhyve jail.")

Root = Annotated[Path, typer.Option(help="Where / is: host files are edited below it.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show the plan and diffs; change nothing.")]
Emit = Annotated[str | None, typer.Option(
    "--emit", metavar="sh", help="Print the plan as a POSIX sh script instead of running it.")]
Ruleset = Annotated[int, typer.Option(help="devfs ruleset number.")]
RulesetName = Annotated[str, typer.Option(help="devfs ruleset name.")]
Release = Annotated[str, typer.Option(help="FreeBSD release (of the jail, or the host).")]
Prefix = Annotated[str, typer.Option(help="bastille_prefix (jails/ and templates/ below it).")]
Presets = Annotated[list[str] | None, typer.Option(
    "--preset", help="Guest templates to install in the jail; repeat for more.")]
RULESET_NAME = "devfs_rules_bhyve_jail"


def run_plan(plan: Plan, dry_run: bool, emit: str | None) -> None:
    """Show, print as sh, or run the plan (the only three consumers)."""
    if emit is not None and emit != "sh":
        raise SpecError("--emit", emit, "sh")
    if emit == "sh":
        typer.echo(emit_sh(plan), nl=False)
        return
    if dry_run:
        typer.echo(describe(plan), nl=False)
        return

    def report(index: int, total: int, step: Step, status: Status, note: str) -> None:
        typer.echo(f"[{index}/{total}] {status}: {step.where}: {step.what}"
                   + (f" ({note})" if note else ""))

    statuses = apply(plan, SubprocessRunner(), report)
    if all(s in ("skipped", "unchanged", "passed") for s in statuses):
        typer.echo("nothing changed: every step was already done")
    for line in plan.summary:
        typer.echo(line)


@host_app.command("prepare")
@reports_errors
def host_prepare_cmd(
    jail: Annotated[str, typer.Option(help="Name of the bhyve jail.")] = "bhyve",
    release: Release = "14.3-RELEASE",
    ruleset: Ruleset = 25,
    ruleset_name: RulesetName = RULESET_NAME,
    guest: Annotated[list[str] | None, typer.Option(
        help="Guest name: narrows the console rule; repeat for more.")] = None,
    console: Annotated[bool, typer.Option(help="Serial consoles (nmdm).")] = True,
    tap: Annotated[bool, typer.Option(help="Guest NICs on vm-bhyve taps.")] = True,
    host_tap: Annotated[list[str] | None, typer.Option(
        help="A tap the host creates (non-vnet jails); repeat for more.")] = None,
    uplink: Annotated[str | None, typer.Option(help="Uplink bridged with host taps.")] = None,
    zvol_dataset: Annotated[str | None, typer.Option(help="Dataset holding guest zvols.")]
    = None,
    uefi: Annotated[bool, typer.Option(help="UEFI guests.")] = False,
    passthru: Annotated[list[str] | None, typer.Option(
        help="Host PCI device BUS/SLOT/FUNC; repeat for more.")] = None,
    dhcp: Annotated[bool, typer.Option(help="DHCP in the vnet jail.")] = False,
    vnet: Annotated[bool, typer.Option(help="The jail is a vnet jail.")] = True,
    root: Root = Path("/"),
    dry_run: DryRun = False,
    emit: Emit = None,
) -> None:
    """Edit devfs.rules, loader.conf, rc.conf, sysctl.conf; load modules; reload devfs."""
    features = build_features(HostOptions(
        jail=jail, release=release, ruleset=ruleset, ruleset_name=ruleset_name,
        guests=tuple(guest or ()), console=console, tap=tap, host_taps=tuple(host_tap or ()),
        uplink=uplink, zvol_dataset=zvol_dataset, uefi=uefi, passthru=tuple(passthru or ()),
        dhcp=dhcp, vnet=vnet))
    warn(features)
    run_plan(host_prepare_plan(features, root.absolute()), dry_run, emit)


def _jail_plan(name: str, release: str, ip: str, iface: str, vnet: bool, bridge: str | None,
               gateway: str | None, vm_dir: str, vm_dataset: str | None, switch: str,
               ruleset: int, ruleset_name: str, preset: list[str] | None, passthrough: bool,
               vmm_ppt: bool, prefix: str, root: Path, create: bool) -> Plan:
    network = "bridge" if bridge else ("vnet" if vnet else "shared")
    jail = build_jail(JailOptions(
        name=name, release=release, network=network, interface=bridge or iface, address=ip,
        gateway=gateway, vm_dir=vm_dir, vm_dataset=vm_dataset, switch=switch,
        ruleset=ruleset, ruleset_name=ruleset_name, presets=tuple(preset or ("freebsd",)),
        passthrough=passthrough, vmm_ppt=vmm_ppt))
    warn(Features.of_jail(jail))
    if not prefix.startswith("/"):
        raise SpecError("--prefix", prefix, "an absolute path")
    return jail_create_plan(jail, root.absolute(), PurePosixPath(prefix), create=create)


Name = Annotated[str, typer.Argument(help="Jail name.")]
Ip = Annotated[str, typer.Option(help="DHCP, SYNCDHCP or ADDR/NN.")]
Iface = Annotated[str, typer.Option(help="Host interface for the jail.")]
Vnet = Annotated[bool, typer.Option("--vnet/--shared", help="vnet jail (or shared IP).")]
Bridge = Annotated[str | None, typer.Option(help="Bridge a vnet jail to this host bridge.")]
Gateway = Annotated[str | None, typer.Option(help="Default router (static vnet).")]
VmDir = Annotated[str, typer.Option(help="vm-bhyve's vm_dir in the jail.")]
VmDataset = Annotated[str | None, typer.Option(help="ZFS dataset for vm_dir.")]
Switch = Annotated[str, typer.Option(help="vm-bhyve switch name.")]
Passthrough = Annotated[bool, typer.Option(help="Prepare for PCI passthrough.")]
VmmPpt = Annotated[bool, typer.Option(help="Set allow.vmm_ppt (host must have it).")]


@jail_app.command("create")
@reports_errors
def jail_create_cmd(
    name: Name, release: Release = "14.3-RELEASE", ip: Ip = "SYNCDHCP", iface: Iface = "em0",
    vnet: Vnet = True, bridge: Bridge = None, gateway: Gateway = None, vm_dir: VmDir = "/vms",
    vm_dataset: VmDataset = None, switch: Switch = "public", ruleset: Ruleset = 25,
    ruleset_name: RulesetName = RULESET_NAME, preset: Presets = None,
    passthrough: Passthrough = False, vmm_ppt: VmmPpt = False,
    prefix: Prefix = str(BASTILLE_PREFIX), root: Root = Path("/"), dry_run: DryRun = False,
    emit: Emit = None,
) -> None:
    """Create the jail with Bastille, add jail.conf extras, apply the template, check it."""
    run_plan(_jail_plan(name, release, ip, iface, vnet, bridge, gateway, vm_dir, vm_dataset,
                        switch, ruleset, ruleset_name, preset, passthrough, vmm_ppt, prefix,
                        root, create=True), dry_run, emit)


@jail_app.command("apply")
@reports_errors
def jail_apply_cmd(
    name: Name, release: Release = "14.3-RELEASE", ip: Ip = "SYNCDHCP", iface: Iface = "em0",
    vnet: Vnet = True, bridge: Bridge = None, gateway: Gateway = None, vm_dir: VmDir = "/vms",
    vm_dataset: VmDataset = None, switch: Switch = "public", ruleset: Ruleset = 25,
    ruleset_name: RulesetName = RULESET_NAME, preset: Presets = None,
    passthrough: Passthrough = False, vmm_ppt: VmmPpt = False,
    template: Annotated[Path | None, typer.Option(
        help="Apply this template directory of your own instead of the rendered one "
             "(the feature flags are then not used).")] = None,
    prefix: Prefix = str(BASTILLE_PREFIX), root: Root = Path("/"), dry_run: DryRun = False,
    emit: Emit = None,
) -> None:
    """Apply the rendered template (or --template DIR) to an existing jail."""
    if template is not None:
        directory = template.absolute()
        if not (directory / "Bastillefile").is_file():
            raise SpecError("--template", str(template), "a directory holding a Bastillefile")
        values.jail_name("jail.name", name)
        run_plan(template_apply_plan(name, directory, tree_digest(directory), root.absolute(),
                                     PurePosixPath(prefix)), dry_run, emit)
        return
    run_plan(_jail_plan(name, release, ip, iface, vnet, bridge, gateway, vm_dir, vm_dataset,
                        switch, ruleset, ruleset_name, preset, passthrough, vmm_ppt, prefix,
                        root, create=False), dry_run, emit)
