"""Console entry: import and build only the command asked for.

Typer turns every command's signature into click parameters on each run, and each
command module pulls in its own layers (plans, parsers); building only the command
named on the command line keeps `bhyvetpl render guest` close to bare start-up.
bhyvetpl.cli builds the whole app from the same table, so the two cannot drift.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import NoReturn

import typer

from bhyvetpl.cli_boundary import DEBUG_FLAG, Command, run

# name -> (module, attribute): a typer.Typer group, or a command function.
ENTRIES: dict[str, tuple[str, str]] = {
    "render": ("bhyvetpl.cli_render", "render_app"),
    "demo": ("bhyvetpl.cli_render", "demo_cmd"),
    "import": ("bhyvetpl.cli_import", "import_app"),
    "host": ("bhyvetpl.cli_run", "host_app"),
    "jail": ("bhyvetpl.cli_run", "jail_app"),
    "new-guest": ("bhyvetpl.cli_guest", "new_guest_cmd"),
    "lint": ("bhyvetpl.cli_check", "lint_cmd"),
    "doctor": ("bhyvetpl.cli_check", "doctor_cmd"),
    "bastille-plugin": ("bhyvetpl.cli_plugin", "plugin_app"),
    "templates": ("bhyvetpl.cli_templates", "templates_app"),
}


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
    entry = ENTRIES.get(args[0]) if args else None
    if entry is None:
        from bhyvetpl.cli import app

        return typer.main.get_command(app), 0
    target = getattr(import_module(entry[0]), entry[1])
    if isinstance(target, typer.Typer):
        owner, used = alone(target, args[1:])
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
