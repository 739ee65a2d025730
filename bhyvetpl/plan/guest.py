"""The new-guest plan, and the check that a jail can pass PCI devices through."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from bhyvetpl.adapters import bastille, host, vm
from bhyvetpl.errors import SpecError
from bhyvetpl.hostfs import HostFS, below
from bhyvetpl.model import values
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.values import ARG_SAFE_RE
from bhyvetpl.plan.actions import Check, Plan, Probe, RemoveFile, RunCommand, Step, WriteFile
from bhyvetpl.plan.build import BASTILLE_PREFIX, TEMPLATE_TIMEOUT
from bhyvetpl.plan.footprint import ruleset_steps, securelevel_steps
from bhyvetpl.plan.rootpkg import package_step
from bhyvetpl.render import PRESET_DISK_SIZE, render_guest

ISO_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*\.(iso|img)", re.ASCII)


@dataclass(frozen=True, slots=True)
class IsoSource:
    """An installer image: a URL `vm iso` fetches, or a host file `bastille cp` copies."""

    source: str
    name: str
    is_url: bool

    @classmethod
    def parse(cls, text: str) -> IsoSource:
        """Check the URL or path and derive the file name it lands as in `$vm_dir/.iso`."""
        url = urlsplit(text)
        is_url = url.scheme in ("http", "https", "ftp")
        name = PurePosixPath(url.path if is_url else text).name
        if not ISO_NAME_RE.fullmatch(name) or not ARG_SAFE_RE.fullmatch(text) or (
                not is_url and not text.startswith("/")):
            raise SpecError("--iso", text, "an http(s)/ftp URL or an absolute host path of "
                            "A-Z a-z 0-9 . _ / : - + ending in NAME.iso or NAME.img")
        return cls(text, name, is_url)


def disk0_size(guest: GuestSpec, preset: str, size: str | None) -> str:
    """`vm create -s`: --size, else disk0's size=, else the preset's default."""
    if size is not None:
        return values.size("guest.size", size)
    return guest.disks[0].size or PRESET_DISK_SIZE.get(preset, "20G")


def jail_templates_dir(jail: JailSpec, root: Path,
                       prefix: PurePosixPath = BASTILLE_PREFIX, fs: HostFS | None = None) -> Path:
    """`$vm_dir/.templates` of the jail, seen from the host through the jail's root."""
    return _templates_dir((fs or HostFS(root)).root, prefix, jail.name, jail.vm_dir_path)


@lru_cache(maxsize=256)
def _templates_dir(root: Path, prefix: PurePosixPath, jail: str, vm_dir: str) -> Path:
    """Built once per jail: a spec's plan asks for each of the jail's new guests."""
    jail_root = below(root, prefix / "jails" / jail / "root")
    return below(jail_root, vm_dir) / ".templates"


def host_tap_check(jail: str | None, tap: str) -> Check:
    """Stop unless the host has the tap a shared-IP jail's NIC names (networkN_device).

    Only host prepare creates such a tap, bridges it with the uplink and unhides it
    (plan/network.py tap_steps); templates install and new-guest only check for it.
    """
    return Check(Probe(host.ifconfig_argv(tap), means=f"{tap} exists on the host"),
                 fix=f"bhyvetpl host prepare --jail {jail} --no-vnet --host-tap {tap} "
                     f"(creates {tap}, bridges it with the uplink and unhides it in the "
                     "jail's ruleset)")


def guest_host_taps(jail: JailSpec, guest: GuestSpec) -> tuple[str, ...]:
    """The host-made taps the guest's NICs name in a shared-IP jail (none in a vnet jail)."""
    if jail.vnet:
        return ()
    return tuple(dict.fromkeys(n.device for n in guest.nics if n.device))


def new_guest_plan(jail: JailSpec, guest: GuestSpec, root: Path, iso: IsoSource | None = None,
                   install: bool = False, start: bool = False, disk_size: str = "20G",
                   prefix: PurePosixPath = BASTILLE_PREFIX, restart: bool = False,
                   fs: HostFS | None = None, check_taps: bool = False) -> Plan:
    """Template into `$vm_dir/.templates`, `vm create`, then optionally ISO, install, start.

    First the jail gets what the guest needs from the host: its nodes in the jail's
    ruleset (applied to the running jail), and securelevel 1 for disk devices.

    Args:
        jail: The jail (its name, vm_dir) with the guest among its guests.
        guest: The guest to create.
        root: Where `/` is.
        iso: The installer image to fetch or copy.
        install: Boot the installer (`vm install`, in the background).
        start: Start the guest (`vm start`).
        disk_size: disk0's size when the guest's disk does not give one.
        prefix: bastille_prefix.
        restart: Allow restarting the jail (stopping its running guests) when the
            guest's disks need a lower securelevel.
        fs: Where the host's files are read (default: HostFS(root)); a spec's plan
            passes one PlanningFS for all its guests.
        check_taps: Check that the host has the guest's host-made taps (new-guest; a
            spec's plan makes them itself in its host prepare steps).

    Raises:
        JailRestartError: A restart is needed and `restart` is False (exit 2).
    """
    if install and (iso is None or start):
        raise SpecError("--install", "yes", "--install with --iso, and without --start "
                        "(start the guest once the installer has finished)")
    where, name, vm_dir = f"jail {jail.name}", guest.name, jail.vm_dir_path

    def inside(argv: tuple[str, ...]) -> tuple[str, ...]:
        return bastille.cmd_argv(jail.name, argv)

    running = Probe(inside(("test", "-e", f"/dev/vmm/{name}")), means=f"{name} is running")
    steps: list[Step] = [Check(
        Probe(host.jls_argv(jail.name), means=f"jail {jail.name} runs"), where=where,
        fix=f"start it (bastille start {jail.name}): `bastille cmd` does nothing and exits 0 "
            "on a stopped jail")]
    if check_taps:
        steps += [host_tap_check(jail.name, tap) for tap in guest_host_taps(jail, guest)]
    checked = len(steps)
    # The firmware the guest boots with (edk2-bhyve for UEFI, grub2-bhyve for grub) lives in
    # the jail, where bhyve runs: a jail made for other presets may lack it.
    steps += [package_step(jail, package, prefix, f"{guest.loader} guests boot with it")
              for package in guest.packages]
    # Before anything changes in the jail: a refused restart stops here, and a ruleset
    # the kernel did not load as written is never applied to the jail's /dev.
    level_steps, jail_path = securelevel_steps(jail, guest, root, restart, prefix, fs)
    devfs_steps, notes = ruleset_steps(jail, guest, root, jail_path, restart=bool(level_steps),
                                       fs=fs)
    steps[checked:checked] = [*devfs_steps, *level_steps]
    steps += create_steps(jail, guest, root, prefix, fs, guest.disks[0].size or disk_size)
    if iso is not None:
        target = f"{vm_dir}/.iso/{iso.name}"
        fetch = (vm.iso_argv(iso.source) if iso.is_url else None)
        argv = inside(fetch) if fetch else bastille.cp_argv(jail.name, iso.source, target)
        steps.append(RunCommand(argv, where=where, why=f"the installer as {target}",
                                timeout=TEMPLATE_TIMEOUT,
                                skip_if=Probe(inside(("test", "-f", target)),
                                              means=f"{target} is there")))
    if install and iso is not None:
        steps.append(RunCommand(inside(vm.install_argv(name, iso.name)), where=where,
                                why="boot the installer in the background", skip_if=running))
    if start:
        steps.append(RunCommand(inside(vm.start_argv(name)), where=where,
                                why="exit 0 means only: backgrounded", skip_if=running))
    return Plan(f"new-guest {name} in jail {jail.name}", tuple(steps),
                (*guest_summary(jail, guest, started=install or start), *notes), root=root)


def create_steps(jail: JailSpec, guest: GuestSpec, root: Path, prefix: PurePosixPath,
                 fs: HostFS | None, size: str) -> list[Step]:
    """The guest's own template, `vm create -t` from it, then the template removed.

    `vm create` only takes a template name, read as `$vm_dir/.templates/NAME.conf`
    (vm-bhyve lib/vm-core core::create: `-t` -> `${vm_dir}/.templates/${_template}.conf`),
    and it creates the disks that file lists (disk0_name/disk0_dev/zvol options) before
    copying it to the guest's directory and adding uuid and MACs there. So a shared
    template with the config written afterwards is not the same guest; a template per
    guest is, and it goes once `vm create` has copied it. Both file steps are guarded
    by the guest's existence so that a second run writes and removes nothing.
    """
    where, name = f"jail {jail.name}", guest.name
    exists = Probe(bastille.cmd_argv(jail.name, vm.info_argv(name)), means=f"{name} exists")
    # A name of bhyvetpl's own, so the admin's templates (default.conf...) stay untouched.
    template = f"bhyvetpl-guest-{name}"
    path = jail_templates_dir(jail, root, prefix, fs) / f"{template}.conf"
    text = render_guest(guest)
    return [WriteFile(path, text, where=where, why=f"template for vm create -t {template}",
                      skip_if=exists),
            RunCommand(bastille.cmd_argv(jail.name, vm.create_argv(name, template, size)),
                       where=where, why="vm-bhyve creates the guest and its disk",
                       skip_if=exists),
            RemoveFile(path, text, where=where,
                       why=f"vm create copied it to {jail.vm_dir_path}/{name}/{name}.conf")]


def guest_summary(jail: JailSpec, guest: GuestSpec, started: bool) -> tuple[str, ...]:
    """What the admin needs next: where the guest is, its console and VNC address."""
    lines = [f"guest {guest.name} in jail {jail.name}: {guest.loader}, {guest.cpu} cpu, "
             f"{guest.memory}, vm_dir {jail.vm_dir_value}",
             f"console: bastille cmd {jail.name} vm console {guest.name} "
             f"(/dev/nmdm-{guest.name}.1B)"]
    if guest.graphics is not None:
        port = guest.graphics.port or "first free from 5900 (see vm info)"
        lines.append(f"VNC: {guest.graphics.listen}:{port}")
    if started:
        lines.append(f"vm-bhyve only backgrounded the guest: confirm with `bastille cmd "
                     f"{jail.name} vm info {guest.name}` and {jail.vm_dir_path}/{guest.name}/"
                     "vm-bhyve.log")
    return tuple(lines)
