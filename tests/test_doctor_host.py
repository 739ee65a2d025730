from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from packaging.version import Version
from pytest_subprocess import FakeProcess
from typer.testing import CliRunner

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.cli.app import app
from bhyvetpl.doctor import host
from bhyvetpl.doctor.guest import Needs, find_guests
from bhyvetpl.doctor.result import Reader
from bhyvetpl.model.jail import RulesetSpec
from bhyvetpl.model.policy import Features
from bhyvetpl.render import render_host

FREEBSD = Path(__file__).resolve().parent / "fixtures" / "freebsd"


def fx(name: str) -> str:
    return (FREEBSD / name).read_text()


def reader(root: Path) -> Reader:
    return Reader(SubprocessRunner(), root)


def put(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def test_release_pass(fp: FakeProcess, tmp_path: Path) -> None:
    fp.register(["freebsd-version", "-kru"], stdout=fx("freebsd-version-kru-14.3-release.txt"))
    result, version = host.check_release(reader(tmp_path))
    assert result.status == "PASS" and version == Version("14.3")


def test_release_warns_when_installed_kernel_is_not_running(fp: FakeProcess,
                                                            tmp_path: Path) -> None:
    fp.register(["freebsd-version", "-kru"],
                stdout=fx("freebsd-version-kru-15.0-kernel-installed-running-14.3.txt"))
    result, version = host.check_release(reader(tmp_path))
    assert (result.status, result.fix, version) == ("WARN", "shutdown -r now", Version("14.3"))


def test_release_fails_off_freebsd(fp: FakeProcess, tmp_path: Path) -> None:
    def missing(_process: object) -> None:
        raise FileNotFoundError("freebsd-version")
    fp.register(["freebsd-version", "-kru"], callback=missing)
    result, version = host.check_release(reader(tmp_path))
    assert result.status == "FAIL" and version is None


def test_module_pass(fp: FakeProcess, tmp_path: Path) -> None:
    fp.register(["kldstat", "-q", "-m", "nmdm"], returncode=0)
    assert host.check_module(reader(tmp_path), "nmdm").status == "PASS"


def test_module_missing_fails_with_kldload(fp: FakeProcess, tmp_path: Path) -> None:
    fp.register(["kldstat", "-q", "-m", "if_bridge"], returncode=1)
    result = host.check_module(reader(tmp_path), "if_bridge")
    assert result.status == "FAIL" and result.fix.startswith("kldload if_bridge")


def test_vmm_linked_but_not_initialised(fp: FakeProcess, tmp_path: Path) -> None:
    # kldstat-qm-qn-vmm-exit-status-15.0-transcript.txt: -qm vmm exits 1, -qn vmm exits 0.
    fp.register(["kldstat", "-q", "-m", "vmm"], returncode=1)
    fp.register(["kldstat", "-q", "-n", "vmm"], returncode=0)
    result = host.check_module(reader(tmp_path), "vmm")
    assert result.status == "FAIL" and "did not initialise" in result.detail


@pytest.mark.parametrize(("dmesg", "expected"), [
    ("dmesg-intel-xeon-e2274g-ept-ug.txt", ["PASS", "PASS", "PASS", "PASS"]),
    ("dmesg-amd-gx412tc-svm-16.0-current.txt", ["PASS", "PASS", "PASS"]),
    ("dmesg-intel-nehalem-ept-no-ug-12.2.txt", ["PASS", "PASS", "WARN", "PASS"]),
    ("dmesg-intel-core2-no-ept-12.0.txt", ["PASS", "FAIL", "WARN", "FAIL"]),
    ("dmesg-intel-vtx-disabled-in-bios-kvm-guest-10.2.txt", ["FAIL", "PASS", "PASS", "PASS"]),
    ("dmesg-intel-kvm-guest-no-vmx-15.0.txt", ["FAIL", "FAIL", "WARN", "PASS"]),
])
def test_cpu_checks(tmp_path: Path, dmesg: str, expected: list[str]) -> None:
    put(tmp_path, "/var/run/dmesg.boot", fx(dmesg))
    assert [r.status for r in host.check_cpu(reader(tmp_path))] == expected


def test_cpu_without_dmesg_fails(tmp_path: Path) -> None:
    assert [r.status for r in host.check_cpu(reader(tmp_path))] == ["FAIL"]


def test_allow_vmm_pass_and_fail() -> None:
    # No recorded output of `sysctl security.jail.param.allow.vmm` exists; the check is
    # tested on the reading, the parser on the generic sysctl fixtures.
    assert host.allow_vmm_result(exists=True).status == "PASS"
    assert host.allow_vmm_result(exists=False).status == "FAIL"


def test_tap_up_on_open_zero_fails(fp: FakeProcess, tmp_path: Path) -> None:
    fp.register(["sysctl", "net.link.tap.up_on_open"],
                stdout=fx("sysctl-net-link-tap-up-on-open-0-11.0.txt"))
    result = host.check_tap_up(reader(tmp_path), Needs())
    assert result.status == "FAIL" and "sysctl net.link.tap.up_on_open=1" in result.fix


def test_tap_up_on_open_unknown_oid_fails(fp: FakeProcess, tmp_path: Path) -> None:
    fp.register(["sysctl", "net.link.tap.up_on_open"], returncode=1,
                stderr=fx("sysctl-net-link-tap-up-on-open-unknown-oid-11.0-beta1.txt"))
    result = host.check_tap_up(reader(tmp_path), Needs())
    assert result.status == "FAIL" and "if_tuntap" in result.fix


def test_tap_up_on_open_one_passes(tmp_path: Path) -> None:
    # No recorded `net.link.tap.up_on_open: 1`; the check is tested on the value.
    assert host.tap_up_result("1").status == "PASS"
    assert host.check_tap_up(reader(tmp_path), Needs(tap=False)).status == "PASS"


def rendered_rules(tmp_path: Path, *flags: str) -> str:
    out = tmp_path / "render"
    result = CliRunner().invoke(app, ["render", "host", "-o", str(out), *flags])
    assert result.exit_code == 0, result.output
    return (out / "etc" / "devfs.rules").read_text()


def test_devfs_rendered_ruleset_passes(tmp_path: Path) -> None:
    put(tmp_path, "/etc/devfs.rules", rendered_rules(tmp_path))
    results = host.check_devfs(reader(tmp_path), 25, Needs(), Version("14.3"))
    assert [(r.status, r.fix) for r in results] == [("PASS", ""), ("PASS", "")]


def test_devfs_rendered_passthrough_ruleset_passes(tmp_path: Path) -> None:
    put(tmp_path, "/etc/devfs.rules", rendered_rules(tmp_path, "--passthru", "1/0/0",
                                                     "--uefi", "--release", "15.0-RELEASE"))
    needs = Needs(uefi=True, passthru=("1/0/0",))
    results = host.check_devfs(reader(tmp_path), 25, needs, Version("15.0"))
    assert [r.status for r in results] == ["PASS", "PASS"]


def test_devfs_missing_ruleset_fails(tmp_path: Path) -> None:
    put(tmp_path, "/etc/devfs.rules", fx("etc-defaults-devfs.rules-freebsd-src-1b1334b.txt"))
    (result,) = host.check_devfs(reader(tmp_path), 25, Needs(), Version("14.3"))
    assert result.status == "FAIL" and "bhyvetpl host prepare --ruleset" in result.fix


def test_devfs_seed_ruleset_warns_and_fails_on_15(tmp_path: Path) -> None:
    put(tmp_path, "/etc/devfs.rules", fx("etc-devfs.rules-bhyve-jail-25.txt"))
    nodes, extra = host.check_devfs(reader(tmp_path), 25, Needs(), Version("14.3"))
    assert nodes.status == "WARN" and "add path 'vmm.io' unhide" in nodes.fix
    assert extra.status == "WARN" and "/dev/kmem" in extra.detail
    nodes, _ = host.check_devfs(reader(tmp_path), 25, Needs(uefi=True), Version("15.0"))
    assert nodes.status == "FAIL" and "add path 'vmmctl' unhide" in nodes.fix


def test_devfs_ruleset_without_jail_include_fails(tmp_path: Path) -> None:
    rules = fx("etc-devfs.rules-bhyve-jail-25.txt").replace("add include $devfsrules_jail\n", "")
    put(tmp_path, "/etc/devfs.rules", rules)
    nodes, _ = host.check_devfs(reader(tmp_path), 25, Needs(), Version("14.3"), "bhyve")
    assert nodes.status == "FAIL" and nodes.fix.startswith("add include $devfsrules_jail")
    assert nodes.fix.endswith("service devfs restart && bastille restart bhyve")


def test_pptdevs_none_passes(tmp_path: Path) -> None:
    assert host.check_pptdevs(reader(tmp_path), Needs()).status == "PASS"


def test_pptdevs_bound_to_ppt_passes(fp: FakeProcess, tmp_path: Path) -> None:
    put(tmp_path, "/boot/loader.conf", 'vmm_load="YES"\npptdevs="4/0/0 4/0/1"\n')
    fp.register(["pciconf", "-lv"], stdout=fx("pciconf-lv-ppt-nics-13.0-current.txt"))
    assert host.check_pptdevs(reader(tmp_path), Needs()).status == "PASS"


def test_pptdevs_still_on_its_driver_fails(fp: FakeProcess, tmp_path: Path) -> None:
    put(tmp_path, "/boot/loader.conf", 'pptdevs="1/0/0"\n')
    fp.register(["pciconf", "-lv"], stdout=fx("pciconf-lv-igb0-normal-driver-12.2.txt"))
    result = host.check_pptdevs(reader(tmp_path), Needs())
    assert (result.status, result.detail) == ("FAIL", "1/0/0 is bound to igb")


def test_passthru_guest_without_pptdevs_fails(fp: FakeProcess, tmp_path: Path) -> None:
    fp.register(["pciconf", "-lv"], stdout=fx("pciconf-lv-igb0-normal-driver-12.2.txt"))
    result = host.check_pptdevs(reader(tmp_path), Needs(passthru=("1/0/0",)))
    assert result.status == "FAIL" and result.fix.startswith('pptdevs="1/0/0"')


def test_probe_of_missing_program_reads_as_127(fp: FakeProcess, tmp_path: Path) -> None:
    def missing(_process: object) -> None:
        raise FileNotFoundError("kldstat")
    fp.register(["kldstat", "-q", "-m", "vmm"], callback=missing)
    assert reader(tmp_path).run("kldstat", "-q", "-m", "vmm").returncode == 127


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


def guest_needs(root: Path, text: str, vm_dir: str = "/vms") -> Needs:
    put(root, "/jail/vms/deb1/deb1.conf", text)
    return Needs.of(find_guests(root / "jail/vms"), vm_dir)


def test_devfs_own_narrow_ruleset_passes_for_its_guests(tmp_path: Path) -> None:
    rules = own_rules(guests=("deb1",), host_taps=("tap25",))
    assert "nmdm-*" not in rules and "tap*" not in rules
    put(tmp_path, "/etc/devfs.rules", rules)
    needs = guest_needs(tmp_path, DEB1)
    results = host.check_devfs(reader(tmp_path), 25, needs, Version("14.3"))
    assert [(r.status, r.fix) for r in results] == [("PASS", ""), ("PASS", "")]


def test_devfs_hidden_guest_console_names_its_own_pair(tmp_path: Path) -> None:
    rules = own_rules(guests=("deb1",), host_taps=("tap25",))
    put(tmp_path, "/etc/devfs.rules", rules.replace("add path 'nmdm-deb1.*' unhide\n", ""))
    needs = guest_needs(tmp_path, DEB1)
    nodes, _ = host.check_devfs(reader(tmp_path), 25, needs, Version("14.3"))
    assert nodes.status == "FAIL" and nodes.detail.endswith("; hides '/dev/nmdm-deb1.*'")
    assert nodes.fix.startswith("add path 'nmdm-deb1.*' unhide (in ")
    assert "nmdm-*" not in nodes.fix and "tap" not in nodes.fix


def test_devfs_hidden_host_tap_names_the_tap(tmp_path: Path) -> None:
    put(tmp_path, "/etc/devfs.rules", own_rules(guests=("deb1",), host_taps=("tap7",)))
    nodes, _ = host.check_devfs(reader(tmp_path), 25, guest_needs(tmp_path, DEB1),
                                Version("14.3"))
    assert nodes.status == "FAIL" and nodes.detail.endswith("; hides /dev/tap25")
    assert nodes.fix.startswith("add path 'tap25' unhide (in ")


def test_devfs_hidden_zvol_fails_and_names_the_zvol(tmp_path: Path) -> None:
    put(tmp_path, "/etc/devfs.rules", own_rules(guests=("deb1",), tap=False))
    needs = guest_needs(tmp_path, DEB1_ZVOL, "zfs:tank/vms")
    nodes, _ = host.check_devfs(reader(tmp_path), 25, needs, Version("14.3"))
    assert nodes.status == "FAIL" and "hides /dev/zvol/tank/vms/deb1/disk0" in nodes.detail
    assert nodes.fix.startswith(
        "add path 'zvol' unhide; add path 'zvol/tank' unhide; add path 'zvol/tank/vms' "
        "unhide; add path 'zvol/tank/vms/*' unhide; add path 'zvol/tank/vms/*/*' unhide (in ")


def test_devfs_own_zvol_ruleset_passes(tmp_path: Path) -> None:
    put(tmp_path, "/etc/devfs.rules",
        own_rules(guests=("deb1",), tap=False, zvol_dataset="tank/vms"))
    needs = guest_needs(tmp_path, DEB1_ZVOL, "zfs:tank/vms")
    assert [r.status for r in host.check_devfs(reader(tmp_path), 25, needs,
                                                Version("14.3"))] == ["PASS", "PASS"]


def test_devfs_custom_disk_device_is_probed_with_its_directories(tmp_path: Path) -> None:
    custom = DEB1_ZVOL.replace('"disk0"\ndisk0_dev="zvol"', '"/dev/zvol/tank/x/d0"\n'
                               'disk0_dev="custom"')
    needs = guest_needs(tmp_path, custom)
    put(tmp_path, "/etc/devfs.rules", own_rules(guests=("deb1",), tap=False,
                                                disk_nodes=("zvol/tank/x/d0",)))
    assert host.check_devfs(reader(tmp_path), 25, needs, Version("14.3"))[0].status == "PASS"
    put(tmp_path, "/etc/devfs.rules", own_rules(guests=("deb1",), tap=False))
    nodes, _ = host.check_devfs(reader(tmp_path), 25, needs, Version("14.3"))
    assert nodes.status == "FAIL" and nodes.fix.startswith(
        "add path 'zvol' unhide; add path 'zvol/tank' unhide; add path 'zvol/tank/x' unhide; "
        "add path 'zvol/tank/x/d0' unhide (in ")
