"""`bhyvetpl bastille-plugin install|uninstall`: bhyvetpl as `bastille plugin bhyvetpl ...`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.cli.options import DryRun, Emit, Root
from bhyvetpl.model.paths import local_path
from bhyvetpl.plan.plugin import (
    BASTILLE_CONF,
    has_plugin_sh,
    plugin_install_plan,
    plugin_uninstall_plan,
    resolve_sharedir,
)
from bhyvetpl.render import PLUGIN_MIN_BASTILLE
from bhyvetpl.run import run_plan

plugin_app = typer.Typer(no_args_is_help=True, help=(
    "Install bhyvetpl as a Bastille plugin. Then `bastille plugin bhyvetpl COMMAND ...` "
    "runs `bhyvetpl COMMAND ...` (Bastille 1.5.0+)."))

Sharedir = Annotated[str | None, typer.Option(
    help=f"bastille_sharedir (default: as {BASTILLE_CONF} sets it, else "
         "/usr/local/share/bastille).")]


@plugin_app.command("install")
def install_cmd(sharedir: Sharedir = None, root: Root = Path("/"), dry_run: DryRun = False,
                emit: Emit = None) -> None:
    """Install the plugin: ${bastille_sharedir}/plugins/bhyvetpl. One shim a command."""
    root = local_path("--root", root)
    share = resolve_sharedir(sharedir, root)
    if not has_plugin_sh(share, root):
        typer.echo(f"warning: {share} has no plugin.sh: `bastille plugin` needs a Bastille "
                   f"with plugins (master after {PLUGIN_MIN_BASTILLE}; it reports "
                   f"{PLUGIN_MIN_BASTILLE})", err=True)
    run_plan(plugin_install_plan(share, root), dry_run, emit)


@plugin_app.command("uninstall")
def uninstall_cmd(sharedir: Sharedir = None, root: Root = Path("/"), dry_run: DryRun = False,
                  emit: Emit = None) -> None:
    """Remove the plugin. The files install wrote (an edited one stays), the directory if empty."""
    root = local_path("--root", root)
    run_plan(plugin_uninstall_plan(resolve_sharedir(sharedir, root), root), dry_run, emit)
