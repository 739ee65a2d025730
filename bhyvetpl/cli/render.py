"""`bhyvetpl render ...`: flags to specs to files; nothing is run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.cli import options as o
from bhyvetpl.cli.shared import warn, warn_public_vnc
from bhyvetpl.model.options import JAIL, build_features, build_guest, build_jail
from bhyvetpl.model.paths import local_path
from bhyvetpl.model.policy import Features
from bhyvetpl.output import tree, write_file, write_tree
from bhyvetpl.render import RenderedFile, render_guest, render_host, render_jail


def emit_files(files: tuple[RenderedFile, ...], output: Path | None, force: bool) -> None:
    """Print the files, or write them below output (never over a file of someone else's)."""
    if output is None:
        for rendered in files:
            typer.echo(f"==> {rendered.relpath} <==")
            typer.echo(rendered.text, nl=False)
        return
    out = local_path("--output", output)
    typer.echo(tree(out, write_tree(out, files, force)), err=True)


render_app = typer.Typer(no_args_is_help=True, help="Render files from flags; nothing is run.")


@render_app.command("guest")
def render_guest_cmd(
    name: Annotated[str, typer.Argument(help="Guest name.")],
    preset: o.Preset = "freebsd", loader: o.Loader = None, cpu: o.Cpu = None,
    topology: o.Topology = None, memory: o.Memory = None, disk: o.Disks = None,
    nic: o.Nics = None, no_nic: o.NoNic = False, switch: o.GuestSwitch = JAIL.switch,
    passthru: o.GuestPassthru = None, graphics: o.Graphics = None, vnc_port: o.VncPort = None,
    vnc_listen: o.VncListen = None, vnc_res: o.VncRes = None, vnc_wait: o.VncWait = None,
    comport: o.Comports = None, uuid: o.Uuid = None, debug: o.Debug = False,
    output: o.Output = None, force: o.Force = False,
) -> None:
    """Render a vm-bhyve guest config."""
    guest = build_guest(o.guest_options(
        name, preset, loader, cpu, topology, memory, disk, nic, no_nic, switch, passthru,
        graphics, vnc_port, vnc_listen, vnc_res, vnc_wait, comport, uuid, debug))
    text = render_guest(guest)
    warn_public_vnc(guest)
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_file(local_path("--output", output), text, force)


@render_app.command("jail")
def render_jail_cmd(
    name: o.JailName, release: o.Release = JAIL.release, ip: o.Ip = JAIL.address,
    iface: o.Iface = JAIL.interface, vnet: o.Vnet = True, bridge: o.Bridge = None,
    gateway: o.Gateway = None, vm_dir: o.VmDir = JAIL.vm_dir, vm_dataset: o.VmDataset = None,
    switch: o.JailSwitch = JAIL.switch, ruleset: o.Ruleset = JAIL.ruleset.number,
    ruleset_name: o.RulesetName = JAIL.ruleset.name, preset: o.Presets = None,
    passthrough: o.Passthrough = False, vmm_ppt: o.VmmPpt = False, output: o.Output = None,
    force: o.Force = False,
) -> None:
    """Render the Bastille template directory for a bhyve jail."""
    jail = build_jail(o.jail_options(name, release, ip, iface, vnet, bridge, gateway, vm_dir,
                                     vm_dataset, switch, ruleset, ruleset_name, preset,
                                     passthrough, vmm_ppt))
    warn(Features.of_jail(jail))
    emit_files(render_jail(jail), output, force)


@render_app.command("host")
def render_host_cmd(
    jail: o.HostJail = JAIL.name, release: o.Release = JAIL.release,
    ruleset: o.Ruleset = JAIL.ruleset.number, ruleset_name: o.RulesetName = JAIL.ruleset.name,
    guest: o.GuestNames = None, console: o.Console = True,
    console_device: o.ConsoleDevices = None, tap: o.Tap = True,
    host_tap: o.HostTaps = None, uplink: o.Uplink = None, zvol_dataset: o.ZvolDataset = None,
    disk_device: o.DiskDevices = None, uefi: o.Uefi = False, uefi_guest: o.UefiGuests = None,
    vnc_guest: o.VncGuests = None, limit_memory: o.LimitMemory = None,
    isolation: o.Isolation = "shared",
    passthru: o.HostPassthru = None,
    vmm_ppt: o.VmmPpt = False, dhcp: o.Dhcp = None, vnet: o.HostVnet = True,
    nat: o.HostNat = None, output: o.Output = None, force: o.Force = False,
) -> None:
    """Render the host fragments. devfs ruleset, loader.conf, rc.conf, sysctl.conf."""
    features = build_features(o.host_options(
        jail, release, ruleset, ruleset_name, guest, console, console_device, tap, host_tap,
        uplink, zvol_dataset, disk_device, uefi, passthru, vmm_ppt, dhcp, vnet, nat,
        uefi_guest, vnc_guest, limit_memory, isolation))
    warn(features)
    emit_files(render_host(features, None), output, force)
