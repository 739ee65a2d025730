"""Symlinks planted below the root, CRLF host files, the lock: the same in both modes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.standin_env import Host, live, make_host
from tests.test_emit_e2e import seed, use

MODES = ["direct", "script"]
GUEST_ARGS = ("new-guest", "bhyve", "g1")
HOST_ARGS = ("host", "prepare", "--release", "14.3-RELEASE", "--guest", "g1")
JAIL_ROOT = "usr/local/bastille/jails/bhyve/root"


def run(host: Host, args: tuple[str, ...], mode: str,
        monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """The command run directly, or as its --emit sh script under /bin/sh."""
    use(host, monkeypatch)
    if mode == "direct":
        code, out, err = host.cli(*args, "--root", str(host.root))
        return code, out + err
    code, text, err = host.cli(*args, "--root", str(host.root), "--emit", "sh")
    assert code == 0, err
    scode, sout, serr = host.sh(text)
    return scode, sout + serr


def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Host, Path]:
    """A seeded host, a running jail bhyve, and a directory outside the root."""
    host = make_host(tmp_path / "host", monkeypatch)
    seed(host)
    (host.state / "running").mkdir(parents=True, exist_ok=True)
    (host.state / "running/bhyve").touch()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("root's own\n")
    return host, outside


def untouched(outside: Path) -> None:
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert (outside / "secret").read_text() == "root's own\n"


@pytest.mark.parametrize("mode", MODES)
def test_symlinked_directory_in_the_jail_is_refused(tmp_path: Path, mode: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    host, outside = fresh(tmp_path, monkeypatch)
    (host.root / JAIL_ROOT / "vms").mkdir(parents=True)
    (host.root / JAIL_ROOT / "vms/.templates").symlink_to(outside)
    code, out = run(host, GUEST_ARGS, mode, monkeypatch)
    assert code == 1, out
    assert f"{JAIL_ROOT}/vms/.templates is a symlink" in out
    untouched(outside)


@pytest.mark.parametrize("mode", MODES)
def test_symlinked_jail_root_is_refused(tmp_path: Path, mode: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    host, outside = fresh(tmp_path, monkeypatch)
    (host.root / JAIL_ROOT).parent.mkdir(parents=True)
    (host.root / JAIL_ROOT).symlink_to(outside)
    code, out = run(host, GUEST_ARGS, mode, monkeypatch)
    assert code == 1 and f"{JAIL_ROOT} is a symlink" in out, out
    untouched(outside)


@pytest.mark.parametrize("mode", MODES)
def test_symlinked_target_file_is_refused_and_files_restored(
        tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    host, outside = fresh(tmp_path, monkeypatch)
    before = host.snapshot()
    (host.root / "etc/sysctl.conf").symlink_to(outside / "secret")
    code, out = run(host, HOST_ARGS, mode, monkeypatch)
    assert code == 1 and "etc/sysctl.conf is a symlink" in out, out
    untouched(outside)
    after = host.snapshot()
    assert after == {**before, "etc/sysctl.conf": "root's own\n"}   # read through the link


@pytest.mark.parametrize("name", ["rc.conf.bhyvetpl.new", ".rc.conf.bhyvetpl.4242"])
@pytest.mark.parametrize("mode", MODES)
def test_planted_temp_name_is_swept_not_followed(tmp_path: Path, mode: str, name: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    host, outside = fresh(tmp_path, monkeypatch)
    (host.root / "etc" / name).symlink_to(outside / "secret")
    code, out = run(host, HOST_ARGS, mode, monkeypatch)
    assert code == 0, out
    untouched(outside)
    assert not (host.root / "etc" / name).is_symlink()
    assert "# BEGIN bhyvetpl bhyve" in (host.root / "etc/rc.conf").read_text()


@pytest.mark.parametrize("mode", MODES)
def test_planted_backup_symlink_is_refused(tmp_path: Path, mode: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    host, outside = fresh(tmp_path, monkeypatch)
    rc = (host.root / "etc/rc.conf").read_text()
    (host.root / "etc/rc.conf.bhyvetpl.bak").symlink_to(outside / "secret")
    code, out = run(host, HOST_ARGS, mode, monkeypatch)
    assert code == 1 and "rc.conf.bhyvetpl.bak is a symlink" in out, out
    untouched(outside)
    assert (host.root / "etc/rc.conf").read_text() == rc


@pytest.mark.parametrize("mode", MODES)
def test_crlf_host_file_stays_crlf_with_one_block(tmp_path: Path, mode: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    host, _ = fresh(tmp_path, monkeypatch)
    rc = host.root / "etc/rc.conf"
    rc.write_bytes(b'hostname="lab"\r\nnote="a\rb"\r\n')
    for _ in range(2):
        code, out = run(host, HOST_ARGS, mode, monkeypatch)
        assert code == 0, out
    data = rc.read_bytes()
    assert data.startswith(b'hostname="lab"\r\nnote="a\rb"\r\n# BEGIN bhyvetpl bhyve\r\n')
    assert data.count(b"# BEGIN bhyvetpl") == 1 and data.endswith(b"# END bhyvetpl bhyve\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")


def test_crlf_result_is_the_same_in_both_modes(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    results = []
    for mode in MODES:
        host, _ = fresh(tmp_path / mode, monkeypatch)
        (host.root / "etc/rc.conf").write_bytes(b"a=1\r\n# BEGIN bhyvetpl bhyve\r\nold\r\n"
                                                b"# END bhyvetpl bhyve\r\nz=2\r\n")
        assert run(host, HOST_ARGS, mode, monkeypatch)[0] == 0
        results.append((host.root / "etc/rc.conf").read_bytes())
    assert results[0] == results[1] and b"old" not in results[0]
    assert results[0].startswith(b"a=1\r\n") and results[0].endswith(b"z=2\r\n")


# The lock: a run waits while another holds ROOT/var/run/bhyvetpl.lock.


def spawn(host: Host, mode: str, monkeypatch: pytest.MonkeyPatch) -> subprocess.Popen[str]:
    use(host, monkeypatch)
    args = [*HOST_ARGS, "--root", str(host.root)]
    if mode == "script":
        code, text, err = host.cli(*args, "--emit", "sh")
        assert code == 0, err
        (host.base / "script.sh").write_text(text)
        argv = ["/bin/sh", str(host.base / "script.sh")]
    else:
        argv = [sys.executable, "-m", "bhyvetpl", *live(args)]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=os.environ.copy(), start_new_session=True,
                            cwd=Path(__file__).resolve().parent.parent)


@pytest.mark.parametrize("mode", MODES)
def test_a_run_waits_for_the_lock(tmp_path: Path, mode: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    host, _ = fresh(tmp_path, monkeypatch)
    lock = host.root / "var/run/bhyvetpl.lock"
    lock.mkdir(parents=True)
    (lock / "pid").write_text(f"{os.getpid()}\n")   # held by this live process
    before = host.snapshot()
    proc = spawn(host, mode, monkeypatch)
    time.sleep(2.5)
    assert proc.poll() is None and host.snapshot() == before   # waiting, nothing written
    (lock / "pid").unlink()
    lock.rmdir()
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "# BEGIN bhyvetpl bhyve" in (host.root / "etc/rc.conf").read_text()
    assert not lock.exists()


@pytest.mark.parametrize("mode", MODES)
def test_a_dead_holders_lock_is_taken_over(tmp_path: Path, mode: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    host, _ = fresh(tmp_path, monkeypatch)
    lock = host.root / "var/run/bhyvetpl.lock"
    lock.mkdir(parents=True)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()   # reaped: its pid names no process now
    (lock / "pid").write_text(f"{child.pid}\n")
    proc = spawn(host, mode, monkeypatch)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert not lock.exists()


def test_two_jails_at_once_keep_both_blocks(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    host, _ = fresh(tmp_path, monkeypatch)
    use(host, monkeypatch)
    procs: list[subprocess.Popen[str]] = []
    for jail, mode in (("alpha", "direct"), ("beta", "script"), ("gamma", "direct"),
                       ("delta", "script")):
        args = ["host", "prepare", "--release", "14.3-RELEASE", "--jail", jail, "--ruleset",
                str(30 + len(procs)), "--ruleset-name", f"rs_{jail}", "--root", str(host.root)]
        if mode == "script":
            code, text, err = host.cli(*args, "--emit", "sh")
            assert code == 0, err
            script = host.base / f"{jail}.sh"
            script.write_text(text)
            argv = ["/bin/sh", str(script)]
        else:
            argv = [sys.executable, "-m", "bhyvetpl", *live(args)]
        procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, cwd=Path(__file__).resolve().parent.parent))
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
    for rel in ("etc/devfs.rules", "etc/rc.conf", "boot/loader.conf"):
        text = (host.root / rel).read_text()
        for jail in ("alpha", "beta", "gamma", "delta"):
            assert text.count(f"# BEGIN bhyvetpl {jail}\n") == 1, (rel, jail)


# Signals: SIGINT/SIGTERM put the files back (exit 130/143); after SIGKILL the next run
# takes the dead run's lock, sweeps its temp files and finishes.


def hang_at_devfs_restart(host: Host) -> None:
    """The last command of host prepare, after every file edit, hangs until killed."""
    (host.state / "hang").write_text("service\tdevfs\trestart")


def wait_hung(host: Host, proc: subprocess.Popen[str]) -> None:
    for _ in range(300):
        if (host.state / "hung").exists():
            return
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.1)
    raise AssertionError("the stand-in never hung")


@pytest.mark.parametrize(("sig", "code"), [(2, 130), (15, 143)], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("mode", MODES)
def test_interrupted_run_restores_its_files(tmp_path: Path, mode: str, sig: int, code: int,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    host, _ = fresh(tmp_path, monkeypatch)
    before = host.snapshot()
    hang_at_devfs_restart(host)
    proc = spawn(host, mode, monkeypatch)
    wait_hung(host, proc)
    assert "# BEGIN bhyvetpl bhyve" in (host.root / "etc/rc.conf").read_text()
    os.killpg(proc.pid, sig)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == code, out
    after = host.snapshot()
    assert after == before, out   # no .bhyvetpl.bak left either
    assert not (host.root / "var/run/bhyvetpl.lock").exists()


@pytest.mark.parametrize("mode", MODES)
def test_after_sigkill_the_next_run_cleans_up(tmp_path: Path, mode: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    host, _ = fresh(tmp_path, monkeypatch)
    hang_at_devfs_restart(host)
    proc = spawn(host, mode, monkeypatch)
    wait_hung(host, proc)
    os.killpg(proc.pid, 9)
    proc.communicate(timeout=60)
    assert (host.root / "var/run/bhyvetpl.lock").is_dir()   # left by the killed run
    etc = host.root / "etc"
    for rel in FILES:   # every file is old or new, never a mix
        assert (host.root / rel).read_text().count("# BEGIN bhyvetpl bhyve") <= 1
    # what a run killed between its temp file and the rename leaves
    (etc / ".rc.conf.bhyvetpl.1a2b3c4d").write_text("half")
    (etc / ".devfs.rules.bhyvetpl.31337").write_text("half")
    (etc / "sysctl.conf.bhyvetpl.new").write_text("half")
    (host.state / "hang").unlink()
    code, out = run(host, HOST_ARGS, mode, monkeypatch)
    assert code == 0, out
    assert sorted(p.name for p in etc.iterdir() if "bhyvetpl" in p.name) == [
        "devfs.rules.bhyvetpl.bak", "rc.conf.bhyvetpl.bak"]
    assert not (host.root / "var/run/bhyvetpl.lock").exists()
    for rel in FILES:
        assert (host.root / rel).read_text().count("# BEGIN bhyvetpl bhyve\n") == 1


FILES = ("etc/devfs.rules", "boot/loader.conf", "etc/rc.conf", "etc/sysctl.conf")
