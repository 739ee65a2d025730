"""`bhyvetpl templates install|list`: preset templates for plain `vm create -t bhyvetpl-P`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.cli_options import DryRun, Emit, Prefix, Root
from bhyvetpl.cli_run import run_plan
from bhyvetpl.errors import SpecError
from bhyvetpl.hostfs import HostFS
from bhyvetpl.model import values
from bhyvetpl.model.options import JailOptions, build_jail
from bhyvetpl.model.paths import local_path, target_path
from bhyvetpl.model.preset import PRESETS, preset_defaults
from bhyvetpl.output import table
from bhyvetpl.plan.build import BASTILLE_PREFIX
from bhyvetpl.plan.templates import (
    TEMPLATE_GLOB,
    TemplatesTarget,
    host_target,
    jail_target,
    template_state,
    templates_install_plan,
)
from bhyvetpl.render import RenderedFile, render_preset_templates

templates_app = typer.Typer(no_args_is_help=True, help=(
    "vm-bhyve template packs: bhyvetpl's presets as $vm_dir/.templates/bhyvetpl-PRESET.conf, "
    "for plain `vm create -t bhyvetpl-PRESET -s SIZE NAME`."))

Jail = Annotated[str | None, typer.Option(help="Install into this Bastille jail's vm_dir.")]
VmDir = Annotated[str | None, typer.Option(
    help="vm-bhyve's vm_dir: in the jail with --jail (default /vms there), else on this "
         "host (required without --jail).")]
VmDataset = Annotated[str | None, typer.Option(help="ZFS dataset of the jail's vm_dir.")]
Switch = Annotated[str, typer.Option(help="Switch of the templates' NIC.")]
Presets = Annotated[list[str] | None, typer.Option(
    "--preset", help="Preset to install or show; repeat for more (default: all of "
                     + ", ".join(PRESETS) + ").")]


def target_of(jail: str | None, vm_dir: str | None, vm_dataset: str | None, switch: str,
              root: Path, prefix: str) -> TemplatesTarget:
    """The `.templates` directory: the jail's (as new-guest finds it), or the host's."""
    root = local_path("--root", root)
    if jail is not None:
        spec = build_jail(JailOptions(name=jail, vm_dir=vm_dir or "/vms",
                                      vm_dataset=vm_dataset, switch=switch))
        return jail_target(spec, root, target_path("--prefix", prefix))
    if vm_dir is None:
        raise SpecError("--vm-dir", "", "--jail JAIL, or --vm-dir DIR for vm-bhyve on this host")
    if vm_dataset is not None:
        raise SpecError("--vm-dataset", vm_dataset, "no dataset without --jail: give the "
                        "mountpoint of vm_dir's dataset as --vm-dir")
    return host_target(str(target_path("--vm-dir", values.abs_path("--vm-dir", vm_dir))), root)


def preset_files(presets: list[str] | None, switch: str) -> tuple[RenderedFile, ...]:
    """The templates of the presets asked for (all by default), checked first."""
    names = list(dict.fromkeys(presets or PRESETS))
    for name in names:
        preset_defaults(name)
    return render_preset_templates(names, values.vm_name("--switch", switch))


@templates_app.command("install")
def install_cmd(
    jail: Jail = None, vm_dir: VmDir = None, vm_dataset: VmDataset = None,
    preset: Presets = None, switch: Switch = "public", prefix: Prefix = str(BASTILLE_PREFIX),
    root: Root = Path("/"), dry_run: DryRun = False, emit: Emit = None,
) -> None:
    """Write $vm_dir/.templates/bhyvetpl-PRESET.conf for each preset (unchanged ones stay)."""
    target = target_of(jail, vm_dir, vm_dataset, switch, root, prefix)
    run_plan(templates_install_plan(target, preset_files(preset, switch)), dry_run, emit)


@templates_app.command("list")
def list_cmd(
    jail: Jail = None, vm_dir: VmDir = None, vm_dataset: VmDataset = None,
    preset: Presets = None, switch: Switch = "public", prefix: Prefix = str(BASTILLE_PREFIX),
    root: Root = Path("/"),
) -> None:
    """Show each template: installed, differs (from what this version writes) or missing."""
    target = target_of(jail, vm_dir, vm_dataset, switch, root, prefix)
    expected = {f.relpath.name: f.text for f in preset_files(preset, switch)}
    names = list(expected)
    if not preset:
        names += sorted(p.name for p in target.directory.glob(TEMPLATE_GLOB)
                        if p.name not in expected)
    rows = [(name.removeprefix("bhyvetpl-").removesuffix(".conf"),
             str(target.directory / name),
             template_state(HostFS(target.root).read_text(target.directory / name),
                            expected.get(name)))
            for name in names]
    typer.echo(table(("preset", "path", "state"), rows))
