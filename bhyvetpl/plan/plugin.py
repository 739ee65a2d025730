"""The Bastille plugin: where bastille_sharedir is, and the plans that install or remove it."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from bhyvetpl.errors import SpecError
from bhyvetpl.hostfs import HostFS, bastilleconf
from bhyvetpl.hostfs.bastilleconf import SHAREDIR, bastille_conf
from bhyvetpl.model import values
from bhyvetpl.model.paths import target_path
from bhyvetpl.plan.actions import Plan, RemoveDir, RemoveFile, Step, WriteFile
from bhyvetpl.plan.build import HOST_MODULES
from bhyvetpl.render import PLUGIN_NAME, render_bastille_plugin

BASTILLE_CONF = bastilleconf.PATH
DEFAULT_SHAREDIR = PurePosixPath(SHAREDIR)


def sharedir_from_conf(text: str | None) -> PurePosixPath:
    """bastille_sharedir as bastille.conf (a sourced sh file) sets it; the default without one.

    Anything richer than plain assignments (command substitution, a variable the file
    does not set) is refused: pass --sharedir instead.
    """
    found = bastille_conf(text).sharedir
    if found is None:
        raise SpecError("bastille.conf: bastille_sharedir", "a value computed by sh",
                        "a value bhyvetpl can read without running sh; pass --sharedir DIR")
    return PurePosixPath(values.abs_path("bastille.conf: bastille_sharedir", found))


def resolve_sharedir(sharedir: str | None, root: Path) -> PurePosixPath:
    """--sharedir, else bastille_sharedir from bastille.conf below root, else the default."""
    if sharedir is not None:
        return target_path("--sharedir", values.abs_path("--sharedir", sharedir))
    fs = HostFS(root)
    return sharedir_from_conf(fs.read_text(fs.place(BASTILLE_CONF)))


def has_plugin_sh(sharedir: PurePosixPath, root: Path) -> bool:
    """Whether Bastille below root has plugin.sh (`bastille plugin` came in 1.5.0)."""
    fs = HostFS(root)
    return fs.read(fs.place(sharedir / "plugin.sh")) is not None


def plugin_dir(root: Path, sharedir: PurePosixPath) -> Path:
    """`${bastille_sharedir}/plugins/bhyvetpl`, below root."""
    return HostFS(root).place(sharedir / "plugins" / PLUGIN_NAME)


def plugin_install_plan(sharedir: PurePosixPath, root: Path) -> Plan:
    """Write plugin.conf and one shim per command into the plugin directory.

    Args:
        sharedir: bastille_sharedir on the host.
        root: Where `/` is.
    """
    directory = plugin_dir(root, sharedir)
    files = render_bastille_plugin(HOST_MODULES)
    steps: tuple[Step, ...] = tuple(
        WriteFile(directory.joinpath(*f.relpath.parts), f.text,
                  why="manifest" if f.relpath.suffix == ".conf"
                  else f"bastille plugin {PLUGIN_NAME} {f.relpath.stem}")
        for f in files)
    commands = sorted(f.relpath.stem for f in files if f.relpath.suffix == ".sh")
    summary = (f"Bastille plugin {PLUGIN_NAME} in {sharedir}/plugins/{PLUGIN_NAME}: "
               + ", ".join(commands),
               f"try: bastille plugin {PLUGIN_NAME} new-guest --help")
    return Plan(f"bastille-plugin install into {sharedir}", steps, summary, root=root)


def plugin_uninstall_plan(sharedir: PurePosixPath, root: Path) -> Plan:
    """Remove what install writes, file by file while unchanged, then the directory if empty.

    Args:
        sharedir: bastille_sharedir on the host.
        root: Where `/` is.
    """
    directory = plugin_dir(root, sharedir)
    steps: list[Step] = [RemoveFile(directory.joinpath(*f.relpath.parts), f.text,
                                    why="written by bastille-plugin install")
                         for f in render_bastille_plugin(HOST_MODULES)]
    steps.append(RemoveDir(directory))
    return Plan(f"bastille-plugin uninstall from {sharedir}", tuple(steps), root=root)
