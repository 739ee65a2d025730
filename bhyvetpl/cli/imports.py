"""`bhyvetpl import`: other tools' guest definitions to vm-bhyve guest configs."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from bhyvetpl.cli import options as o
from bhyvetpl.importers.vmrun import import_vmrun
from bhyvetpl.model.paths import local_path
from bhyvetpl.output import write_file
from bhyvetpl.render import render_guest

import_app = typer.Typer(no_args_is_help=True,
                         help="Import guests from other tools' definitions. Nothing is run.")


@import_app.command("vmrun")
def import_vmrun_cmd(
    args: Annotated[list[str], typer.Argument(
        help="vmrun.sh's arguments after `--`: options, then the VM name.")],
    switch: Annotated[str, typer.Option(help="vm-bhyve switch for every tap (-t).")]
    = "public",
    cwd: Annotated[Path | None, typer.Option(
        help="Directory vmrun.sh ran in, to resolve a relative -H (default: this one).")]
    = None,
    release: Annotated[str | None, typer.Option(
        help="FreeBSD release whose vmrun.sh ran the line: its slot layout gives the MACs "
             "(15.0+: disks before taps) [default: before 15.0, taps first].")] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Write here instead of stdout.")] = None,
    force: o.Force = False,
) -> None:
    """Turn a vmrun.sh command line into a vm-bhyve guest config."""
    base = PurePosixPath(local_path("--cwd", cwd or Path.cwd()).as_posix())
    target = local_path("--output", output) if output is not None else None
    imported = import_vmrun(args, switch=switch, cwd=base, release=release)
    text = render_guest(imported.guest)
    for note in imported.notes:
        typer.echo(f"note: {note}", err=True)
    if target is None:
        typer.echo(text, nl=False)
    else:
        write_file(target, text, force)
