from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from bhyvetpl.errors import SpecError
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.options import GuestOptions, build_guest
from bhyvetpl.model.slots import automatic_slots
from bhyvetpl.render import render_guest

HARNESS = Path(__file__).resolve().parents[2] / "shared/tools/vm-bhyve/vmb-bhyve-argv"


def test_bhyveload_guest_layout() -> None:
    slots = automatic_slots(uefi=False, disks=2, nics=2, passthru=[(1, False), (2, False)],
                            graphics=False, mouse=False)
    assert slots == {(4, 0): "disk0", (4, 1): "disk1", (5, 0): "network0",
                     (5, 1): "network1", (6, 0): "passthru0", (7, 0): "passthru1"}


def test_same_host_bus_shares_a_guest_slot() -> None:
    slots = automatic_slots(uefi=True, disks=1, nics=0, passthru=[(2, False), (2, False)],
                            graphics=True, mouse=True)
    assert slots == {(4, 0): "disk0", (5, 0): "passthru0", (5, 1): "passthru1",
                     (6, 0): "graphics", (7, 0): "xhci_mouse"}


@pytest.mark.parametrize("pin", ["8:0", "3:0", "4:0", "6:1"])
def test_pin_on_a_taken_slot_is_refused(pin: str) -> None:
    with pytest.raises(SpecError, match=r"^passthru0: .* holds "):
        build_guest(GuestOptions(name="pin1", preset="linux", nics=("a1", "b1"),
                                 disks=("d0", "d1"), passthru=(f"2/0/0={pin}", "3/0/0"),
                                 graphics=True))


def test_pin_on_a_free_slot_is_kept() -> None:
    guest = build_guest(GuestOptions(name="pin1", passthru=("2/0/0=20:0", "3/0/0")))
    assert 'passthru0="2/0/0=20:0"' in render_guest(guest)


GUESTS = [
    GuestOptions(name="lay1", disks=("a.img", "b.img", "c.img"), nics=("p1", "p2"),
                 passthru=("1/0/0", "1/0/1", "2/0/0")),
    GuestOptions(name="lay2", preset="windows", disks=("a.img", "b.img"),
                 passthru=("3/0/0=20:0", "4/0/0")),
    GuestOptions(name="lay3", preset="linux", no_nic=True, passthru=("5/0/0",)),
]


@pytest.mark.skipif(not os.environ.get("MIRROR_ROOT") or not HARNESS.is_file(),
                    reason="needs MIRROR_ROOT and ../shared/tools")
@pytest.mark.parametrize("opts", GUESTS, ids=lambda o: o.name)
def test_simulation_matches_vm_bhyve(opts: GuestOptions, tmp_path: Path) -> None:
    guest: GuestSpec = build_guest(opts)
    conf = tmp_path / f"{guest.name}.conf"
    conf.write_text(render_guest(guest))
    out = subprocess.run([str(HARNESS), str(conf)], capture_output=True, text=True,
                         check=False, timeout=120).stdout
    bhyve = next(line for line in out.splitlines() if line.startswith("bhyve "))
    real = {(int(s), int(f)) for s, f in re.findall(r"-s 0:(\d+):(\d+),", bhyve)}
    ours = set(automatic_slots(
        uefi=guest.uefi, disks=len(guest.disks), nics=len(guest.nics),
        passthru=[(p.bus, p.pin is not None) for p in guest.passthru],
        graphics=guest.graphics is not None,
        mouse=guest.graphics is not None and guest.graphics.mouse))
    pins = {p.pin for p in guest.passthru if p.pin}
    assert real == ours | pins
