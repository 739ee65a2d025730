"""Commands that render and commands that run take the same flags."""

from __future__ import annotations

from typing import Any

import pytest
import typer
import typer.core

from bhyvetpl.cli.app import app

HOST_READ = {"release", "iface", "uplink"}
# `file`: new-guest -f adds the guest to a spec after a run; render has nothing to add it to.
RUN_ONLY = {"root", "live", "dry_run", "emit", "prefix", "template", "iso", "install", "start",
            "size", "vm_dir", "vm_dataset", "restart", "file"}


def command(*words: str) -> Any:
    found = typer.main.get_command(app)
    for word in words:
        assert isinstance(found, typer.core.TyperGroup)
        found = found.commands[word]
    return found


def flags(cmd: Any, skip: set[str]) -> dict[str, tuple[tuple[str, ...], object]]:
    return {p.name or "": (tuple(p.opts + p.secondary_opts), p.default) for p in cmd.params
            if p.name not in skip and isinstance(p, typer.core.TyperOption)}


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
    assert {k: v[0] for k, v in render_flags.items()} == {k: v[0] for k, v in run_flags.items()}
    # Running commands ask the host for these (render never reads a host): no default there.
    for name in HOST_READ & set(run_flags):
        assert run_flags.pop(name)[1] is None
        render_flags.pop(name)
    assert render_flags == run_flags
