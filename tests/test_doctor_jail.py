"""Jail checks over Facts: the seed article's jail.conf, its rc.conf and guests, as collected."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from bhyvetpl.doctor.guest import Needs
from bhyvetpl.doctor.jail import JailContext, check_jail, check_vmm_ppt, load_context
from bhyvetpl.doctor.result import CheckResult
from bhyvetpl.facts.collect import guest_fact
from bhyvetpl.facts.model import Facts, Jail
from bhyvetpl.hostfs.assign import readable
from bhyvetpl.hostfs.jailconf import jail_conf

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


def make_jail(guest: str = GUEST, jail_conf_text: str | None = None, *,
              guests: dict[str, str] | None = None, **jail: Any) -> Facts:
    """The 12.2 Bastille jail of the seed article, with vm-bhyve 1.7.5 and one guest.

    The facts are what collect reads from the jail's files; running (jls) and the
    allow.vmm_ppt sysctl are Facts values built directly: no recorded output shows them
    for this jail.
    """
    text = (FREEBSD / "bastille-jail.conf-bhyve-vnet-12.2.txt").read_text()
    conf = jail_conf(text if jail_conf_text is None else jail_conf_text, "test-bhyve")
    assert conf is not None
    found = {"g1": guest} if guests is None else guests
    base = Jail("test-bhyve", dict(conf.params), readable('vm_enable="YES"\nvm_dir="/vms"\n'),
                running=True, param_lines=dict(conf.lines),
                guests=tuple(guest_fact(name, body, f"{JAIL_ROOT}/vms/{name}/{name}.conf")
                             for name, body in found.items()),
                vm_system=readable('switch_list="public"\n'), vm_bhyve_version="1.7.5")
    return Facts(jails=(dataclasses.replace(base, **jail),),
                 bastille_jailsdir=JAILS)


def run(facts: Facts, ruleset: int = 25) -> dict[str, CheckResult]:
    ctx = load_context(facts, "test-bhyve")
    assert isinstance(ctx, JailContext)
    return {r.check: r for r in check_jail(facts, ctx, ruleset)}


def status(facts: Facts, check: str, ruleset: int = 25) -> tuple[str, str]:
    result = run(facts, ruleset)[check]
    return result.status, result.fix


def drop(line: str) -> str:
    conf = (FREEBSD / "bastille-jail.conf-bhyve-vnet-12.2.txt").read_text()
    return conf.replace(line, "")


def test_healthy_jail_passes() -> None:
    results = run(make_jail())
    assert {r.check: r.status for r in results.values() if r.status != "PASS"} == {}
    assert "guest g1 config" in results and "vm-bhyve switches" in results


def test_missing_jail_conf_fails() -> None:
    result = load_context(Facts(bastille_jailsdir=JAILS), "nope")
    assert isinstance(result, CheckResult) and result.status == "FAIL"
    assert result.detail == f"no `nope {{` block in {JAILS}/nope/jail.conf"


def test_stopped_jail_fails() -> None:
    facts = make_jail(running=False)
    assert status(facts, "jail test-bhyve running") == ("FAIL", "bastille start test-bhyve")


def test_allow_vmm_missing_fails() -> None:
    got, fix = status(make_jail(jail_conf_text=drop("  allow.vmm;\n")), "jail allow.vmm")
    assert got == "FAIL" and fix.startswith("bastille config test-bhyve set allow.vmm")


def test_devfs_ruleset_other_number_fails() -> None:
    assert status(make_jail(), "jail devfs_ruleset", ruleset=26)[0] == "FAIL"


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
def test_securelevel_against_features(guest: str, level: str, expected: str) -> None:
    conf = drop("").replace("securelevel = 2;", f"securelevel = {level};")
    assert status(make_jail(guest, conf), "jail securelevel")[0] == expected


def test_switch_without_vnet_fails() -> None:
    assert status(make_jail(jail_conf_text=drop("  vnet;\n")), "jail vnet")[0] == "FAIL"


NO_NIC = GUEST.replace('network0_type="virtio-net"\nnetwork0_switch="public"\n', "")


def test_tap_guest_without_vnet_passes() -> None:
    facts = make_jail(NO_NIC, drop("  vnet;\n"), vm_system={})
    assert status(facts, "jail vnet")[0] == "PASS"


def test_configured_switch_without_vnet_fails() -> None:
    # switch_list in $vm_dir/.config/system.conf is where `vm switch list` reads them.
    result = run(make_jail(NO_NIC, drop("  vnet;\n")))["jail vnet"]
    assert result.status == "FAIL" and "(public)" in result.detail


def test_vm_bhyve_missing_fails() -> None:
    assert status(make_jail(vm_bhyve_version=None), "vm-bhyve installed") == (
        "FAIL", "bastille pkg test-bhyve install -y vm-bhyve")


def test_vm_bhyve_1_7_1_warns() -> None:
    assert status(make_jail(vm_bhyve_version="1.7.1"), "vm-bhyve installed")[0] == "WARN"


def test_vm_enable_and_vm_dir_missing_fail() -> None:
    results = run(make_jail(rc_conf=readable("")))
    assert results["jail vm_enable"].fix == "bastille sysrc test-bhyve vm_enable=YES"
    assert results["jail vm_dir"].status == "FAIL"


def test_missing_switch_fails() -> None:
    # The seed guest uses switch public14; the jail's system.conf lists only public.
    facts = make_jail((FIXTURES / "lint" / "seed-passthru-guest.conf").read_text())
    got, fix = status(facts, "vm-bhyve switches")
    assert got == "FAIL" and fix == "bastille cmd test-bhyve vm switch create -i vnet0 public14"


def test_uefi_guest_firmware() -> None:
    uefi = GUEST.replace("bhyveload", "uefi")
    assert status(make_jail(uefi), "guest g1 firmware") == (
        "FAIL", "bastille pkg test-bhyve install -y edk2-bhyve")
    assert status(make_jail(uefi, firmware=("BHYVE_UEFI.fd",)), "guest g1 firmware")[0] == "PASS"


def test_grub_guest_needs_grub_bhyve() -> None:
    grub = GUEST.replace("bhyveload", "grub")
    assert status(make_jail(grub), "guest g1 grub-bhyve")[0] == "FAIL"
    assert status(make_jail(grub, grub_bhyve=True), "guest g1 grub-bhyve")[0] == "PASS"


def test_guest_config_that_does_not_lint_fails() -> None:
    result = run(make_jail(GUEST + "cpu=4\n"))["guest g1 config"]
    assert result.status == "FAIL" and "line 8" in result.detail
    assert result.fix == f"bhyvetpl lint {JAIL_ROOT}/vms/g1/g1.conf and fix each line it names"


def context(conf: str) -> tuple[Facts, JailContext]:
    facts = make_jail(jail_conf_text=conf)
    ctx = load_context(facts, "test-bhyve")
    assert isinstance(ctx, JailContext)
    return facts, ctx


# No recorded output of `sysctl security.jail.param.allow.vmm_ppt`: the kernel having the
# parameter is a Facts value built directly.
VMM_PPT = {"security.jail.param.allow.vmm_ppt": "0"}


def test_vmm_ppt_set_on_a_kernel_without_it_fails() -> None:
    facts, ctx = context(drop("").replace("  allow.vmm;\n", "  allow.vmm;\n  allow.vmm_ppt;\n"))
    assert check_vmm_ppt(facts, ctx, Needs()).status == "FAIL"
    with_ppt = dataclasses.replace(facts, sysctls=VMM_PPT)
    assert check_vmm_ppt(with_ppt, ctx, Needs(passthru=("1/0/0",))).status == "PASS"


def test_vmm_ppt_missing_for_passthrough_warns() -> None:
    facts, ctx = context(drop(""))
    with_ppt = dataclasses.replace(facts, sysctls=VMM_PPT)
    assert check_vmm_ppt(with_ppt, ctx, Needs(passthru=("1/0/0",))).status == "WARN"
    assert check_vmm_ppt(facts, ctx, Needs(passthru=("1/0/0",))).status == "PASS"
