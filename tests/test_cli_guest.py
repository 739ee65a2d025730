"""`bhyvetpl new-guest`: golden argv, failure at every step, re-run, passthrough refusal."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from bhyvetpl.cli.app import app
from bhyvetpl.model.options import HostOptions, build_features
from bhyvetpl.render import render_host
from tests.cli_runner import cli_runner

RUNNER = cli_runner()
FIXTURES = Path(__file__).parent / "fixtures"
JLS = (FIXTURES / "jls-vnet-jail-15.0.txt").read_text()
VM_INFO = (FIXTURES / "vm-info-stopped-14.2.txt").read_text()
URL = "https://download.freebsd.org/releases/ISO-IMAGES/14.3/FreeBSD-14.3-RELEASE-amd64-disc1.iso"
ISO = URL.rsplit("/", 1)[1]


def cmd(*argv: str) -> list[str]:
    return ["bastille", "cmd", "bhyve", *argv]


JLS_ARGV = ["jls", "-j", "bhyve"]
INFO = cmd("vm", "info", "win1")
CREATE = cmd("vm", "create", "-t", "bhyvetpl-guest-win1", "-s", "64G", "win1")
HAS_ISO = cmd("test", "-f", f"/vms/.iso/{ISO}")
FETCH = cmd("vm", "iso", URL)
RUNNING = cmd("test", "-e", "/dev/vmm/win1")
INSTALL = cmd("vm", "install", "win1", ISO)
START = cmd("vm", "start", "win1")
ARGS = ["new-guest", "bhyve", "win1", "--preset", "windows", "--iso", URL, "--install"]
HAS_FW = cmd("pkg", "info", "-e", "edk2-bhyve")   # the windows preset boots UEFI: installed
SEQUENCE = [JLS_ARGV, HAS_FW, INFO, CREATE, HAS_ISO, FETCH, RUNNING, INSTALL]


def register(fp: FakeProcess, fail: list[str] | None = None, created: bool = False) -> None:
    for argv in SEQUENCE:
        if argv in (INFO, HAS_ISO, RUNNING):   # probes: "not there yet"
            ok = argv == INFO and created
            fp.register(argv, returncode=0 if ok else 1, stdout=VM_INFO if ok else "")
        else:
            fp.register(argv, returncode=1 if argv == fail else 0,
                        stdout=JLS if argv == JLS_ARGV else "")


def template(root: Path) -> Path:
    return root / "usr/local/bastille/jails/bhyve/root/vms/.templates/bhyvetpl-guest-win1.conf"


def invoke(root: Path, *args: str) -> tuple[int, str, str]:
    result = RUNNER.invoke(app, [*args, "--root", str(root), "--live"])
    return result.exit_code, result.stdout, result.stderr


def test_golden_sequence_and_summary(fp: FakeProcess, tmp_path: Path) -> None:
    register(fp)
    code, out, err = invoke(tmp_path, *ARGS)
    assert code == 0, err
    assert [list(c) for c in fp.calls] == SEQUENCE
    text = template(tmp_path).read_text()
    assert 'loader="uefi"' in text and 'graphics="yes"' in text
    assert "console: bastille cmd bhyve vm console win1 (/dev/nmdm-win1.1B)" in out
    assert "VNC: 127.0.0.1:" in out and "only backgrounded" in out


def test_minimal_guest(fp: FakeProcess, tmp_path: Path) -> None:
    fp.register(JLS_ARGV, stdout=JLS)
    fp.register(cmd("vm", "info", "fbsd1"), returncode=1)
    fp.register(cmd("vm", "create", "-t", "bhyvetpl-guest-fbsd1", "-s", "10G", "fbsd1"))
    fp.register(cmd("vm", "start", "fbsd1"))
    fp.register(cmd("test", "-e", "/dev/vmm/fbsd1"), returncode=1)
    code, _, err = invoke(tmp_path, "new-guest", "bhyve", "fbsd1", "--size", "10G", "--start")
    assert code == 0, err
    assert [list(c) for c in fp.calls] == [
        JLS_ARGV, cmd("vm", "info", "fbsd1"),
        cmd("vm", "create", "-t", "bhyvetpl-guest-fbsd1", "-s", "10G", "fbsd1"),
        cmd("test", "-e", "/dev/vmm/fbsd1"), cmd("vm", "start", "fbsd1")]


@pytest.mark.parametrize("failing", [JLS_ARGV, CREATE, FETCH, INSTALL],
                         ids=["jls", "create", "iso", "install"])
def test_failure_at_each_step_then_rerun(fp: FakeProcess, tmp_path: Path,
                                         failing: list[str]) -> None:
    register(fp, fail=failing)
    code, _, err = invoke(tmp_path, *ARGS)
    index = SEQUENCE.index(failing)
    step = {0: 1, 3: 4, 5: 5, 7: 6}[index]
    assert code == 1
    assert f"step {step}/6 " in err and " ".join(failing) in err
    assert not template(tmp_path).exists()    # the template written by this run is gone
    assert [list(c) for c in fp.calls] == SEQUENCE[:index + 1]
    offset = len(fp.calls)
    register(fp, created=failing in (FETCH, INSTALL))
    code, _, err = invoke(tmp_path, *ARGS)
    assert code == 0, err
    again = [list(c) for c in fp.calls][offset:]
    assert (CREATE in again) == (failing in (JLS_ARGV, CREATE))
    assert again[-1] == INSTALL


def test_stopped_jail_is_named(fp: FakeProcess, tmp_path: Path) -> None:
    fp.register(JLS_ARGV, returncode=1)
    code, _, err = invoke(tmp_path, *ARGS)
    assert code == 1 and "bastille start bhyve" in err


def write_host(root: Path, securelevel: str, passthru: bool) -> None:
    conf = (FIXTURES / "bastille-jail.conf-bhyve-vnet-12.2.txt").read_text()
    jail = root / "usr/local/bastille/jails/bhyve"
    jail.mkdir(parents=True, exist_ok=True)
    (jail / "jail.conf").write_text(conf.replace("securelevel = 2;",
                                                 f"securelevel = {securelevel};"))
    (root / "etc").mkdir(exist_ok=True)
    (root / "boot").mkdir(exist_ok=True)
    (root / "etc/devfs.rules").write_text(
        (FIXTURES / "etc-devfs.rules-bhyve-jail-25.txt").read_text())
    features = build_features(HostOptions(passthru=("2/0/0",) if passthru else ()))
    loader = next(f.text for f in render_host(features) if f.relpath.name == "loader.conf")
    (root / "boot/loader.conf").write_text(loader)


def test_passthrough_refused_with_fixes(fp: FakeProcess, tmp_path: Path) -> None:
    write_host(tmp_path, "2", passthru=False)
    before = {p: p.read_text() for p in tmp_path.rglob("*") if p.is_file()}
    args = ["new-guest", "bhyve", "gpu1", "--preset", "linux", "--passthru", "2/0/0"]
    for extra in ([], ["--dry-run"], ["--emit", "sh"]):
        code, _, err = invoke(tmp_path, *args, *extra)
        assert code == 2
        assert "securelevel 2" in err and "bhyvetpl jail apply bhyve --passthrough" in err
        assert "bhyvetpl host prepare --jail bhyve --passthru 2/0/0, then reboot" in err
    assert not fp.calls
    assert {p: p.read_text() for p in tmp_path.rglob("*") if p.is_file()} == before
    write_host(tmp_path, "-1", passthru=True)
    code, out, err = invoke(tmp_path, *args, "--dry-run")
    assert code == 0, err
    assert '+passthru0="2/0/0"' in out and '+wired_memory="yes"' in out


def test_bad_iso_and_install_without_iso(fp: FakeProcess, tmp_path: Path) -> None:
    for args in (["--iso", "http://x/a.iso;rm"], ["--iso", "relative.iso"], ["--install"],
                 ["--iso", URL, "--install", "--start"]):
        code, _, err = invoke(tmp_path, "new-guest", "bhyve", "g1", *args)
        assert code == 2 and err.startswith("bhyvetpl: error: "), err
    assert not fp.calls and not any(tmp_path.iterdir())
