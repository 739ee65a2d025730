"""What an existing Bastille jail is, read from its jail.conf below --root."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from bhyvetpl.hostfs import HostFS
from bhyvetpl.hostfs.jailconf import jail_conf
from bhyvetpl.model.jail import NetMode, vnet_name_ok


def jail_network(root: Path, prefix: PurePosixPath, name: str) -> NetMode:
    """Vnet when the jail's jail.conf block has `vnet;`, shared when it has none.

    Without a readable jail.conf (a dry run away from the host), the name decides as
    Bastille 1.1.0+ would have: a name with - or _ can only be a shared-IP jail.
    """
    fs = HostFS(root)
    conf = jail_conf(fs.read_text(fs.place(prefix / "jails" / name / "jail.conf")) or "", name)
    if conf is None:
        return "vnet" if vnet_name_ok(name) else "shared"
    return "vnet" if "vnet" in conf.params else "shared"
