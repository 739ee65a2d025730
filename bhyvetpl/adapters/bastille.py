"""Pure argv builders for Bastille (`bastille create`, `template`, `cmd`, `cp`, `list`)."""

from __future__ import annotations

from collections.abc import Sequence

from bhyvetpl.model.jail import JailSpec

NET_FLAG = {"vnet": ("-V",), "bridge": ("-B",), "shared": ()}


# Bastille's word for "no static address" on a vnet jail, not a bind address.
NO_ADDRESS_ARG = "0.0.0.0"  # noqa: S104


def create_argv(jail: JailSpec) -> tuple[str, ...]:
    """`bastille create [-V|-B] NAME RELEASE IP INTERFACE` for the jail's network mode.

    A jail without an address is created with 0.0.0.0, which every Bastille takes for a
    vnet jail (create.sh define_ips, 1.0 to 1.4.4; `--no-ip` came only with 1.4.0): its
    vnet template writes SYNCDHCP, and ours sets ifconfig_vnet0="up" before the restart.
    """
    address = NO_ADDRESS_ARG if jail.no_address else jail.address
    return ("bastille", "create", *NET_FLAG[jail.network], jail.name, jail.release,
            address, jail.interface)


def list_jails_argv() -> tuple[str, ...]:
    """The stable inventory: one jail name a line."""
    return ("bastille", "list", "jails")


def list_releases_argv() -> tuple[str, ...]:
    """The bootstrapped releases, one a line (list.sh: each dir of bastille_releasesdir)."""
    return ("bastille", "list", "releases")


def bootstrap_argv(release: str) -> tuple[str, ...]:
    """Fetch and extract a release (create.sh refuses one not below bastille_releasesdir)."""
    return ("bastille", "bootstrap", release)


def template_argv(jail: str, template: str) -> tuple[str, ...]:
    """Apply a template directory (relative to bastille_templatesdir) to a jail."""
    return ("bastille", "template", jail, template)


def restart_argv(jail: str) -> tuple[str, ...]:
    """Stop and start the jail (exit 0 even when jail -c fails: confirm with jls)."""
    return ("bastille", "restart", jail)


def cmd_argv(jail: str, argv: Sequence[str]) -> tuple[str, ...]:
    """Run argv inside a running jail (exit 0/1 only; a stopped jail: nothing, exit 0)."""
    return ("bastille", "cmd", jail, *argv)


def pkg_install_argv(jail: str, package: str) -> tuple[str, ...]:
    """Install a package inside the jail (Bastille runs pkg there), without a prompt."""
    return ("bastille", "pkg", jail, "install", "-y", package)


def pkg_installed_argv(jail: str, package: str) -> tuple[str, ...]:
    """Exit 0 only when the package is installed in the jail (`pkg info -e`)."""
    return cmd_argv(jail, ("pkg", "info", "-e", package))


def cp_argv(jail: str, source: str, dest: str) -> tuple[str, ...]:
    """Copy a host file into the jail; dest is relative to the jail's root."""
    return ("bastille", "cp", jail, source, dest)


def destroy_argv(jail: str) -> tuple[str, ...]:
    """Destroy a jail: `-a` stops it first, `-y` answers the prompt (no stdin here).

    Both flags since Bastille 1.0.20250714 (usr/local/share/bastille/destroy.sh); on a
    ZFS Bastille it runs `zfs destroy -r POOL/PREFIX/jails/JAIL`, then `rm -rf` the
    jail's directory: its root, and a vm_dir inside it with every guest's disks.
    """
    return ("bastille", "destroy", "-a", "-y", jail)
