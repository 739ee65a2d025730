"""A new guest a jail's vm-bhyve would place on a slot bhyve refuses: refused before any step.

vm-bhyve up to 1.6.2 counts PCI slots up without moving to bus 1 (1.7.0 added the wrap,
lib/vm-run `_maxslots`), so a guest with about 26 disks and NICs gets a device on slot 31
(lpc's) or past it, and bhyve will not start. Where the jail's vm-bhyve version is known
(its vm-base VERSION, as facts read it), plan and new-guest refuse such a guest; lint and
doctor say the same of configs already there.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from packaging.version import Version

from bhyvetpl.errors import BhyvetplError, ExitCode
from bhyvetpl.facts.collect import jail_files
from bhyvetpl.hostfs import HostFS
from bhyvetpl.hostfs.vmconf import getter, load
from bhyvetpl.model import slots
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.render import render_guest


class OldVmBhyveError(BhyvetplError):
    """The jail's vm-bhyve would place the guest's devices where bhyve refuses (exit 2)."""

    exit_code = ExitCode.USAGE


def refuse_old_slots(jail: str, guest: GuestSpec, version: str | None) -> None:
    """Refuse a guest that vm-bhyve `version` (None: unknown, allowed) cannot place."""
    if version is None or not re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,4}){0,3}", version):
        return
    if Version(version) >= Version(slots.WRAPS_SINCE):
        return
    over = slots.beyond_pre17(getter(load(render_guest(guest))))
    if over:
        placed = ", ".join(f"{d.what} on slot {d.slot}" for d in over)
        raise OldVmBhyveError(
            f"guest {guest.name}: vm-bhyve {version} in jail {jail} would put {placed} "
            "(31 is lpc's, bhyve refuses 32 and up); upgrade it first (bastille pkg "
            f"{jail} upgrade -y vm-bhyve: 1.7.0 moves on to bus 1) or give the guest fewer "
            "disks and NICs")


def refuse_old_slots_in(root: Path, prefix: PurePosixPath, jail: str, guest: GuestSpec) -> None:
    """As refuse_old_slots, with the version read from the jail's files below root."""
    found = jail_files(HostFS(root), prefix, jail)
    refuse_old_slots(jail, guest, found.vm_bhyve_version if found else None)
