"""`bhyvetpl new-guest`: a rendered guest config into the jail, then `vm create` and more."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.cli import options as o
from bhyvetpl.cli.shared import warn, warn_public_vnc
from bhyvetpl.errors import SpecError
from bhyvetpl.facts.source import host_facts
from bhyvetpl.model.options import JAIL, GuestOptions, build_guest, existing_jail
from bhyvetpl.model.paths import local_path, target_path
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.build import BASTILLE_PREFIX
from bhyvetpl.plan.existing import jail_network
from bhyvetpl.plan.guest import IsoSource, disk0_size, new_guest_plan
from bhyvetpl.plan.oldslots import refuse_old_slots_in
from bhyvetpl.plan.passthru import refuse_passthrough
from bhyvetpl.run import run_plan
from bhyvetpl.spec.edit import guest_edit
from bhyvetpl.spec.load import read_spec
from bhyvetpl.spec.perguest import per_guest_entry, per_guest_plan, refuse_run_flags
from bhyvetpl.spec.view import below_root


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
    restart: Annotated[bool, typer.Option(
        help="Allow restarting the jail (its running guests are stopped first) when the "
             "guest's zvol/custom disks need securelevel 1.")] = False,
    vm_dir: o.VmDir = JAIL.vm_dir, vm_dataset: o.VmDataset = None,
    prefix: o.Prefix = str(BASTILLE_PREFIX), root: o.Root = Path("/"),
    dry_run: o.DryRun = False, emit: o.Emit = None, live: o.Live = False,
    file: Annotated[Path | None, typer.Option(
        "-f", "--file", help="Also add the guest to this spec file (comments and order "
        "kept) once the run succeeds; with --dry-run or --emit sh, only shown.")] = None,
) -> None:
    """Create a guest in a bhyve jail. Template, vm create, optional ISO, install, start."""
    options = o.guest_options(
        name, preset, loader, cpu, topology, memory, disk, nic, no_nic, switch, passthru,
        graphics, vnc_port, vnc_listen, vnc_res, vnc_wait, comport, uuid, debug)
    guest = build_guest(options)
    warn_public_vnc(guest)
    host_root, bastille_prefix = local_path("--root", root), target_path("--prefix", prefix)
    if file is not None and _per_guest(below_root(file, host_root), jail):
        refuse_run_flags(jail, name, {"--iso": iso, "--install": install, "--start": start,
                                      "--size": size, "--vm-dir": vm_dir != JAIL.vm_dir and
                                      vm_dir, "--vm-dataset": vm_dataset})
        _own_jail(file, jail, options, host_root, restart, dry_run, emit, live)
        return
    spec = existing_jail(jail, jail_network(host_root, bastille_prefix, jail), vm_dir,
                         vm_dataset, switch, guests=(guest,))
    source = IsoSource.parse(iso) if iso is not None else None
    refuse_passthrough(spec, guest, host_root, bastille_prefix)
    refuse_old_slots_in(host_root, bastille_prefix, jail, guest)
    plan = new_guest_plan(spec, guest, host_root, source, install, start,
                          disk0_size(guest, preset, size), bastille_prefix, restart,
                          check_taps=True)
    # Checked before the run (the jail is in the spec, the guest not yet); written after it.
    edit = guest_edit(local_path("-f", file), jail, options) if file is not None else None
    run_plan(plan, dry_run, emit, live)
    if edit is not None and (dry_run or emit is not None):
        typer.echo(f"note: {file} is left as it is; once the guest exists, add:\n{edit.table}",
                   err=True, nl=False)
    elif edit is not None:
        edit.write()
        typer.echo(f"added [jails.{jail}.guests.{name}] to {file}")


def _per_guest(path: Path, jail: str) -> bool:
    """Whether the spec's jail is per-guest.

    A spec that cannot be read is left to guest_edit, which says what is wrong with it.
    """
    try:
        return per_guest_entry(read_spec(path), jail)
    except SpecError:
        return False


def _own_jail(file: Path, jail: str, options: GuestOptions, root: Path, restart: bool,
              dry_run: bool, emit: str | None, live: bool) -> None:
    """A guest of a per-guest spec jail: its own jail, as apply makes it (spec.perguest)."""
    path = below_root(file, root)
    edit = guest_edit(local_path("-f", path), jail, options)
    converged = per_guest_plan(path, jail, options, host_facts(root), root, restart)
    for spec in converged.desired.jails:
        if spec.name == options.name:
            warn(Features.of_jail(spec))
    run_plan(converged.plan, dry_run, emit, live)
    if dry_run or emit is not None:
        typer.echo(f"note: {file} is left as it is; once the jail exists, add:\n{edit.table}",
                   err=True, nl=False)
        return
    edit.write()
    typer.echo(f"added [jails.{jail}.guests.{options.name}] to {file}: guest "
               f"{options.name} has jail {options.name} of its own")
