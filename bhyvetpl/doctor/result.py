"""A check's outcome and the reader every check gets its readings from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bhyvetpl.adapters.runner import CommandNotFoundError, CommandResult, CommandRunner

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

    def run(self, *argv: str) -> CommandResult:
        """Run a probe; a missing program reads as exit 127 with its message."""
        try:
            return self.runner.run(argv, check=False, timeout=60.0)
        except CommandNotFoundError as err:
            return CommandResult(tuple(argv), 127, "", str(err))

    def path(self, path: str) -> Path:
        """Where an absolute host path lives below the root."""
        return self.root.joinpath(path.lstrip("/"))

    def file(self, path: str) -> str | None:
        """A host file's text, or None when it is missing or unreadable."""
        try:
            return self.path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
