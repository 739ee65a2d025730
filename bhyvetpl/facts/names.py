"""Jail and guest names for shell completion: files only, read below a root, no process.

The facts pass (bhyvetpl.facts.collect) runs 13 commands; a Tab press must answer at once
and must never run anything that could write, so this reads only what collect reads from
files: Bastille's jails (a directory with a jail.conf) and, in each, vm-bhyve's guests
(`$vm_dir/NAME/NAME.conf`). A jailed dataset's vm_dir is looked for at /DATASET, as collect
does when `zfs list` did not list it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.collect import HostReader, _vm_dir
from bhyvetpl.hostfs import HostFS, bastilleconf
from bhyvetpl.hostfs.assign import readable
from bhyvetpl.hostfs.bastilleconf import bastille_conf
from bhyvetpl.model.paths import local_path

KINDS = ("jails", "guests")


def _jails_dir(reader: HostReader) -> PurePosixPath:
    settings = bastille_conf(reader.read_text(bastilleconf.PATH))
    prefix = settings.prefix or bastilleconf.PREFIX
    return PurePosixPath(settings.jailsdir or f"{prefix}/jails")


def jail_names(fs: HostFS) -> list[str]:
    """Bastille's jails on the host below fs's root, sorted."""
    reader = HostReader(fs)
    jails = _jails_dir(reader)
    return [name for name in reader.listdir(jails)
            if reader.read_text(jails / name / "jail.conf") is not None]


def guest_names(fs: HostFS, jail: str | None = None) -> list[str]:
    """vm-bhyve's guests in jail (or in every jail), sorted and without repeats."""
    reader = HostReader(fs)
    jails = _jails_dir(reader)
    names: set[str] = set()
    for name in [jail] if jail else jail_names(fs):
        if "/" in name or name in ("", ".", ".."):
            continue
        root = jails / name / "root"
        rc = readable(reader.read_text(root / "etc/rc.conf") or "")
        vm_dir = _vm_dir(rc, root, lambda _dataset: None)
        for guest in reader.listdir(vm_dir) if vm_dir else ():
            if not guest.startswith(".") and vm_dir and \
                    reader.read_text(vm_dir / guest / f"{guest}.conf") is not None:
                names.add(guest)
    return sorted(names)


def host_names(kind: str, root: Path, jail: str | None = None) -> list[str]:
    """`bhyvetpl completion --names KIND`: jail or guest names below root.

    Raises:
        SpecError: kind is neither jails nor guests, or root is not a usable path (exit 2).
    """
    if kind not in KINDS:
        raise SpecError("--names", kind, " or ".join(KINDS))
    fs = HostFS(local_path("--root", root))
    return jail_names(fs) if kind == "jails" else guest_names(fs, jail)
