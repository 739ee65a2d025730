"""Error tree and exit codes; only the CLI turns these into process exits."""

from __future__ import annotations

import signal
from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """Process exit codes shared by every command (the README and `--help` list them)."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    CHANGES = 3
    INTERNAL = 70
    INTERRUPTED = 130

    @property
    def meaning(self) -> str:
        """What the status tells a script, as the README and `bhyvetpl --help` say it."""
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.OK: "done",
    ExitCode.FAILURE: "a step or a check failed",
    ExitCode.USAGE: "bad input: nothing was written or run",
    ExitCode.CHANGES: "`bhyvetpl plan` found changes to make",
    ExitCode.INTERNAL: "internal error, a bug in bhyvetpl (EX_SOFTWARE; --debug shows where)",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}


def exit_status_help() -> str:
    """The exit-status table for `bhyvetpl --help`, kept as lines (click rewraps otherwise)."""
    rows = "\n".join(f"  {code.value:<4}{code.meaning}" for code in ExitCode)
    return f"\b\nExit status:\n{rows}"


class BhyvetplError(Exception):
    """Base of every error bhyvetpl reports to the user."""

    exit_code: ClassVar[ExitCode] = ExitCode.FAILURE


class SpecError(BhyvetplError):
    """Invalid input: names the field, the value and the accepted form."""

    exit_code = ExitCode.USAGE

    def __init__(self, field: str, value: object, accepted: str) -> None:
        """Build the one-line message from the field, the value and the accepted form."""
        self.field = field
        self.value = value
        self.accepted = accepted
        super().__init__(f"{field}: {_show(value)} is not accepted; expected {accepted}")


class RunInterruptedError(BaseException):
    """SIGINT or SIGTERM arrived during a run; the files were restored (exit 128 + signal).

    A BaseException, like KeyboardInterrupt, so that no `except BhyvetplError` takes it
    for a failed step.
    """

    def __init__(self, signum: int) -> None:
        """Keep the signal; the exit code is the shell's 128 + N."""
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


class RenderError(BhyvetplError):
    """A template failed to render (a bug in bhyvetpl, not in the input)."""


def _show(value: object) -> str:
    """Show a value on one line, escaped and shortened, so the message stays one line."""
    text = repr(value) if isinstance(value, str) else repr(str(value))
    return text if len(text) <= 72 else text[:60] + "...'" + f" ({len(str(value))} chars)"
