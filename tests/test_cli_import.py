"""`bhyvetpl import vmrun` end to end: the seed command lines as golden files, and vm-bhyve's view.

Golden files go through tests/golden_util.assert_golden. The harness test runs vm-bhyve's
own code (../shared/tools/vm-bhyve, found by tests/upstream.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.cli.app import app
from tests.cli_runner import cli_runner
from tests.golden_util import GOLDEN as GOLDEN_ROOT
from tests.golden_util import assert_golden
from tests.upstream import VMB_TOOLS, needs_upstream

GOLDEN = Path(__file__).resolve().parent / "golden" / "import"
HARNESS = VMB_TOOLS
# Baldwin ran vmrun.sh in ~/bhyve as john (`make install DESTDIR=~/bhyve/vm0/host KMODOWN=john`).
CWD = "/home/john/bhyve"
SEEDS: dict[str, tuple[str, ...]] = {
    "hardenedbsd": ("-c", "4", "-m", "16g", "-t", "tap0", "-C", "/dev/nmdm-laptop-dev-03-A",
                    "-d", "/dev/zvol/tank/bhyve/laptop-dev-03/disk-01", "-E", "-P", "5901",
                    "laptop-dev-03"),
    "handbook-install": ("-c", "4", "-m", "1024M", "-t", "tap0", "-d", "guest.img", "-i", "-I",
                         "FreeBSD-10.3-RELEASE-amd64-bootonly.iso", "guestname"),
    "handbook": ("-c", "4", "-m", "1024M", "-t", "tap0", "-d", "guest.img", "guestname"),
    "baldwin-host-gdb": ("-t", "tap0", "-d", "vm0/disk.img", "-H", "vm0/host", "-g", "1234",
                         "vm0"),
    "baldwin-install": ("-t", "tap0", "-d", "vm0/disk.img", "-I",
                        "FreeBSD-10.0-RELEASE-amd64-disc1.iso", "vm0"),
}
runner = cli_runner()


def golden_path(case: str) -> Path:
    """GOLDEN/CASE/GUEST.conf: named after the guest, as vm-bhyve names its config."""
    return GOLDEN / case / f"{SEEDS[case][-1]}.conf"


def run_import(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["import", "vmrun", "--cwd", CWD, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("case", sorted(SEEDS))
def test_seed_imports_exactly(case: str) -> None:
    code, out, err = run_import("--", *SEEDS[case])
    assert code == 0, err
    assert_golden(str(golden_path(case).relative_to(GOLDEN_ROOT)), out)
    assert all(line.startswith("note: ") for line in err.splitlines())


def test_notes_go_to_stderr() -> None:
    _, out, err = run_import("--", *SEEDS["handbook-install"])
    assert "vm install guestname FreeBSD-10.3-RELEASE-amd64-bootonly.iso" in err
    assert "$vm_dir/guestname/guest.img" in err and "note" not in out


def test_output_file_and_switch(tmp_path: Path) -> None:
    target = tmp_path / "vm0.conf"
    code, out, _ = run_import("--switch", "lan", "-o", str(target), "--", *SEEDS["baldwin-install"])
    assert code == 0 and out == ""
    assert 'network0_switch="lan"\n' in target.read_text(encoding="utf-8")


def test_refusal_names_the_flag_and_exits_2() -> None:
    code, out, err = run_import("--", "-c", "2", "-p", "ppt0", "vm0")
    assert code == 2 and out == ""
    assert err.startswith("bhyvetpl: error: vmrun.sh -p ppt0: ")


def test_relative_H_uses_the_current_directory(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["import", "vmrun", "--", "-H", "host", "vm0"])
    assert result.exit_code == 0, result.stderr
    assert f'bhyveload_args="-h {tmp_path.as_posix()}/host"' in result.stdout


# What vm-bhyve 1.7.5 must run for each seed, read from its own vm::run code.
EXPECTED_ARGV: dict[str, tuple[list[str], list[str]]] = {
    "hardenedbsd": ([], ["-c 4", "-m 16G", "virtio-blk,/dev/zvol/tank/bhyve/laptop-dev-03/disk-01",
                         "virtio-net,tap0,mac=00:a0:98:dc:8e:e7", "fbuf,tcp=127.0.0.1:5901",
                         "-l bootrom,"]),
    "handbook": (["-m 1024M", "/guestname/guest.img guestname"],
                 ["-c 4", "-m 1024M", "virtio-net,tap0,mac=00:a0:98:5f:06:1a"]),
    "handbook-install": (["-m 1024M"], ["-c 4", "virtio-blk,"]),
    "baldwin-host-gdb": (["-m 512M", "-h /home/john/bhyve/vm0/host", "/vm0/disk.img vm0"],
                         ["-c 2", "-m 512M", "-G 1234", "virtio-net,tap0,mac=00:a0:98:f0:55:05"]),
    "baldwin-install": (["-m 512M"], ["-c 2", "/vm0/disk.img"]),
}


@needs_upstream
@pytest.mark.parametrize("case", sorted(SEEDS))
def test_vm_bhyve_runs_the_golden_configs(case: str, tmp_path: Path) -> None:
    conf = tmp_path / golden_path(case).name
    conf.write_text(golden_path(case).read_text(encoding="utf-8"), encoding="utf-8")
    lint = SubprocessRunner().run([str(HARNESS / "vmb-config-get"), "--lint", str(conf),
                                   "loader"], check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    result = SubprocessRunner().run([str(HARNESS / "vmb-bhyve-argv"), "--format", "json",
                                     str(conf)], check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    loader = " ".join(report["loader_argv"] or [])
    bhyve = " ".join(report["bhyve_argv"])
    want_loader, want_bhyve = EXPECTED_ARGV[case]
    assert all(part in loader for part in want_loader), loader
    assert all(part in bhyve for part in want_bhyve), bhyve
    # no -u: vmrun.sh ran every seed with a local-time RTC
    assert "-u" not in report["bhyve_argv"]
    assert (report["loader_argv"] is None) == (case == "hardenedbsd")


def test_readme_example_is_the_golden_output() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Import a vmrun.sh command line", 1)[1]
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, re.DOTALL)
    assert blocks[1] == golden_path("hardenedbsd").read_text(encoding="utf-8")
