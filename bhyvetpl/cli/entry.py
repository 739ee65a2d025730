"""Console entry: import and build only the command asked for.

Typer turns every command's signature into click parameters on each run, and each
command module pulls in its own layers (plans, parsers); building only the command
named on the command line keeps `bhyvetpl render guest` close to bare start-up.
bhyvetpl.cli.app builds the whole app from the same table (bhyvetpl.cli.commands), so the
two cannot drift; only a bare or unknown command here falls back to the whole app.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import NoReturn

import typer

from bhyvetpl.cli.boundary import DEBUG_FLAG, Command, run
from bhyvetpl.cli.commands import COMMANDS, module_of


def alone(owner: typer.Typer, args: list[str]) -> tuple[typer.Typer, int]:
    """The command of `owner` that args name, alone in a Typer, and the words used."""
    for command in owner.registered_commands if args else ():
        if command.callback and args[0] == (command.name or command.callback.__name__):
            single = typer.Typer(add_completion=False)
            single.registered_commands.append(command)
            return single, 1
    return owner, 0


def build(args: list[str]) -> tuple[Command, int]:
    """The command args name, built alone (else the whole app), and the words it used."""
    if not args or args[0] not in COMMANDS:
        from bhyvetpl.cli.app import app

        return typer.main.get_command(app), 0
    target = getattr(import_module(module_of(args[0])), COMMANDS[args[0]][1])
    if isinstance(target, typer.Typer):
        owner, used = alone(target, args[1:])
        if owner is target:  # no subcommand named: the group itself, as the whole app has it
            # (get_command would make a one-command group that command, so `bhyvetpl host
            # --dry-run` ran `host prepare`; get_group also adds no --install-completion).
            return typer.main.get_group(owner), 1
        return typer.main.get_command(owner), 1 + used
    single = typer.Typer(add_completion=False)
    single.command(args[0])(target)
    return typer.main.get_command(single), 1


def main(argv: list[str] | None = None) -> NoReturn:
    """Run the command argv names through the error boundary, and exit."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = args[:1] == [DEBUG_FLAG]  # the global option: taken off before the command name
    rest = args[1:] if debug else args
    command, used = build(rest)
    run(command, rest[used:], " ".join(["bhyvetpl", *rest[:used]]), debug=debug)
