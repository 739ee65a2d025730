"""`bhyvetpl facts`: what one read-only pass finds on the host, for people or as JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.record import dumps
from bhyvetpl.facts.source import host_facts, recorded_facts
from bhyvetpl.facts.summary import summary


def facts_cmd(
    json_out: Annotated[bool, typer.Option(
        "--json", help="Print the facts as JSON (what --load reads back).")] = False,
    root: Annotated[Path | None, typer.Option(
        help="Where / is: host files are read below it (default /).")] = None,
    load: Annotated[Path | None, typer.Option(
        help="Read facts recorded by `bhyvetpl facts --json` instead of the host.")] = None,
) -> None:
    """Show what bhyvetpl reads of the host. One read: 13 commands, then files."""
    if load is not None and root is not None:
        raise SpecError("--root", str(root), "no --root with --load (the file is the host)")
    facts = recorded_facts(load) if load is not None else host_facts(root or Path("/"))
    typer.echo(dumps(facts) if json_out else summary(facts), nl=False)
