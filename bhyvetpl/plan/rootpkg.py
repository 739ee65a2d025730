"""Packages for a jail without an address: installed into its root from the host.

A per-guest jail has no address of its own (model.jail.NO_ADDRESS), so Bastille's PKG,
which runs pkg inside the jail (pkg.sh: `pkg -j JAIL` or `jexec -l JAIL pkg`), has no
network there. `pkg -r ROOT` fetches over the host's network and installs below ROOT.
Chosen over a shared read-only vm-bhyve through nullfs: vm-bhyve installs sbin/vm and
etc/rc.d/vm beside every other package's files (its Makefile's install target, master
89c21d0), so sharing it takes a mount per file (or the host's whole /usr/local/sbin and
rc.d), and the host's packages are built for the host's release; pkg -r installs those
of the jail's release (grub2-bhyve is a binary), and the jail gets its own vm-bhyve.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from bhyvetpl.adapters import bastille, host
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.plan.actions import Probe, RunCommand

# `pkg install` may fetch the repository catalogue first.
PKG_TIMEOUT = 3600.0


def jail_root(name: str, prefix: PurePosixPath) -> PurePosixPath:
    """The jail's root on the host (bastille_jailsdir/NAME/root)."""
    return prefix / "jails" / name / "root"


def abi_file(release: str, prefix: PurePosixPath) -> PurePosixPath:
    """The jail release's uname(1), which tells pkg the jail's ABI (bastille_releasesdir)."""
    return prefix / "releases" / release / "usr" / "bin" / "uname"


def root_install_argv(name: str, release: str, prefix: PurePosixPath,
                      package: str) -> tuple[str, ...]:
    """`pkg -r` of one package into an addressless jail, from the host.

    The plan's step and the doctor's fix for a missing package are this one line.
    """
    return host.pkg_root_install_argv(str(jail_root(name, prefix)),
                                      str(abi_file(release, prefix)), package)


def package_step(jail: JailSpec, package: str, prefix: PurePosixPath, why: str) -> RunCommand:
    """Install one package in the jail: from the host without an address, else by Bastille."""
    if jail.no_address:
        return RunCommand(
            root_install_argv(jail.name, jail.release, prefix, package),
            where="host", why=f"{why}; from the host (the jail has no address)",
            timeout=PKG_TIMEOUT,
            skip_if=Probe(host.pkg_root_installed_argv(str(jail_root(jail.name, prefix)),
                                                       package),
                          means=f"{package} is installed in jail {jail.name}"))
    return RunCommand(bastille.pkg_install_argv(jail.name, package), where=f"jail {jail.name}",
                      why=why, timeout=PKG_TIMEOUT,
                      skip_if=Probe(bastille.pkg_installed_argv(jail.name, package),
                                    means=f"{package} is installed"))
