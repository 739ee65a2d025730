"""Per-guest jails on a ZFS vm_dir get their zvols from the host, as the peer's VMs do.

bastille-vm-plugin 610f19b (bhyve.sh vm_create_disk) makes each VM's zvol on the host and
its supervision jail runs no zfs(8): no /dev/zfs, no allow.mount. bhyvetpl's default
(`zvols = "host"`) does the same: a host step `zfs create -V`, a custom disk in the guest's
config, a directory vm_dir in the jail, the node unhidden by name.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from bhyvetpl.errors import SpecError
from bhyvetpl.model import policy
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.jailblock import guests_level
from bhyvetpl.render import render_guest
from bhyvetpl.spec.load import parse_spec
from bhyvetpl.spec.resolve import resolve
from tests.standin_env import Host
from tests.test_emit_e2e import seed, use
from tests.test_per_guest_zvol import HOST, PEER_WEB, README_SETUP, _nodes, _ruleset
from tests.test_ruleset_fnmatch import fnmatch_pathname
from tests.upstream import TOOLS, needs_upstream

SPEC = """version = 1

[jails.lab]
network = "shared"
address = "192.0.2.10/24"
vm_dir = "zfs:tank/vm"
isolation = "per-guest"

[jails.lab.guests.aa]
disks = ["disk0,dev=sparse-zvol,size=10G", "disk1,dev=zvol"]
no_nic = true

[jails.lab.guests.aab]
preset = "windows"
disks = ["disk0,dev=zvol"]
no_nic = true
"""


def _jails(text: str = SPEC) -> dict[str, JailSpec]:
    return {j.name: j for j in resolve(parse_spec(text, "s.toml"), HOST).jails}


def test_the_host_makes_each_zvol_and_the_guest_names_it_as_a_custom_disk() -> None:
    jails = _jails()
    made = {n: (j.vm_dir_value, j.vm_dataset,
                [(z.dataset, z.size, z.sparse) for z in j.host_zvols])
            for n, j in jails.items()}
    assert made == {
        "aa": ("/vms", None, [("tank/vm/aa/disk0", "10G", True),
                              ("tank/vm/aa/disk1", "20G", False)]),
        # vm create -s: the windows preset's disk0 size (render.PRESET_DISK_SIZE).
        "aab": ("/vms", None, [("tank/vm/aab/disk0", "64G", False)])}
    disks = jails["aa"].guests[0].disks
    assert [(d.name, d.dev) for d in disks] == [("/dev/zvol/tank/vm/aa/disk0", "custom"),
                                                ("/dev/zvol/tank/vm/aa/disk1", "custom")]


@pytest.mark.parametrize("name", ["aa", "aab"])
def test_fnm_pathname_a_jail_reaches_its_own_zvols_and_no_neighbours(name: str) -> None:
    """devfs matches with FNM_PATHNAME: aa's rules reach none of aab's or aa.b's nodes."""
    rules = _ruleset(_jails()[name]).unhidden
    nodes = {f"zvol/tank/vm/{g}/{d}" for g in ("aa", "aab", "aa.b", "a")
             for d in ("disk0", "disk1", "disk9")} | {
        f"zvol/tank/vm/{g}/{g}/disk0" for g in ("aa", "aab")} | {"zfs", "zvol/tank/vm/aa.b"}
    reached = {n for n in nodes if any(fnmatch_pathname(r, n) for r in rules)}
    own = {"aa": {"zvol/tank/vm/aa/disk0", "zvol/tank/vm/aa/disk1"},
           "aab": {"zvol/tank/vm/aab/disk0"}}[name]
    assert reached == own
    assert not [r for r in rules if "*" in r and r.startswith("zvol")]


def test_the_jail_gets_no_zfs_no_mount_and_bastilles_enforce_statfs() -> None:
    for jail in _jails().values():
        features = Features.of_jail(jail)
        config = {s.name: s.value for s in policy.jail_config(features, jail.vm_dataset)}
        assert not config.keys() & {"allow.mount", "allow.mount.zfs", "enforce_statfs"}
        # securelevel 2 forbids opening a disk device for writing (policy.securelevel_for;
        # the same level pgmore12 chose for zvol guests): 1.
        assert config["securelevel"] == "1"
        level = guests_level(jail)
        assert level is not None and level.value == "1"
        assert "zfs" not in _ruleset(jail).unhidden


def test_the_readme_setup_grants_nothing_the_peer_does_not() -> None:
    """Issue 12's "done when", for the README comparison's own spec (a zfs: vm_dir)."""
    web = next(j for j in resolve(parse_spec(README_SETUP, "s.toml"), HOST).jails
               if j.name == "web")
    ours, peer = _nodes(_ruleset(web).unhidden), _nodes(PEER_WEB)
    assert ours <= peer, ours - peer
    assert "zvol/tank/vm/web/disk0" in ours
    config = {s.name for s in policy.jail_config(Features.of_jail(web), web.vm_dataset)}
    assert not config & {"allow.mount", "allow.mount.zfs", "enforce_statfs"}


def _table_rows() -> dict[str, list[str]]:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("**Compared with the peer.**", 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        rows[cells[0]] = cells
    return rows


def test_the_readme_table_shows_no_per_guest_grant_the_peer_lacks() -> None:
    """Columns: node, shared, per-guest, peer, why. Rows the peer answers "no" to must
    say "no" (or "never") for per-guest too; enforce_statfs is not the jailed 1."""
    rows = _table_rows()
    for name, cells in rows.items():
        if cells[3] in ("no", "never"):
            assert cells[2].split(":")[0].split(" (")[0] in ("no", "never"), (name, cells[2])
    assert rows["`zfs`"][2].startswith("no")
    assert rows["`allow.mount`, `allow.mount.zfs`"][2].startswith("no")
    assert rows["`enforce_statfs`"][2].startswith("2")


def test_zvols_key_is_refused_where_it_means_nothing() -> None:
    for text, why in (
            (SPEC.replace('isolation = "per-guest"', 'zvols = "jail"'), "per-guest"),
            (SPEC.replace('isolation = "per-guest"', 'isolation = "per-guest"\nzvols = "x"'),
             "host or jail"),
            (SPEC.replace('vm_dir = "zfs:tank/vm"', 'vm_dir = "/vms"\nzvols = "host"'),
             "zfs: vm_dir")):
        with pytest.raises(SpecError) as info:
            _jails(text)
        assert "jails.lab.zvols" in str(info.value) and why in str(info.value)


def test_apply_makes_the_zvols_once_never_touches_an_existing_one_then_plan_is_empty(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    # tank/vm/aab/disk0 exists already (an earlier run, or the admin's): left as it is.
    (fake_host.state / "zfs").mkdir(parents=True, exist_ok=True)
    (fake_host.state / "zfs" / "tank_vm_aab_disk0.created").touch()
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    args = ("-f", str(spec), "--root", str(fake_host.root))
    code, out, err = fake_host.cli("apply", *args)
    assert code == 0, out + err
    calls = fake_host.calls()
    creates = [c for c in calls if c[:2] == ("zfs", "create")]
    assert creates == [
        ("zfs", "create", "-p", "-s", "-V", "10G", "-o", "volmode=dev", "tank/vm/aa/disk0"),
        ("zfs", "create", "-p", "-V", "20G", "-o", "volmode=dev", "tank/vm/aa/disk1")]
    assert ("zfs", "list", "-H", "-o", "name", "tank/vm/aab/disk0") in calls
    assert not [c for c in calls if c[:2] in (("zfs", "set"), ("zfs", "destroy"))]
    for name in ("aa", "aab"):
        conf = (fake_host.root / f"usr/local/bastille/jails/{name}/jail.conf").read_text()
        assert "zfs jail" not in conf and "securelevel = 1;" in conf
    rules = (fake_host.root / "etc/devfs.rules").read_text()
    assert "add path 'zvol/tank/vm/aa/disk1' unhide" in rules
    assert "add path 'zfs' unhide" not in rules
    code, out, err = fake_host.cli("plan", *args)
    assert code == 0 and "nothing to do" in out, out + err
    before = len(fake_host.calls())
    code, out, err = fake_host.cli("apply", *args)
    assert code == 0, out + err
    assert not [c for c in fake_host.calls()[before:] if c[:2] == ("zfs", "create")]


VM_BHYVE_REFS = ("v1.4.0", "v1.5.0", "v1.6.0", "v1.7.5", "master")


@needs_upstream
@pytest.mark.parametrize("ref", VM_BHYVE_REFS)
def test_vm_bhyve_hands_bhyve_the_host_made_zvol(ref: str, tmp_path: Path) -> None:
    """vm-bhyve's own vm::run (each release 1.4.0..master) opens the custom disk's path."""
    guest = _jails(README_SETUP)["db"].guests[0]
    conf = tmp_path / "db.conf"
    conf.write_text(render_guest(guest))
    result = subprocess.run([str(TOOLS / "vm-bhyve/vmb-bhyve-argv"), str(conf)],
                            capture_output=True, text=True, check=False, timeout=300,
                            env={**os.environ, "VMB_REF": ref})
    lines = {line.split(" ", 1)[0]: shlex.split(line) for line in result.stdout.splitlines()
             if line.startswith(("bhyve ", "bhyveload "))}
    assert "bhyve" in lines, result.stdout + result.stderr
    assert any(w.endswith(",virtio-blk,/dev/zvol/tank/vm/db/disk0") for w in lines["bhyve"])
    assert lines["bhyveload"][-2:] == ["/dev/zvol/tank/vm/db/disk0", "db"]
