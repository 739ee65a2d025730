"""`bhyvetpl new-guest`: a rendered guest config into the jail, then `vm create` and more."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from bhyvetpl import cli_options as o
from bhyvetpl.cli_common import warn_public_vnc
from bhyvetpl.cli_run import run_plan
from bhyvetpl.hostfs import HostFS
from bhyvetpl.model import values
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.options import JAIL, JailOptions, build_guest, build_jail
from bhyvetpl.model.paths import local_path, target_path
from bhyvetpl.plan.build import BASTILLE_PREFIX
from bhyvetpl.plan.guest import IsoSource, new_guest_plan
from bhyvetpl.plan.passthru import PassthroughError, passthrough_problems
from bhyvetpl.render import PRESET_DISK_SIZE


def refuse_passthrough(jail: JailSpec, guest: GuestSpec, root: Path,
                       prefix: PurePosixPath) -> None:
    """Raise PassthroughError when the host files say the jail cannot pass devices."""
    if not guest.passthru:
        return
    fs = HostFS(root)
    problems = passthrough_problems(
        jail.name, [p.bsf for p in guest.passthru],
        fs.read_text(fs.place(prefix / "jails" / jail.name / "jail.conf")),
        fs.read_text(fs.place("/etc/devfs.rules")), fs.read_text(fs.place("/boot/loader.conf")))
    if problems:
        raise PassthroughError(f"guest {guest.name} cannot pass PCI devices through in jail "
                               f"{jail.name}:\n" + "\n".join(f"  - {p}" for p in problems))


def new_guest_cmd(
    jail: Annotated[str, typer.Argument(help="The bhyve jail (running).")],
    name: Annotated[str, typer.Argument(help="Guest name.")],
    preset: o.Preset = "freebsd", loader: o.Loader = None, cpu: o.Cpu = None,
    topology: o.Topology = None, memory: o.Memory = None, disk: o.Disks = None,
    size: Annotated[str | None, typer.Option(
        help="disk0 size for vm create -s (default: the disk's size=, else by preset).")]
    = None,
    nic: o.Nics = None, no_nic: o.NoNic = False, switch: o.GuestSwitch = JAIL.switch,
    passthru: o.GuestPassthru = None, graphics: o.Graphics = None, vnc_port: o.VncPort = None,
    vnc_listen: o.VncListen = None, vnc_res: o.VncRes = None, vnc_wait: o.VncWait = None,
    comport: o.Comports = None, uuid: o.Uuid = None, debug: o.Debug = False,
    iso: Annotated[str | None, typer.Option(help="Installer: a URL (vm iso) or host path.")]
    = None,
    install: Annotated[bool, typer.Option(help="Boot the installer from --iso.")] = False,
    start: Annotated[bool, typer.Option(help="Start the guest.")] = False,
    vm_dir: o.VmDir = JAIL.vm_dir, vm_dataset: o.VmDataset = None,
    prefix: o.Prefix = str(BASTILLE_PREFIX), root: o.Root = Path("/"),
    dry_run: o.DryRun = False, emit: o.Emit = None,
) -> None:
    """Create a guest in a bhyve jail: template, vm create, optional ISO, install, start."""
    guest = build_guest(o.guest_options(
        name, preset, loader, cpu, topology, memory, disk, nic, no_nic, switch, passthru,
        graphics, vnc_port, vnc_listen, vnc_res, vnc_wait, comport, uuid, debug))
    warn_public_vnc(guest)
    spec = build_jail(JailOptions(name=jail, vm_dir=vm_dir, vm_dataset=vm_dataset,
                                  switch=switch), guests=(guest,))
    source = IsoSource.parse(iso) if iso is not None else None
    root, bastille_prefix = local_path("--root", root), target_path("--prefix", prefix)
    refuse_passthrough(spec, guest, root, bastille_prefix)
    disk_size = (values.size("guest.size", size) if size is not None else
                 guest.disks[0].size or PRESET_DISK_SIZE.get(preset, "20G"))
    plan = new_guest_plan(spec, guest, root, source, install, start, disk_size,
                          bastille_prefix)
    run_plan(plan, dry_run, emit)

