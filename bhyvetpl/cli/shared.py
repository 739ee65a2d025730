"""Warnings the command modules print (not a command module; errors: cli.boundary)."""

from __future__ import annotations

import typer

from bhyvetpl.model import policy
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.policy import Features


def warn(features: Features) -> None:
    """Print the grants an admin must not miss."""
    for note in policy.warnings(features):
        typer.echo(f"warning: {note}", err=True)


def warn_public_vnc(guest: GuestSpec) -> None:
    """Say so when a guest's VNC listens beyond loopback."""
    if guest.graphics and guest.graphics.listen != "127.0.0.1":
        typer.echo(f"warning: VNC of {guest.name} listens on {guest.graphics.listen}, "
                   "reachable beyond this host", err=True)
