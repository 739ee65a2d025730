from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.doctor import parse

FREEBSD = Path(__file__).resolve().parent / "fixtures" / "freebsd"


def fx(name: str) -> str:
    return (FREEBSD / name).read_text()


def test_freebsd_version_kru() -> None:
    assert parse.freebsd_version(fx("freebsd-version-kru-15.0-kernel-installed-running-14.3.txt")
                                 ) == ("15.0-RELEASE", "14.3-RELEASE-p5", "14.3-RELEASE-p6")
    assert parse.freebsd_version("14.3-RELEASE\n") is None


@pytest.mark.parametrize(("name", "vendor", "vmx_or_svm", "paging", "ug", "popcnt", "off"), [
    ("dmesg-intel-xeon-e2274g-ept-ug.txt", "GenuineIntel", True, True, True, True, False),
    ("dmesg-intel-xeon-ept-ug-13.0-current.txt", "GenuineIntel", True, True, True, True, False),
    ("dmesg-intel-n100-ept-ug-15.0-current.txt", "GenuineIntel", True, True, True, True, False),
    ("dmesg-intel-nehalem-ept-no-ug-12.2.txt", "GenuineIntel", True, True, False, True, False),
    ("dmesg-intel-core2-no-ept-12.0.txt", "GenuineIntel", True, False, False, False, False),
    ("dmesg-intel-vtx-disabled-in-bios-kvm-guest-10.2.txt", "GenuineIntel", True, True, True,
     True, True),
    ("dmesg-intel-kvm-guest-no-vmx-15.0.txt", "GenuineIntel", False, False, False, True, False),
    ("dmesg-amd-gx412tc-svm-16.0-current.txt", "AuthenticAMD", True, True, False, True, False),
    ("dmesg-amd-ryzen-svm-14.3-guest.txt", "AuthenticAMD", True, True, False, True, False),
])
def test_cpu_info(name: str, vendor: str, vmx_or_svm: bool, paging: bool, ug: bool,
                  popcnt: bool, off: bool) -> None:
    cpu = parse.cpu_info(fx(name))
    assert cpu is not None and cpu.vendor == vendor
    if cpu.intel:
        assert ("VMX" in cpu.features2) is vmx_or_svm
        assert (cpu.vtx is not None and "EPT" in cpu.vtx) is paging
        assert (cpu.vtx is not None and "UG" in cpu.vtx) is ug
    else:
        assert ("SVM" in cpu.amd_features2) is vmx_or_svm
        assert (cpu.svm is not None and "NP" in cpu.svm) is paging
    assert ("POPCNT" in cpu.features2) is popcnt
    assert cpu.vtx_disabled is off


def test_sysctl_values_and_unknown_oid() -> None:
    assert parse.sysctl_values(fx("sysctl-net-link-tap-up-on-open-0-11.0.txt")) == {
        "net.link.tap.up_on_open": "0"}
    assert parse.sysctl_values(fx("sysctl-security-jail-jailed-0.txt")) == {
        "security.jail.jailed": "0"}
    many = parse.sysctl_values(fx("sysctl-a-kern-excerpt-16.0-current.txt"))
    assert many["kern.securelevel"] == "-1" and many["kern.osrelease"] == "16.0-CURRENT"
    assert parse.sysctl_unknown(fx("sysctl-net-link-tap-up-on-open-unknown-oid-11.0-beta1.txt")
                                ) == {"net.link.tap.up_on_open"}


def test_devfs_rules_seed_ruleset() -> None:
    (ruleset,) = parse.devfs_rulesets(fx("etc-devfs.rules-bhyve-jail-25.txt"))
    assert (ruleset.name, ruleset.number, ruleset.line) == ("devfs_rules_bhyve_jail", 25, 1)
    assert ruleset.includes == ("$devfsrules_jail",)
    assert ruleset.unhidden == ("vmm", "vmm/*", "tap*", "mem", "kmem", "nmdm*", "pci", "io")


def test_devfs_rules_defaults() -> None:
    rulesets = parse.devfs_rulesets(fx("etc-defaults-devfs.rules-freebsd-src-1b1334b.txt"))
    assert [r.number for r in rulesets] == [1, 2, 3, 4, 5]
    assert rulesets[3].name == "devfsrules_jail"


@pytest.mark.parametrize(("pattern", "node", "matches"), [
    ("vmm", "vmm", True), ("vmm", "vmm/g1", False), ("vmm/*", "vmm/g1", True),
    ("nmdm*", "nmdm-g1.1A", True), ("tap*", "tap0", True), ("zvol/*", "zvol/tank/v", False),
])
def test_devfs_matches_with_fnm_pathname(pattern: str, node: str, matches: bool) -> None:
    assert parse.devfs_matches(pattern, node) is matches


@pytest.mark.parametrize(("name", "expected"), [
    ("pciconf-lv-ppt0-bound-15.0.txt", {"2/0/0": "ppt"}),
    ("pciconf-lv-no-driver-none-15.0.txt", {"2/0/0": "none"}),
    ("pciconf-lv-ppt-nics-13.0-current.txt", {"4/0/0": "ppt", "4/0/1": "ppt"}),
    ("pciconf-lv-ppt0-82580-12.2.txt", {"1/0/0": "ppt"}),
    ("pciconf-lv-igb0-normal-driver-12.2.txt", {"1/0/0": "igb"}),
    ("pciconf-lv-re0-normal-driver-14.x.txt", {"46/0/0": "re"}),
    ("pciconf-lv-vgapci0-before-ppt-tesla-p10.txt", {"1/0/0": "vgapci"}),
    ("pciconf-lv-ppt0-tesla-p10.txt", {"1/0/0": "ppt"}),
])
def test_pci_drivers(name: str, expected: dict[str, str]) -> None:
    assert parse.pci_drivers(fx(name)) == expected


def test_pci_drivers_full_listing() -> None:
    drivers = parse.pci_drivers(fx("pciconf-lv-full-intel-alderlake-14.x.txt"))
    assert drivers["0/2/0"] == "vgapci" and drivers["0/13/2"] == "none"


def test_vm_passthru() -> None:
    rows = parse.vm_passthru(fx("vm-passthru-ppt-ready-14.0.txt"))
    assert [(r.device, r.bsf, r.ready) for r in rows][:2] == [
        ("ppt0", "2/0/0", True), ("ppt1", "2/0/1", True)]
    (row,) = parse.vm_passthru(fx("vm-passthru-ppt0-not-ready.txt"))
    assert (row.bsf, row.ready, row.description) == ("1/0/0", False, "GP102GL [Tesla P10]")
    assert len(parse.vm_passthru(fx("vm-passthru-intel-host-in-jail-12.2.txt"))) == 17
    amd = parse.vm_passthru(fx("vm-passthru-amd-host-none-ready.txt"))
    assert len(amd) == 15 and not any(r.ready for r in amd)
    (vga,) = parse.vm_passthru(fx("vm-passthru-vgapci-not-ready.txt"))
    assert (vga.device, vga.bsf, vga.ready) == ("vgapci0", "4/0/0", False)


def test_vm_switches() -> None:
    assert parse.vm_switches(fx("vm-switch-list-14.3.txt")) == {"public": "standard"}
    assert parse.vm_switches(fx("vm-switch-list-14.2.txt")) == {"public": "standard"}
    assert parse.vm_switches(fx("vm-switch-list-vxlan-misaligned.txt")) == {
        "public": "standard", "vxlan1024": "vxlan"}


def test_jail_conf_of_bastille_jail() -> None:
    conf = parse.jail_conf(fx("bastille-jail.conf-bhyve-vnet-12.2.txt"), "test-bhyve")
    assert conf is not None
    assert conf.params["devfs_ruleset"] == "25" and conf.params["securelevel"] == "2"
    assert "allow.vmm" in conf.params and "vnet" in conf.params
    assert conf.params["path"] == "/usr/local/bastille/jails/test-bhyve/root"
    assert conf.lines["securelevel"] == 12
    assert parse.jail_conf(fx("bastille-jail.conf-bhyve-vnet-12.2.txt"), "other") is None


def test_shell_assignments() -> None:
    text = 'vm_enable="YES"\nvm_dir=/vms # comment\npptdevs=\'1/0/0 2/0/0\'\nvm_enable="NO"\n'
    assert parse.shell_assignments(text) == {"vm_enable": "NO", "vm_dir": "/vms",
                                             "pptdevs": "1/0/0 2/0/0"}
