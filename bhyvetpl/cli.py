"""The command line: options to specs, specs to files or stdout, errors to exit codes."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from bhyvetpl import __version__
from bhyvetpl.cli_check import doctor_cmd, lint_cmd
from bhyvetpl.cli_common import emit, reports_errors, warn
from bhyvetpl.errors import ExitCode
from bhyvetpl.model import policy
from bhyvetpl.model.lab import sample_lab
from bhyvetpl.model.options import (
    GuestOptions,
    HostOptions,
    JailOptions,
    build_features,
    build_guest,
    build_jail,
)
from bhyvetpl.model.policy import Features
from bhyvetpl.output import table, tree, write_atomic, write_tree
from bhyvetpl.render import RenderedFile, render_guest, render_host, render_jail

app = typer.Typer(
    add_completion=False, no_args_is_help=True,
    help="Run bhyve guests inside FreeBSD jails, with the least privilege that works.")
render_app = typer.Typer(no_args_is_help=True, help="Render files from flags; nothing is run.")
app.add_typer(render_app, name="render")
app.command("lint")(lint_cmd)
app.command("doctor")(doctor_cmd)

Out = Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")]
Name = Annotated[str, typer.Argument(help="Guest or jail name.")]


@render_app.command("guest")
@reports_errors
def render_guest_cmd(
    name: Name,
    preset: Annotated[str, typer.Option(help="freebsd, linux, linux-grub, windows, openbsd.")]
    = "freebsd",
    loader: Annotated[str | None, typer.Option(help="bhyveload, grub, uefi, uefi-csm.")] = None,
    cpu: Annotated[int | None, typer.Option(help="Virtual CPUs.")] = None,
    topology: Annotated[str | None, typer.Option(help="SOCKETSxCORESxTHREADS.")] = None,
    memory: Annotated[str | None, typer.Option(help="Memory, e.g. 512M or 4G.")] = None,
    disk: Annotated[list[str] | None, typer.Option(
        help="NAME[,type=T][,dev=file|zvol|sparse-zvol][,size=S]; repeat for more.")] = None,
    nic: Annotated[list[str] | None, typer.Option(
        help="SWITCH[,type=virtio-net|e1000][,mac=M][,device=TAP]; repeat for more.")] = None,
    no_nic: Annotated[bool, typer.Option("--no-nic", help="A guest without network.")] = False,
    switch: Annotated[str, typer.Option(help="Switch of the default NIC.")] = "public",
    passthru: Annotated[list[str] | None, typer.Option(
        help="Host PCI device BUS/SLOT/FUNC[=SLOT:FUNC]; repeat for more.")] = None,
    graphics: Annotated[bool | None, typer.Option(
        "--graphics/--no-graphics", help="UEFI framebuffer over VNC.")] = None,
    vnc_port: Annotated[int | None, typer.Option(help="VNC port (default: first free).")]
    = None,
    vnc_listen: Annotated[str | None, typer.Option(help="VNC address (default 127.0.0.1).")]
    = None,
    vnc_res: Annotated[str | None, typer.Option(help="Resolution WxH.")] = None,
    vnc_wait: Annotated[str | None, typer.Option(help="yes, no or auto.")] = None,
    comport: Annotated[list[str] | None, typer.Option(help="com1-com4; repeat for more.")]
    = None,
    uuid: Annotated[str | None, typer.Option(help="Fixed SMBIOS UUID.")] = None,
    debug: Annotated[bool, typer.Option(help="vm-bhyve debug logging.")] = False,
    output: Out = None,
) -> None:
    """Render a vm-bhyve guest config."""
    guest = build_guest(GuestOptions(
        name=name, preset=preset, loader=loader, cpu=cpu, topology=topology, memory=memory,
        disks=disk or (), nics=nic or (), no_nic=no_nic, switch=switch,
        passthru=passthru or (), graphics=graphics, vnc_port=vnc_port, vnc_listen=vnc_listen,
        vnc_res=vnc_res, vnc_wait=vnc_wait, comports=comport or (), uuid=uuid, debug=debug))
    text = render_guest(guest)
    if guest.graphics and guest.graphics.listen not in ("127.0.0.1", "::1"):
        typer.echo(f"warning: VNC of {name} listens on {guest.graphics.listen}, "
                   "reachable beyond this host", err=True)
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(output, text)


def jail_options(name: str, release: str, network: str, iface: str, ip: str,
                 gateway: str | None, vm_dir: str, vm_dataset: str | None, switch: str,
                 ruleset: int, ruleset_name: str, preset: list[str] | None,
                 passthrough: bool, vmm_ppt: bool) -> JailOptions:
    """Collect the jail flags (shared by every command that takes them)."""
    return JailOptions(name=name, release=release, network=network, interface=iface,
                       address=ip, gateway=gateway, vm_dir=vm_dir, vm_dataset=vm_dataset,
                       switch=switch, ruleset=ruleset, ruleset_name=ruleset_name,
                       presets=tuple(preset or ("freebsd",)), passthrough=passthrough,
                       vmm_ppt=vmm_ppt)


@render_app.command("jail")
@reports_errors
def render_jail_cmd(
    name: Name,
    release: Annotated[str, typer.Option(help="FreeBSD release of the jail.")]
    = "14.3-RELEASE",
    network: Annotated[str, typer.Option(help="vnet, bridge or shared.")] = "vnet",
    iface: Annotated[str, typer.Option(help="Host interface (or bridge) for the jail.")]
    = "em0",
    ip: Annotated[str, typer.Option(help="DHCP, SYNCDHCP or ADDR/NN.")] = "SYNCDHCP",
    gateway: Annotated[str | None, typer.Option(help="Default router (static vnet).")] = None,
    vm_dir: Annotated[str, typer.Option(help="vm-bhyve's vm_dir in the jail.")] = "/vms",
    vm_dataset: Annotated[str | None, typer.Option(
        help="ZFS dataset for vm_dir (needed for zvol disks).")] = None,
    switch: Annotated[str, typer.Option(help="vm-bhyve switch name.")] = "public",
    ruleset: Annotated[int, typer.Option(help="devfs ruleset number.")] = 25,
    ruleset_name: Annotated[str, typer.Option(help="devfs ruleset name.")]
    = "devfs_rules_bhyve_jail",
    preset: Annotated[list[str] | None, typer.Option(
        help="Guest templates to install; repeat for more.")] = None,
    passthrough: Annotated[bool, typer.Option(help="Prepare for PCI passthrough.")] = False,
    vmm_ppt: Annotated[bool, typer.Option(help="Set allow.vmm_ppt (host must have it).")]
    = False,
    output: Out = None,
) -> None:
    """Render the Bastille template directory for a bhyve jail."""
    jail = build_jail(jail_options(name, release, network, iface, ip, gateway, vm_dir,
                                   vm_dataset, switch, ruleset, ruleset_name, preset,
                                   passthrough, vmm_ppt))
    warn(Features.of_jail(jail))
    emit(render_jail(jail), output)


@render_app.command("host")
@reports_errors
def render_host_cmd(
    jail: Annotated[str, typer.Option(help="Name of the bhyve jail.")] = "bhyve",
    release: Annotated[str, typer.Option(help="FreeBSD release of the host.")]
    = "14.3-RELEASE",
    ruleset: Annotated[int, typer.Option(help="devfs ruleset number.")] = 25,
    ruleset_name: Annotated[str, typer.Option(help="devfs ruleset name.")]
    = "devfs_rules_bhyve_jail",
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
    vmm_ppt: Annotated[bool, typer.Option(help="Emit allow.vmm_ppt.")] = False,
    dhcp: Annotated[bool, typer.Option(help="DHCP in the vnet jail.")] = False,
    vnet: Annotated[bool, typer.Option(help="The jail is a vnet jail.")] = True,
    output: Out = None,
) -> None:
    """Render the host fragments: devfs ruleset, loader.conf, rc.conf, sysctl.conf."""
    features = build_features(HostOptions(
        jail=jail, release=release, ruleset=ruleset, ruleset_name=ruleset_name,
        guests=tuple(guest or ()), console=console, tap=tap, host_taps=tuple(host_tap or ()),
        uplink=uplink, zvol_dataset=zvol_dataset, uefi=uefi, passthru=tuple(passthru or ()),
        vmm_ppt=vmm_ppt, dhcp=dhcp, vnet=vnet))
    warn(features)
    emit(render_host(features, None), output)


@app.command("demo")
@reports_errors
def demo_cmd(
    output: Annotated[Path, typer.Argument(help="Folder to render the sample lab into.")]
    = Path("lab"),
) -> None:
    """Render the embedded sample lab (jail template, guests, host) and summarise it."""
    jail = sample_lab()
    features = Features.of_jail(jail)
    files = [RenderedFile(PurePosixPath("bastille", jail.name, *f.relpath.parts), f.text)
             for f in render_jail(jail)]
    files += [RenderedFile(PurePosixPath("guests", f"{g.name}.conf"), render_guest(g))
              for g in jail.guests]
    files += [RenderedFile(PurePosixPath("host", *f.relpath.parts), f.text)
              for f in render_host(features, jail.vm_dataset)]
    written = write_tree(output, files)
    typer.echo(f"bhyvetpl {__version__}: sample lab, jail {jail.name!r} "
               f"({jail.release}, {jail.network} on {jail.interface}, {jail.address})\n")
    typer.echo(tree(output, written) + "\n")
    rows = [(g.name, g.loader, str(g.cpu), g.memory, ",".join(n.switch for n in g.nics),
             f"{g.graphics.listen}:{g.graphics.port or 'auto'}" if g.graphics else "-",
             f"/dev/nmdm-{g.name}.1B")
            for g in jail.guests]
    typer.echo(table(("guest", "loader", "cpu", "memory", "switch", "vnc", "console"), rows))
    level = policy.securelevel(features)
    typer.echo(f"\njail: securelevel {level.value} ({level.why}); devfs ruleset "
               f"{jail.ruleset.number} unhides "
               + ", ".join(p for g in policy.devfs_rules(features) for p in g.paths))
    typer.echo(f"next: review {output}/host, then apply the host blocks and "
               f"`bastille template {jail.name} <dir>`", err=False)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="bhyvetpl")


__all__ = ["ExitCode", "app", "main"]
