"""`bhyvetpl new-guest`: a rendered guest config into the jail, then `vm create` and more."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from bhyvetpl.apply import read_text
from bhyvetpl.cli_common import reports_errors
from bhyvetpl.cli_run import DryRun, Emit, Prefix, Root, run_plan
from bhyvetpl.model import values
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.options import GuestOptions, JailOptions, build_guest, build_jail
from bhyvetpl.plan.build import BASTILLE_PREFIX, below
from bhyvetpl.plan.guest import IsoSource, new_guest_plan
from bhyvetpl.plan.passthru import PassthroughError, passthrough_problems
from bhyvetpl.render import PRESET_DISK_SIZE


def refuse_passthrough(jail: JailSpec, guest: GuestSpec, root: Path, prefix: str) -> None:
    """Raise PassthroughError when the host files say the jail cannot pass devices."""
    if not guest.passthru:
        return
    problems = passthrough_problems(
        jail.name, [p.bsf for p in guest.passthru],
        read_text(below(root, PurePosixPath(prefix) / "jails" / jail.name / "jail.conf")),
        read_text(below(root, "/etc/devfs.rules")), read_text(below(root, "/boot/loader.conf")))
    if problems:
        raise PassthroughError(f"guest {guest.name} cannot pass PCI devices through in jail "
                               f"{jail.name}:\n" + "\n".join(f"  - {p}" for p in problems))


def new_guest_cmd(
    jail: Annotated[str, typer.Argument(help="The bhyve jail (running).")],
    name: Annotated[str, typer.Argument(help="Guest name.")],
    preset: Annotated[str, typer.Option(help="freebsd, linux, linux-grub, windows, openbsd.")]
    = "freebsd",
    loader: Annotated[str | None, typer.Option(help="bhyveload, grub, uefi, uefi-csm.")] = None,
    cpu: Annotated[int | None, typer.Option(help="Virtual CPUs.")] = None,
    memory: Annotated[str | None, typer.Option(help="Memory, e.g. 512M or 4G.")] = None,
    disk: Annotated[list[str] | None, typer.Option(
        help="NAME[,type=T][,dev=file|zvol|sparse-zvol][,size=S]; repeat for more.")] = None,
    size: Annotated[str | None, typer.Option(
        help="disk0 size for vm create -s (default: the disk's size=, else by preset).")]
    = None,
    nic: Annotated[list[str] | None, typer.Option(
        help="SWITCH[,type=virtio-net|e1000][,mac=M][,device=TAP]; repeat for more.")] = None,
    switch: Annotated[str, typer.Option(help="Switch of the default NIC.")] = "public",
    passthru: Annotated[list[str] | None, typer.Option(
        help="Host PCI device BUS/SLOT/FUNC[=SLOT:FUNC]; repeat for more.")] = None,
    graphics: Annotated[bool | None, typer.Option(
        "--graphics/--no-graphics", help="UEFI framebuffer over VNC.")] = None,
    vnc_port: Annotated[int | None, typer.Option(help="VNC port (default: first free).")]
    = None,
    vnc_listen: Annotated[str | None, typer.Option(help="VNC address (default 127.0.0.1).")]
    = None,
    iso: Annotated[str | None, typer.Option(help="Installer: a URL (vm iso) or host path.")]
    = None,
    install: Annotated[bool, typer.Option(help="Boot the installer from --iso.")] = False,
    start: Annotated[bool, typer.Option(help="Start the guest.")] = False,
    vm_dir: Annotated[str, typer.Option(help="vm-bhyve's vm_dir in the jail.")] = "/vms",
    vm_dataset: Annotated[str | None, typer.Option(help="ZFS dataset of vm_dir.")] = None,
    prefix: Prefix = str(BASTILLE_PREFIX),
    root: Root = Path("/"),
    dry_run: DryRun = False,
    emit: Emit = None,
) -> None:
    """Create a guest in a bhyve jail: template, vm create, optional ISO, install, start."""
    guest = build_guest(GuestOptions(
        name=name, preset=preset, loader=loader, cpu=cpu, memory=memory, disks=disk or (),
        nics=nic or (), switch=switch, passthru=passthru or (), graphics=graphics,
        vnc_port=vnc_port, vnc_listen=vnc_listen))
    spec = build_jail(JailOptions(name=jail, vm_dir=vm_dir, vm_dataset=vm_dataset,
                                  switch=switch), guests=(guest,))
    source = IsoSource.parse(iso) if iso is not None else None
    root = root.absolute()
    refuse_passthrough(spec, guest, root, prefix)
    disk_size = values.size("guest.size", size) if size else PRESET_DISK_SIZE.get(preset, "20G")
    plan = new_guest_plan(spec, guest, root, source, install, start, disk_size,
                          PurePosixPath(prefix))
    run_plan(plan, dry_run, emit)


new_guest = reports_errors(new_guest_cmd)
