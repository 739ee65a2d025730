"""The doctor's fix for a package missing in a jail: Bastille's pkg, or pkg -r from the host.

A jail without an address (bhyvetpl's per-guest jail: `ifconfig_vnet0="up"`) cannot fetch
packages itself, so `bastille pkg` fails there; the plan installs them from the host
(plan.rootpkg), and the fix is that same line.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from bhyvetpl.doctor.guest import DHCP_WORDS
from bhyvetpl.facts.model import Facts, Jail
from bhyvetpl.hostfs import bastilleconf
from bhyvetpl.plan.rootpkg import root_install_argv
from bhyvetpl.shquote import shown_join

# What rc.d's network.subr reads as an address in ifconfig_IF (ifconfig_up: `inet`,
# `inet6`, and the DHCP words).
_ADDRESS_WORDS = frozenset({"INET", "INET6", *DHCP_WORDS})


def addressless(jail: Jail) -> bool:
    """A vnet jail whose rc.conf says vnet0 is only up, and gives no interface an address.

    `ifconfig_vnet0="up"` is what bhyvetpl writes for a jail without an address
    (JailSpec.ifconfig_value); a jail whose rc.conf says nothing of vnet0 keeps Bastille's.
    """
    return ("vnet" in jail.params and jail.rc_conf.get("ifconfig_vnet0", "").strip().lower()
            == "up" and not any(
        key.startswith("ifconfig_") and _ADDRESS_WORDS & {w.upper() for w in value.split()}
        for key, value in jail.rc_conf.items()))


def jail_release(facts: Facts, jail: Jail) -> str:
    """The release a jail runs: a thin jail's fstab names it; else the host's.

    Bastille's create.sh writes `${bastille_releasesdir}/${RELEASE}
    ${bastille_jail}/root/.bastille nullfs ro 0 0` (master 040f806); bhyvetpl's jails
    follow the host's release (plan.shared.refuse_other_release).
    """
    for mount in jail.fstab:
        if mount.fstype == "nullfs" and mount.target.rstrip("/").endswith("/root/.bastille"):
            return PurePosixPath(mount.source).name
    userland = facts.release.userland if facts.release else "RELEASE"
    return userland.rsplit("-p", 1)[0] if userland.rsplit("-p", 1)[-1].isdigit() else userland


def install_fix(facts: Facts, jail: Jail, package: str) -> str:
    """The command that installs package in the jail, as the plan would run it."""
    if not addressless(jail):
        return shown_join(("bastille", "pkg", jail.name, "install", "-y", package))
    prefix = PurePosixPath(facts.bastille_prefix or bastilleconf.PREFIX)
    argv = root_install_argv(jail.name, jail_release(facts, jail), prefix, package)
    return f"{shown_join(argv)} (on the host: the jail has no address)"
