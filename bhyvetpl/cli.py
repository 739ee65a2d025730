"""The whole command line, assembled from the command modules listed in bhyvetpl.entry."""

from __future__ import annotations

from importlib import import_module

import typer

from bhyvetpl.entry import ENTRIES
from bhyvetpl.errors import ExitCode

app = typer.Typer(
    add_completion=False, no_args_is_help=True,
    help="Run bhyve guests inside FreeBSD jails, with the least privilege that works.")
for _name, (_module, _attr) in ENTRIES.items():
    _command = getattr(import_module(_module), _attr)
    if isinstance(_command, typer.Typer):
        app.add_typer(_command, name=_name)
    else:
        app.command(_name)(_command)


def main() -> None:
    """Run the whole app (bhyvetpl.entry.main is the faster console entry)."""
    app(prog_name="bhyvetpl")


__all__ = ["ExitCode", "app", "main"]
