"""The host file formats: devfs.rules, jail.conf, sh assignments, bastille.conf."""

from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.hostfs import devfs
from bhyvetpl.hostfs.assign import readable
from bhyvetpl.hostfs.bastilleconf import BastilleConf, bastille_conf
from bhyvetpl.hostfs.jailconf import jail_conf
from bhyvetpl.plan.hostfile import ruleset_clash

FREEBSD = Path(__file__).resolve().parent / "fixtures" / "freebsd"


def fx(name: str) -> str:
    return (FREEBSD / name).read_text()


def test_devfs_rules_seed_ruleset() -> None:
    (ruleset,) = devfs.rulesets(fx("etc-devfs.rules-bhyve-jail-25.txt"))
    assert (ruleset.name, ruleset.number, ruleset.line) == ("devfs_rules_bhyve_jail", 25, 1)
    assert ruleset.includes == ("$devfsrules_jail",)
    assert ruleset.unhidden == ("vmm", "vmm/*", "tap*", "mem", "kmem", "nmdm*", "pci", "io")


def test_devfs_rules_defaults() -> None:
    rulesets = devfs.rulesets(fx("etc-defaults-devfs.rules-freebsd-src-1b1334b.txt"))
    assert [r.number for r in rulesets] == [1, 2, 3, 4, 5]
    assert rulesets[3].name == "devfsrules_jail"


@pytest.mark.parametrize(("pattern", "node", "matches"), [
    ("vmm", "vmm", True), ("vmm", "vmm/g1", False), ("vmm/*", "vmm/g1", True),
    ("nmdm*", "nmdm-g1.1A", True), ("tap*", "tap0", True), ("zvol/*", "zvol/tank/v", False),
])
def test_devfs_matches_with_fnm_pathname(pattern: str, node: str, matches: bool) -> None:
    assert devfs.matches(pattern, node) is matches


def test_jail_conf_of_bastille_jail() -> None:
    conf = jail_conf(fx("bastille-jail.conf-bhyve-vnet-12.2.txt"), "test-bhyve")
    assert conf is not None
    assert conf.params["devfs_ruleset"] == "25" and conf.params["securelevel"] == "2"
    assert "allow.vmm" in conf.params and "vnet" in conf.params
    assert conf.params["path"] == "/usr/local/bastille/jails/test-bhyve/root"
    assert conf.lines["securelevel"] == 12
    assert jail_conf(fx("bastille-jail.conf-bhyve-vnet-12.2.txt"), "other") is None


def test_shell_assignments() -> None:
    text = 'vm_enable="YES"\nvm_dir=/vms # comment\npptdevs=\'1/0/0 2/0/0\'\nvm_enable="NO"\n'
    assert readable(text) == {"vm_enable": "NO", "vm_dir": "/vms",
                                             "pptdevs": "1/0/0 2/0/0"}


def test_loader_conf_keeps_what_sh_would_run_as_text() -> None:
    # The loader reads loader.conf itself: `$(...)` is text there, unreadable in rc.conf.
    text = 'pptdevs="1/0/0 $(id)"\n'
    assert readable(text, sh=False) == {"pptdevs": "1/0/0 $(id)"}
    assert readable(text) == {}


def test_one_header_pattern_for_the_doctor_and_the_clash_check() -> None:
    rules = fx("etc-defaults-devfs.rules-freebsd-src-1b1334b.txt")
    assert {(r.name, r.number) for r in devfs.rulesets(rules)} >= {("devfsrules_jail", 4)}
    clash = ruleset_clash(rules, 4, "mine", "# BEGIN", "# END")
    assert clash is not None and clash.header == "[devfsrules_jail=4]" and clash.next_free == 6
    assert devfs.header("  [odd name=25] # x") == ("odd name", 25)
    assert devfs.header("add path vmm unhide") is None


def test_bastille_conf_sample_and_defaults() -> None:
    sample = bastille_conf(fx("bastille.conf.sample-bastille-1.4.4-2280556.txt"))
    assert sample == BastilleConf() == bastille_conf(None)
    moved = bastille_conf('bastille_prefix="/b"\n')
    assert (moved.jailsdir, moved.releasesdir) == ("/b/jails", "/b/releases")
    assert bastille_conf('bastille_sharedir="$(pwd)"\n').sharedir is None
    assert bastille_conf('bastille_prefix="$(pwd)"\n').jailsdir is None
