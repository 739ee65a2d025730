"""Helpers the command modules share: warnings and file output (errors: cli_boundary)."""

from __future__ import annotations

from pathlib import Path

import typer

from bhyvetpl.model import policy
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.policy import Features
from bhyvetpl.output import tree, write_tree
from bhyvetpl.render import RenderedFile


def warn(features: Features) -> None:
    """Print the grants an admin must not miss."""
    for note in policy.warnings(features):
        typer.echo(f"warning: {note}", err=True)


def emit(files: tuple[RenderedFile, ...], out: Path | None) -> None:
    """Print the files with a header each, or write them below out."""
    if out is None:
        for rendered in files:
            typer.echo(f"==> {rendered.relpath} <==")
            typer.echo(rendered.text, nl=False)
        return
    written = write_tree(out, files)
    typer.echo(tree(out, written), err=True)


def warn_public_vnc(guest: GuestSpec) -> None:
    """Say so when a guest's VNC listens beyond loopback."""
    if guest.graphics and guest.graphics.listen != "127.0.0.1":
        typer.echo(f"warning: VNC of {guest.name} listens on {guest.graphics.listen}, "
                   "reachable beyond this host", err=True)
