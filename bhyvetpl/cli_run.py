"""Commands that change a host: `host prepare`, `jail create`, `jail apply`.

Each builds one plan and hands it to exactly one consumer: `--dry-run` shows it,
`--emit sh` prints it as a script, otherwise apply runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl import cli_options as o
from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.apply import RunInterruptedError, Status, apply
from bhyvetpl.cli_common import warn
from bhyvetpl.emit import emit_sh
from bhyvetpl.errors import SpecError
from bhyvetpl.hostfs import HostFS, digest
from bhyvetpl.model import policy, values
from bhyvetpl.model.options import JAIL, build_features, build_jail
from bhyvetpl.model.paths import local_path, target_path
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.actions import Plan, Step
from bhyvetpl.plan.build import (
    BASTILLE_PREFIX,
    host_prepare_plan,
    jail_create_plan,
    template_apply_plan,
)
from bhyvetpl.plan.hostdefaults import host_defaults
from bhyvetpl.plan.shared import refuse_other_release, refuse_shared
from bhyvetpl.progress import Spinner
from bhyvetpl.show import describe

host_app = typer.Typer(no_args_is_help=True, help="Change the FreeBSD host.")
jail_app = typer.Typer(no_args_is_help=True, help="Create or update the bhyve jail.")


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

    spinners: dict[int, Spinner] = {}

    def report(index: int, total: int, step: Step, status: Status, note: str) -> None:
        if status == "running":
            line = f"[{index}/{total}] running: {step.where}: {step.what}"
            spinners[index] = Spinner(sys.stdout, line).start()
            if not sys.stdout.isatty():
                typer.echo(line + " ...")
            return
        took = spinners.pop(index).stop() if index in spinners else 0.0
        typer.echo(f"[{index}/{total}] {status}: {step.where}: {step.what}"
                   + (f" ({note})" if note else "") + (f" [{took:.0f}s]" if took >= 2 else ""))

    try:
        statuses = apply(plan, SubprocessRunner(), report)
    except RunInterruptedError as stop:
        typer.echo(f"bhyvetpl: {stop}; the files this run changed were put back", err=True)
        raise typer.Exit(stop.exit_code) from None
    if all(s in ("skipped", "unchanged", "passed") for s in statuses):
        typer.echo("nothing changed: every step was already done")
    for line in plan.summary:
        typer.echo(line)


@host_app.command("prepare")
def host_prepare_cmd(
    jail: o.HostJail = JAIL.name, release: o.HostRelease = None,
    ruleset: o.Ruleset = JAIL.ruleset.number, ruleset_name: o.RulesetName = JAIL.ruleset.name,
    guest: o.GuestNames = None, console: o.Console = True, tap: o.Tap = True,
    host_tap: o.HostTaps = None, uplink: o.HostUplink = None, zvol_dataset: o.ZvolDataset = None,
    disk_device: o.DiskDevices = None, uefi: o.Uefi = False, passthru: o.HostPassthru = None,
    vmm_ppt: o.VmmPpt = False, dhcp: o.Dhcp = False, vnet: o.HostVnet = True,
    root: o.Root = Path("/"), dry_run: o.DryRun = False, emit: o.Emit = None,
) -> None:
    """Edit devfs.rules, loader.conf, rc.conf, sysctl.conf; load modules; reload devfs."""
    release, uplink = host_defaults(local_path("--root", root), SubprocessRunner(), release,
                                    uplink, "--uplink" if host_tap else None)
    features = build_features(o.host_options(
        jail, release, ruleset, ruleset_name, guest, console, tap, host_tap, uplink,
        zvol_dataset, disk_device, uefi, passthru, vmm_ppt, dhcp, vnet))
    warn(features)
    root = local_path("--root", root)
    fs = HostFS(root)
    refuse_other_release(release, fs.read_text(fs.place("/bin/freebsd-version")))
    for rel, settings in (("boot/loader.conf", policy.loader_conf(features)),
                          ("etc/rc.conf", policy.rc_conf(features))):
        wanted = tuple(s.name for s in settings if s.name.startswith(("pptdevs", "ifconfig_")))
        refuse_shared(features.jail, wanted, f"/{rel}", fs.read_text(fs.place(f"/{rel}")))
    run_plan(host_prepare_plan(features, root), dry_run, emit)


def _jail_plan(name: str, release: str | None, ip: str, iface: str | None, vnet: bool,
               bridge: str | None, gateway: str | None, vm_dir: str, vm_dataset: str | None,
               switch: str, ruleset: int, ruleset_name: str, preset: list[str] | None,
               passthrough: bool, vmm_ppt: bool, prefix: str, root: Path, create: bool) -> Plan:
    release, iface = host_defaults(local_path("--root", root), SubprocessRunner(), release,
                                   iface, "--iface" if bridge is None else None)
    jail = build_jail(o.jail_options(name, release, ip, iface or "", vnet, bridge, gateway, vm_dir,
                                     vm_dataset, switch, ruleset, ruleset_name, preset,
                                     passthrough, vmm_ppt))
    warn(Features.of_jail(jail))
    return jail_create_plan(jail, local_path("--root", root), target_path("--prefix", prefix),
                            create=create)


@jail_app.command("create")
def jail_create_cmd(
    name: o.JailName, release: o.HostRelease = None, ip: o.Ip = JAIL.address,
    iface: o.HostIface = None, vnet: o.Vnet = True, bridge: o.Bridge = None,
    gateway: o.Gateway = None, vm_dir: o.VmDir = JAIL.vm_dir, vm_dataset: o.VmDataset = None,
    switch: o.JailSwitch = JAIL.switch, ruleset: o.Ruleset = JAIL.ruleset.number,
    ruleset_name: o.RulesetName = JAIL.ruleset.name, preset: o.Presets = None,
    passthrough: o.Passthrough = False, vmm_ppt: o.VmmPpt = False,
    prefix: o.Prefix = str(BASTILLE_PREFIX), root: o.Root = Path("/"),
    dry_run: o.DryRun = False, emit: o.Emit = None,
) -> None:
    """Create the jail with Bastille, add jail.conf extras, apply the template, check it."""
    run_plan(_jail_plan(name, release, ip, iface, vnet, bridge, gateway, vm_dir, vm_dataset,
                        switch, ruleset, ruleset_name, preset, passthrough, vmm_ppt, prefix,
                        root, create=True), dry_run, emit)


@jail_app.command("apply")
def jail_apply_cmd(
    name: o.JailName, release: o.HostRelease = None, ip: o.Ip = JAIL.address,
    iface: o.HostIface = None, vnet: o.Vnet = True, bridge: o.Bridge = None,
    gateway: o.Gateway = None, vm_dir: o.VmDir = JAIL.vm_dir, vm_dataset: o.VmDataset = None,
    switch: o.JailSwitch = JAIL.switch, ruleset: o.Ruleset = JAIL.ruleset.number,
    ruleset_name: o.RulesetName = JAIL.ruleset.name, preset: o.Presets = None,
    passthrough: o.Passthrough = False, vmm_ppt: o.VmmPpt = False,
    template: Annotated[Path | None, typer.Option(
        help="Apply this template directory of your own instead of the rendered one "
             "(the feature flags are then not used).")] = None,
    prefix: o.Prefix = str(BASTILLE_PREFIX), root: o.Root = Path("/"),
    dry_run: o.DryRun = False, emit: o.Emit = None,
) -> None:
    """Apply the rendered template (or --template DIR) to an existing jail."""
    if template is not None:
        directory = local_path("--template", template)
        # template.sh evals `bastille cp JAIL TEMPLATE_DIR/src dst` on the host: the
        # directory's own path must be as plain as any other value.
        values.abs_path("--template", directory.as_posix())
        host_root, bastille_prefix = local_path("--root", root), target_path("--prefix", prefix)
        if not (directory / "Bastillefile").is_file():
            raise SpecError("--template", str(template), "a directory holding a Bastillefile")
        values.jail_name("jail.name", name)
        run_plan(template_apply_plan(name, directory, digest(directory), host_root,
                                     bastille_prefix), dry_run, emit)
        return
    run_plan(_jail_plan(name, release, ip, iface, vnet, bridge, gateway, vm_dir, vm_dataset,
                        switch, ruleset, ruleset_name, preset, passthrough, vmm_ppt, prefix,
                        root, create=False), dry_run, emit)
