"""The only place bhyvetpl starts a process: argv lists, PATH lookup, timeouts, captured output."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bhyvetpl.errors import BhyvetplError

DEFAULT_TIMEOUT = 600.0


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What a finished command left: its argv, exit code and captured output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        """Exit code 0."""
        return self.returncode == 0


class CommandNotFoundError(BhyvetplError):
    """The program is not on PATH."""

    def __init__(self, argv: Sequence[str]) -> None:
        """Name the missing program."""
        self.argv = tuple(argv)
        super().__init__(f"{argv[0]}: command not found on PATH (needed for: {shlex.join(argv)})")


class CommandFailedError(BhyvetplError):
    """A command exited non-zero (or timed out); keeps argv, code and stderr."""

    def __init__(self, result: CommandResult, note: str = "") -> None:
        """Show the argv, the exit code and the tail of stderr."""
        self.result = result
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-8:])
        super().__init__(f"`{shlex.join(result.argv)}` exited {result.returncode}"
                         + (f" ({note})" if note else "") + (f":\n{tail}" if tail else ""))


class CommandRunner(Protocol):
    """Runs one argv; `check=False` returns failures instead of raising (for probes)."""

    def run(self, argv: Sequence[str], *, check: bool = True,
            timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        """Run argv to completion."""
        ...


class SubprocessRunner:
    """CommandRunner on subprocess.run: never a shell, always an argv list."""

    def run(self, argv: Sequence[str], *, check: bool = True,
            timeout: float = DEFAULT_TIMEOUT) -> CommandResult:
        """Run argv, capture its output, raise CommandFailedError on non-zero if check."""
        args = [str(a) for a in argv]
        try:
            proc = subprocess.run(args, capture_output=True, text=True, check=False,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except FileNotFoundError as exc:
            raise CommandNotFoundError(args) from exc
        except subprocess.TimeoutExpired as exc:
            result = CommandResult(tuple(args), 124, _text(exc.stdout), _text(exc.stderr))
            raise CommandFailedError(result, f"timed out after {timeout:g}s") from exc
        result = CommandResult(tuple(args), proc.returncode, proc.stdout, proc.stderr)
        if check and not result.ok:
            raise CommandFailedError(result)
        return result


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data
