"""Issue 11.12: `import vmrun` follows the vmrun.sh that ran the line, and takes uefi-devel.

vmrun.sh up to 14.x puts the taps on slots 2.. and the disks after them; the vmrun.sh that
gained arm64 support (bhyve on arm64 is new in 15.0) puts the disks first
(share/examples/bhyve/vmrun.sh, both read with the code search tool). bhyve derives a NIC's
default MAC from its slot (net_genmac, checked in test_importers_vmrun). vm-bhyve boots
loader="uefi-devel" from BHYVE_UEFI_CODE-devel.fd (lib/vm-run, 1.5.0 to master), shown
below by its own vm::run.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bhyvetpl.cli.app import app
from bhyvetpl.importers.bhyve import bhyve_mac
from bhyvetpl.importers.vmrun import import_vmrun
from bhyvetpl.render import render_guest
from tests.cli_runner import cli_runner
from tests.upstream import VMB_TOOLS

# The HardenedBSD article's line (12.0): one tap, one zvol disk.
ARTICLE = ["-c", "4", "-m", "16g", "-t", "tap0", "-C", "/dev/nmdm-laptop-dev-03-A", "-d",
           "/dev/zvol/tank/bhyve/laptop-dev-03/disk-01", "-E", "-P", "5901", "laptop-dev-03"]


@pytest.mark.parametrize(("release", "slot"), [(None, 2), ("12.0-RELEASE", 2),
                                               ("14.3-RELEASE", 2), ("15.0-RELEASE", 3)])
def test_the_tap_mac_follows_the_slot_layout_of_the_release(release: str | None,
                                                            slot: int) -> None:
    guest = import_vmrun(ARTICLE, release=release).guest
    assert guest.nics[0].mac == bhyve_mac(slot, "laptop-dev-03")


def test_two_disks_move_the_tap_two_slots_on_15() -> None:
    args = ["-d", "a.img", "-d", "b.img", "-t", "tap0", "-t", "tap1", "vm0"]
    macs = [n.mac for n in import_vmrun(args, release="15.0-RELEASE").guest.nics]
    assert macs == [bhyve_mac(4, "vm0"), bhyve_mac(5, "vm0")]
    result = cli_runner().invoke(app, ["import", "vmrun", "--release", "nonsense", "--",
                                       *args])
    assert result.exit_code == 2 and "--release" in result.stderr


def test_uefi_devel_firmware_is_vm_bhyves_uefi_devel(upstream: Path, tmp_path: Path) -> None:
    del upstream
    result = cli_runner().invoke(app, ["import", "vmrun", "--", "-E", "-f",
                                       "/usr/local/share/uefi-firmware/BHYVE_UEFI_CODE-devel.fd",
                                       "vm0"])
    assert result.exit_code == 0, result.stderr
    assert 'loader="uefi-devel"' in result.stdout
    conf = tmp_path / "vm0.conf"
    conf.write_text(render_guest(import_vmrun(
        ["-E", "-f", "/usr/local/share/uefi-firmware/BHYVE_UEFI_CODE-devel.fd", "vm0"]).guest))
    argv = subprocess.run([str(VMB_TOOLS / "vmb-bhyve-argv"), str(conf)], capture_output=True,
                          text=True, check=False, timeout=300).stdout
    assert "-l bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI_CODE-devel.fd" in argv
