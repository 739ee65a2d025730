"""A per-guest jail's zvols made on the host, as bastille-vm-plugin makes its VMs' disks.

With vm-bhyve's own zvols the jail runs zfs(8) on a jailed dataset: /dev/zfs,
allow.mount, allow.mount.zfs, enforce_statfs 1, none of which the peer grants. So by
default (`zvols = "host"`) a per-guest jail's zvol disks are made by the host plan and
handed to vm-bhyve as custom disks: the jail keeps a directory vm_dir and sees those
nodes only. `zvols = "jail"` keeps the jailed dataset (an admin's explicit choice).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bhyvetpl.model import values
from bhyvetpl.model.guest import DiskSpec, GuestSpec

ZVOL_PLACES = ("host", "jail")
# vm-bhyve's `vm create` gives disk N>0 without diskN_size 20G (lib/vm-core @ 89c21d0:
# `config::get "_disk_size" "disk${_num}_size" "20G"`); disk0 takes `-s` (plan.guest).
DISK_SIZE = "20G"


@dataclass(frozen=True, slots=True)
class HostZvol:
    """One zvol the host makes: DATASET/JAIL/DISK, its size, and whether it is sparse."""

    dataset: str
    size: str
    sparse: bool = False

    def __post_init__(self) -> None:
        """The name and size reach zfs(8)'s argv: the model's forms only."""
        values.dataset("disk.name", self.dataset)
        object.__setattr__(self, "size", values.size("disk.size", self.size))

    @property
    def node(self) -> str:
        """The device node bhyve opens (volmode=dev: zvol(4) under /dev/zvol)."""
        return f"/dev/zvol/{self.dataset}"


def on_host(guest: GuestSpec, parent: str, disk0_size: str
            ) -> tuple[GuestSpec, tuple[HostZvol, ...]]:
    """The guest with its zvol disks as custom disks, and the zvols the host makes.

    parent: DATASET/JAIL. vm-bhyve takes a custom disk's name as its path unchanged
    (lib/vm-run vm::get_disk_path `custom) setvar "${_var}" "${_disk}"`, v1.4.0 to master
    89c21d0), so bhyve opens /dev/zvol/DATASET/JAIL/DISK.
    """
    zvols: list[HostZvol] = []
    disks: list[DiskSpec] = []
    for index, disk in enumerate(guest.disks):
        if not disk.is_zvol:
            disks.append(disk)
            continue
        size = disk.size or (disk0_size if index == 0 else DISK_SIZE)
        zvol = HostZvol(f"{parent}/{disk.name}", size, disk.dev == "sparse-zvol")
        zvols.append(zvol)
        disks.append(DiskSpec(name=zvol.node, type=disk.type, dev="custom", opts=disk.opts,
                              field_name=disk.field_name))
    return replace(guest, disks=tuple(disks)), tuple(zvols)
