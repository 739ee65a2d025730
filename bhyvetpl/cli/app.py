"""The whole command line, every command of bhyvetpl.cli.commands in one Typer app."""

from __future__ import annotations

from importlib import import_module
from typing import Annotated

import typer

from bhyvetpl import __version__
from bhyvetpl.cli.boundary import DEBUG_ENV, DEBUG_FLAG, BoundaryGroup
from bhyvetpl.cli.commands import COMMANDS, module_of
from bhyvetpl.errors import ExitCode, exit_status_help

app = typer.Typer(
    cls=BoundaryGroup, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
    pretty_exceptions_enable=False, epilog=exit_status_help(),
    help="Run bhyve guests inside FreeBSD jails, with the least privilege that works.")


def _version(asked: bool) -> None:
    """`bhyvetpl --version` (tests/test_packaging.py holds it to pyproject's and the port's)."""
    if asked:
        typer.echo(f"bhyvetpl {__version__}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def root(debug: Annotated[bool, typer.Option(
        DEBUG_FLAG, help=f"Show the traceback of an error (or set {DEBUG_ENV}=1).")] = False,
         version: Annotated[bool, typer.Option(
             "--version", is_eager=True, callback=_version,
             help="Print bhyvetpl's version and exit.")] = False,
         ) -> None:
    """Options before the command name (the boundary has read --debug from argv already)."""
    del debug, version


for _name, (_module, _attr) in COMMANDS.items():
    _command = getattr(import_module(module_of(_name)), _attr)
    if isinstance(_command, typer.Typer):
        app.add_typer(_command, name=_name)
    else:
        app.command(_name)(_command)


def main() -> None:
    """Run the whole app (bhyvetpl.cli.entry.main is the faster console entry)."""
    app(prog_name="bhyvetpl")


__all__ = ["ExitCode", "app", "main"]
