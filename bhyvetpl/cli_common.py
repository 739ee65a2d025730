"""Helpers every command module shares: error reporting, warnings, file output."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer

from bhyvetpl.errors import BhyvetplError
from bhyvetpl.model import policy
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.policy import Features
from bhyvetpl.output import tree, write_tree
from bhyvetpl.render import RenderedFile

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a BhyvetplError into `error: ...` on stderr and its exit code."""
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except BhyvetplError as err:
            typer.echo(f"error: {err}", err=True)
            raise typer.Exit(int(err.exit_code)) from err
    return wrapper


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
    if guest.graphics and guest.graphics.listen not in ("127.0.0.1", "::1"):
        typer.echo(f"warning: VNC of {guest.name} listens on {guest.graphics.listen}, "
                   "reachable beyond this host", err=True)
