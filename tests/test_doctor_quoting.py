"""Doctor fixes quote every word read from a jail: a pasted fix line runs nothing the jail wrote."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from pytest_subprocess import FakeProcess

from bhyvetpl.doctor import host
from bhyvetpl.doctor.guest import Needs
from tests.test_doctor_host import ppt
from tests.test_doctor_jail import GUEST, make_jail, run

SWITCHES = ["a$(touch MARK)", "`touch MARK`", "b;touch MARK", "c'$(touch MARK)'", "d&&touch"]


def record(fp: FakeProcess, tmp_path: Path, line: str, *programs: str) -> list[list[str]]:
    """Run line under /bin/sh with recording stand-ins first on PATH; return their argv."""
    fp.allow_unregistered(True)
    bindir, log = tmp_path / "bin", tmp_path / "argv.log"
    bindir.mkdir(exist_ok=True)
    for program in programs:
        stub = bindir / program
        stub.write_text(f'#!/bin/sh\nprintf "%s\\0" {program} "$@" >> "{log}"\n'
                        f'printf "\\n" >> "{log}"\n')
        stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}:/usr/bin:/bin"}
    subprocess.run(["/bin/sh", "-c", line], cwd=tmp_path, env=env, check=True)
    assert not list(tmp_path.rglob("MARK"))
    text = log.read_text() if log.exists() else ""
    return [entry.split("\0") for entry in text.split("\0\n")[:-1]]


def test_switch_names_from_a_guest_config_stay_words(fp: FakeProcess, tmp_path: Path) -> None:
    lines = [line for line in GUEST.splitlines() if not line.startswith("network0")]
    for index, switch in enumerate(SWITCHES):
        lines += [f"network{index}_type=virtio-net", f"network{index}_switch={switch}"]
    result = run(make_jail("\n".join(lines) + "\n"))["vm-bhyve switches"]
    assert result.status == "FAIL" and "\n" not in result.fix + result.detail
    expected = [["bastille", "cmd", "test-bhyve", "vm", "switch", "create", "-i", "vnet0", s]
                for s in SWITCHES]
    assert [shlex.split(part) for part in result.fix.split(" && ")] == expected
    assert record(fp, tmp_path, result.fix, "bastille") == expected


def test_a_guest_directory_named_by_the_jail_is_quoted(fp: FakeProcess, tmp_path: Path) -> None:
    name = "g$(touch MARK)\n`touch MARK`"
    results = run(make_jail(guests={"g1": GUEST, name: "loader=nonsense\n"}))
    check = next(c for c in results if c.startswith("guest ") and c.endswith(" config")
                 and "MARK" in c)
    fix = results[check].fix
    assert "\n" not in fix + check + results[check].detail
    command = fix.removesuffix(" and fix each line it names")
    argv = record(fp, tmp_path, command, "bhyvetpl")
    assert len(argv) == 1 and argv[0][:2] == ["bhyvetpl", "lint"] and len(argv[0]) == 3
    assert "touch MARK" in argv[0][2]


def test_pptdevs_from_loader_conf_stay_inert(fp: FakeProcess, tmp_path: Path) -> None:
    facts = ppt('pptdevs="1/0/0 $(touch MARK) `touch MARK`"\n',
                "pciconf-lv-igb0-normal-driver-12.2.txt")
    result = host.check_pptdevs(facts, Needs(passthru=("2/0/0",)))
    assert result.status == "FAIL"
    line = result.fix.split(" in /boot/loader.conf")[0]
    assert record(fp, tmp_path, f'{line}; printf %s "$pptdevs" > value', "touch") == []
    assert (tmp_path / "value").read_text() == "1/0/0 $(touch MARK) `touch MARK` 2/0/0"
