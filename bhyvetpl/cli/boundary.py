"""The one place where an error becomes a line on stderr and an exit status.

bhyvetpl.cli.entry.main (one command, built alone) and the whole app (BoundaryGroup, which
CliRunner drives in the tests) both run through run(). It parses and invokes the command
itself rather than through click's main, so every exception reaches it unformatted:
no rich panel, no "Aborted!", and one table of exit statuses (bhyvetpl.errors.ExitCode).
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn, Protocol

import typer
import typer.core

from bhyvetpl.cli import typer_compat
from bhyvetpl.cli.examples import add_examples
from bhyvetpl.errors import BhyvetplError, ExitCode, RunInterruptedError

DEBUG_FLAG = "--debug"
DEBUG_ENV = "BHYVETPL_DEBUG"
# As the base tools say it (`sysrc: unknown variable`): the program, then the one line.
PREFIX = "bhyvetpl: error: "


class Command(Protocol):
    """What run() needs of a click command (click's own, or the copy newer typer carries)."""

    def make_context(self, info_name: str | None, args: list[str]) -> Any:
        """Parse args into a context (raises click's UsageError on bad usage)."""

    def invoke(self, ctx: Any) -> Any:
        """Run the command the context names."""


def run(command: Command, args: Sequence[str], prog_name: str, *, debug: bool = False) -> NoReturn:
    """Parse args, run the command, and exit with the status its outcome maps to.

    debug (`bhyvetpl --debug ...`, or BHYVETPL_DEBUG=1) prints the traceback of an error.
    """
    debug = debug or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    typer_compat.prepare(command)
    add_examples(command, prog_name)
    try:
        with command.make_context(prog_name, list(args)) as ctx:
            command.invoke(ctx)
        code = int(ExitCode.OK)
    except typer.Exit as done:  # --help, or a command's own status
        code = done.exit_code
    except RunInterruptedError as stop:  # SIGINT/SIGTERM inside apply: files restored
        _error(f"{stop}; the files this run changed were put back")
        code = stop.exit_code
    except KeyboardInterrupt:
        _error("interrupted")
        code = ExitCode.INTERRUPTED
    except typer.Abort:
        _error("aborted")
        code = ExitCode.FAILURE
    except typer_compat.USAGE_ERROR as err:
        code = _usage(err, prog_name)
    except typer_compat.CLICK_ERROR as err:  # e.g. a file option that cannot be opened
        _error(getattr(err, "format_message", err.__str__)())
        code = getattr(err, "exit_code", ExitCode.FAILURE)
    except BhyvetplError as err:
        if debug:
            traceback.print_exc()
        _error(str(err))
        code = err.exit_code
    except BrokenPipeError:  # `bhyvetpl ... | head`: the reader left; say nothing more
        _drop_stdout()
        code = ExitCode.FAILURE
    except Exception as err:  # the one boundary: anything else is a bug
        if debug:
            traceback.print_exc()
        message = " ".join(str(err).split())
        _error(f"internal error: {type(err).__name__}: {message} "
               f"(run again with {DEBUG_FLAG} for the traceback)")
        code = ExitCode.INTERNAL
    sys.exit(int(code))


def _usage(err: Exception, prog_name: str) -> int:
    """One line naming the mistake and the help to read, exit 2; a bare group shows its help."""
    ctx = getattr(err, "ctx", None)
    if type(err).__name__ == "NoArgsIsHelpError" and ctx is not None:
        typer.echo(ctx.get_help())  # a bare `bhyvetpl render` asks for its help, as before
        return ExitCode.OK
    text = " ".join(getattr(err, "format_message", err.__str__)().split()).rstrip(".")
    if text[1:2].islower():
        text = text[:1].lower() + text[1:]
    path = ctx.command_path if ctx is not None else prog_name
    _error(f"{text} (see {path} --help)")
    return ExitCode.USAGE


def _error(message: str) -> None:
    """The one error line: plain text (no colour, no panel) on stderr, a terminal or not."""
    typer.echo(PREFIX + message, err=True, color=False)


def _drop_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class BoundaryGroup(typer.core.TyperGroup):
    """The whole app's group: its main() is run(), whoever calls it (the console, CliRunner)."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        """Run through the boundary; a caller that handles errors itself gets click's main."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode,
                                windows_expand_args, **extra)
        words = list(sys.argv[1:] if args is None else args)
        run(self, words, prog_name or "bhyvetpl", debug=words[:1] == [DEBUG_FLAG])
