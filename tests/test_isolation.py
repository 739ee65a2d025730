"""isolation = "per-guest": a spec jail becomes one Bastille jail per guest (named after it),
each with its own ruleset (free numbers only), reaching that guest's nodes and no other's."""

from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts, Release
from bhyvetpl.hostfs.devfs import Ruleset, rulesets
from bhyvetpl.model.policy import Features
from bhyvetpl.render import render_host
from bhyvetpl.spec.load import parse_spec
from bhyvetpl.spec.resolve import resolve
from tests.standin_env import Host
from tests.test_emit_e2e import seed, use
from tests.test_ruleset_fnmatch import fnmatch_pathname, guest_nodes

HOST = Facts(release=Release("15.0-RELEASE", "15.0-RELEASE", "15.0-RELEASE"),
             default_interface="em0")
SPEC = """version = 1

[jails.lab]
network = "vnet"
address = "SYNCDHCP"
isolation = "per-guest"

[jails.lab.guests.web]
preset = "linux"
graphics = true
memory = "2G"

[jails.lab.guests.db]
preset = "freebsd"
memory = "1G"
"""


def test_each_guest_gets_a_jail_of_its_own() -> None:
    desired = resolve(parse_spec(SPEC, "s.toml"), HOST)
    assert [(j.name, [g.name for g in j.guests], j.ruleset.number, j.ruleset.name)
            for j in desired.jails] == [
        ("web", ["web"], 25, "devfs_rules_bhyve_jail"),
        ("db", ["db"], 26, "devfs_rules_bhyve_jail_db")]
    assert set(desired.presets) == {"web/web", "db/db"}


def test_shared_is_the_default_and_unchanged() -> None:
    desired = resolve(parse_spec(SPEC.replace('isolation = "per-guest"\n', ""), "s.toml"), HOST)
    assert [(j.name, len(j.guests)) for j in desired.jails] == [("lab", 2)]


def test_each_ruleset_reaches_its_guest_and_not_the_other() -> None:
    jails = resolve(parse_spec(SPEC, "s.toml"), HOST).jails
    for jail in jails:
        (mine,) = jail.guests
        text = next(f.text for f in render_host(Features.of_jail(jail))
                    if str(f.relpath) == "etc/devfs.rules")
        unhidden = rulesets(text)[0].unhidden
        for other in ("web", "db", "web2", "db.old"):
            nodes = guest_nodes(other, uefi=True, vnc=True) - {
                f"vmm.io/{other}.bootrom", f"vmm.io/{other}.framebuffer"} if (
                other == mine.name and not mine.uefi) else guest_nodes(other, True, True)
            if other == mine.name and mine.graphics is None:
                nodes.discard(f"vmm.io/{other}.framebuffer")
            reached = {n for n in nodes if any(fnmatch_pathname(r, n) for r in unhidden)}
            if other == mine.name:
                assert reached == nodes, (jail.name, nodes - reached)
            else:
                assert not {n for n in reached if n.startswith(("vmm/", "vmm.io/"))}, reached
                if other in ("web", "db"):   # the other guest of the spec: nothing at all
                    assert not reached, (jail.name, reached)


def test_ruleset_numbers_skip_one_the_admin_holds() -> None:
    facts = Facts(release=HOST.release, default_interface="em0",
                  devfs_rulesets=(Ruleset("localrules", 26, 1),))
    numbers = [j.ruleset.number for j in resolve(parse_spec(SPEC, "s.toml"), facts).jails]
    assert numbers == [25, 27]


@pytest.mark.parametrize(("edit", "where"), [
    (lambda t: t.replace('"per-guest"', '"per-vm"'), "jails.lab.isolation"),
    (lambda t: t.replace('isolation', 'vm_dir = "zfs:tank/vm"\nisolation') + '[jails.b]\n'
     'network = "vnet"\naddress = "SYNCDHCP"\nvm_dir = "zfs:tank/vm/db"\n', "jails.b.vm_dir"),
    (lambda t: t.replace("guests.db]", 'guests."db-1"]'), "jails.lab.guests.db-1"),
    (lambda t: t + '[jails.b]\nnetwork = "vnet"\naddress = "SYNCDHCP"\nisolation = '
     '"per-guest"\n[jails.b.guests.db]\n', "jails.b.guests.db"),
])
def test_what_per_guest_cannot_do_is_refused_naming_the_key(edit: object, where: str) -> None:
    with pytest.raises(SpecError) as info:
        resolve(parse_spec(edit(SPEC), "s.toml"), HOST)  # type: ignore[operator]
    assert f" {where}:" in str(info.value)


def test_apply_makes_both_jails_then_plan_finds_nothing(fake_host: Host,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    args = ("-f", str(spec), "--root", str(fake_host.root))
    code, out, err = fake_host.cli("apply", *args)
    assert code == 0, out + err
    calls = fake_host.calls()
    created = [c[3] for c in calls if c[:3] == ("bastille", "create", "-V")]
    assert sorted(created) == ["db", "web"]
    rules = (fake_host.root / "etc/devfs.rules").read_text()
    assert "[devfs_rules_bhyve_jail=25]" in rules and "[devfs_rules_bhyve_jail_db=26]" in rules
    code, out, err = fake_host.cli("plan", *args)
    assert code == 0, out + err
    assert "nothing to do" in out


def _pinned(spec: str) -> str:
    """SPEC with each guest's NIC naming a host-made tap and a static jail address."""
    return (spec.replace('address = "SYNCDHCP"', 'address = "192.0.2.10/24"')
            .replace('memory = "2G"', 'memory = "2G"\nnics = ["public,device=tap1025"]')
            .replace('memory = "1G"', 'memory = "1G"\nnics = ["public,device=tap1026"]'))


@pytest.mark.parametrize("pinned", [False, True])
def test_the_readme_comparison_lists_every_node_a_per_guest_jail_gets(pinned: bool) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("**Compared with the peer.**", 1)[1].split("\n\n", 2)[1]
    spec = _pinned(SPEC) if pinned else SPEC
    for jail in resolve(parse_spec(spec, "s.toml"), HOST).jails:
        text = next(f.text for f in render_host(Features.of_jail(jail))
                    if str(f.relpath) == "etc/devfs.rules")
        ruleset = rulesets(text)[0]
        missing = [p for p in (*ruleset.includes, *ruleset.unhidden) if f"`{p}`" not in table
                   and f"`{p.replace('db', 'web')}`" not in table
                   and f"device={p.replace('1026', '1025')}" not in table]
        assert not missing, f"README comparison lacks {missing}"


# Nodes devfsrules_jail (4) unhides beyond bastille-vm-plugin 1.0's per-VM ruleset
# (tests/fixtures/freebsd/etc-defaults-devfs.rules-freebsd-src-1b1334b.txt; bhyve.sh
# vm_load_devfs_ruleset @ 9f717b3: add hide, then null zero random urandom).
JAIL_ONLY = ("crypto", "ptmx", "pts", "pts/0", "fd", "fd/0", "stdin", "stdout", "stderr",
             "ttyp0", "ptyp0", "fuse", "zfs")


def _ruleset(jail: object) -> Ruleset:
    text = next(f.text for f in render_host(Features.of_jail(jail))  # type: ignore[arg-type]
                if str(f.relpath) == "etc/devfs.rules")
    return rulesets(text)[0]


def test_a_per_guest_jail_starts_from_hide_all_with_the_peers_four_basics() -> None:
    for jail in resolve(parse_spec(SPEC, "s.toml"), HOST).jails:
        ruleset = _ruleset(jail)
        assert ruleset.includes == ("$devfsrules_hide_all",), jail.name
        reached = {n for n in (*JAIL_ONLY, "null", "zero", "random", "urandom")
                   if any(fnmatch_pathname(r, n) for r in ruleset.unhidden)}
        assert reached == {"null", "zero", "random", "urandom"}, jail.name


def test_a_shared_jail_keeps_devfsrules_jail() -> None:
    (jail,) = resolve(parse_spec(SPEC.replace('isolation = "per-guest"\n', ""), "s.toml"),
                      HOST).jails
    ruleset = _ruleset(jail)
    assert ruleset.includes == ("$devfsrules_jail",)
    assert "null" not in ruleset.unhidden


def test_named_taps_and_a_static_address_leave_nothing_the_peer_lacks() -> None:
    """The README's per-guest column: NICs naming host-made taps, a static jail address."""
    for jail, tap in zip(resolve(parse_spec(_pinned(SPEC), "s.toml"), HOST).jails,
                         ("tap1025", "tap1026"), strict=True):
        unhidden = _ruleset(jail).unhidden
        assert "tap*" not in unhidden and not [p for p in unhidden if p.startswith("bpf")]
        taps = {n for n in ("tap0", "tap1", "tap1025", "tap1026", "tap10250")
                if any(fnmatch_pathname(r, n) for r in unhidden)}
        assert taps == {tap}, jail.name
