"""Issue 11 point 1: a vnet jail that takes its address by DHCP needs bpf(4) in its ruleset.

dhclient opens bpf (FreeBSD sbin/dhclient/bpf.c; the Handbook's DHCP section: "both the DHCP
server and DHCP client require the bpf(4) device"). Bastille writes ifconfig_vnet0="SYNCDHCP"
for a DHCP vnet jail (create.sh), and bhyvetpl's own default jail is `--ip SYNCDHCP`, so
`host prepare` without flags must grant it, and the doctor must FAIL a ruleset that hides it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bhyvetpl.cli.app import app
from bhyvetpl.doctor import checks
from bhyvetpl.facts.model import Release
from bhyvetpl.hostfs import devfs
from bhyvetpl.hostfs.assign import readable
from bhyvetpl.model.options import HostOptions, build_features
from bhyvetpl.model.policy import devfs_rules
from tests.cli_runner import cli_runner
from tests.test_doctor_jail import make_jail

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def paths(**flags: object) -> set[str]:
    features = build_features(HostOptions(release="14.3-RELEASE", **flags))  # type: ignore[arg-type]
    return {p for group in devfs_rules(features) for p in group.paths}


def test_default_host_features_grant_bpf_like_the_default_jail_address() -> None:
    assert "bpf*" in paths()
    assert "bpf*" not in paths(dhcp=False)
    assert "bpf*" not in paths(vnet=False)


def test_render_host_without_flags_unhides_bpf() -> None:
    result = cli_runner().invoke(app, ["render", "host", "--release", "14.3-RELEASE"])
    assert result.exit_code == 0, result.stderr
    assert "add path 'bpf*' unhide" in result.stdout
    result = cli_runner().invoke(app, ["render", "host", "--release", "14.3-RELEASE",
                                       "--no-dhcp"])
    assert "bpf" not in result.stdout.split("[devfs_rules_bhyve_jail=25]")[1].split("END")[0]


def test_dhcp_on_a_shared_jail_is_refused() -> None:
    result = cli_runner().invoke(app, ["render", "host", "--release", "14.3-RELEASE",
                                       "--dhcp", "--no-vnet"])
    assert result.exit_code == 2
    assert "error: dhcp:" in result.stderr


def doctor_devfs(rc_conf: str, rules_text: str) -> tuple[str, str]:
    jail = make_jail()
    facts = dataclasses.replace(
        jail, jails=(dataclasses.replace(jail.jails[0], rc_conf=readable(rc_conf)),),
        devfs_rulesets=devfs.rulesets(rules_text),
        release=Release("14.3-RELEASE", "14.3-RELEASE", "14.3-RELEASE"))
    (result,) = [r for r in checks(facts, "test-bhyve") if r.check == "devfs ruleset 25"]
    return result.status, result.detail


def test_doctor_fails_a_dhcp_jail_whose_ruleset_hides_bpf() -> None:
    # The seed article's ruleset (Neira; its jail moved to SYNCDHCP): no bpf line.
    seed = (FIXTURES / "etc-devfs.rules-bhyve-jail-25.txt").read_text()
    status, detail = doctor_devfs('vm_enable="YES"\nvm_dir="/vms"\n'
                                  'ifconfig_vnet0="SYNCDHCP"\n', seed)
    assert status == "FAIL" and "hides '/dev/bpf*'" in detail
    status, detail = doctor_devfs('vm_enable="YES"\nvm_dir="/vms"\n'
                                  'ifconfig_vnet0="inet 192.168.1.225/24"\n', seed)
    assert "bpf" not in detail
    status, detail = doctor_devfs('ifconfig_vnet0="SYNCDHCP"\n',
                                  seed + "add path 'bpf*' unhide\n")
    assert "bpf" not in detail


