"""Issue 11 point 7: what passthrough from a jail needs, release by release, and no more.

- Since 13.1 bhyve maps a passed-through device's BARs through /dev/pci (D32359
  PCIOCBARMMAP, D31307 PCIOCBARIO, 2021): `pci` only. vm-bhyve's IOMMU check
  (util::check_bhyve_iommu, 1.4.0 to master) runs `acpidump -t | grep DMAR`, which reads
  /dev/mem; without it vm::run refuses passthru ("no VT-d or amdvi", exit 15). So the jail
  gets vm_disable_host_checks=YES instead of /dev/mem, and a warning says so.
- Before 13.1 bhyve opens /dev/mem and /dev/io, which a jail may not on a stock kernel
  (PR 251046; the Neira article patched 12.2, and its unpatched run failed with
  tests/fixtures/freebsd/bhyve-error-dev-pci-operation-not-permitted-jail-12.2.txt): said
  plainly on stderr.
- AMD hosts: sys/amd64/vmm/amd/amdvi_hw.c amdvi_init() refuses AMD-Vi unless the tunable
  hw.vmm.amdvi.enable=1 ("use hw.vmm.amdvi.enable=1 to enable pass-through").
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

import pytest
from packaging.version import Version

from bhyvetpl.cli.app import app
from bhyvetpl.doctor import checks
from bhyvetpl.facts import parse
from bhyvetpl.facts.model import Release
from bhyvetpl.hostfs import devfs
from bhyvetpl.hostfs.assign import readable
from bhyvetpl.model.guest import PassthruSpec
from bhyvetpl.model.jail import RulesetSpec
from bhyvetpl.model.options import JailOptions, build_jail
from bhyvetpl.model.policy import Features, devfs_rules, jail_rc_conf, loader_conf, warnings
from bhyvetpl.render import render_jail
from tests.cli_runner import cli_runner
from tests.test_doctor_jail import make_jail
from tests.upstream import GIT, TOOLS

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FREEBSD = FIXTURES / "freebsd"
SEED_GUEST = (FIXTURES / "lint" / "seed-passthru-guest.conf").read_text()


def ppt(release: str) -> Features:
    return Features(jail="bhyve", release=Version(release), ruleset=RulesetSpec(),
                    passthru=(PassthruSpec.parse("1/0/0", "passthru0"),))


def unhidden(features: Features) -> set[str]:
    return {p for g in devfs_rules(features) for p in g.paths}


def test_from_13_1_passthrough_unhides_pci_only_and_turns_vm_bhyves_checks_off() -> None:
    for release in ("13.1", "14.3", "15.0"):
        features = ppt(release)
        assert unhidden(features) & {"pci", "mem", "io", "kmem"} == {"pci"}
        assert [(s.name, s.value) for s in jail_rc_conf(features)] == [
            ("vm_disable_host_checks", "YES")]
        assert any("vm_disable_host_checks" in w for w in warnings(features))


def test_before_13_1_the_kernel_change_is_said_plainly() -> None:
    features = ppt("12.2")
    assert unhidden(features) >= {"pci", "mem", "io", "kmem"}
    assert jail_rc_conf(features) == ()
    (warning,) = warnings(features)
    assert "does not work on a stock kernel" in warning and "PR 251046" in warning


def test_amd_hosts_get_the_amdvi_tunable_with_passthrough() -> None:
    assert ("hw.vmm.amdvi.enable", "1") in [(s.name, s.value) for s in loader_conf(ppt("14.3"))]
    plain = dataclasses.replace(ppt("14.3"), passthru=())
    assert "hw.vmm.amdvi.enable" not in [s.name for s in loader_conf(plain)]
    result = cli_runner().invoke(app, ["render", "host", "--release", "14.3-RELEASE",
                                       "--passthru", "1/0/0"])
    assert result.exit_code == 0, result.stderr
    assert 'hw.vmm.amdvi.enable="1"' in result.stdout


@pytest.mark.parametrize(("mirror", "rev"), [("churchers+vm-bhyve", "v1.4.0"),
                                             ("freebsd+vm-bhyve", "v1.7.5"),
                                             ("freebsd+vm-bhyve", "master")])
def test_vm_bhyves_iommu_check_reads_acpi_tables_and_can_be_turned_off(
        upstream: Path, mirror: str, rev: str) -> None:
    text = subprocess.run([GIT, "--git-dir", str(upstream / mirror / "repo"), "show",
                           f"{rev}:lib/vm-util"], capture_output=True, text=True,
                          check=True).stdout
    body = text[text.index("util::check_bhyve_iommu(){"):]
    body = body[:body.index("\n}\n")]
    # 1.4.0 spells it util::checkyesno, 1.7 util::yesno
    assert re.search(r'util::(check)?yesno "\$vm_disable_host_checks" && return 0', body)
    assert "acpidump -t" in body and "vmm.amdvi.enable: 1" in body


def test_bastille_applies_the_host_checks_setting(upstream: Path, tmp_path: Path) -> None:
    del upstream
    jail = build_jail(JailOptions(name="bhyve", passthrough=True))
    for rendered in render_jail(jail):
        path = tmp_path / "bhyve" / PurePosixPath(rendered.relpath)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered.text)
    bash = shutil.which("bash") or "/bin/bash"
    result = subprocess.run([bash, str(TOOLS / "bastille/run-template.sh"), "--vnet",
                             str(tmp_path / "bhyve")], capture_output=True, text=True,
                            check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "vm_disable_host_checks" in result.stdout


def doctor(dmesg: str, loader: str, rc_extra: str, rules: str) -> dict[str, tuple[str, str]]:
    versions = parse.freebsd_version((FREEBSD / "freebsd-version-kru-14.3-release.txt")
                                     .read_text())
    assert versions is not None
    jail = make_jail(SEED_GUEST)
    facts = dataclasses.replace(
        jail, release=Release(*versions), cpu=parse.cpu_info((FREEBSD / dmesg).read_text()),
        loader_conf=readable(loader, sh=False), devfs_rulesets=devfs.rulesets(rules),
        jails=(dataclasses.replace(jail.jails[0], rc_conf=readable(
            'vm_enable="YES"\nvm_dir="/vms"\n' + rc_extra)),))
    return {r.check: (r.status, r.detail) for r in checks(facts, "test-bhyve")}


OWN_RULES = ("[devfs_rules_bhyve_jail=25]\nadd include $devfsrules_jail\n"
             + "".join(f"add path '{p}' unhide\n" for p in
                       ("vmm", "vmm/*", "vmm.io", "vmm.io/*", "nmdm-*", "tap*", "pci")))


def test_doctor_asks_amd_hosts_for_the_amdvi_tunable() -> None:
    amd = doctor("dmesg-amd-ryzen-svm-14.3-guest.txt", "", "", OWN_RULES)
    assert amd["AMD-Vi IOMMU"][0] == "FAIL"
    amd = doctor("dmesg-amd-ryzen-svm-14.3-guest.txt", 'hw.vmm.amdvi.enable="1"\n', "",
                 OWN_RULES)
    assert amd["AMD-Vi IOMMU"][0] == "PASS"
    intel = doctor("dmesg-intel-xeon-e2274g-ept-ug.txt", "", "", OWN_RULES)
    assert "AMD-Vi IOMMU" not in intel


def test_doctor_takes_pci_only_where_vm_bhyves_checks_are_off() -> None:
    off = 'vm_disable_host_checks="YES"\n'
    results = doctor("dmesg-intel-xeon-e2274g-ept-ug.txt", "", off, OWN_RULES)
    assert results["devfs ruleset 25"][0] == "PASS"
    assert results["devfs ruleset 25 least privilege"][0] == "PASS"
    with_mem = OWN_RULES + "add path 'mem' unhide\n"
    results = doctor("dmesg-intel-xeon-e2274g-ept-ug.txt", "", off, with_mem)
    assert results["devfs ruleset 25 least privilege"] == (
        "WARN", "unhides /dev/mem: host memory or I/O ports the guests do not need")
    # With vm-bhyve's checks on, its acpidump needs /dev/mem: hidden is a FAIL.
    results = doctor("dmesg-intel-xeon-e2274g-ept-ug.txt", "", "", OWN_RULES)
    assert results["devfs ruleset 25"][0] == "FAIL" and "/dev/mem" in results[
        "devfs ruleset 25"][1]
