"""`bhyvetpl host prepare`: the host's files, modules and sysctls for a bhyve jail.

One plan, handed to one consumer (bhyvetpl.run): --dry-run shows it, --emit sh prints it,
otherwise apply runs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.cli import options as o
from bhyvetpl.cli.shared import warn
from bhyvetpl.facts.model import Facts, Interface
from bhyvetpl.facts.source import host_cpu, host_facts
from bhyvetpl.model.nat import BRIDGE
from bhyvetpl.model.options import JAIL, build_features
from bhyvetpl.model.paths import local_path
from bhyvetpl.plan.build import host_prepare_plan
from bhyvetpl.plan.converge import jail_features, with_cpu
from bhyvetpl.plan.hostdefaults import host_defaults, live_interface
from bhyvetpl.plan.network import uplink_bridged
from bhyvetpl.plan.shared import refuse_other_release
from bhyvetpl.run import run_plan
from bhyvetpl.spec.load import read_spec
from bhyvetpl.spec.resolve import resolve
from bhyvetpl.spec.view import refuse_flags, spec_in_use

# Flags whose values the spec gives when one is in use.
HOST_VALUE_FLAGS = ("release", "ruleset", "ruleset_name", "guest", "console", "console_device",
                    "tap", "host_tap",
                    "uplink", "zvol_dataset", "disk_device", "uefi", "passthru", "vmm_ppt",
                    "dhcp", "vnet", "nat", "uefi_guest", "vnc_guest", "limit_memory",
                    "isolation")

host_app = typer.Typer(no_args_is_help=True, help="Change the FreeBSD host.")


@host_app.command("prepare")
def host_prepare_cmd(
    ctx: typer.Context, jail: o.HostJail = JAIL.name, release: o.HostRelease = None,
    ruleset: o.Ruleset = JAIL.ruleset.number, ruleset_name: o.RulesetName = JAIL.ruleset.name,
    guest: o.GuestNames = None, console: o.Console = True,
    console_device: o.ConsoleDevices = None, tap: o.Tap = True,
    host_tap: o.HostTaps = None, uplink: o.HostUplink = None, zvol_dataset: o.ZvolDataset = None,
    disk_device: o.DiskDevices = None, uefi: o.Uefi = False, uefi_guest: o.UefiGuests = None,
    vnc_guest: o.VncGuests = None, limit_memory: o.LimitMemory = None,
    isolation: o.Isolation = "shared",
    passthru: o.HostPassthru = None,
    vmm_ppt: o.VmmPpt = False, dhcp: o.Dhcp = None, vnet: o.HostVnet = True,
    nat: o.HostNat = None, root: o.Root = Path("/"), dry_run: o.DryRun = False,
    emit: o.Emit = None,
    file: Annotated[Path | None, typer.Option(
        "-f", "--file", help="Follow this spec (default: /usr/local/etc/bhyvetpl.toml below "
        "--root when it exists): the host's part of its plan for --jail.")] = None,
    live: o.Live = False, restart_network: o.RestartNetwork = False,
) -> None:
    """Prepare the host for a bhyve jail.

    Edit devfs.rules, loader.conf, rc.conf and sysctl.conf; load modules; reload devfs.
    """
    host_root = local_path("--root", root)
    spec_path = spec_in_use(file, host_root)
    facts: Facts | None = None
    if spec_path is not None:
        # The spec's jail, as `bhyvetpl plan` sees it: its guests and the host's decide.
        spec = read_spec(spec_path)
        refuse_flags(spec, jail, {name for name in ctx.params if name in HOST_VALUE_FLAGS
                                  and getattr(ctx.get_parameter_source(name), "name", "")
                                  == "COMMANDLINE"})
        facts = host_facts(host_root)
        desired = resolve(spec, facts)
        features = jail_features(desired, facts, jail)
        refuse_other_release(next(j.release for j in desired.jails if j.name == jail),
                             host_root)
        def bridge() -> Interface | None:
            return facts.interface(BRIDGE) if facts else None
    else:
        release, uplink = host_defaults(host_root, SubprocessRunner(), release,
                                        uplink, "--uplink" if host_tap or nat else None)
        features = build_features(o.host_options(
            jail, release, ruleset, ruleset_name, guest, console, console_device, tap,
            host_tap, uplink, zvol_dataset, disk_device, uefi, passthru, vmm_ppt, dhcp, vnet,
            nat, uefi_guest, vnc_guest, limit_memory, isolation))
        refuse_other_release(release, host_root)
        # rctl rules are added now only below what a running jail uses: read it first.
        facts = host_facts(host_root) if features.limit_memory is not None else None
        if features.needs_passthrough:   # only hw.vmm.amdvi.enable reads the CPU
            features = with_cpu(features, facts.cpu if facts else host_cpu(host_root))
        # bridge0 as it is now, read only when it is this machine's and rc.conf has one
        read_live = uplink_bridged(features) and (live or host_root == Path("/"))

        def bridge() -> Interface | None:
            return live_interface(SubprocessRunner(), BRIDGE) if read_live else None
    warn(features)
    run_plan(host_prepare_plan(features, host_root, restart_network=restart_network,
                               facts=facts, live_bridge=bridge), dry_run, emit, live)
