"""Compare the slot replay with vm-bhyve's own code (skipped without the harness mirror)."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest

from bhyvetpl.hostfs import vmconf
from bhyvetpl.model import slots
from tests.upstream import VMB_TOOLS, needs_upstream

HARNESS = VMB_TOOLS / "vmb-bhyve-argv"
LINT = Path(__file__).resolve().parent / "fixtures" / "lint"
pytestmark = needs_upstream
PINNED = """loader="bhyveload"
cpu=2
memory=1G
network0_type="virtio-net"
network0_switch="public"
network1_type="e1000"
network1_switch="public"
disk0_type="virtio-blk"
disk0_name="disk0.img"
disk1_type="ahci-hd"
disk1_name="disk1.img"
passthru0="1/0/0"
passthru1="2/0/0"
passthru2="2/0/1=6:1"
virt_random="yes"
xhci_mouse="yes"
wired_memory="yes"
"""


def harness_slots(path: Path) -> list[tuple[int, int, int]]:
    out = subprocess.run([str(HARNESS), "--format", "lines", str(path)], capture_output=True,
                         text=True, check=False).stdout
    tokens = ("\n" + out).split("\nbhyve\n", 1)[1].splitlines()
    slots = []
    for flag, spec in itertools.pairwise(tokens):
        parts = spec.split(",")[0].split(":") if flag == "-s" else []
        if len(parts) == 3:
            slots.append((int(parts[0]), int(parts[1]), int(parts[2])))
        elif len(parts) == 2:
            slots.append((0, int(parts[0]), int(parts[1])))
    return sorted(slots)


@pytest.mark.parametrize("name", ["windows.conf", "freebsd.conf", "linux-grub.conf", "pinned"])
def test_slots_agree_with_vm_bhyve(tmp_path: Path, name: str) -> None:
    path = tmp_path / "pinned.conf" if name == "pinned" else LINT / name
    if name == "pinned":
        path.write_text(PINNED)
    text = path.read_text()
    if name != "pinned":
        path = tmp_path / name
        path.write_text(text)  # vm-bhyve writes uuid/MACs back into the file
    config = vmconf.getter(vmconf.load(text))
    mine = sorted((d.bus, d.slot, d.func) for d in slots.allocate(config))
    assert harness_slots(path) == mine
