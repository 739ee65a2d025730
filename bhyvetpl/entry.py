"""Console entry: import and build only the command asked for.

Typer turns every command's signature into click parameters on each run, and each
command module pulls in its own layers (plans, parsers); building only the command
named on the command line keeps `bhyvetpl render guest` close to bare start-up.
bhyvetpl.cli builds the whole app from the same table, so the two cannot drift.
"""

from __future__ import annotations

import sys
from importlib import import_module

import typer

# name -> (module, attribute): a typer.Typer group, or a command function.
ENTRIES: dict[str, tuple[str, str]] = {
    "render": ("bhyvetpl.cli_render", "render_app"),
    "demo": ("bhyvetpl.cli_render", "demo_cmd"),
    "import": ("bhyvetpl.cli_import", "import_app"),
    "host": ("bhyvetpl.cli_run", "host_app"),
    "jail": ("bhyvetpl.cli_run", "jail_app"),
    "new-guest": ("bhyvetpl.cli_guest", "new_guest"),
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


def main(argv: list[str] | None = None) -> None:
    """Run the command argv names, built alone; anything else goes to the whole app."""
    args = sys.argv[1:] if argv is None else argv
    entry = ENTRIES.get(args[0]) if args else None
    if entry is None:
        from bhyvetpl.cli import app

        app(args=args, prog_name="bhyvetpl")
        return
    target = getattr(import_module(entry[0]), entry[1])
    if isinstance(target, typer.Typer):
        command, used = alone(target, args[1:])
        command(args=args[1 + used:], prog_name=" ".join(["bhyvetpl", *args[:1 + used]]))
    else:
        single = typer.Typer(add_completion=False)
        single.command(args[0])(target)
        single(args=args[1:], prog_name=f"bhyvetpl {args[0]}")
