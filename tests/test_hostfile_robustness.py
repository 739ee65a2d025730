"""Host files under killed and concurrent runs: old or new, never a mix, one block each."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from bhyvetpl.adapters.runner import CommandResult
from bhyvetpl.apply import apply
from bhyvetpl.model.options import HostOptions, build_features
from bhyvetpl.plan.build import host_prepare_plan

FILES = ("etc/devfs.rules", "boot/loader.conf", "etc/rc.conf", "etc/sysctl.conf")
OLD = {
    "etc/devfs.rules": "[localrules=10]\nadd path 'bpf*' unhide\n",
    "boot/loader.conf": 'zfs_load="YES"\n',
    "etc/rc.conf": 'hostname="host1"\nzfs_enable="YES"\n',
    "etc/sysctl.conf": "kern.coredump=0\n",
}


class AllDone:
    """A runner for which every probe says "done" and every command succeeds."""

    def run(self, argv: Sequence[str], *, check: bool = True,  # noqa: ARG002 - protocol
            timeout: float = 600.0) -> CommandResult:  # noqa: ARG002 - protocol
        return CommandResult(tuple(argv), 0, "1\n", "")


def seed(root: Path) -> None:
    for rel, text in OLD.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def prepare(root: str, jail: str = "bhyve") -> None:
    features = build_features(HostOptions(jail=jail, guests=("g1",)))
    apply(host_prepare_plan(features, Path(root)), AllDone())


def expected_new(tmp_path: Path, jail: str = "bhyve") -> dict[str, str]:
    root = tmp_path / f"expected-{jail}"
    seed(root)
    prepare(str(root), jail)
    return {rel: (root / rel).read_text() for rel in FILES}


KILLER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    real, count, kill_at = os.rename, [0], int(sys.argv[2])
    def rename(*args, **kwargs):
        count[0] += 1
        if count[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)   # between the temp file and the rename
        return real(*args, **kwargs)
    os.rename = rename
    from tests.test_hostfile_robustness import prepare
    prepare(sys.argv[1])
""")


@pytest.mark.parametrize("kill_at", range(1, 9))
def test_kill_at_every_rename_leaves_old_or_new(tmp_path: Path, kill_at: int) -> None:
    new = expected_new(tmp_path)
    root = tmp_path / "root"
    seed(root)
    proc = subprocess.run([sys.executable, "-c", KILLER, str(root), str(kill_at)],
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                          text=True, check=False, timeout=60)
    assert proc.returncode == -9, proc.stderr
    states = []
    for rel in FILES:
        text = (root / rel).read_text()
        assert text in (OLD[rel], new[rel]), f"{rel} is a mix after kill {kill_at}"
        states.append(text == new[rel])
    assert any(states) or kill_at <= 2  # rename 1 is a backup, 2 the first new file
    prepare(str(root))  # a re-run finishes the job: every file new, one block each
    for rel in FILES:
        text = (root / rel).read_text()
        assert text == new[rel] and text.count("# BEGIN bhyvetpl bhyve\n") == 1


def test_concurrent_runs_never_double_the_block(tmp_path: Path) -> None:
    new = expected_new(tmp_path)
    root = tmp_path / "root"
    seed(root)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=prepare, args=(str(root),)) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    for rel in FILES:
        assert (root / rel).read_text() == new[rel]


def test_concurrent_runs_for_two_jails_keep_each_block_whole(tmp_path: Path) -> None:
    root = tmp_path / "root"
    seed(root)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=prepare, args=(str(root), jail))
               for jail in ("alpha", "beta") * 3]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    for rel in FILES:
        text = (root / rel).read_text()
        assert text.startswith(OLD[rel])
        for jail in ("alpha", "beta"):
            assert text.count(f"# BEGIN bhyvetpl {jail}\n") <= 1
            assert text.count(f"# BEGIN bhyvetpl {jail}\n") == text.count(
                f"# END bhyvetpl {jail}\n")


def test_a_latin1_host_file_keeps_its_bytes(tmp_path: Path) -> None:
    root = tmp_path / "root"
    seed(root)
    rc = root / "etc/rc.conf"
    rc.write_bytes(b'hostname="h\xe9te"\n')
    prepare(str(root))
    data = rc.read_bytes()
    assert data.startswith(b'hostname="h\xe9te"\n') and b"# BEGIN bhyvetpl bhyve\n" in data
    assert (root / "etc/rc.conf.bhyvetpl.bak").read_bytes() == b'hostname="h\xe9te"\n'
