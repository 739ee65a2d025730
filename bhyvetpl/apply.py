"""Run a plan: the only code that writes host files or calls the runner.

Every step checks its guard first (through the same runner, so the sh script and a
direct run issue the same commands). When a step fails, the files this run wrote
are put back as they were and StepFailedError names the step.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Literal

from bhyvetpl.adapters.runner import CommandResult, CommandRunner
from bhyvetpl.errors import BhyvetplError, ExitCode, RunInterruptedError
from bhyvetpl.hostfs import NEW_FILE_MODE, HostFS, HostFSError, as_bytes
from bhyvetpl.plan.actions import (
    DIR_KEPT,
    REMOVE_KEPT,
    Check,
    CheckRuleset,
    Deferred,
    EditBlock,
    FileProbe,
    Plan,
    Probe,
    RemoveDir,
    RemoveFile,
    RulesProbe,
    RunCommand,
    Step,
    WriteFile,
)
from bhyvetpl.plan.hostfile import RulesetInUseError, new_text, ruleset_clash

Status = Literal["running", "done", "skipped", "unchanged", "passed", "deferred"]
Reporter = Callable[[int, int, Step, Status, str], None]
BACKUP_SUFFIX = ".bhyvetpl.bak"
# A `.bhyvetpl.bak` a write replaced: its path, its bytes before (None: there was none), mode.
_Backup = tuple[Path, bytes | None, int]


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


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise RunInterruptedError(signum)


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM raise RunInterruptedError (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """While inside (a rollback), SIGINT and SIGTERM wait: a second ^C must not cut it short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def check_ruleset(step: CheckRuleset, fs: HostFS) -> None:
    """Raise RulesetInUseError when a foreign ruleset uses the number or the name."""
    clash = ruleset_clash(fs.read_text(step.path) or "", step.number, step.name,
                          f"# BEGIN bhyvetpl {step.owner}", f"# END bhyvetpl {step.owner}")
    if clash is not None:
        raise RulesetInUseError(
            f"{step.path}: `{clash.header}` was not written by bhyvetpl and uses ruleset "
            f"{step.name}={step.number}; pick another, e.g. --ruleset {clash.next_free} "
            "(and a --ruleset-name of your own if the name clashes)")


@dataclass(slots=True)
class _Journal:
    """What this run changed: previous contents to put back, and changed paths.

    Each entry is (path, bytes before, bytes this run left or None if removed, mode,
    the `.bhyvetpl.bak` this write replaced): a rollback puts that backup back too (or
    removes the one it made), so a failed run leaves no backup of a file it restored.
    """

    fs: HostFS
    stack: contextlib.ExitStack
    locked: bool = False
    previous: list[tuple[Path, bytes | None, bytes | None, int, _Backup | None]] = field(
        default_factory=list)
    changed: set[Path] = field(default_factory=set)

    def hold(self) -> None:
        """Take the root's lock before the first step that reads or writes a host file.

        Not earlier: a run that stops at its first check leaves the root untouched.
        """
        if not self.locked:
            self.stack.enter_context(self.fs.lock())
            self.locked = True

    def write(self, path: Path, text: str, backup: bool) -> bool:
        self.fs.sweep(path)   # even when unchanged: a killed run may have left temp files
        current = self.fs.read(path)
        data = as_bytes(text)
        if current is not None and current.data == data:
            return False
        mode = current.mode if current is not None else NEW_FILE_MODE
        backed: _Backup | None = None
        if backup and current is not None:
            bak = path.with_name(path.name + BACKUP_SUFFIX)
            old = self.fs.read(bak)
            backed = (bak, old.data if old else None, old.mode if old else mode)
            self.fs.write(bak, current.data, mode)
        self.previous.append((path, current.data if current else None, data, mode, backed))
        self.fs.write(path, data, mode)
        self.changed.add(path)
        return True

    def remove(self, path: Path, text: str) -> tuple[Status, str]:
        """Remove path when it holds exactly text; keep (and say so) when it differs."""
        current = self.fs.read(path)
        if current is None:
            return "unchanged", "absent"
        if current.data != as_bytes(text):
            return "skipped", REMOVE_KEPT
        self.fs.remove(path)
        self.previous.append((path, current.data, None, current.mode, None))
        self.changed.add(path)
        return "done", ""

    def rollback(self) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
        """Put back each file this run wrote, unless a later step changed it again.

        A file a command rewrote after us (`bastille config` edits jail.conf) keeps
        that command's change: restoring it would silently undo work we did not do.
        Signals wait until the rollback is over.
        """
        restored, kept = [], []
        with _signals_held():
            for path, data, written, mode, backed in reversed(self.previous):
                try:
                    now = self.fs.read(path)
                    if (now.data if now else None) != written:
                        kept.append(path)
                        continue
                    if data is None:
                        self.fs.remove(path)
                    else:
                        self.fs.write(path, data, mode)
                    if backed is not None:
                        self._unbackup(*backed)
                except HostFSError:
                    kept.append(path)   # made a symlink since: never followed, not restored
                    continue
                restored.append(path)
        return tuple(restored), tuple(kept)


    def _unbackup(self, bak: Path, data: bytes | None, mode: int) -> None:
        """The backup as it was before this run: the older one, or none."""
        if data is None:
            self.fs.remove(bak)
        else:
            self.fs.write(bak, data, mode)


def remove_dir(path: Path, fs: HostFS) -> tuple[Status, str]:
    """Remove the directory when it is empty; anything left in it keeps it."""
    if not fs.is_dir(path):
        return "unchanged", "absent"
    if not fs.remove_dir(path):
        return "skipped", DIR_KEPT
    return "done", ""


def probe_done(probe: Probe | RulesProbe, runner: CommandRunner) -> tuple[bool, CommandResult]:
    """Run a probe (never raising on its exit code) and decide."""
    result = runner.run(probe.argv, check=False)
    return probe.done(result.returncode, result.stdout), result


def _guarded(step: RunCommand, runner: CommandRunner, journal: _Journal) -> str | None:
    """The reason to skip the command, or None to run it."""
    if step.after_change is not None and step.after_change not in journal.changed:
        return f"{step.after_change} unchanged"
    guard = step.skip_if
    if isinstance(guard, FileProbe):
        return guard.means if journal.fs.read_text(guard.path) == guard.text else None
    if guard is not None and probe_done(guard, runner)[0]:
        return guard.means
    return None


def _run_step(step: Step, runner: CommandRunner, journal: _Journal) -> tuple[Status, str]:
    fs = journal.fs
    if isinstance(step, Deferred):
        return "deferred", step.because
    if isinstance(step, CheckRuleset | WriteFile | EditBlock | RemoveFile | RemoveDir) or (
            isinstance(step, RunCommand) and isinstance(step.skip_if, FileProbe)):
        journal.hold()
    if isinstance(step, CheckRuleset):
        check_ruleset(step, fs)
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
        text = new_text(step, fs.read_text(step.path))
        changed = journal.write(step.path, text, backup=isinstance(step, EditBlock))
        return ("done", "") if changed else ("unchanged", "")
    if isinstance(step, RemoveFile):
        return journal.remove(step.path, step.text)
    if isinstance(step, RemoveDir):
        return remove_dir(step.path, fs)
    reason = _guarded(step, runner, journal)
    if reason is not None:
        return "skipped", reason
    runner.run(step.argv, check=True, timeout=step.timeout)
    return "done", ""


def apply(plan: Plan, runner: CommandRunner, report: Reporter | None = None) -> tuple[Status, ...]:
    """Run every step in order, holding the root's lock; on failure restore written files.

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
        RunInterruptedError: SIGINT or SIGTERM (exit 130 or 143); files are as before.
        HostFSError: Another run holds the lock, or a symlink below the root.
    """
    with _signals_raise(), contextlib.ExitStack() as stack:
        return _apply(plan, runner, report, _Journal(HostFS(plan.root), stack))


def _apply(plan: Plan, runner: CommandRunner, report: Reporter | None,
           journal: _Journal) -> tuple[Status, ...]:
    statuses: list[Status] = []
    total = len(plan.steps)
    try:
        for index, step in enumerate(plan.steps, start=1):
            if report is not None and isinstance(step, RunCommand):
                report(index, total, step, "running", "")
            try:
                status, note = _run_step(step, runner, journal)
            except BhyvetplError as err:
                restored, kept = journal.rollback()
                if err.exit_code == ExitCode.USAGE and not restored and not kept:
                    raise
                raise StepFailedError(index, total, step, err, restored, kept) from err
            statuses.append(status)
            if report is not None:
                report(index, total, step, status, note)
    except (KeyboardInterrupt, RunInterruptedError):
        journal.rollback()   # an interrupted run leaves the files as they were, too
        raise
    return tuple(statuses)
