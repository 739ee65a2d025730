"""The one table of commands: name -> (module, attribute), read by the entry and the app.

Neither imports the other: bhyvetpl.cli.entry builds only the command named from this
table (for start-up speed), bhyvetpl.cli.app builds all of them. A command module
(bhyvetpl.cli.<module>) imports no other command module; tests/test_cli_layout.py holds that.
"""

from __future__ import annotations

PACKAGE = "bhyvetpl.cli"

# name -> (module below bhyvetpl.cli, attribute): a typer.Typer group, or a command function.
COMMANDS: dict[str, tuple[str, str]] = {
    "plan": ("spec", "plan_cmd"),
    "apply": ("spec", "apply_cmd"),
    "init": ("spec", "init_cmd"),
    "render": ("render", "render_app"),
    "demo": ("demo", "demo_cmd"),
    "import": ("imports", "import_app"),
    "host": ("host", "host_app"),
    "jail": ("jail", "jail_app"),
    "new-guest": ("guest", "new_guest_cmd"),
    "lint": ("check", "lint_cmd"),
    "doctor": ("check", "doctor_cmd"),
    "audit": ("check", "audit_cmd"),
    "facts": ("facts", "facts_cmd"),
    "schema": ("schema", "schema_cmd"),
    "bastille-plugin": ("plugin", "plugin_app"),
    "templates": ("templates", "templates_app"),
    "completion": ("completion", "completion_cmd"),
}


def module_of(name: str) -> str:
    """The importable module holding command name."""
    return f"{PACKAGE}.{COMMANDS[name][0]}"
