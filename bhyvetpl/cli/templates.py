"""`bhyvetpl templates install|list`: preset templates for plain `vm create -t bhyvetpl-P`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.cli.options import DryRun, Emit, Live, Prefix, Root
from bhyvetpl.model.preset import PRESETS
from bhyvetpl.output import table
from bhyvetpl.plan.build import BASTILLE_PREFIX
from bhyvetpl.plan.templates import (
    preset_files,
    template_rows,
    templates_install_plan,
    templates_target,
)
from bhyvetpl.run import run_plan

templates_app = typer.Typer(no_args_is_help=True, help=(
    "vm-bhyve templates of the presets. bhyvetpl's presets as "
    "$vm_dir/.templates/bhyvetpl-PRESET.conf, "
    "for plain `vm create -t bhyvetpl-PRESET -s SIZE NAME`."))

Jail = Annotated[str | None, typer.Option(help="Install into this Bastille jail's vm_dir.")]
ListJail = Annotated[str | None, typer.Option("--jail", help="Read this Bastille jail's vm_dir.")]
VmDir = Annotated[str | None, typer.Option(
    help="vm-bhyve's vm_dir: in the jail with --jail (default /vms there), else on this "
         "host (required without --jail).")]
VmDataset = Annotated[str | None, typer.Option(help="ZFS dataset of the jail's vm_dir.")]
Switch = Annotated[str, typer.Option(help="Switch of the templates' NIC.")]
HostTap = Annotated[str | None, typer.Option(
    "--host-tap", help="The host-made tap (tapN) of the templates' NIC: needed in a "
    "shared-IP jail, which cannot create vm-bhyve switches.")]
Presets = Annotated[list[str] | None, typer.Option(
    "--preset", help="Preset (repeat for more; default: all of "
                     + ", ".join(PRESETS) + ").")]


@templates_app.command("install")
def install_cmd(
    jail: Jail = None, vm_dir: VmDir = None, vm_dataset: VmDataset = None,
    preset: Presets = None, switch: Switch = "public", host_tap: HostTap = None,
    prefix: Prefix = str(BASTILLE_PREFIX), root: Root = Path("/"), dry_run: DryRun = False,
    emit: Emit = None, live: Live = False,
) -> None:
    """Write a template for each preset. $vm_dir/.templates/bhyvetpl-PRESET.conf; unchanged stay."""
    target = templates_target(jail, vm_dir, vm_dataset, switch, root, prefix, host_tap)
    run_plan(templates_install_plan(target, preset_files(preset or (), switch,
                                                         target.host_tap)),
             dry_run, emit, live)


@templates_app.command("list")
def list_cmd(
    jail: ListJail = None, vm_dir: VmDir = None, vm_dataset: VmDataset = None,
    preset: Presets = None, switch: Switch = "public", host_tap: HostTap = None,
    prefix: Prefix = str(BASTILLE_PREFIX), root: Root = Path("/"),
) -> None:
    """Show the state of each template. Installed, differs (from this version's) or missing."""
    target = templates_target(jail, vm_dir, vm_dataset, switch, root, prefix, host_tap)
    rows = template_rows(target, preset or (), switch)
    typer.echo(table(("preset", "path", "state"), rows))
