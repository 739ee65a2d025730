"""The PCI slots vm-bhyve hands out, in the order vm::run (lib/vm-run, 1.7.5) does.

Disks start at `start_slot` (4); then NICs, virtio-rnd, unpinned passthrough,
framebuffer, xHCI tablet, sound and virtio-console each move the slot on. Pinned
passthrough (`passthruN="B/S/F=SLOT:FUNC"`) is placed where asked, unchecked: vm-bhyve
emits two devices on one slot and bhyve refuses to start. The model (refusing such a
pin) and lint (flagging it in any config) both replay the allocation with this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Get = Callable[[str], "str | None"]  # config::get for one key; None when absent
INSTALL_SLOT = 3  # install_slot default: the ISO during `vm install`
RESERVED = {(0, 0): "hostbridge", (31, 0): "lpc", (INSTALL_SLOT, 0): "the install ISO"}


def yesno(value: str | None) -> bool:
    """util::yesno: false only for unset, empty, no, false, off and 0 (any case)."""
    return bool(value) and (value or "").lower() not in ("no", "false", "off", "0")


@dataclass(frozen=True, slots=True)
class Device:
    """One guest PCI function: bus, slot, function, and what vm-bhyve put there."""

    bus: int
    slot: int
    func: int
    what: str
    pinned: bool = False


# vm-bhyve 1.7.0 added _bus/_maxslots: past slot 30 it moves to bus 1. Up to 1.6.2
# (churchers/vm-bhyve lib/vm-run) the slot only counts up, onto 31 (lpc) and past 31,
# which bhyve refuses.
WRAPS_SINCE = "1.7.0"
LAST_FREE_SLOT = 30


class _Cursor:
    """vm::run's _bus/_slot/_func/_maxslots and its wrap to the next bus (1.7+)."""

    def __init__(self, start: int, wraps: bool = True) -> None:
        self.bus, self.slot, self.func, self.maxslots = 0, start, 0, 31
        self.wraps = wraps

    def wrap(self) -> None:
        if self.wraps and self.slot >= self.maxslots:
            self.slot, self.bus, self.maxslots = 0, self.bus + 1, 32

    def next_func(self) -> None:
        if self.func >= 8:
            self.func, self.slot = 0, self.slot + 1
        self.wrap()


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() else default


def is_uefi(loader: str | None) -> bool:
    """`${_loader%-*}` = uefi: uefi, uefi-csm, uefi-devel, uefi-custom."""
    return (loader or "").rsplit("-", 1)[0] == "uefi"


def free_slot(devices: tuple[Device, ...], install_slot: int = INSTALL_SLOT) -> int | None:
    """The highest bus-0 slot no device (pinned ones included) uses, for a pin hint.

    Slots 0 (hostbridge), 31 (lpc) and the install slot are never offered; None when
    every other slot is taken.
    """
    used = {d.slot for d in devices if d.bus == 0} | {0, 31, install_slot}
    return next((s for s in range(LAST_FREE_SLOT, 0, -1) if s not in used), None)


def beyond_pre17(get: Get) -> tuple[Device, ...]:
    """Devices vm-bhyve up to 1.6.2 would put on slot 31 (lpc's) or past it."""
    return tuple(d for d in allocate(get, wraps=False)
                 if not d.pinned and d.slot > LAST_FREE_SLOT)


def allocate(get: Get, wraps: bool = True) -> tuple[Device, ...]:
    """Every device vm-bhyve would place, pinned passthrough included.

    wraps=False replays vm-bhyve before 1.7.0, which never moves to bus 1.
    """
    cur = _Cursor(_int(get("start_slot"), 4), wraps)
    uefi = is_uefi(get("loader"))
    out: list[Device] = []
    _disks(get, cur, uefi, out)
    num = 0
    while get(f"network{num}_type"):
        cur.next_func()
        if get(f"network{num}_switch"):  # without a switch the NIC is dropped
            out.append(Device(cur.bus, cur.slot, cur.func, f"network{num}"))
            cur.func += 1
        num += 1
    if num:
        cur.slot, cur.func = cur.slot + 1, 0
    cur.wrap()
    for key in ("virt_random",):
        if yesno(get(key)):
            out.append(Device(cur.bus, cur.slot, 0, key))
            cur.slot += 1
        cur.wrap()
    _passthru(get, cur, out)
    for key, wanted in (("graphics", uefi and yesno(get("graphics"))),
                        ("xhci_mouse", yesno(get("xhci_mouse"))),
                        ("sound", yesno(get("sound"))),
                        ("virt_console0", bool(get("virt_console0")))):
        if wanted:
            out.append(Device(cur.bus, cur.slot, 0, key))
            cur.slot += 1
        cur.wrap()
    return tuple(out)


def _disks(get: Get, cur: _Cursor, uefi: bool, out: list[Device]) -> None:
    multi = get("ahci_device_limit") or ""
    limit = int(multi) if multi.isdigit() and 1 < int(multi) <= 32 else 1
    num = ahci_num = 0
    pending = False
    while get(f"disk{num}_name") and get(f"disk{num}_type"):
        dtype = get(f"disk{num}_type") or ""
        cur.next_func()
        added = False
        if limit > 1 and dtype in ("ahci-hd", "ahci-cd"):
            pending, ahci_num = True, ahci_num + 1
            if ahci_num >= limit:
                out.append(Device(cur.bus, cur.slot, cur.func, "ahci"))
                pending, ahci_num, added = False, 0, True
        elif limit == 1 or not dtype.startswith("ahci"):
            out.append(Device(cur.bus, cur.slot, cur.func, f"disk{num}"))
            added = True
        if added:
            if uefi:
                cur.slot += 1
            else:
                cur.func += 1
        cur.wrap()
        num += 1
    if pending:
        out.append(Device(0, cur.slot, cur.func, "ahci"))  # vm-bhyve omits the bus here
        if uefi:
            cur.slot += 1
    if num and not uefi:
        cur.slot, cur.func = cur.slot + 1, 0
    cur.wrap()


def _passthru(get: Get, cur: _Cursor, out: list[Device]) -> None:
    func, num, last = 0, 0, None  # vm::bhyve_device_passthru has its own local _func
    while dev := get(f"passthru{num}"):
        if "=" in dev:
            slot, _, function = dev.rsplit("=", 1)[1].partition(":")
            if slot.isdigit() and function.isdigit():
                out.append(Device(cur.bus, int(slot), int(function), f"passthru{num}", True))
        else:
            orig = dev.split("/", 1)[0]
            if last is not None and last != orig:
                cur.slot, func = cur.slot + 1, 0
            cur.wrap()
            out.append(Device(cur.bus, cur.slot, func, f"passthru{num}"))
            last, func = orig, func + 1
        num += 1
    if num:
        cur.slot += 1
    cur.wrap()
