"""A check's outcome and the reader every check gets its readings from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bhyvetpl.adapters.runner import CommandNotFoundError, CommandResult, CommandRunner
from bhyvetpl.hostfs import HostFS, HostFSError

Status = Literal["PASS", "WARN", "FAIL"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of the doctor's table; `fix` is the exact command or file line to apply."""

    check: str
    status: Status
    detail: str
    fix: str = ""


class Reader:
    """Readings through a CommandRunner, and files below a root (`/` on a real host)."""

    def __init__(self, runner: CommandRunner, root: Path) -> None:
        """Remember the runner and the root every file path is read below."""
        self.runner = runner
        self.root = root
        self.fs = HostFS(root)

    def run(self, *argv: str) -> CommandResult:
        """Run a probe; a missing program reads as exit 127 with its message."""
        try:
            return self.runner.run(argv, check=False, timeout=60.0)
        except CommandNotFoundError as err:
            return CommandResult(tuple(argv), 127, "", str(err))

    def file(self, path: str) -> str | None:
        """A host file's text through HostFS, or None when missing, unreadable or refused."""
        try:
            return self.fs.read_text(self.fs.place(path))
        except HostFSError:
            return None
