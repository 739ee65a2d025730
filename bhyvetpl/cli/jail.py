"""`bhyvetpl jail create|apply`: the bhyve jail from its flags (or a template of your own).

Each builds one plan and hands it to one consumer (bhyvetpl.run): --dry-run shows it,
--emit sh prints it, otherwise apply runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.cli import options as o
from bhyvetpl.cli.shared import warn
from bhyvetpl.facts.source import host_facts
from bhyvetpl.model.options import JAIL, build_jail
from bhyvetpl.model.paths import local_path, target_path
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.actions import Plan
from bhyvetpl.plan.build import BASTILLE_PREFIX, jail_create_plan
from bhyvetpl.plan.hostdefaults import host_defaults
from bhyvetpl.plan.template_dir import own_template_plan
from bhyvetpl.run import run_plan
from bhyvetpl.spec.load import read_spec
from bhyvetpl.spec.resolve import resolve
from bhyvetpl.spec.view import JAIL_FLAGS, host_values, refuse_flags, spec_in_use

Restart = Annotated[bool, typer.Option(
    help="Allow restarting the existing jail when its jail.conf parameters change, or its "
         "template is applied while guests run (they are stopped through vm-bhyve first).")]
SpecFileOption = Annotated[Path | None, typer.Option(
    "-f", "--file", help="Follow this spec (default: /usr/local/etc/bhyvetpl.toml below "
    "--root when it exists): the jail's values are the spec's.")]

jail_app = typer.Typer(no_args_is_help=True, help="Create or update the bhyve jail.")


def _given(ctx: typer.Context) -> set[str]:
    """The parameters given on the command line (not defaults)."""
    # By the enum's name: typer vendors click (0.29) or imports it (older lines).
    return {name for name in ctx.params
            if getattr(ctx.get_parameter_source(name), "name", "") == "COMMANDLINE"}


def _jail_plan(ctx: typer.Context, create: bool, restart: bool, file: Path | None,
               args: dict[str, Any]) -> Plan:
    """Both commands' plan: the spec's jail, else the host's values under the flags given.

    With a spec in use (-f FILE, or the default one below --root), the jail is the spec's
    and its guests (and those the host has) decide its securelevel. Without one, a jail
    that exists keeps what its files show (address, network, ruleset, presets) for every
    flag not given; the host answers release and interface; then the model.
    """
    root = local_path("--root", args["root"])
    prefix = target_path("--prefix", args["prefix"])
    name = args["name"]
    spec_path = spec_in_use(file, root)
    if spec_path is not None:
        spec = read_spec(spec_path)
        refuse_flags(spec, name, _given(ctx) & set(JAIL_FLAGS))
        facts = host_facts(root)
        jail = next(j for j in resolve(spec, facts).jails if j.name == name)
        found = facts.jail(name)
        configs = tuple(g.config for g in found.guests) if found else ()
    else:
        shown = host_values(root, prefix, name)
        configs = ()
        if shown is not None:
            values, found_jail = shown
            args.update({k: v for k, v in values.items() if k not in _given(ctx)})
            configs = tuple(g.config for g in found_jail.guests)
        release, iface = host_defaults(root, SubprocessRunner(), args["release"],
                                       args["iface"],
                                       "--iface" if args["bridge"] is None else None)
        jail = build_jail(o.jail_options(
            name, release, args["ip"], iface or "", args["vnet"], args["bridge"],
            args["gateway"], args["vm_dir"], args["vm_dataset"], args["switch"],
            args["ruleset"], args["ruleset_name"], args["preset"], args["passthrough"],
            args["vmm_ppt"]))
    warn(Features.of_jail(jail))
    return jail_create_plan(jail, root, prefix, create=create, found=configs, restart=restart)


@jail_app.command("create")
def jail_create_cmd(
    ctx: typer.Context, name: o.JailName, release: o.HostRelease = None, ip: o.Ip = JAIL.address,
    iface: o.HostIface = None, vnet: o.Vnet = True, bridge: o.Bridge = None,
    gateway: o.Gateway = None, vm_dir: o.VmDir = JAIL.vm_dir, vm_dataset: o.VmDataset = None,
    switch: o.JailSwitch = JAIL.switch, ruleset: o.Ruleset = JAIL.ruleset.number,
    ruleset_name: o.RulesetName = JAIL.ruleset.name, preset: o.Presets = None,
    passthrough: o.Passthrough = False, vmm_ppt: o.VmmPpt = False,
    prefix: o.Prefix = str(BASTILLE_PREFIX), root: o.Root = Path("/"),
    dry_run: o.DryRun = False, emit: o.Emit = None, restart: Restart = False,
    live: o.Live = False,
    file: SpecFileOption = None,
) -> None:
    """Create the bhyve jail with Bastille. Add jail.conf extras, apply the template, check."""
    run_plan(_jail_plan(ctx, True, restart, file, {
        "name": name, "release": release, "ip": ip, "iface": iface, "vnet": vnet,
        "bridge": bridge,
        "gateway": gateway, "vm_dir": vm_dir, "vm_dataset": vm_dataset, "switch": switch,
        "ruleset": ruleset, "ruleset_name": ruleset_name, "preset": preset,
        "passthrough": passthrough, "vmm_ppt": vmm_ppt, "prefix": prefix,
        "root": root}), dry_run, emit, live)


@jail_app.command("apply")
def jail_apply_cmd(
    ctx: typer.Context, name: o.JailName, release: o.HostRelease = None, ip: o.Ip = JAIL.address,
    iface: o.HostIface = None, vnet: o.Vnet = True, bridge: o.Bridge = None,
    gateway: o.Gateway = None, vm_dir: o.VmDir = JAIL.vm_dir, vm_dataset: o.VmDataset = None,
    switch: o.JailSwitch = JAIL.switch, ruleset: o.Ruleset = JAIL.ruleset.number,
    ruleset_name: o.RulesetName = JAIL.ruleset.name, preset: o.Presets = None,
    passthrough: o.Passthrough = False, vmm_ppt: o.VmmPpt = False,
    template: Annotated[Path | None, typer.Option(
        help="Apply this template directory of your own instead of the rendered one "
             "(the feature flags are then not used).")] = None,
    prefix: o.Prefix = str(BASTILLE_PREFIX), root: o.Root = Path("/"),
    dry_run: o.DryRun = False, emit: o.Emit = None, restart: Restart = False,
    live: o.Live = False,
    file: SpecFileOption = None,
) -> None:
    """Apply the template to an existing jail. The rendered one, or --template DIR."""
    if template is not None:
        run_plan(own_template_plan(name, template, root, prefix), dry_run, emit, live)
        return
    run_plan(_jail_plan(ctx, False, restart, file, {
        "name": name, "release": release, "ip": ip, "iface": iface, "vnet": vnet,
        "bridge": bridge,
        "gateway": gateway, "vm_dir": vm_dir, "vm_dataset": vm_dataset, "switch": switch,
        "ruleset": ruleset, "ruleset_name": ruleset_name, "preset": preset,
        "passthrough": passthrough, "vmm_ppt": vmm_ppt, "prefix": prefix,
        "root": root}), dry_run, emit, live)
