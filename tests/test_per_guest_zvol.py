"""A per-guest jail with zvol disks: its own dataset below the spec's ZFS vm_dir, and
exactly its guest's zvol nodes (devfs FNM_PATHNAME: guest `aa` reaches none of `aab`'s
or `aa.b`'s), /dev/zfs for the zfs(8) it runs, securelevel 1, the dataset handed over."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from bhyvetpl.doctor.guest import Guest as DoctorGuest
from bhyvetpl.doctor.guest import Needs
from bhyvetpl.doctor.host import check_devfs
from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts, Release
from bhyvetpl.facts.model import Guest as FactGuest
from bhyvetpl.hostfs.devfs import Ruleset, rulesets
from bhyvetpl.model import policy
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.footprint import block_features
from bhyvetpl.plan.jailblock import block_text, guests_level
from bhyvetpl.render import render_host
from bhyvetpl.spec.load import parse_spec
from bhyvetpl.spec.resolve import resolve
from tests.standin_env import Host
from tests.test_emit_e2e import seed, use
from tests.test_ruleset_fnmatch import fnmatch_pathname

HOST = Facts(release=Release("15.0-RELEASE", "15.0-RELEASE", "15.0-RELEASE"),
             default_interface="em0")
# No NIC: a shared-IP jail's NICs need host taps, beside the point here.
SPEC = """version = 1

[jails.lab]
network = "shared"
address = "192.0.2.10/24"
vm_dir = "zfs:tank/vm"
isolation = "per-guest"
zvols = "jail"

[jails.lab.guests.aa]
disks = ["disk0,dev=sparse-zvol,size=10G", "disk1,dev=zvol,size=1G"]
no_nic = true

[jails.lab.guests.aab]
disks = ["disk0,dev=sparse-zvol"]
no_nic = true
"""


def _jails() -> dict[str, JailSpec]:
    return {j.name: j for j in resolve(parse_spec(SPEC, "s.toml"), HOST).jails}


def _ruleset(jail: JailSpec) -> Ruleset:
    text = next(f.text for f in render_host(Features.of_jail(jail))
                if str(f.relpath) == "etc/devfs.rules")
    return rulesets(text)[0]


def zvol_tree(guest: str, disks: tuple[str, ...]) -> set[str]:
    """The nodes below tank/vm that a guest's jail dataset makes (vm-bhyve lib/vm-run)."""
    base = f"zvol/tank/vm/{guest}"
    return {base, f"{base}/{guest}", *(f"{base}/{guest}/{d}" for d in disks)}


DISKS = {"aa": ("disk0", "disk1"), "aab": ("disk0",)}
# `aa.b` cannot be a jail name, but a guest of a shared jail on tank/vm/aa.b (or tank/vm
# itself, on another host) can: its nodes.
OTHERS = {"zvol/tank/vm/aa.b", "zvol/tank/vm/aa.b/aa.b", "zvol/tank/vm/aa.b/aa.b/disk0",
          "zvol/tank/vm/aa.b/disk0", "zvol/tank/vm/aab/disk0", "zvol/tank/vm/aa-b/aa/disk0"}


def test_each_jail_gets_a_dataset_of_its_own_below_the_specs() -> None:
    jails = _jails()
    assert {n: (j.vm_dataset, j.vm_dir_value) for n, j in jails.items()} == {
        "aa": ("tank/vm/aa", "zfs:tank/vm/aa"), "aab": ("tank/vm/aab", "zfs:tank/vm/aab")}


@pytest.mark.parametrize("name", sorted(DISKS))
def test_a_jail_reaches_its_guests_zvols_and_no_other_guests(name: str) -> None:
    rules = _ruleset(_jails()[name]).unhidden
    assert not [r for r in rules if r.startswith("zvol") and "*" in r], rules
    for other, disks in DISKS.items():
        nodes = zvol_tree(other, disks)
        reached = {n for n in nodes if any(fnmatch_pathname(r, n) for r in rules)}
        assert reached == (nodes if other == name else set()), (name, other, reached)
    assert not {n for n in OTHERS if any(fnmatch_pathname(r, n) for r in rules)}
    # The directories above: the way down, nothing in them but what is unhidden.
    assert {"zvol", "zvol/tank", "zvol/tank/vm"} <= set(rules)


def test_the_jail_runs_zfs_on_its_dataset_under_securelevel_1() -> None:
    jail = _jails()["aa"]
    assert _ruleset(jail).includes == ("$devfsrules_hide_all",)
    assert policy.ZFS_NODE in _ruleset(jail).unhidden
    features = Features.of_jail(jail)
    config = {s.name: s.value for s in policy.jail_config(features, jail.vm_dataset)}
    assert config["enforce_statfs"] == "1" and "allow.mount.zfs" in config
    level = guests_level(jail)
    assert level is not None and level.value == "1"
    block = block_text(jail.name, jail.vm_dataset, False, level)
    assert 'exec.created += "zfs jail $name tank/vm/aa";' in block


@pytest.mark.parametrize("name", sorted(DISKS))
def test_the_block_read_back_renders_the_same_bytes(name: str) -> None:
    """new-guest and jail apply read our block back into Features (plan.footprint)."""
    jail = _jails()[name]
    text = next(f.text for f in render_host(Features.of_jail(jail))
                if str(f.relpath) == "etc/devfs.rules")
    back = block_features(jail.name, text)
    assert back is not None and back.zvol_nodes and back.zfs and back.per_guest
    assert next(f.text for f in render_host(back) if str(f.relpath) == "etc/devfs.rules") == text


def test_a_directory_vm_dir_leaves_zfs_hidden() -> None:
    spec = SPEC.replace('vm_dir = "zfs:tank/vm"', 'vm_dir = "/vms"').replace(
        'zvols = "jail"\n', "").replace(
        "dev=sparse-zvol", "dev=file").replace("dev=zvol", "dev=file")
    for jail in resolve(parse_spec(spec, "s.toml"), HOST).jails:
        unhidden = _ruleset(jail).unhidden
        assert not [p for p in unhidden if p == "zfs" or p.startswith("zvol")], unhidden


@pytest.mark.parametrize("extra", [
    '\n[jails.other]\nnetwork = "shared"\naddress = "192.0.2.11/24"\nvm_dir = "zfs:tank/vm"\n',
    '\n[jails.other]\nnetwork = "shared"\naddress = "192.0.2.11/24"\n'
    'vm_dir = "zfs:tank/vm/aab"\n',
    '\n[jails.other]\nnetwork = "shared"\naddress = "192.0.2.11/24"\nvm_dir = "zfs:tank"\n',
])
def test_a_dataset_another_jail_holds_is_refused(extra: str) -> None:
    with pytest.raises(SpecError) as info:
        resolve(parse_spec(SPEC + extra, "s.toml"), HOST)
    assert ".vm_dir:" in str(info.value) and "serves one jail" in str(info.value)


def test_apply_hands_each_jail_its_dataset_then_plan_finds_nothing(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    args = ("-f", str(spec), "--root", str(fake_host.root))
    code, out, err = fake_host.cli("apply", *args)
    assert code == 0, out + err
    calls = fake_host.calls()
    for name in ("aa", "aab"):
        assert ("zfs", "create", "-p", f"tank/vm/{name}") in calls
        assert ("zfs", "set", "jailed=on", f"tank/vm/{name}") in calls
        conf = (fake_host.root / f"usr/local/bastille/jails/{name}/jail.conf").read_text()
        assert f'exec.created += "zfs jail $name tank/vm/{name}";' in conf
        assert "securelevel = 1;" in conf
    rules = (fake_host.root / "etc/devfs.rules").read_text()
    assert "add path 'zvol/tank/vm/aa/aa/disk1' unhide" in rules
    code, out, err = fake_host.cli("plan", *args)
    assert code == 0 and "nothing to do" in out, out + err


def _doctor(text: str) -> list[tuple[str, str]]:
    """The doctor's devfs row for jail aa's guest (its config as vm-bhyve keeps it)."""
    guest = FactGuest("aa", {"loader": "bhyveload", "disk0_type": "virtio-blk",
                             "disk0_name": "disk0", "disk0_dev": "sparse-zvol",
                             "disk1_type": "virtio-blk", "disk1_name": "disk1",
                             "disk1_dev": "zvol"})
    needs = Needs.of((DoctorGuest(guest),), "zfs:tank/vm/aa")
    nodes, _ = check_devfs(Facts(devfs_rulesets=rulesets(text)), 25, needs, Version("15.0"))
    return [(nodes.status, nodes.fix)]


def test_the_doctor_passes_the_ruleset_and_names_exact_rules_for_what_it_lacks() -> None:
    text = next(f.text for f in render_host(Features.of_jail(_jails()["aa"]))
                if str(f.relpath) == "etc/devfs.rules")
    assert _doctor(text) == [("PASS", "")]
    [(status, fix)] = _doctor(text.replace("add path 'zfs' unhide\n", "").replace(
        "add path 'zvol/tank/vm/aa/aa/disk1' unhide\n", ""))
    assert status == "FAIL" and fix.startswith(
        "add path 'zfs' unhide; add path 'zvol/tank/vm/aa/aa/disk1' unhide "), fix


# The README comparison's setup: web (UEFI with VNC, a zvol, one NIC) and db (bhyveload,
# a zvol, one NIC), vm_dir zfs:tank/vm, FreeBSD 15.0, NICs naming host taps, static address.
README_SETUP = """version = 1

[jails.lab]
network = "vnet"
address = "192.0.2.10/24"
vm_dir = "zfs:tank/vm"
isolation = "per-guest"

[jails.lab.guests.web]
preset = "linux"
graphics = true
disks = ["disk0,dev=sparse-zvol,size=20G"]
nics = ["public,device=tap1025"]

[jails.lab.guests.db]
loader = "bhyveload"
disks = ["disk0,dev=sparse-zvol,size=20G"]
nics = ["public,device=tap1026"]
"""
# The peer's way: zvols made on the host, named as custom disks, a directory vm_dir.
HOST_MADE = README_SETUP.replace('vm_dir = "zfs:tank/vm"', 'vm_dir = "/vms"').replace(
    'disks = ["disk0,dev=sparse-zvol,size=20G"]\nnics = ["public,device=tap1025"]',
    'disks = ["/dev/zvol/tank/vm/web/disk0,dev=custom"]\nnics = ["public,device=tap1025"]'
).replace('disks = ["disk0,dev=sparse-zvol,size=20G"]\nnics = ["public,device=tap1026"]',
          'disks = ["/dev/zvol/tank/vm/db/disk0,dev=custom"]\nnics = ["public,device=tap1026"]')
# vm-bhyve's own zvols on a jailed dataset, asked for by name.
JAILED = README_SETUP.replace('isolation = "per-guest"\n',
                              'isolation = "per-guest"\nzvols = "jail"\n')
# bastille-vm-plugin 1.0.1 (bhyve.sh vm_load_devfs_ruleset @ 610f19b) for VM web with its
# zvol dataset POOL/PREFIX/vms/web (here tank/vm/web) and tap tap1025, on 15.0.
PEER_WEB = ("null", "zero", "random", "urandom", "pci", "vmm", "vmm/web", "vmmctl", "vmm.io",
            "vmm.io/web.*", "nmdm-web.*", "tap1025", "zvol", "zvol/tank", "zvol/tank/vm",
            "zvol/tank/vm/web", "zvol/tank/vm/web/*")


def test_the_readme_comparison_lists_every_node_of_the_zvol_setup() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("**Compared with the peer.**", 1)[1].split("\n\n", 2)[1]
    web = next(j for j in resolve(parse_spec(README_SETUP, "s.toml"), HOST).jails
               if j.name == "web")
    ruleset = _ruleset(web)
    missing = [p for p in (*ruleset.includes, *ruleset.unhidden) if f"`{p}`" not in table
               and f"device={p}" not in table]
    assert not missing, f"README comparison lacks {missing}"


def _nodes(rules: tuple[str, ...]) -> set[str]:
    """Which of web's, db's and web.old's real nodes (and the jail's) the rules reach."""
    names = {"null", "zero", "random", "urandom", "zfs", "pci", "crypto", "vmm", "vmmctl",
             "vmm.io", "tap1025", "tap1026", "tap7"}
    for guest in ("web", "db", "web.old"):
        names |= {f"vmm/{guest}", f"vmm.io/{guest}.bootrom", f"vmm.io/{guest}.framebuffer",
                  f"nmdm-{guest}.1A", f"nmdm-{guest}.1B", f"zvol/tank/vm/{guest}",
                  f"zvol/tank/vm/{guest}/{guest}", f"zvol/tank/vm/{guest}/{guest}/disk0",
                  f"zvol/tank/vm/{guest}/disk0", f"zvol/tank/vm/{guest}/disk9"}
    names |= {"zvol", "zvol/tank", "zvol/tank/vm"}
    return {n for n in names if any(fnmatch_pathname(r, n) for r in rules)}


def test_host_made_zvols_reach_no_node_and_need_no_parameter_the_peer_lacks() -> None:
    """The README's way to the peer's footprint: zvols from the host as custom disks."""
    web = next(j for j in resolve(parse_spec(HOST_MADE, "s.toml"), HOST).jails
               if j.name == "web")
    ours = _nodes(_ruleset(web).unhidden)
    assert ours <= _nodes(PEER_WEB), ours - _nodes(PEER_WEB)
    assert "zvol/tank/vm/web/disk0" in ours and "zfs" not in ours
    config = {s.name for s in policy.jail_config(Features.of_jail(web), web.vm_dataset)}
    assert not config & {"allow.mount", "allow.mount.zfs", "enforce_statfs"}
    level = guests_level(web)
    assert level is not None and level.value == "1"


def test_vm_bhyves_own_zvols_add_only_zfs_beyond_the_peer() -> None:
    """With zvols = "jail" the jail manages its dataset: /dev/zfs is the one extra node.

    The disk itself sits one level deeper than the peer's (vm-bhyve makes the guest's
    dataset below the jail's: tank/vm/web/web/disk0, the peer tank/vm/web/disk0): the same
    disk, granted by name where the peer grants its dataset's every volume.
    """
    web = next(j for j in resolve(parse_spec(JAILED, "s.toml"), HOST).jails
               if j.name == "web")
    ours, peer = _nodes(_ruleset(web).unhidden), _nodes(PEER_WEB)
    assert ours - peer == {"zfs", "zvol/tank/vm/web/web/disk0"}
    assert peer - ours >= {"zvol/tank/vm/web/disk0", "zvol/tank/vm/web/disk9", "pci",
                           "vmm.io/web.old.bootrom", "nmdm-web.old.1A"}
