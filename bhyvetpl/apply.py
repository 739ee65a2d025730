"""Run a plan: the only code that writes host files or calls the runner.

Every step checks its guard first (through the same runner, so the sh script and a
direct run issue the same commands). When a step fails, the files this run wrote
are put back as they were and StepFailedError names the step.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bhyvetpl.adapters.runner import CommandResult, CommandRunner
from bhyvetpl.errors import BhyvetplError, ExitCode
from bhyvetpl.output import BYTES_AS_IS, OutputError, write_atomic
from bhyvetpl.plan.actions import (
    DIR_KEPT,
    REMOVE_KEPT,
    Check,
    CheckRuleset,
    EditBlock,
    FileProbe,
    Plan,
    Probe,
    RemoveDir,
    RemoveFile,
    RunCommand,
    Step,
    WriteFile,
)
from bhyvetpl.plan.hostfile import RulesetInUseError, replace_block, ruleset_clash

Status = Literal["running", "done", "skipped", "unchanged", "passed"]
Reporter = Callable[[int, int, Step, Status, str], None]
NEW_FILE_MODE = 0o644
BACKUP_SUFFIX = ".bhyvetpl.bak"


class CheckFailedError(BhyvetplError):
    """A check step found the host or jail not ready."""


class StepFailedError(BhyvetplError):
    """Step k of a plan failed; the files this run touched were restored."""

    def __init__(self, index: int, total: int, step: Step, cause: BhyvetplError,
                 restored: tuple[Path, ...], kept: tuple[Path, ...] = ()) -> None:
        """Name the step and keep the cause (argv, exit code, stderr tail)."""
        self.index = index
        self.cause = cause
        note = ("\nrestored: " + ", ".join(map(str, restored))) if restored else ""
        note += ("\nnot restored, changed by a later step: " + ", ".join(map(str, kept))
                 if kept else "")
        super().__init__(f"step {index}/{total} ({step.where}: {step.what}) failed: "
                         f"{cause}{note}")


def read_text(path: Path) -> str | None:
    """The file's text, or None when it does not exist."""
    try:
        return path.read_text(encoding="utf-8", errors=BYTES_AS_IS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from exc


def tree_digest(directory: Path) -> str:
    """A sha256 over every file below directory (names and bytes), for template stamps."""
    digest = hashlib.sha256()
    try:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(directory)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    except OSError as exc:
        raise OutputError(f"cannot read {directory}: {exc.strerror or exc}") from exc
    return digest.hexdigest()


def new_text(step: WriteFile | EditBlock, current: str | None) -> str:
    """What the file holds after the step (pure; dry-run diffs use it too)."""
    if isinstance(step, WriteFile):
        return step.text
    return replace_block(current or "", step.block, step.begin, step.end, step.anchor,
                         str(step.path))


def check_ruleset(step: CheckRuleset) -> None:
    """Raise RulesetInUseError when a foreign ruleset uses the number or the name."""
    clash = ruleset_clash(read_text(step.path) or "", step.number, step.name,
                          f"# BEGIN bhyvetpl {step.owner}", f"# END bhyvetpl {step.owner}")
    if clash is not None:
        raise RulesetInUseError(
            f"{step.path}: `{clash.header}` was not written by bhyvetpl and uses ruleset "
            f"{step.name}={step.number}; pick another, e.g. --ruleset {clash.next_free} "
            "(and a --ruleset-name of your own if the name clashes)")


@dataclass(slots=True)
class _Journal:
    """What this run changed: previous contents to put back, and changed paths.

    Each entry is (path, text before, text this run left or None if removed, mode).
    """

    previous: list[tuple[Path, str | None, str | None, int]] = field(default_factory=list)
    changed: set[Path] = field(default_factory=set)

    def write(self, path: Path, text: str, backup: bool) -> bool:
        current = read_text(path)
        if current == text:
            return False
        mode = stat.S_IMODE(path.stat().st_mode) if current is not None else NEW_FILE_MODE
        if backup and current is not None:
            write_atomic(path.with_name(path.name + BACKUP_SUFFIX), current, mode)
        self.previous.append((path, current, text, mode))
        write_atomic(path, text, mode)
        self.changed.add(path)
        return True

    def remove(self, path: Path, text: str) -> tuple[Status, str]:
        """Remove path when it holds exactly text; keep (and say so) when it differs."""
        current = read_text(path)
        if current is None:
            return "unchanged", "absent"
        if current != text:
            return "skipped", REMOVE_KEPT
        mode = stat.S_IMODE(path.stat().st_mode)
        try:
            path.unlink()
        except OSError as exc:
            raise OutputError(f"cannot remove {path}: {exc.strerror or exc}") from exc
        self.previous.append((path, current, None, mode))
        self.changed.add(path)
        return "done", ""

    def rollback(self) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
        """Put back each file this run wrote, unless a later step changed it again.

        A file a command rewrote after us (`bastille config` edits jail.conf) keeps
        that command's change: restoring it would silently undo work we did not do.
        """
        restored, kept = [], []
        for path, text, written, mode in reversed(self.previous):
            if read_text(path) != written:
                kept.append(path)
            elif text is None:
                path.unlink(missing_ok=True)
                restored.append(path)
            else:
                write_atomic(path, text, mode)
                restored.append(path)
        return tuple(restored), tuple(kept)


def remove_dir(path: Path) -> tuple[Status, str]:
    """Remove the directory when it is empty; anything left in it keeps it."""
    if not path.is_dir():
        return "unchanged", "absent"
    try:
        if any(path.iterdir()):
            return "skipped", DIR_KEPT
        path.rmdir()
    except OSError as exc:
        raise OutputError(f"cannot remove {path}: {exc.strerror or exc}") from exc
    return "done", ""


def probe_done(probe: Probe, runner: CommandRunner) -> tuple[bool, CommandResult]:
    """Run a probe (never raising on its exit code) and decide."""
    result = runner.run(probe.argv, check=False)
    return probe.done(result.returncode, result.stdout), result


def _guarded(step: RunCommand, runner: CommandRunner, journal: _Journal) -> str | None:
    """The reason to skip the command, or None to run it."""
    if step.after_change is not None and step.after_change not in journal.changed:
        return f"{step.after_change} unchanged"
    guard = step.skip_if
    if isinstance(guard, FileProbe):
        return guard.means if read_text(guard.path) == guard.text else None
    if guard is not None and probe_done(guard, runner)[0]:
        return guard.means
    return None


def _run_step(step: Step, runner: CommandRunner, journal: _Journal) -> tuple[Status, str]:
    if isinstance(step, CheckRuleset):
        check_ruleset(step)
        return "passed", ""
    if isinstance(step, Check):
        done, result = probe_done(step.probe, runner)
        if not done:
            tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-8:])
            raise CheckFailedError(f"`{' '.join(step.probe.argv)}` exited "
                                   f"{result.returncode}: not true that {step.probe.means}; "
                                   f"{step.fix}" + (f"\n{tail}" if tail else ""))
        return "passed", ""
    if isinstance(step, WriteFile | EditBlock):
        text = new_text(step, read_text(step.path))
        changed = journal.write(step.path, text, backup=isinstance(step, EditBlock))
        return ("done", "") if changed else ("unchanged", "")
    if isinstance(step, RemoveFile):
        return journal.remove(step.path, step.text)
    if isinstance(step, RemoveDir):
        return remove_dir(step.path)
    reason = _guarded(step, runner, journal)
    if reason is not None:
        return "skipped", reason
    runner.run(step.argv, check=True, timeout=step.timeout)
    return "done", ""


def apply(plan: Plan, runner: CommandRunner, report: Reporter | None = None) -> tuple[Status, ...]:
    """Run every step in order; stop at the first failure and restore written files.

    Args:
        plan: The steps.
        runner: Starts the processes (SubprocessRunner, or a fake in tests).
        report: Called with (k, n, step, status, note): "running" before a command
            starts (long ones, pkg install or vm install, take minutes), then after each
            step with how it ended.

    Returns:
        The status of each step.

    Raises:
        StepFailedError: A step failed (exit 1); files are as before the run.
        RulesetInUseError: The ruleset is taken (exit 2); nothing was written.
    """
    journal = _Journal()
    statuses: list[Status] = []
    total = len(plan.steps)
    for index, step in enumerate(plan.steps, start=1):
        if report is not None and isinstance(step, RunCommand):
            report(index, total, step, "running", "")
        try:
            status, note = _run_step(step, runner, journal)
        except KeyboardInterrupt:
            journal.rollback()   # an interrupted run leaves the files as they were, too
            raise
        except BhyvetplError as err:
            restored, kept = journal.rollback()
            if err.exit_code == ExitCode.USAGE and not restored and not kept:
                raise
            raise StepFailedError(index, total, step, err, restored, kept) from err
        statuses.append(status)
        if report is not None:
            report(index, total, step, status, note)
    return tuple(statuses)
