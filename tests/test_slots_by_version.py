"""Issue 11.12: vm-bhyve up to 1.6.2 never moves to PCI bus 1; 1.7.0 does.

Shown by each version's own vm::run (churchers+vm-bhyve v1.6.2, freebsd+vm-bhyve v1.7.5,
through ../shared/tools/vm-bhyve/vmb-bhyve-argv): with 28 disks on a UEFI guest, 1.6.2
puts disk27 on slot 31, lpc's, where 1.7.5 puts it on 1:0:0. lint warns (it cannot know
the version); the doctor, which reads the jail's vm-bhyve version, FAILs.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

import pytest

from bhyvetpl.hostfs.vmconf import getter, load
from bhyvetpl.lint.vmconf import lint_vmconf
from bhyvetpl.model import slots
from tests.test_doctor_jail import make_jail, run
from tests.upstream import VMB_TOOLS

MANY = 'loader="uefi"\ncpu=1\nmemory=1G\n' + "".join(
    f'disk{i}_type="virtio-blk"\ndisk{i}_name="d{i}.img"\n' for i in range(28))


@pytest.mark.parametrize(("mirror", "rev", "where"), [
    ("churchers+vm-bhyve", "v1.6.2", "-s 31:0,virtio-blk,/vm/g1/d27.img"),
    ("freebsd+vm-bhyve", "v1.7.5", "-s 1:0:0,virtio-blk,/vm/g1/d27.img")])
def test_each_version_places_the_28th_disk(upstream: Path, tmp_path: Path, mirror: str,
                                           rev: str, where: str) -> None:
    conf = tmp_path / "g1.conf"
    conf.write_text(MANY)
    env = {**os.environ, "VMB_GIT_DIR": str(upstream / mirror / "repo"), "VMB_REF": rev}
    argv = subprocess.run([str(VMB_TOOLS / "vmb-bhyve-argv"), str(conf)], capture_output=True,
                          text=True, check=False, timeout=300, env=env).stdout
    assert where in argv


def test_the_model_replays_both() -> None:
    get = getter(load(MANY))
    assert [(d.bus, d.slot) for d in slots.allocate(get) if d.what == "disk27"] == [(1, 0)]
    assert [(d.what, d.slot) for d in slots.beyond_pre17(get)] == [("disk27", 31)]
    assert slots.beyond_pre17(getter(load(MANY.split("disk27")[0]))) == ()


def test_lint_warns_and_the_doctor_fails_on_an_old_vm_bhyve(tmp_path: Path) -> None:
    codes = [f.code for f in lint_vmconf(tmp_path / "g1.conf", MANY)]
    assert codes == ["slots-before-1.7"]
    facts = make_jail(MANY)
    old = dataclasses.replace(facts, jails=(dataclasses.replace(
        facts.jails[0], vm_bhyve_version="1.6.2"),))
    result = run(old)["guest g1 PCI slots"]
    assert result.status == "FAIL" and "disk27 on slot 31" in result.detail
    assert "guest g1 PCI slots" not in run(facts)   # 1.7.5


def test_a_pin_hint_names_a_slot_nothing_uses(tmp_path: Path) -> None:
    """The hint was a fixed 20:0 (model) and "max + 1" (lint), both possibly taken."""
    import re

    from bhyvetpl.errors import SpecError
    from bhyvetpl.model.options import GuestOptions, build_guest

    with pytest.raises(SpecError) as err:
        build_guest(GuestOptions(name="g1", passthru=("1/0/0=20:0", "2/0/0=4:0")))
    hint = re.search(r"try ([0-9]+):0", str(err.value))
    assert hint is not None and hint.group(1) not in ("20", "4")
    text = ('loader="bhyveload"\ncpu=1\nmemory=1G\ndisk0_type="virtio-blk"\n'
            'disk0_name="d.img"\nnetwork0_type="virtio-net"\nnetwork0_switch="public"\n'
            'passthru0="1/0/0=4:0"\npassthru1="2/0/0=6:0"\n')
    (finding,) = [f for f in lint_vmconf(tmp_path / "g1.conf", text)
                  if f.code == "slot-collision"]
    suggested = int(re.search(r"pin slot ([0-9]+)", finding.message).group(1))  # type: ignore[union-attr]
    used = {d.slot for d in slots.allocate(getter(load(text)))}
    assert suggested not in used | {0, 3, 31}
