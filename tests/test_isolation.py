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
    (lambda t: t.replace('isolation', 'vm_dir = "zfs:tank/vm"\nisolation'), "jails.lab.vm_dir"),
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


def test_the_readme_comparison_lists_every_node_a_per_guest_jail_gets() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("**Compared with the peer.**", 1)[1].split("\n\n", 2)[1]
    for jail in resolve(parse_spec(SPEC, "s.toml"), HOST).jails:
        text = next(f.text for f in render_host(Features.of_jail(jail))
                    if str(f.relpath) == "etc/devfs.rules")
        ruleset = rulesets(text)[0]
        missing = [p for p in (*ruleset.includes, *ruleset.unhidden) if f"`{p}`" not in table
                   and f"`{p.replace('db', 'web')}`" not in table]
        assert not missing, f"README comparison lacks {missing}"
