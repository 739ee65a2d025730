"""`bhyvetpl doctor` end to end: the facts probes through fp, files below a tmp root."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess
from typer.testing import CliRunner

from bhyvetpl.cli.app import app
from bhyvetpl.facts.collect import PROBES
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


def probes(fp: FakeProcess, sysctls: str = "") -> None:
    """The facts pass's fixed probes answered with recorded outputs of a 14.3 host.

    `kldstat -q -m NAME` is read by exit status (all but if_tap registered). `sysctl -i`
    prints only the OIDs a kernel has; its answer here is recorded lines put together
    (security.jail.jailed, then sysctls), with no allow.vmm: no recording shows that OID.
    """
    outputs = {
        "release": fx("freebsd-version-kru-14.3-release.txt"),
        "modules": fx("kldstat-vmm-loaded-15.0.txt"),
        "sysctls": fx("sysctl-security-jail-jailed-0.txt") + sysctls,
        "routes": fx("netstat-rn-inet-section-vtnet0-2020.txt"),
        "interfaces": fx("ifconfig-bridge0-members-em0-em1-15.x.txt"),
        "jails": fx("jls-libxo-json-vnet-jail-15.0-p1.txt"),
        "datasets": fx("zfs-list-r-vm-bhyve-guest-zvol-15.0.txt"),
        "pci": fx("pciconf-lv-ppt0-82580-12.2.txt"),
    }
    for key, argv in PROBES.items():
        if key.startswith("module "):
            fp.register(list(argv), returncode=1 if key == "module if_tap" else 0)
        else:
            fp.register(list(argv), stdout=outputs[key])


def host(fp: FakeProcess, root: Path) -> None:
    """A 14.3 host on a Xeon E-2274G with the seed article's devfs ruleset, tap up_on_open 0."""
    probes(fp, sysctls=fx("sysctl-net-link-tap-up-on-open-0-11.0.txt"))
    put(root, "/var/run/dmesg.boot", fx("dmesg-intel-xeon-e2274g-ept-ug.txt"))
    put(root, "/etc/devfs.rules", fx("etc-devfs.rules-bhyve-jail-25.txt"))
    put(root, "/boot/loader.conf", 'vmm_load="YES"\npptdevs="1/0/0"\n')


def jail(root: Path, name: str = "test-bhyve") -> None:
    """The seed article's jail (securelevel 2) with its passthrough guest on public14.

    vm-bhyve keeps its switches in $vm_dir/.config/system.conf (switch_list): only public.
    """
    jail_root = f"{JAILS}/{name}/root"
    put(root, f"{JAILS}/{name}/jail.conf",
        fx("bastille-jail.conf-bhyve-vnet-12.2.txt").replace("test-bhyve {", f"{name} {{"))
    put(root, f"{jail_root}/etc/rc.conf", 'vm_enable="YES"\nvm_dir="/vms"\n')
    put(root, f"{jail_root}/usr/local/lib/vm-bhyve/vm-base", "VERSION=1.7.5\n")
    put(root, f"{jail_root}/vms/.config/system.conf", 'switch_list="public"\n')
    put(root, f"{jail_root}/vms/test/test.conf",
        (FIXTURES / "lint" / "seed-passthru-guest.conf").read_text())


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
    assert len(fp.calls) == len(PROBES)


def test_jail_json(cli: CliRunner, fp: FakeProcess, tmp_path: Path) -> None:
    host(fp, tmp_path)
    jail(tmp_path)
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
    # The recorded jls lists only the jail `demo`: test-bhyve is not running.
    assert checks["jail test-bhyve running"]["status"] == "FAIL"


def test_nothing_failing_exits_0(cli: CliRunner, fp: FakeProcess, tmp_path: Path) -> None:
    # An AMD host with bhyvetpl's rendered ruleset and the jail `demo` (running in the
    # recorded jls) whose one guest has no NIC, checked from a facts recording. No recorded
    # output shows security.jail.param.allow.vmm: the recording gets it added directly.
    probes(fp)
    root = tmp_path / "host"
    put(root, "/var/run/dmesg.boot", fx("dmesg-amd-gx412tc-svm-16.0-current.txt"))
    rendered = CliRunner().invoke(app, ["render", "host", "-o", str(tmp_path / "r")])
    assert rendered.exit_code == 0
    put(root, "/etc/devfs.rules", (tmp_path / "r/etc/devfs.rules").read_text())
    jail(root, "demo")
    put(root, f"{JAILS}/demo/root/vms/.config/system.conf", "")
    (root / JAILS.lstrip("/") / "demo/root/vms/test/test.conf").unlink()
    put(root, f"{JAILS}/demo/root/vms/g1/g1.conf", 'loader="bhyveload"\ncpu=1\nmemory=512M\n'
        'disk0_type="virtio-blk"\ndisk0_name="disk0.img"\n')
    recorded = cli.invoke(app, ["facts", "--json", "--root", str(root)])
    assert recorded.exit_code == 0, recorded.stderr
    data = json.loads(recorded.stdout)
    data["facts"]["sysctls"]["security.jail.param.allow.vmm"] = "0"
    saved = tmp_path / "facts.json"
    saved.write_text(json.dumps(data), encoding="utf-8")
    result = cli.invoke(app, ["doctor", "demo", "--facts", str(saved)])
    assert result.exit_code == 0, result.stdout
    assert " 0 fail" in result.stdout and "FAIL" not in result.stdout
    assert len(fp.calls) == len(PROBES)   # --facts starts no process


def test_jail_zvols_are_probed_below_its_zfs_vm_dir(cli: CliRunner, fp: FakeProcess,
                                                     tmp_path: Path) -> None:
    # The seed ruleset unhides nmdm* and tap* but no zvol: the guest's zvol is hidden.
    # zfs list has no tank/vms row: the guests are looked for at /tank/vms in the jail.
    host(fp, tmp_path)
    jail(tmp_path)
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


def test_a_recording_reproduces_the_run(cli: CliRunner, fp: FakeProcess,
                                        tmp_path: Path) -> None:
    host(fp, tmp_path / "host")
    jail(tmp_path / "host")
    live = cli.invoke(app, ["doctor", "test-bhyve", "--root", str(tmp_path / "host")])
    host(fp, tmp_path / "again")
    recorded = cli.invoke(app, ["facts", "--json", "--root", str(tmp_path / "host")])
    saved = tmp_path / "facts.json"
    saved.write_text(recorded.stdout, encoding="utf-8")
    again = cli.invoke(app, ["doctor", "test-bhyve", "--facts", str(saved)])
    assert (again.exit_code, again.stdout) == (live.exit_code, live.stdout) == (1, live.stdout)
    assert len(fp.calls) == 2 * len(PROBES)


def test_jails_dir_wins_over_bastille_conf(cli: CliRunner, fp: FakeProcess,
                                           tmp_path: Path) -> None:
    host(fp, tmp_path)
    jail(tmp_path)
    (tmp_path / JAILS.lstrip("/")).rename(tmp_path / "jails")
    result = cli.invoke(app, ["doctor", "test-bhyve", "--json", "--root", str(tmp_path),
                              "--jails-dir", "/jails"])
    checks = {c["check"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["jail allow.vmm"]["detail"] == "/jails/test-bhyve/jail.conf line 13"


@pytest.mark.parametrize("extra", [["--root", "/"], ["--jails-dir", "/j"]])
def test_facts_with_root_or_jails_dir_is_a_usage_error(cli: CliRunner, tmp_path: Path,
                                                        extra: list[str]) -> None:
    result = cli.invoke(app, ["doctor", "--facts", str(tmp_path / "f.json"), *extra])
    assert result.exit_code == 2 and "no --root or --jails-dir with --facts" in result.stderr


def test_facts_file_missing_is_a_usage_error(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["doctor", "--facts", str(tmp_path / "nope.json")])
    assert result.exit_code == 2 and result.stderr.startswith("bhyvetpl: error: --facts:")
