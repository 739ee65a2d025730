"""`bhyvetpl jail create|apply`: the bhyve jail from its flags (or a template of your own).

Each builds one plan and hands it to one consumer (bhyvetpl.run): --dry-run shows it,
--emit sh prints it, otherwise apply runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.cli import options as o
from bhyvetpl.cli.shared import warn
from bhyvetpl.model.options import JAIL, build_jail
from bhyvetpl.model.paths import local_path, target_path
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.actions import Plan
from bhyvetpl.plan.build import BASTILLE_PREFIX, jail_create_plan
from bhyvetpl.plan.hostdefaults import host_defaults
from bhyvetpl.plan.template_dir import own_template_plan
from bhyvetpl.run import run_plan

jail_app = typer.Typer(no_args_is_help=True, help="Create or update the bhyve jail.")


def _jail_plan(create: bool, root: Path, prefix: str, name: str, release: str | None,
               ip: str, iface: str | None, vnet: bool, bridge: str | None,
               gateway: str | None, vm_dir: str, vm_dataset: str | None, switch: str,
               ruleset: int, ruleset_name: str, preset: list[str] | None, passthrough: bool,
               vmm_ppt: bool) -> Plan:
    """Both commands' plan: the host answers what the flags leave out, then the model."""
    release, iface = host_defaults(local_path("--root", root), SubprocessRunner(), release,
                                   iface, "--iface" if bridge is None else None)
    jail = build_jail(o.jail_options(name, release, ip, iface or "", vnet, bridge, gateway,
                                     vm_dir, vm_dataset, switch, ruleset, ruleset_name, preset,
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
    dry_run: o.DryRun = False, emit: o.Emit = None, live: o.Live = False,
) -> None:
    """Create the bhyve jail with Bastille. Add jail.conf extras, apply the template, check."""
    run_plan(_jail_plan(True, root, prefix, name, release, ip, iface, vnet, bridge, gateway,
                        vm_dir, vm_dataset, switch, ruleset, ruleset_name, preset, passthrough,
                        vmm_ppt), dry_run, emit, live)


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
    dry_run: o.DryRun = False, emit: o.Emit = None, live: o.Live = False,
) -> None:
    """Apply the template to an existing jail. The rendered one, or --template DIR."""
    if template is not None:
        run_plan(own_template_plan(name, template, root, prefix), dry_run, emit, live)
        return
    run_plan(_jail_plan(False, root, prefix, name, release, ip, iface, vnet, bridge, gateway,
                        vm_dir, vm_dataset, switch, ruleset, ruleset_name, preset, passthrough,
                        vmm_ppt), dry_run, emit, live)
