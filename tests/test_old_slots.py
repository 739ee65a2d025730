"""Issue 11.12: a new guest the jail's vm-bhyve (before 1.7.0) cannot place is refused.

vm-bhyve 1.6.2 puts a UEFI guest's 28th disk on slot 31 (lpc's), 1.7.5 on bus 1
(tests/test_slots_by_version.py shows both through their own vm::run). Lint and doctor
flagged such configs; new-guest and the spec's plan created them. Now both refuse, before
any step runs, when the jail's vm-bhyve version is known and older than 1.7.0.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from bhyvetpl.cli.app import app
from bhyvetpl.model.options import GuestOptions, build_guest
from bhyvetpl.plan.oldslots import OldVmBhyveError, refuse_old_slots
from tests.cli_runner import cli_runner

RUNNER = cli_runner()
FIXTURES = Path(__file__).parent / "fixtures"
JAIL = "usr/local/bastille/jails/bhyve"
DISKS = [f"d{i}.img" for i in range(28)]


def many(disks: list[str] = DISKS) -> GuestOptions:
    return GuestOptions(name="g1", preset="linux", disks=tuple(disks))


def test_old_vm_bhyve_refuses_what_it_cannot_place() -> None:
    guest = build_guest(many())
    with pytest.raises(OldVmBhyveError, match=r"vm-bhyve 1\.6\.2 in jail bhyve would put "
                       r"disk27 on slot 31"):
        refuse_old_slots("bhyve", guest, "1.6.2")
    refuse_old_slots("bhyve", guest, "1.7.5")      # wraps to bus 1
    refuse_old_slots("bhyve", guest, None)         # unknown: as before
    refuse_old_slots("bhyve", build_guest(many(DISKS[:20])), "1.6.2")   # fits


def host(root: Path, version: str) -> None:
    conf = (FIXTURES / "bastille-jail.conf-bhyve-vnet-12.2.txt").read_text()
    for path, text in ((f"{JAIL}/jail.conf", conf.replace("test-bhyve {", "bhyve {")),
                       (f"{JAIL}/root/etc/rc.conf", 'vm_enable="YES"\nvm_dir="/vms"\n'),
                       (f"{JAIL}/root/usr/local/lib/vm-bhyve/vm-base",
                        f"VERSION={version}\n")):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)


def test_new_guest_refuses_before_any_step(fp: FakeProcess, tmp_path: Path) -> None:
    host(tmp_path, "1.6.2")
    disks = [arg for d in DISKS for arg in ("--disk", d)]
    result = RUNNER.invoke(app, ["new-guest", "bhyve", "g1", "--preset", "linux", *disks,
                                 "--root", str(tmp_path), "--live"])
    assert result.exit_code == 2, result.output
    assert "vm-bhyve 1.6.2 in jail bhyve would put disk27 on slot 31" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not fp.calls
    assert not (tmp_path / JAIL / "root/vms").exists()


def test_the_spec_plan_refuses_too(tmp_path: Path) -> None:
    import dataclasses

    from bhyvetpl.facts.demo import FACTS_FILE, demo_root
    from bhyvetpl.facts.source import recorded_facts
    from bhyvetpl.plan.converge import converge_spec
    from bhyvetpl.spec.load import parse_spec

    facts = recorded_facts(FACTS_FILE)
    root = demo_root(tmp_path / "root")
    disks = ", ".join(f'"{d}"' for d in DISKS)
    spec = parse_spec('version = 1\n[jails.bhyve]\nvm_dir = "/vms"\n'
                      f'[jails.bhyve.guests.g1]\npreset = "linux"\ndisks = [{disks}]\n', "t")
    old = dataclasses.replace(facts, jails=tuple(
        dataclasses.replace(j, vm_bhyve_version="1.6.2") if j.name == "bhyve" else j
        for j in facts.jails))
    with pytest.raises(OldVmBhyveError, match="disk27 on slot 31"):
        converge_spec(spec, old, root)
    assert converge_spec(spec, facts, root).changes   # 1.7.5 (or unknown): planned
