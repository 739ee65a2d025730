"""The same commands manage per-guest jails: init writes `isolation = "per-guest"` back,
new-guest -f into a per-guest spec jail makes the guest its own jail, and host prepare
--isolation per-guest writes the ruleset the spec key writes."""

from __future__ import annotations

import re

import pytest

from tests.standin_env import Host
from tests.test_emit_e2e import seed, use

PER_GUEST = """version = 1

[jails.lab]
network = "vnet"
address = "SYNCDHCP"
vm_dir = "zfs:tank/vm"
isolation = "per-guest"

[jails.lab.guests.web]
preset = "linux"
graphics = true
disks = ["disk0,dev=sparse-zvol,size=10G"]

[jails.lab.guests.db]
disks = ["disk0,dev=zvol,size=4G", "disk1,dev=sparse-zvol,size=1G"]
"""
SHARED = """
[jails.bhyve]
network = "vnet"
address = "SYNCDHCP"
vm_dir = "/vms"

[jails.bhyve.guests.fbsd1]
"""


def bastille_config(host: Host) -> None:
    """What `CONFIG set devfs_ruleset N` in each jail's template leaves in its jail.conf.

    The stand-in's jail.conf is one recorded file for every jail; Bastille's config.sh
    would write the template's number into each.
    """
    for conf in (host.root / "usr/local/bastille/jails").glob("*/jail.conf"):
        template = host.root / f"usr/local/bastille/templates/bhyvetpl/{conf.parent.name}"
        found = re.search(r"^CONFIG set devfs_ruleset ([0-9]+)$",
                          (template / "Bastillefile").read_text(), re.M)
        assert found, template
        conf.write_text(re.sub(r"devfs_ruleset =[0-9]+;", f"devfs_ruleset ={found[1]};",
                               conf.read_text()))


FILES = PER_GUEST.replace('vm_dir = "zfs:tank/vm"', 'vm_dir = "/guests"').replace(
    "dev=sparse-zvol", "dev=file").replace("dev=zvol", "dev=file")


@pytest.mark.parametrize("spec", [PER_GUEST, FILES, PER_GUEST + SHARED,
                                  SHARED.join(("version = 1\n", PER_GUEST[13:]))],
                         ids=["zvols", "files", "shared-after", "shared-first"])
def test_init_on_per_guest_jails_writes_the_isolation_back_and_plan_finds_nothing(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    root = ("--root", str(fake_host.root))
    path, written = fake_host.base / "lab.toml", fake_host.base / "init.toml"
    path.write_text(spec)
    code, out, err = fake_host.cli("apply", "-f", str(path), *root)
    assert code == 0, out + err
    bastille_config(fake_host)
    code, out, err = fake_host.cli("init", "-f", str(written), *root)
    assert code == 0, out + err
    text = written.read_text()
    assert text.count('isolation = "per-guest"') == 2, text
    assert ('vm_dir = "zfs:tank/vm"' in text) == (spec is not FILES), text
    code, out, err = fake_host.cli("plan", "-f", str(written), *root)
    assert code == 0 and "nothing to do" in out, text + out + err
