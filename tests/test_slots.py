from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bhyvetpl.errors import SpecError
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.options import GuestOptions, build_guest
from bhyvetpl.model.slots import allocate
from bhyvetpl.render import render_guest
from tests.upstream import VMB_TOOLS, needs_upstream

HARNESS = VMB_TOOLS / "vmb-bhyve-argv"


def placed(config: dict[str, str]) -> dict[tuple[int, int], str]:
    return {(d.slot, d.func): d.what for d in allocate(config.get)}


def test_bhyveload_guest_layout() -> None:
    config = {"loader": "bhyveload", "disk0_name": "a", "disk0_type": "virtio-blk",
              "disk1_name": "b", "disk1_type": "virtio-blk", "network0_type": "virtio-net",
              "network0_switch": "p", "network1_type": "e1000", "network1_switch": "p",
              "passthru0": "1/0/0", "passthru1": "2/0/0"}
    assert placed(config) == {(4, 0): "disk0", (4, 1): "disk1", (5, 0): "network0",
                              (5, 1): "network1", (6, 0): "passthru0", (7, 0): "passthru1"}


def test_same_host_bus_shares_a_guest_slot() -> None:
    config = {"loader": "uefi", "disk0_name": "a", "disk0_type": "nvme",
              "passthru0": "2/0/0", "passthru1": "2/0/1", "graphics": "yes",
              "xhci_mouse": "yes"}
    assert placed(config) == {(4, 0): "disk0", (5, 0): "passthru0", (5, 1): "passthru1",
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


@needs_upstream
@pytest.mark.parametrize("opts", GUESTS, ids=lambda o: o.name)
def test_simulation_matches_vm_bhyve(opts: GuestOptions, tmp_path: Path) -> None:
    guest: GuestSpec = build_guest(opts)
    conf = tmp_path / f"{guest.name}.conf"
    conf.write_text(render_guest(guest))
    out = subprocess.run([str(HARNESS), str(conf)], capture_output=True, text=True,
                         check=False, timeout=120).stdout
    bhyve = next(line for line in out.splitlines() if line.startswith("bhyve "))
    real = {(int(s), int(f)) for s, f in re.findall(r"-s 0:(\d+):(\d+),", bhyve)}
    from bhyvetpl.hostfs import vmconf

    ours = {(d.slot, d.func) for d in allocate(vmconf.getter(vmconf.load(conf.read_text())))}
    assert real == ours
