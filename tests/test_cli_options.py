"""Commands that render and commands that run take the same flags."""

from __future__ import annotations

import click
import pytest
import typer

from bhyvetpl.cli import app

RUN_ONLY = {"root", "dry_run", "emit", "prefix", "template", "iso", "install", "start",
            "size", "vm_dir", "vm_dataset"}


def command(*words: str) -> click.Command:
    group = typer.main.get_command(app)
    ctx = click.Context(group)
    found: click.Command | None = group
    for word in words:
        assert isinstance(found, click.Group)
        found = found.get_command(ctx, word)
    assert found is not None
    return found


def flags(cmd: click.Command, skip: set[str]) -> dict[str, tuple[tuple[str, ...], object]]:
    return {p.name or "": (tuple(p.opts + p.secondary_opts), p.default) for p in cmd.params
            if p.name not in skip and isinstance(p, click.Option)}


@pytest.mark.parametrize(("render", "run"), [
    (("render", "guest"), ("new-guest",)),
    (("render", "jail"), ("jail", "create")),
    (("render", "jail"), ("jail", "apply")),
    (("render", "host"), ("host", "prepare")),
])
def test_render_and_run_take_the_same_flags(render: tuple[str, ...],
                                            run: tuple[str, ...]) -> None:
    render_flags = flags(command(*render), {"output", "force"})
    run_flags = flags(command(*run), RUN_ONLY - set(render_flags))
    assert render_flags == run_flags
