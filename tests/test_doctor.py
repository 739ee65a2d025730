"""The doctor is checks over facts: checks() reads nothing else, diagnose() reads the host once."""

from __future__ import annotations

import builtins
import io
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pytest
from pytest_subprocess import FakeProcess

from bhyvetpl.adapters.runner import CommandResult, SubprocessRunner
from bhyvetpl.doctor import checks, diagnose
from bhyvetpl.doctor.result import CheckResult
from bhyvetpl.facts.collect import PROBES, collect
from bhyvetpl.facts.record import loads
from bhyvetpl.hostfs import HostFS
from tests.golden_util import GOLDEN
from tests.test_facts import recorded_host

RECORDED = GOLDEN / "facts" / "recorded-host.json"


class RecordingRunner:
    """Keeps every argv, then runs it (fp answers with the recorded host's outputs)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def run(self, argv: Sequence[str], *, check: bool = True,
            timeout: float = 60.0) -> CommandResult:
        self.calls.append(tuple(argv))
        return SubprocessRunner().run(argv, check=check, timeout=timeout)


def refuse(*_args: object, **_kwargs: object) -> NoReturn:
    raise AssertionError("checks() reached for the host")


def test_checks_take_facts_alone_and_touch_nothing(fp: FakeProcess,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # No runner is given, fp has nothing registered (any process would raise), and
    # starting a process, opening, stat-ing or listing a file raises: checks() must still
    # answer from the recorded facts alone.
    facts = loads(RECORDED.read_text(encoding="utf-8"))
    for name in ("Popen", "run", "call", "check_output"):
        monkeypatch.setattr(subprocess, name, refuse)
    for module, name in ((builtins, "open"), (io, "open"), (os, "open"), (os, "stat"),
                         (os, "lstat"), (os, "scandir"), (os, "listdir")):
        monkeypatch.setattr(module, name, refuse)
    results = checks(facts, "demo", 25)
    monkeypatch.undo()
    assert not fp.calls
    named = {r.check: r for r in results}
    assert named["jail demo running"].status == "PASS"
    assert named["guest g0 config"].detail.startswith(
        "/usr/local/bastille/jails/demo/root/vms/g0/g0.conf:")
    assert named["vm-bhyve installed"] == CheckResult("vm-bhyve installed", "PASS", "1.7.5")


def test_checks_of_the_recording_equal_diagnose_of_the_host(fp: FakeProcess,
                                                            tmp_path: Path) -> None:
    recorded_host(fp, tmp_path, jails=2, guests=2)
    live = diagnose(SubprocessRunner(), tmp_path, "demo", 25)
    assert checks(loads(RECORDED.read_text(encoding="utf-8")), "demo", 25) == live


@pytest.mark.parametrize(("jails", "guests"), [(1, 1), (3, 5), (10, 20)])
def test_a_doctor_run_starts_the_fixed_probes_only(fp: FakeProcess, tmp_path: Path,
                                                   jails: int, guests: int) -> None:
    recorded_host(fp, tmp_path, jails, guests)
    runner = RecordingRunner()
    results = diagnose(runner, tmp_path, "demo", 25)
    assert sum(r.check.startswith("guest ") for r in results) == guests
    assert runner.calls == [tuple(argv) for argv in PROBES.values()]
    assert len(runner.calls) == 13


def test_jails_dir_reaches_collect(fp: FakeProcess, tmp_path: Path) -> None:
    recorded_host(fp, tmp_path, jails=1, guests=1)
    results = diagnose(SubprocessRunner(), tmp_path, "demo", 25, "/elsewhere")
    named = {r.check: r for r in results}
    assert named["jail demo"].detail == "no `demo {` block in /elsewhere/demo/jail.conf"


def test_off_freebsd_every_probe_missing_reads_as_no_reading(fp: FakeProcess,
                                                            tmp_path: Path) -> None:
    for argv in PROBES.values():
        fp.register(list(argv), callback=lambda _: (_ for _ in ()).throw(FileNotFoundError()))
    facts = collect(SubprocessRunner(), HostFS(tmp_path))
    named = {r.check: r for r in checks(facts)}
    assert named["FreeBSD release"].fix == "run bhyvetpl doctor on the FreeBSD host"
    assert named["kernel module vmm"].fix == "run bhyvetpl doctor on the host"
