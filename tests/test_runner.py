from __future__ import annotations

import pytest
from pytest_subprocess import FakeProcess

from bhyvetpl.adapters.runner import CommandFailedError, CommandNotFoundError, SubprocessRunner


def test_success_captures_output(fp: FakeProcess) -> None:
    fp.register(["jls", "-j", "bhyve"], stdout="  JID\n")
    result = SubprocessRunner().run(["jls", "-j", "bhyve"])
    assert result.ok and result.stdout == "  JID\n"


def test_failure_raises_with_stderr(fp: FakeProcess) -> None:
    fp.register(["jls", "-j", "nope"], returncode=1, stderr="jls: jail \"nope\" not found\n")
    with pytest.raises(CommandFailedError) as info:
        SubprocessRunner().run(["jls", "-j", "nope"])
    assert "exited 1" in str(info.value) and "not found" in str(info.value)


def test_probe_returns_failure(fp: FakeProcess) -> None:
    fp.register(["jls", "-j", "nope"], returncode=1)
    assert not SubprocessRunner().run(["jls", "-j", "nope"], check=False).ok


def test_missing_program() -> None:
    with pytest.raises(CommandNotFoundError):
        SubprocessRunner().run(["bhyvetpl-no-such-program-xyz"])
