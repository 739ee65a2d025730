"""Host checks over Facts built from recorded FreeBSD outputs (tests/fixtures/freebsd)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from packaging.version import Version
from typer.testing import CliRunner

from bhyvetpl.cli.app import app
from bhyvetpl.doctor import host
from bhyvetpl.doctor.guest import Guest, Needs
from bhyvetpl.facts import parse
from bhyvetpl.facts.collect import guest_fact
from bhyvetpl.facts.model import Facts, Release
from bhyvetpl.hostfs import devfs
from bhyvetpl.hostfs.assign import readable
from bhyvetpl.model.jail import RulesetSpec
from bhyvetpl.model.policy import Features
from bhyvetpl.render import render_host

FREEBSD = Path(__file__).resolve().parent / "fixtures" / "freebsd"


def fx(name: str) -> str:
    return (FREEBSD / name).read_text()


def released(name: str) -> Facts:
    versions = parse.freebsd_version(fx(name))
    assert versions is not None
    return Facts(release=Release(*versions))


def rules(text: str) -> Facts:
    """Facts holding the rulesets of a devfs.rules text."""
    return Facts(devfs_rulesets=devfs.rulesets(text))


def ppt(loader_conf: str, pciconf: str) -> Facts:
    """Facts of a loader.conf text and a recorded `pciconf -lv`."""
    return Facts(loader_conf=readable(loader_conf, sh=False),
                 pci=parse.pci_drivers(fx(pciconf)))


def test_release_pass() -> None:
    result, version = host.check_release(released("freebsd-version-kru-14.3-release.txt"))
    assert result.status == "PASS" and version == Version("14.3")


def test_release_warns_when_installed_kernel_is_not_running() -> None:
    result, version = host.check_release(
        released("freebsd-version-kru-15.0-kernel-installed-running-14.3.txt"))
    assert (result.status, result.fix, version) == ("WARN", "shutdown -r now", Version("14.3"))


def test_release_fails_off_freebsd() -> None:
    # Off FreeBSD freebsd-version is missing and collect records no release.
    result, version = host.check_release(Facts())
    assert result.status == "FAIL" and version is None


# `kldstat -q -m NAME` is read by its exit status (kldstat-q-m-vmm-exit-1-11.0-transcript.txt):
# `registered` holds the names whose probe exited 0; `modules` is a recorded `kldstat`.
def test_module_pass() -> None:
    facts = Facts(modules=parse.kldstat_modules(fx("kldstat-vmm-loaded-12.1-amd.txt")),
                  registered=("nmdm",))
    assert host.check_module(facts, "nmdm").status == "PASS"


def test_module_missing_fails_with_kldload() -> None:
    facts = Facts(modules=parse.kldstat_modules(fx("kldstat-vmm-loaded-15.0.txt")))
    result = host.check_module(facts, "if_bridge")
    assert result.status == "FAIL" and result.fix.startswith("kldload if_bridge")


def test_vmm_linked_but_not_initialised() -> None:
    # kldstat-qm-qn-vmm-exit-status-15.0-transcript.txt: -qm vmm exits 1, -qn vmm exits 0:
    # vmm.ko is in the 15.0 kldstat listing while no vmm module is registered.
    facts = Facts(modules=parse.kldstat_modules(fx("kldstat-vmm-loaded-15.0.txt")))
    result = host.check_module(facts, "vmm")
    assert result.status == "FAIL" and "did not initialise" in result.detail


def test_module_without_kldstat_says_run_on_the_host() -> None:
    # Off FreeBSD kldstat is missing: collect records no module at all.
    result = host.check_module(Facts(), "vmm")
    assert (result.status, result.fix) == ("FAIL", "run bhyvetpl doctor on the host")


@pytest.mark.parametrize(("dmesg", "expected"), [
    ("dmesg-intel-xeon-e2274g-ept-ug.txt", ["PASS", "PASS", "PASS", "PASS"]),
    ("dmesg-amd-gx412tc-svm-16.0-current.txt", ["PASS", "PASS", "PASS"]),
    ("dmesg-intel-nehalem-ept-no-ug-12.2.txt", ["PASS", "PASS", "WARN", "PASS"]),
    ("dmesg-intel-core2-no-ept-12.0.txt", ["PASS", "FAIL", "WARN", "FAIL"]),
    ("dmesg-intel-vtx-disabled-in-bios-kvm-guest-10.2.txt", ["FAIL", "PASS", "PASS", "PASS"]),
    ("dmesg-intel-kvm-guest-no-vmx-15.0.txt", ["FAIL", "FAIL", "WARN", "PASS"]),
])
def test_cpu_checks(dmesg: str, expected: list[str]) -> None:
    facts = Facts(cpu=parse.cpu_info(fx(dmesg)))
    assert [r.status for r in host.check_cpu(facts)] == expected


def test_cpu_without_dmesg_fails() -> None:
    assert [r.status for r in host.check_cpu(Facts())] == ["FAIL"]


def test_allow_vmm_pass_and_fail() -> None:
    # No recorded output of `sysctl security.jail.param.allow.vmm` exists: the present OID
    # is a Facts value built directly. `sysctl -i` leaves unknown OIDs out, so a recorded
    # output without the name (sysctl-security-jail-jailed-0.txt) reads as absent.
    present = Facts(sysctls={"security.jail.param.allow.vmm": "0"})
    assert host.check_allow_vmm(present).status == "PASS"
    absent = Facts(sysctls=parse.sysctl_values(fx("sysctl-security-jail-jailed-0.txt")))
    assert host.check_allow_vmm(absent).status == "FAIL"


def test_tap_up_on_open_zero_fails() -> None:
    facts = Facts(sysctls=parse.sysctl_values(fx("sysctl-net-link-tap-up-on-open-0-11.0.txt")))
    result = host.check_tap_up(facts, Needs())
    assert result.status == "FAIL" and "sysctl net.link.tap.up_on_open=1" in result.fix


def test_tap_up_on_open_unknown_oid_fails() -> None:
    # The recorded stderr names the OID unknown; `sysctl -i` prints nothing for it.
    unknown = fx("sysctl-net-link-tap-up-on-open-unknown-oid-11.0-beta1.txt")
    assert parse.sysctl_unknown(unknown) == {"net.link.tap.up_on_open"}
    result = host.check_tap_up(Facts(sysctls={}), Needs())
    assert result.status == "FAIL" and "if_tuntap" in result.fix


def test_tap_up_on_open_one_passes() -> None:
    # No recorded `net.link.tap.up_on_open: 1`: a Facts value built directly.
    assert host.check_tap_up(Facts(sysctls={"net.link.tap.up_on_open": "1"}),
                             Needs()).status == "PASS"
    assert host.check_tap_up(Facts(), Needs(tap=False)).status == "PASS"


def rendered_rules(tmp_path: Path, *flags: str) -> str:
    out = tmp_path / "render"
    result = CliRunner().invoke(app, ["render", "host", "-o", str(out), *flags])
    assert result.exit_code == 0, result.output
    return (out / "etc" / "devfs.rules").read_text()


def test_devfs_rendered_ruleset_passes(tmp_path: Path) -> None:
    results = host.check_devfs(rules(rendered_rules(tmp_path)), 25, Needs(), Version("14.3"))
    assert [(r.status, r.fix) for r in results] == [("PASS", ""), ("PASS", "")]


def test_devfs_rendered_passthrough_ruleset_passes(tmp_path: Path) -> None:
    facts = rules(rendered_rules(tmp_path, "--passthru", "1/0/0", "--uefi", "--release",
                                 "15.0-RELEASE"))
    # The jail template sets vm_disable_host_checks with passthrough (no /dev/mem).
    needs = Needs(uefi=True, passthru=("1/0/0",), host_checks=False)
    results = host.check_devfs(facts, 25, needs, Version("15.0"))
    assert [r.status for r in results] == ["PASS", "PASS"]


def test_devfs_missing_ruleset_fails() -> None:
    facts = rules(fx("etc-defaults-devfs.rules-freebsd-src-1b1334b.txt"))
    (result,) = host.check_devfs(facts, 25, Needs(), Version("14.3"))
    assert result.status == "FAIL" and "bhyvetpl host prepare --ruleset" in result.fix


def test_devfs_seed_ruleset_warns_and_fails_on_15() -> None:
    facts = rules(fx("etc-devfs.rules-bhyve-jail-25.txt"))
    nodes, extra = host.check_devfs(facts, 25, Needs(), Version("14.3"))
    assert nodes.status == "WARN" and "add path 'vmm.io' unhide" in nodes.fix
    assert extra.status == "WARN" and "/dev/kmem" in extra.detail
    nodes, _ = host.check_devfs(facts, 25, Needs(uefi=True), Version("15.0"))
    assert nodes.status == "FAIL" and "add path 'vmmctl' unhide" in nodes.fix


def test_devfs_ruleset_without_jail_include_fails() -> None:
    text = fx("etc-devfs.rules-bhyve-jail-25.txt").replace("add include $devfsrules_jail\n", "")
    nodes, _ = host.check_devfs(rules(text), 25, Needs(), Version("14.3"), "bhyve")
    assert nodes.status == "FAIL" and nodes.fix.startswith("add include $devfsrules_jail")
    assert nodes.fix.endswith("service devfs restart && bastille restart bhyve")


def test_pptdevs_none_passes() -> None:
    assert host.check_pptdevs(Facts(), Needs()).status == "PASS"


def test_pptdevs_bound_to_ppt_passes() -> None:
    facts = ppt('vmm_load="YES"\npptdevs="4/0/0 4/0/1"\n', "pciconf-lv-ppt-nics-13.0-current.txt")
    assert host.check_pptdevs(facts, Needs()).status == "PASS"


def test_pptdevs_still_on_its_driver_fails() -> None:
    facts = ppt('pptdevs="1/0/0"\n', "pciconf-lv-igb0-normal-driver-12.2.txt")
    result = host.check_pptdevs(facts, Needs())
    assert (result.status, result.detail) == ("FAIL", "1/0/0 is bound to igb")


def test_passthru_guest_without_pptdevs_fails() -> None:
    facts = ppt("", "pciconf-lv-igb0-normal-driver-12.2.txt")
    result = host.check_pptdevs(facts, Needs(passthru=("1/0/0",)))
    assert result.status == "FAIL" and result.fix.startswith('pptdevs="1/0/0"')


DEB1 = ('loader="grub"\ncpu=1\nmemory=512M\nnetwork0_type="virtio-net"\n'
        'network0_switch="public"\nnetwork0_device="tap25"\n'
        'disk0_type="virtio-blk"\ndisk0_name="disk0.img"\n')
DEB1_ZVOL = ('loader="grub"\ncpu=1\nmemory=512M\n'
             'disk0_type="virtio-blk"\ndisk0_name="disk0"\ndisk0_dev="zvol"\n')


def own_rules(**features: Any) -> str:
    """The devfs.rules block bhyvetpl's render_host writes for these features."""
    files = render_host(Features(jail="bhyve", release=Version("14.3"),
                                 ruleset=RulesetSpec(25), **features))
    (rules,) = [f.text for f in files if f.relpath == PurePosixPath("etc/devfs.rules")]
    return rules


def guest_needs(text: str, vm_dir: str = "/vms") -> Needs:
    guest = guest_fact("deb1", text, "/jail/vms/deb1/deb1.conf")
    return Needs.of((Guest(guest),), vm_dir)


def test_devfs_own_narrow_ruleset_passes_for_its_guests() -> None:
    text = own_rules(guests=("deb1",), host_taps=("tap25",))
    assert "nmdm-*" not in text and "tap*" not in text
    facts = rules(text)
    needs = guest_needs(DEB1)
    results = host.check_devfs(facts, 25, needs, Version("14.3"))
    assert [(r.status, r.fix) for r in results] == [("PASS", ""), ("PASS", "")]


def test_devfs_hidden_guest_console_names_its_own_pair() -> None:
    text = own_rules(guests=("deb1",), host_taps=("tap25",))
    facts = rules(text.replace("add path 'nmdm-deb1.[1-4][AB]' unhide\n", ""))
    needs = guest_needs(DEB1)
    nodes, _ = host.check_devfs(facts, 25, needs, Version("14.3"))
    assert nodes.status == "FAIL" and nodes.detail.endswith("; hides '/dev/nmdm-deb1.[1-4][AB]'")
    assert nodes.fix.startswith("add path 'nmdm-deb1.[1-4][AB]' unhide (in ")
    assert "nmdm-*" not in nodes.fix and "tap" not in nodes.fix


def test_devfs_hidden_host_tap_names_the_tap() -> None:
    facts = rules(own_rules(guests=("deb1",), host_taps=("tap7",)))
    nodes, _ = host.check_devfs(facts, 25, guest_needs(DEB1),
                                Version("14.3"))
    assert nodes.status == "FAIL" and nodes.detail.endswith("; hides /dev/tap25")
    assert nodes.fix.startswith("add path 'tap25' unhide (in ")


def test_devfs_hidden_zvol_fails_and_names_the_zvol() -> None:
    facts = rules(own_rules(guests=("deb1",), tap=False))
    needs = guest_needs(DEB1_ZVOL, "zfs:tank/vms")
    nodes, _ = host.check_devfs(facts, 25, needs, Version("14.3"))
    assert nodes.status == "FAIL" and "hides /dev/zvol/tank/vms/deb1/disk0" in nodes.detail
    assert nodes.fix.startswith(
        "add path 'zvol' unhide; add path 'zvol/tank' unhide; add path 'zvol/tank/vms' "
        "unhide; add path 'zvol/tank/vms/*' unhide; add path 'zvol/tank/vms/*/*' unhide (in ")


def test_devfs_own_zvol_ruleset_passes() -> None:
    facts = rules(own_rules(guests=("deb1",), tap=False, zvol_dataset="tank/vms"))
    needs = guest_needs(DEB1_ZVOL, "zfs:tank/vms")
    assert [r.status for r in host.check_devfs(facts, 25, needs,
                                                Version("14.3"))] == ["PASS", "PASS"]


def test_devfs_custom_disk_device_is_probed_with_its_directories() -> None:
    custom = DEB1_ZVOL.replace('"disk0"\ndisk0_dev="zvol"', '"/dev/zvol/tank/x/d0"\n'
                               'disk0_dev="custom"')
    needs = guest_needs(custom)
    facts = rules(own_rules(guests=("deb1",), tap=False,
                                                disk_nodes=("zvol/tank/x/d0",)))
    assert host.check_devfs(facts, 25, needs, Version("14.3"))[0].status == "PASS"
    facts = rules(own_rules(guests=("deb1",), tap=False))
    nodes, _ = host.check_devfs(facts, 25, needs, Version("14.3"))
    assert nodes.status == "FAIL" and nodes.fix.startswith(
        "add path 'zvol' unhide; add path 'zvol/tank' unhide; add path 'zvol/tank/x' unhide; "
        "add path 'zvol/tank/x/d0' unhide (in ")
