"""Build bhyvetpl/data/demo-{facts,root}.json: the host `bhyvetpl demo --plan` plans against.

Run `python -m tests.demo_facts` to regenerate them; tests/test_spec_plan.py fails when
they differ from what this builds. The facts come out of collect(), the same path as
tests/test_facts.py: every command answers with a recorded FreeBSD output of
tests/fixtures/freebsd (a FreeBSD 14.3 host: 14.3 freebsd-version, zfs list, dmesg;
14.x pciconf and ifconfig), and the files below the root are recorded files too, except
the jail's rc.conf and vm-bhyve's system.conf, which hold the lines a bhyvetpl template
writes (tests/golden) and that tests/test_facts.py writes the same way. Exit statuses of
`kldstat -q -m NAME` follow the recorded kldstat listing (0 for a listed module).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pytest_subprocess import FakeProcess

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.facts.collect import PROBES, collect
from bhyvetpl.facts.demo import FACTS_FILE, ROOT_FILE
from bhyvetpl.facts.record import dumps
from bhyvetpl.hostfs import HostFS

FIX = Path(__file__).resolve().parent / "fixtures"
FREEBSD = FIX / "freebsd"
JAIL = "bhyve"
OUTPUTS = {
    "release": ("freebsd-version-kru-14.3-release.txt",),
    "modules": ("kldstat-vmm-loaded-12.1-amd.txt",),
    "sysctls": ("sysctl-security-jail-jailed-0.txt", "sysctl-net-link-tap-up-on-open-0-11.0.txt"),
    "routes": ("netstat-rn-inet-section-vtnet0-2020.txt",),
    "interfaces": ("ifconfig-vm-public-member-ue0-14.2.txt",),
    "jails": ("jls-libxo-json-vnet-jail-15.0-p1.txt",),
    "datasets": ("zfs-list-bhyve-datasets-boot-environments-14.3.txt",),
    "pci": ("pciconf-lv-full-intel-alderlake-14.x.txt",),
}


def _fixture(name: str, base: Path = FREEBSD) -> str:
    return (base / name).read_text(encoding="utf-8")


def root_files() -> dict[str, str]:
    """The host's files, by path below /."""
    jail = f"usr/local/bastille/jails/{JAIL}"
    return {
        "var/run/dmesg.boot": _fixture("dmesg-amd-ryzen-svm-14.3-guest.txt"),
        "usr/local/etc/bastille/bastille.conf":
            _fixture("bastille.conf.sample-bastille-1.4.4-2280556.txt"),
        f"{jail}/jail.conf": _fixture("bastille-jail.conf-bhyve-vnet-12.2.txt").replace(
            "test-bhyve", JAIL),
        f"{jail}/root/etc/rc.conf":
            'ifconfig_vnet0="SYNCDHCP"\nvm_enable="YES"\nvm_dir="/vms"\n',
        f"{jail}/root/vms/.config/system.conf": 'switch_list="public"\n',
        f"{jail}/root/vms/fbsd1/fbsd1.conf": _fixture("freebsd.conf", FIX / "lint"),
        f"{jail}/root/vms/grub1/grub1.conf": _fixture("linux-grub.conf", FIX / "lint"),
    }


def build(scratch: Path) -> tuple[str, str]:
    """(facts JSON, root JSON), collected from a root written below scratch."""
    files = root_files()
    fs = HostFS(scratch)
    for rel, text in files.items():
        fs.write(fs.place("/" + rel), text.encode())
    listing = _fixture(OUTPUTS["modules"][0])
    with FakeProcess() as fp:
        for key, argv in PROBES.items():
            if key.startswith("module "):
                listed = f" {key.removeprefix('module ')}.ko" in listing
                fp.register(list(argv), returncode=0 if listed else 1)
            else:
                fp.register(list(argv), stdout="".join(_fixture(n) for n in OUTPUTS[key]))
        facts = collect(SubprocessRunner(), HostFS(scratch))
    return dumps(facts), json.dumps(files, indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write both files into bhyvetpl/data/."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        facts, root = build(Path(scratch))
    FACTS_FILE.write_text(facts, encoding="utf-8")
    ROOT_FILE.write_text(root, encoding="utf-8")
    sys.stdout.write(f"wrote {FACTS_FILE} and {ROOT_FILE}\n")


if __name__ == "__main__":
    main()
