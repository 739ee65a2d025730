"""apply: guards through the runner, atomic writes with backups, rollback on failure."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bhyvetpl.adapters.runner import DEFAULT_TIMEOUT, CommandFailedError, CommandResult
from bhyvetpl.apply import StepFailedError, apply
from bhyvetpl.plan.actions import EditBlock, FileProbe, Plan, Probe, RunCommand, WriteFile


class FakeRunner:
    """Records argv; answers from a table of argv -> (returncode, stdout)."""

    def __init__(self, answers: dict[tuple[str, ...], tuple[int, str]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, ...]] = []

    def run(self, argv: Sequence[str], *, check: bool = True,
            timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        assert timeout > 0
        key = tuple(argv)
        self.calls.append(key)
        code, out = self.answers.get(key, (0, ""))
        result = CommandResult(key, code, out, "boom\n" if code else "")
        if check and code:
            raise CommandFailedError(result)
        return result


BEGIN = "# BEGIN bhyvetpl web"


def block(body: str) -> str:
    return f"{BEGIN}\n{body}\n# END bhyvetpl web\n"


def plan_for(tmp_path: Path, fail_last: bool = False) -> tuple[Plan, FakeRunner]:
    conf = tmp_path / "etc/rc.conf"
    steps = (
        EditBlock(conf, block('vm_enable="YES"'), "web"),
        WriteFile(tmp_path / "new/file.conf", "x=1\n"),
        RunCommand(("kldload", "-n", "vmm"), skip_if=Probe(("kldstat", "-q", "-n", "vmm"))),
        RunCommand(("service", "devfs", "restart"), after_change=conf),
        RunCommand(("bastille", "template", "web", "t"),
                   skip_if=FileProbe(tmp_path / "stamp", "v1\n")),
    )
    answers: dict[tuple[str, ...], tuple[int, str]] = {("kldstat", "-q", "-n", "vmm"): (1, "")}
    if fail_last:
        answers[("bastille", "template", "web", "t")] = (1, "")
    return Plan("test", steps, root=tmp_path), FakeRunner(answers)


def test_first_run_then_nothing_to_do(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/rc.conf").write_text("hostname=x\n")
    (tmp_path / "etc/rc.conf").chmod(0o640)
    plan, runner = plan_for(tmp_path)
    assert apply(plan, runner) == ("done", "done", "done", "done", "done")
    assert runner.calls == [("kldstat", "-q", "-n", "vmm"), ("kldload", "-n", "vmm"),
                            ("service", "devfs", "restart"), ("bastille", "template", "web", "t")]
    assert (tmp_path / "etc/rc.conf").read_text() == "hostname=x\n" + block('vm_enable="YES"')
    assert (tmp_path / "etc/rc.conf").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "new/file.conf").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "etc/rc.conf.bhyvetpl.bak").read_text() == "hostname=x\n"
    (tmp_path / "stamp").write_text("v1\n")
    plan, runner = plan_for(tmp_path)
    runner.answers[("kldstat", "-q", "-n", "vmm")] = (0, "")
    assert apply(plan, runner) == ("unchanged", "unchanged", "skipped", "skipped", "skipped")
    assert runner.calls == [("kldstat", "-q", "-n", "vmm")]


def test_failure_restores_every_file(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/rc.conf").write_text("hostname=x\n")
    plan, runner = plan_for(tmp_path, fail_last=True)
    with pytest.raises(StepFailedError) as info:
        apply(plan, runner)
    message = str(info.value)
    assert message.startswith("step 5/5 (host: bastille template web t")
    assert "exited 1" in message and "boom" in message and "restored:" in message
    assert (tmp_path / "etc/rc.conf").read_text() == "hostname=x\n"
    assert not (tmp_path / "new/file.conf").exists()


class InterruptingRunner(FakeRunner):
    def run(self, argv: Sequence[str], *, check: bool = True,
            timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        if argv[0] == "service":
            raise KeyboardInterrupt
        return super().run(argv, check=check, timeout=timeout)


def test_interrupt_restores_every_file(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/rc.conf").write_text("hostname=x\n")
    plan, runner = plan_for(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        apply(plan, InterruptingRunner(runner.answers))
    assert (tmp_path / "etc/rc.conf").read_text() == "hostname=x\n"
    assert not (tmp_path / "new/file.conf").exists()


class ConfigEditingRunner(FakeRunner):
    """`bastille template` rewrites rc.conf after our edit, as `bastille config` does."""

    def __init__(self, answers: dict[tuple[str, ...], tuple[int, str]], conf: Path) -> None:
        super().__init__(answers)
        self.conf = conf

    def run(self, argv: Sequence[str], *, check: bool = True,
            timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        if argv[:2] == ("bastille", "template"):
            self.conf.write_text(self.conf.read_text() + "set_by_command=1\n")
        return super().run(argv, check=check, timeout=timeout)


def test_rollback_keeps_a_file_a_later_command_changed(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    conf = tmp_path / "etc/rc.conf"
    conf.write_text("hostname=x\n")
    plan, runner = plan_for(tmp_path, fail_last=True)
    with pytest.raises(StepFailedError) as info:
        apply(plan, ConfigEditingRunner(runner.answers, conf))
    assert conf.read_text().endswith("set_by_command=1\n")
    assert f"not restored, changed by a later step: {conf}" in str(info.value)
    assert not (tmp_path / "new/file.conf").exists()


def test_a_rollback_leaves_no_backup_and_keeps_an_older_one(tmp_path: Path) -> None:
    """Issue 11: a failed run puts back the file and its previous `.bhyvetpl.bak` (or none)."""
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/rc.conf").write_text("hostname=x\n")
    (tmp_path / "boot").mkdir()
    (tmp_path / "boot/loader.conf").write_text("a=1\n")
    (tmp_path / "boot/loader.conf.bhyvetpl.bak").write_text("older\n")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    steps = (EditBlock(tmp_path / "etc/rc.conf", 'vm_enable="YES"\n', "web"),
             EditBlock(tmp_path / "boot/loader.conf", 'vmm_load="YES"\n', "web"),
             RunCommand(("false",), why="fails"))
    runner = FakeRunner({("false",): (1, "")})
    with pytest.raises(StepFailedError):
        apply(Plan("t", steps, root=tmp_path), runner)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
