"""vm-bhyve template packs: the preset templates in `$vm_dir/.templates`, in a jail or on a host.

Once installed, `vm create -t bhyvetpl-<preset> -s SIZE NAME` needs nothing else from
bhyvetpl. The files are those the jail's Bastille template installs (render_preset_templates).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from bhyvetpl.adapters import bastille, vm
from bhyvetpl.errors import SpecError
from bhyvetpl.hostfs import HostFS
from bhyvetpl.model import values
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.options import existing_jail
from bhyvetpl.model.paths import local_path, target_path
from bhyvetpl.model.preset import PRESETS, preset_defaults
from bhyvetpl.plan.actions import Check, Plan, Probe, Step, WriteFile
from bhyvetpl.plan.build import BASTILLE_PREFIX
from bhyvetpl.plan.existing import jail_network
from bhyvetpl.plan.guest import host_tap_check, jail_templates_dir
from bhyvetpl.render import PRESET_DISK_SIZE, RenderedFile, render_preset_templates

State = Literal["installed", "differs", "missing", "not a preset of this version"]
TEMPLATE_GLOB = "bhyvetpl-*.conf"


@dataclass(frozen=True, slots=True)
class TemplatesTarget:
    """Where the templates go: the directory on this machine, and whose vm-bhyve reads it."""

    directory: Path
    jail: str | None = None
    root: Path = Path("/")
    host_tap: str | None = None   # the NIC's host-made tap: a shared-IP jail's templates

    @property
    def where(self) -> str:
        """The plan table's `where` column."""
        return f"jail {self.jail}" if self.jail else "host"

    def vm_argv(self, argv: tuple[str, ...]) -> tuple[str, ...]:
        """A vm-bhyve command as the admin runs it for this target."""
        return bastille.cmd_argv(self.jail, argv) if self.jail else argv


def jail_target(jail: JailSpec, root: Path, prefix: PurePosixPath = BASTILLE_PREFIX,
                host_tap: str | None = None) -> TemplatesTarget:
    """The jail's `$vm_dir/.templates`, the same directory new-guest writes into."""
    return TemplatesTarget(jail_templates_dir(jail, root, prefix), jail.name, root, host_tap)


def templates_tap(jail: JailSpec, host_tap: str | None) -> str | None:
    """The host-made tap of the templates' NIC: required in a shared-IP jail, refused elsewhere.

    A shared-IP jail has no vnet, so vm-bhyve cannot create its switches there: its
    guests' NICs are host taps (networkN_device), as new-guest's `--nic SWITCH,device=TAP`.
    A vnet jail's own network stack does not see the host's taps.

    Raises:
        SpecError: No tap for a shared-IP jail, a tap for a vnet jail, or a bad name.
    """
    if jail.vnet:
        if host_tap is not None:
            raise SpecError("--host-tap", host_tap, f"no --host-tap: jail {jail.name} is a "
                            "vnet jail, whose guests use vm-bhyve switches")
        return None
    if host_tap is None:
        raise SpecError("--host-tap", "", f"a host-made tap for the templates' NIC: jail "
                        f"{jail.name} is shared-IP (no vnet) and cannot create vm-bhyve "
                        f"switches, e.g. bhyvetpl templates install --jail {jail.name} "
                        "--host-tap tap0")
    return values.tap("--host-tap", host_tap)


def host_target(vm_dir: str, root: Path) -> TemplatesTarget:
    """`$vm_dir/.templates` of vm-bhyve running on the host itself (no jail)."""
    return TemplatesTarget(HostFS(root).place(PurePosixPath(vm_dir) / ".templates"), None,
                           root)


def templates_target(jail: str | None, vm_dir: str | None, vm_dataset: str | None,
                     switch: str, root: Path, prefix: str,
                     host_tap: str | None = None) -> TemplatesTarget:
    """The `.templates` directory of the flags: the jail's (as new-guest finds it), or the host's.

    Raises:
        SpecError: Neither --jail nor --vm-dir, --vm-dataset without --jail, a shared-IP
            jail without --host-tap (templates_tap), or a bad value.
    """
    root = local_path("--root", root)
    if jail is not None:
        bastille_prefix = target_path("--prefix", prefix)
        spec = existing_jail(jail, jail_network(root, bastille_prefix, jail), vm_dir or "/vms",
                             vm_dataset, switch)
        return jail_target(spec, root, bastille_prefix, templates_tap(spec, host_tap))
    if vm_dir is None:
        raise SpecError("--vm-dir", "", "--jail JAIL, or --vm-dir DIR for vm-bhyve on this host")
    if vm_dataset is not None:
        raise SpecError("--vm-dataset", vm_dataset, "no dataset without --jail: give the "
                        "mountpoint of vm_dir's dataset as --vm-dir")
    if host_tap is not None:
        raise SpecError("--host-tap", host_tap, "--host-tap only with --jail naming a "
                        "shared-IP jail: vm-bhyve on this host makes its own switches")
    return host_target(str(target_path("--vm-dir", values.abs_path("--vm-dir", vm_dir))), root)


def preset_files(presets: Sequence[str], switch: str,
                 host_tap: str | None = None) -> tuple[RenderedFile, ...]:
    """The templates of the presets asked for (all when none are), each checked first.

    host_tap: the target's (TemplatesTarget.host_tap), already checked there.
    """
    names = list(dict.fromkeys(presets or PRESETS))
    for name in names:
        preset_defaults(name)
    return render_preset_templates(names, values.vm_name("--switch", switch), host_tap)


def template_rows(target: TemplatesTarget, presets: Sequence[str],
                  switch: str) -> list[tuple[str, str, State]]:
    """(preset, path, state) of each template asked for; with none asked, every one found too.

    The installed files are read below the target's root (templates list prints these).
    """
    expected = {f.relpath.name: f.text
                for f in preset_files(presets, switch, target.host_tap)}
    names = list(expected)
    if not presets:
        names += sorted(p.name for p in target.directory.glob(TEMPLATE_GLOB)
                        if p.name not in expected)
    fs = HostFS(target.root)
    return [(name.removeprefix("bhyvetpl-").removesuffix(".conf"), str(target.directory / name),
             template_state(fs.read_text(target.directory / name), expected.get(name)))
            for name in names]


def templates_install_plan(target: TemplatesTarget, files: tuple[RenderedFile, ...]) -> Plan:
    """Write each preset template; for a jail, first check that Bastille knows it.

    Args:
        target: The `.templates` directory and its jail, if any.
        files: render_preset_templates(...) for the presets asked for.
    """
    steps: list[Step] = []
    if target.jail:
        steps.append(Check(Probe(bastille.list_jails_argv(), line=target.jail,
                                 means=f"jail {target.jail} exists"),
                           where=target.where,
                           fix=f"create it first: bhyvetpl jail create {target.jail}"))
    tap = target.host_tap
    if tap is not None:
        steps.append(host_tap_check(target.jail, tap))
    steps += [WriteFile(target.directory / f.relpath.name, f.text, where=target.where,
                        why=f"vm create -t {f.relpath.stem}") for f in files]
    names = [f.relpath.stem for f in files]
    summary = [f"{len(files)} vm-bhyve templates in {target.directory}: " + ", ".join(names)]
    if names:
        size = PRESET_DISK_SIZE.get(names[0].removeprefix("bhyvetpl-"), "20G")
        create = target.vm_argv(vm.create_argv("NAME", names[0], size))
        summary.append(f"next: {shlex.join(create)}")
    if tap is not None:
        summary.append(f"each guest made from these templates uses host tap {tap}: one "
                       f"running at a time; give another guest its own tap (bhyvetpl "
                       f"new-guest {target.jail} NAME --nic SWITCH,device=tapN)")
    return Plan(f"templates install into {target.where} {target.directory}", tuple(steps),
                tuple(summary), root=target.root)


def template_state(current: str | None, expected: str | None) -> State:
    """How an installed file compares with what this version writes."""
    if expected is None:
        return "not a preset of this version"
    if current is None:
        return "missing"
    return "installed" if current == expected else "differs"
