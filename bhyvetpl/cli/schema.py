"""`bhyvetpl schema`: the JSON Schema of the spec file, for editors and CI."""

from __future__ import annotations

import typer

from bhyvetpl.spec.schema import schema_json


def schema_cmd() -> None:
    """Print the JSON Schema (draft 2020-12) of the spec file."""
    typer.echo(schema_json(), nl=False)
