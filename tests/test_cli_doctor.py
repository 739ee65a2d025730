from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess
from typer.testing import CliRunner

from bhyvetpl.cli.app import app
from tests.cli_runner import cli_runner

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FREEBSD = FIXTURES / "freebsd"
JAILS = "/usr/local/bastille/jails"
JAIL_ROOT = f"{JAILS}/test-bhyve/root"


@pytest.fixture
def cli() -> CliRunner:
    return cli_runner()


def fx(name: str) -> str:
    return (FREEBSD / name).read_text()


def put(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def host(fp: FakeProcess, root: Path, tap: str = "0") -> None:
    """A 14.3 host on a Xeon E-2274G with the seed article's devfs ruleset."""
    fp.register(["freebsd-version", "-kru"], stdout=fx("freebsd-version-kru-14.3-release.txt"))
    for module in ("vmm", "nmdm", "if_bridge", "if_tuntap"):
        fp.register(["kldstat", "-q", "-m", module], returncode=0)
    fp.register(["sysctl", "security.jail.param.allow.vmm"], returncode=1)
    fp.register(["sysctl", "net.link.tap.up_on_open"],
                stdout=fx("sysctl-net-link-tap-up-on-open-0-11.0.txt") if tap == "0" else "")
    fp.register(["pciconf", "-lv"], stdout=fx("pciconf-lv-ppt0-82580-12.2.txt"))
    put(root, "/var/run/dmesg.boot", fx("dmesg-intel-xeon-e2274g-ept-ug.txt"))
    put(root, "/etc/devfs.rules", fx("etc-devfs.rules-bhyve-jail-25.txt"))
    put(root, "/boot/loader.conf", 'vmm_load="YES"\npptdevs="1/0/0"\n')


def jail(fp: FakeProcess, root: Path) -> None:
    """The seed article's jail (securelevel 2) with its passthrough guest on public14."""
    put(root, f"{JAILS}/test-bhyve/jail.conf", fx("bastille-jail.conf-bhyve-vnet-12.2.txt"))
    put(root, f"{JAIL_ROOT}/etc/rc.conf", 'vm_enable="YES"\nvm_dir="/vms"\n')
    put(root, f"{JAIL_ROOT}/usr/local/lib/vm-bhyve/vm-base", "VERSION=1.7.5\n")
    put(root, f"{JAIL_ROOT}/vms/test/test.conf",
        (FIXTURES / "lint" / "seed-passthru-guest.conf").read_text())
    fp.register(["jls", "-j", "test-bhyve"], returncode=0)
    fp.register(["jexec", "test-bhyve", "vm", "switch", "list"],
                stdout=fx("vm-switch-list-14.3.txt"))
    fp.register(["sysctl", "security.jail.param.allow.vmm_ppt"], returncode=1)


def test_host_table_lists_fixes_and_exits_1(cli: CliRunner, fp: FakeProcess,
                                             tmp_path: Path) -> None:
    host(fp, tmp_path)
    result = cli.invoke(app, ["doctor", "--root", str(tmp_path)])
    assert result.exit_code == 1, result.output
    out = result.stdout
    assert out.splitlines()[0].split() == ["status", "check", "detail"]
    assert "PASS    FreeBSD release" in out and "FAIL    jail parameter allow.vmm" in out
    assert "FAIL net.link.tap.up_on_open: sysctl net.link.tap.up_on_open=1" in out
    assert "WARN devfs ruleset 25: add path 'vmm.io' unhide" in out


def test_jail_json(cli: CliRunner, fp: FakeProcess, tmp_path: Path) -> None:
    host(fp, tmp_path)
    jail(fp, tmp_path)
    result = cli.invoke(app, ["doctor", "test-bhyve", "--json", "--root", str(tmp_path)])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    checks = {c["check"]: c for c in report["checks"]}
    assert report["ok"] is False and report["counts"]["FAIL"] >= 3
    assert checks["jail securelevel"]["status"] == "FAIL"
    assert checks["jail securelevel"]["fix"] == (
        "bastille config test-bhyve set securelevel -1 && bastille restart test-bhyve")
    assert checks["vm-bhyve switches"]["status"] == "FAIL"
    assert checks["guest test config"]["status"] == "PASS"
    assert checks["PCI passthrough (ppt)"]["status"] == "PASS"
    assert all(c["fix"] for c in report["checks"] if c["status"] != "PASS")


def test_nothing_failing_exits_0(cli: CliRunner, fp: FakeProcess, tmp_path: Path) -> None:
    # An AMD 16.0 host with bhyvetpl's rendered ruleset and a jail whose one guest has no
    # NIC. sysctl and jls are read by exit status only: no recorded output exists for them.
    fp.register(["freebsd-version", "-kru"], stdout=fx("freebsd-version-kru-14.3-release.txt"))
    for module in ("vmm", "nmdm", "if_bridge", "if_tuntap"):
        fp.register(["kldstat", "-q", "-m", module], returncode=0)
    fp.register(["sysctl", "security.jail.param.allow.vmm"], returncode=0)
    fp.register(["sysctl", "security.jail.param.allow.vmm_ppt"], returncode=1)
    fp.register(["jls", "-j", "test-bhyve"], returncode=0)
    put(tmp_path, "/var/run/dmesg.boot", fx("dmesg-amd-gx412tc-svm-16.0-current.txt"))
    rendered = CliRunner().invoke(app, ["render", "host", "-o", str(tmp_path / "r")])
    assert rendered.exit_code == 0
    put(tmp_path, "/etc/devfs.rules", (tmp_path / "r/etc/devfs.rules").read_text())
    put(tmp_path, f"{JAILS}/test-bhyve/jail.conf", fx("bastille-jail.conf-bhyve-vnet-12.2.txt"))
    put(tmp_path, f"{JAIL_ROOT}/etc/rc.conf", 'vm_enable="YES"\nvm_dir="/vms"\n')
    put(tmp_path, f"{JAIL_ROOT}/usr/local/lib/vm-bhyve/vm-base", "VERSION=1.7.5\n")
    put(tmp_path, f"{JAIL_ROOT}/vms/g1/g1.conf", 'loader="bhyveload"\ncpu=1\nmemory=512M\n'
        'disk0_type="virtio-blk"\ndisk0_name="disk0.img"\n')
    result = cli.invoke(app, ["doctor", "test-bhyve", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.stdout
    assert " 0 fail" in result.stdout and "FAIL" not in result.stdout


def test_jail_zvols_are_probed_below_its_zfs_vm_dir(cli: CliRunner, fp: FakeProcess,
                                                     tmp_path: Path) -> None:
    # The seed ruleset unhides nmdm* and tap* but no zvol: the guest's zvol is hidden.
    host(fp, tmp_path)
    jail(fp, tmp_path)
    put(tmp_path, f"{JAIL_ROOT}/etc/rc.conf", 'vm_enable="YES"\nvm_dir="zfs:tank/vms"\n')
    guest = (FIXTURES / "lint" / "seed-passthru-guest.conf").read_text()
    put(tmp_path, f"{JAIL_ROOT}/tank/vms/test/test.conf",
        guest.replace('disk0_name="disk0.img"', 'disk0_name="disk0"\ndisk0_dev="zvol"'))
    result = cli.invoke(app, ["doctor", "test-bhyve", "--json", "--root", str(tmp_path)])
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    devfs = checks["devfs ruleset 25"]
    assert devfs["status"] == "FAIL" and "hides /dev/zvol/tank/vms/test/disk0" in devfs["detail"]
    assert "add path 'zvol/tank/vms/*/*' unhide" in devfs["fix"]
    assert "nmdm" not in devfs["fix"] and "tap" not in devfs["fix"]
