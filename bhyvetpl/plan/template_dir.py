"""A template directory of the admin's own (`jail apply --template DIR`): checked, then planned."""

from __future__ import annotations

from pathlib import Path

from bhyvetpl.errors import SpecError
from bhyvetpl.hostfs import digest
from bhyvetpl.model import values
from bhyvetpl.model.paths import local_path, target_path
from bhyvetpl.plan.actions import Plan
from bhyvetpl.plan.build import template_apply_plan


def own_template_plan(name: str, template: Path, root: Path, prefix: str) -> Plan:
    """Apply DIR to jail name: DIR must hold a Bastillefile and have a plain path.

    Raises:
        SpecError: A path or name that is not plain, or no Bastillefile in DIR (exit 2).
    """
    directory = local_path("--template", template)
    # template.sh evals `bastille cp JAIL TEMPLATE_DIR/src dst` on the host: the
    # directory's own path must be as plain as any other value.
    values.abs_path("--template", directory.as_posix())
    host_root, bastille_prefix = local_path("--root", root), target_path("--prefix", prefix)
    if not (directory / "Bastillefile").is_file():
        raise SpecError("--template", str(template), "a directory holding a Bastillefile")
    values.jail_name("jail.name", name)
    return template_apply_plan(name, directory, digest(directory), host_root, bastille_prefix)
