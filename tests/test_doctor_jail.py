from __future__ import annotations

from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.doctor.guest import Needs
from bhyvetpl.doctor.jail import JailContext, check_jail, load_context, vmm_ppt_result
from bhyvetpl.doctor.result import CheckResult, Reader

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FREEBSD = FIXTURES / "freebsd"
JAILS = "/usr/local/bastille/jails"
JAIL_ROOT = f"{JAILS}/test-bhyve/root"
GUEST = """loader="bhyveload"
cpu=1
memory=512M
network0_type="virtio-net"
network0_switch="public"
disk0_type="virtio-blk"
disk0_name="disk0.img"
"""


def put(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def make_jail(root: Path, guest: str = GUEST, jail_conf: str | None = None) -> None:
    """The 12.2 Bastille jail of the seed article, with vm-bhyve 1.7.5 and one guest."""
    conf = (FREEBSD / "bastille-jail.conf-bhyve-vnet-12.2.txt").read_text()
    put(root, f"{JAILS}/test-bhyve/jail.conf", conf if jail_conf is None else jail_conf)
    put(root, f"{JAIL_ROOT}/etc/rc.conf", 'vm_enable="YES"\nvm_dir="/vms"\n')
    put(root, f"{JAIL_ROOT}/usr/local/lib/vm-bhyve/vm-base", "VERSION=1.7.5\n")
    put(root, f"{JAIL_ROOT}/vms/g1/g1.conf", guest)


def readings(fp: FakeProcess, running: bool = True) -> None:
    # jls and sysctl: exit status only (no recorded `jls -j NAME` or allow.vmm_ppt output).
    fp.register(["jls", "-j", "test-bhyve"], returncode=0 if running else 1)
    fp.register(["jexec", "test-bhyve", "vm", "switch", "list"],
                stdout=(FREEBSD / "vm-switch-list-14.3.txt").read_text())
    fp.register(["sysctl", "security.jail.param.allow.vmm_ppt"], returncode=1)


def run(root: Path, ruleset: int = 25) -> dict[str, CheckResult]:
    reader = Reader(SubprocessRunner(), root)
    ctx = load_context(reader, "test-bhyve", JAILS)
    assert isinstance(ctx, JailContext)
    return {r.check: r for r in check_jail(reader, ctx, ruleset)}


def status(root: Path, check: str, ruleset: int = 25) -> tuple[str, str]:
    result = run(root, ruleset)[check]
    return result.status, result.fix


def test_healthy_jail_passes(fp: FakeProcess, tmp_path: Path) -> None:
    make_jail(tmp_path)
    readings(fp)
    results = run(tmp_path)
    assert {r.check: r.status for r in results.values() if r.status != "PASS"} == {}
    assert "guest g1 config" in results and "vm-bhyve switches" in results


def test_missing_jail_conf_fails(tmp_path: Path) -> None:
    result = load_context(Reader(SubprocessRunner(), tmp_path), "nope", JAILS)
    assert isinstance(result, CheckResult) and result.status == "FAIL"


def test_stopped_jail_fails(fp: FakeProcess, tmp_path: Path) -> None:
    make_jail(tmp_path)
    readings(fp, running=False)
    assert status(tmp_path, "jail test-bhyve running") == ("FAIL", "bastille start test-bhyve")


def drop(line: str) -> str:
    conf = (FREEBSD / "bastille-jail.conf-bhyve-vnet-12.2.txt").read_text()
    return conf.replace(line, "")


def test_allow_vmm_missing_fails(fp: FakeProcess, tmp_path: Path) -> None:
    make_jail(tmp_path, jail_conf=drop("  allow.vmm;\n"))
    readings(fp)
    got, fix = status(tmp_path, "jail allow.vmm")
    assert got == "FAIL" and fix.startswith("bastille config test-bhyve set allow.vmm")


def test_devfs_ruleset_other_number_fails(fp: FakeProcess, tmp_path: Path) -> None:
    make_jail(tmp_path)
    readings(fp)
    assert status(tmp_path, "jail devfs_ruleset", ruleset=26)[0] == "FAIL"


@pytest.mark.parametrize(("guest", "level", "expected"), [
    pytest.param(GUEST, "2", "PASS", id="plain-guest-at-2"),
    pytest.param((FIXTURES / "lint" / "seed-passthru-guest.conf").read_text(), "2", "FAIL",
                 id="seed-passthru-at-2"),
    pytest.param((FIXTURES / "lint" / "seed-passthru-guest.conf").read_text(), "-1", "PASS",
                 id="seed-passthru-at-minus-1"),
    pytest.param(GUEST + 'disk1_type="virtio-blk"\ndisk1_name="d1"\ndisk1_dev="zvol"\n', "2",
                 "FAIL", id="zvol-at-2"),
    pytest.param(GUEST + 'disk1_type="virtio-blk"\ndisk1_name="d1"\ndisk1_dev="zvol"\n', "1",
                 "PASS", id="zvol-at-1"),
    pytest.param(GUEST, "-1", "WARN", id="plain-guest-at-minus-1"),
])
def test_securelevel_against_features(fp: FakeProcess, tmp_path: Path, guest: str, level: str,
                                      expected: str) -> None:
    conf = drop("").replace("securelevel = 2;", f"securelevel = {level};")
    make_jail(tmp_path, guest=guest, jail_conf=conf)
    readings(fp)
    assert status(tmp_path, "jail securelevel")[0] == expected


def test_switch_without_vnet_fails(fp: FakeProcess, tmp_path: Path) -> None:
    make_jail(tmp_path, jail_conf=drop("  vnet;\n"))
    readings(fp)
    assert status(tmp_path, "jail vnet")[0] == "FAIL"


def test_tap_guest_without_vnet_passes(fp: FakeProcess, tmp_path: Path) -> None:
    guest = GUEST.replace('network0_type="virtio-net"\nnetwork0_switch="public"\n', "")
    make_jail(tmp_path, guest=guest, jail_conf=drop("  vnet;\n"))
    readings(fp)
    assert status(tmp_path, "jail vnet")[0] == "PASS"


def test_configured_switch_without_vnet_fails(fp: FakeProcess, tmp_path: Path) -> None:
    guest = GUEST.replace('network0_type="virtio-net"\nnetwork0_switch="public"\n', "")
    make_jail(tmp_path, guest=guest, jail_conf=drop("  vnet;\n"))
    put(tmp_path, f"{JAIL_ROOT}/vms/.config/system.conf", 'switch_list="public"\n')
    readings(fp)
    result = run(tmp_path)["jail vnet"]
    assert result.status == "FAIL" and "(public)" in result.detail


def test_vm_bhyve_missing_fails(fp: FakeProcess, tmp_path: Path) -> None:
    make_jail(tmp_path)
    (tmp_path / JAIL_ROOT.lstrip("/") / "usr/local/lib/vm-bhyve/vm-base").unlink()
    readings(fp)
    assert status(tmp_path, "vm-bhyve installed") == (
        "FAIL", "bastille pkg test-bhyve install -y vm-bhyve")


def test_vm_bhyve_1_7_1_warns(fp: FakeProcess, tmp_path: Path) -> None:
    make_jail(tmp_path)
    put(tmp_path, f"{JAIL_ROOT}/usr/local/lib/vm-bhyve/vm-base", "VERSION=1.7.1\n")
    readings(fp)
    assert status(tmp_path, "vm-bhyve installed")[0] == "WARN"


def test_vm_enable_and_vm_dir_missing_fail(fp: FakeProcess, tmp_path: Path) -> None:
    make_jail(tmp_path)
    put(tmp_path, f"{JAIL_ROOT}/etc/rc.conf", "")
    readings(fp)
    results = run(tmp_path)
    assert results["jail vm_enable"].fix == "bastille sysrc test-bhyve vm_enable=YES"
    assert results["jail vm_dir"].status == "FAIL"


def test_missing_switch_fails(fp: FakeProcess, tmp_path: Path) -> None:
    # The seed guest uses switch public14; the jail's `vm switch list` has only public.
    make_jail(tmp_path, guest=(FIXTURES / "lint" / "seed-passthru-guest.conf").read_text())
    readings(fp)
    got, fix = status(tmp_path, "vm-bhyve switches")
    assert got == "FAIL" and fix == "bastille cmd test-bhyve vm switch create -i vnet0 public14"


def test_uefi_guest_firmware(fp: FakeProcess, tmp_path: Path) -> None:
    make_jail(tmp_path, guest=GUEST.replace("bhyveload", "uefi"))
    readings(fp)
    assert status(tmp_path, "guest g1 firmware") == (
        "FAIL", "bastille pkg test-bhyve install -y edk2-bhyve")
    put(tmp_path, f"{JAIL_ROOT}/usr/local/share/uefi-firmware/BHYVE_UEFI.fd", "")
    readings(fp)
    assert status(tmp_path, "guest g1 firmware")[0] == "PASS"


def test_grub_guest_needs_grub_bhyve(fp: FakeProcess, tmp_path: Path) -> None:
    make_jail(tmp_path, guest=GUEST.replace("bhyveload", "grub"))
    readings(fp)
    assert status(tmp_path, "guest g1 grub-bhyve")[0] == "FAIL"
    put(tmp_path, f"{JAIL_ROOT}/usr/local/sbin/grub-bhyve", "")
    readings(fp)
    assert status(tmp_path, "guest g1 grub-bhyve")[0] == "PASS"


def test_guest_config_that_does_not_lint_fails(fp: FakeProcess, tmp_path: Path) -> None:
    make_jail(tmp_path, guest=GUEST + "cpu=4\n")
    readings(fp)
    result = run(tmp_path)["guest g1 config"]
    assert result.status == "FAIL" and "line 8" in result.detail
    assert result.fix == f"bhyvetpl lint {JAIL_ROOT}/vms/g1/g1.conf and fix each line it names"


def context(tmp_path: Path, conf: str) -> JailContext:
    put(tmp_path, f"{JAILS}/test-bhyve/jail.conf", conf)
    ctx = load_context(Reader(SubprocessRunner(), tmp_path), "test-bhyve", JAILS)
    assert isinstance(ctx, JailContext)
    return ctx


def test_vmm_ppt_set_on_a_kernel_without_it_fails(tmp_path: Path) -> None:
    ctx = context(tmp_path, drop("").replace("  allow.vmm;\n", "  allow.vmm;\n  allow.vmm_ppt;\n"))
    assert vmm_ppt_result(False, ctx, Needs()).status == "FAIL"
    assert vmm_ppt_result(True, ctx, Needs(passthru=("1/0/0",))).status == "PASS"


def test_vmm_ppt_missing_for_passthrough_warns(tmp_path: Path) -> None:
    ctx = context(tmp_path, drop(""))
    assert vmm_ppt_result(True, ctx, Needs(passthru=("1/0/0",))).status == "WARN"
    assert vmm_ppt_result(False, ctx, Needs(passthru=("1/0/0",))).status == "PASS"


def test_vm_dir_with_dotdot_stays_in_the_jail(tmp_path: Path) -> None:
    # The jail writes its own rc.conf: `..` in vm_dir must not reach the host's files.
    make_jail(tmp_path / "host")
    put(tmp_path / "host", f"{JAIL_ROOT}/etc/rc.conf", 'vm_dir="/../../../../../../../../out"\n')
    put(tmp_path, "/out/g9/g9.conf", GUEST)
    ctx = load_context(Reader(SubprocessRunner(), tmp_path / "host"), "test-bhyve", JAILS)
    assert isinstance(ctx, JailContext) and ctx.guests == () and ctx.vm_path is None
