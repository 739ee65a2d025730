"""`bhyvetpl host prepare`: the host's files, modules and sysctls for a bhyve jail.

One plan, handed to one consumer (bhyvetpl.run): --dry-run shows it, --emit sh prints it,
otherwise apply runs it.
"""

from __future__ import annotations

from pathlib import Path

import typer

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.cli import options as o
from bhyvetpl.cli.shared import warn
from bhyvetpl.model.options import JAIL, build_features
from bhyvetpl.model.paths import local_path
from bhyvetpl.plan.build import host_prepare_plan
from bhyvetpl.plan.hostdefaults import host_defaults
from bhyvetpl.plan.shared import refuse_other_release
from bhyvetpl.run import run_plan

host_app = typer.Typer(no_args_is_help=True, help="Change the FreeBSD host.")


@host_app.command("prepare")
def host_prepare_cmd(
    jail: o.HostJail = JAIL.name, release: o.HostRelease = None,
    ruleset: o.Ruleset = JAIL.ruleset.number, ruleset_name: o.RulesetName = JAIL.ruleset.name,
    guest: o.GuestNames = None, console: o.Console = True,
    console_device: o.ConsoleDevices = None, tap: o.Tap = True,
    host_tap: o.HostTaps = None, uplink: o.HostUplink = None, zvol_dataset: o.ZvolDataset = None,
    disk_device: o.DiskDevices = None, uefi: o.Uefi = False, passthru: o.HostPassthru = None,
    vmm_ppt: o.VmmPpt = False, dhcp: o.Dhcp = None, vnet: o.HostVnet = True,
    root: o.Root = Path("/"), dry_run: o.DryRun = False, emit: o.Emit = None,
    live: o.Live = False,
) -> None:
    """Prepare the host for a bhyve jail.

    Edit devfs.rules, loader.conf, rc.conf and sysctl.conf; load modules; reload devfs.
    """
    release, uplink = host_defaults(local_path("--root", root), SubprocessRunner(), release,
                                    uplink, "--uplink" if host_tap else None)
    features = build_features(o.host_options(
        jail, release, ruleset, ruleset_name, guest, console, console_device, tap, host_tap,
        uplink,
        zvol_dataset, disk_device, uefi, passthru, vmm_ppt, dhcp, vnet))
    warn(features)
    root = local_path("--root", root)
    refuse_other_release(release, root)
    run_plan(host_prepare_plan(features, root), dry_run, emit, live)
