"""Where vm-bhyve 1.7 puts each device on the guest's PCI bus (lib/vm-run, vm::run).

vm-bhyve does not check that a pinned passthrough slot (`passthruN="B/S/F=SLOT:FUNC"`)
is free; it emits two devices on one slot and bhyve refuses to start. This module
replays its allocation so the model can refuse the pin instead.
"""

from __future__ import annotations

from collections.abc import Iterable

START_SLOT = 4  # start_slot default
INSTALL_SLOT = 3  # install_slot default: the ISO during `vm install`
RESERVED = {(0, 0): "hostbridge", (31, 0): "lpc", (INSTALL_SLOT, 0): "the install ISO"}


def automatic_slots(*, uefi: bool, disks: int, nics: int, passthru: Iterable[tuple[int, bool]],
                    graphics: bool, mouse: bool) -> dict[tuple[int, int], str]:
    """Map (slot, function) to the device vm-bhyve gives it, on bus 0.

    `passthru` yields (host bus, pinned) per passthruN, in order; pinned devices take
    their own slot and do not move the counter, as in vm::bhyve_device_passthru.
    """
    taken: dict[tuple[int, int], str] = {}
    slot, func = START_SLOT, 0
    for index in range(disks):
        if func >= 8:
            slot, func = slot + 1, 0
        taken[(slot, func)] = f"disk{index}"
        slot, func = (slot + 1, func) if uefi else (slot, func + 1)
    if disks and not uefi:
        slot, func = slot + 1, 0
    for index in range(nics):
        if func >= 8:
            slot, func = slot + 1, 0
        taken[(slot, func)] = f"network{index}"
        func += 1
    if nics:
        slot, func = slot + 1, 0
    func, last_bus, count = 0, None, 0
    for index, (bus, pinned) in enumerate(passthru):
        count += 1
        if pinned:
            continue
        if last_bus is not None and last_bus != bus:
            slot, func = slot + 1, 0
        taken[(slot, func)] = f"passthru{index}"
        last_bus, func = bus, func + 1
    if count:
        slot += 1
    if graphics and uefi:
        taken[(slot, 0)] = "graphics"
        slot += 1
    if mouse:
        taken[(slot, 0)] = "xhci_mouse"
    return taken
