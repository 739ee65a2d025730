"""Defaults read from the host, not constants: its userland release, its default route.

An explicit flag wins. A host that cannot answer (no /bin/freebsd-version, no default
route) is refused with the flag to give (exit 2), never guessed.
"""

from __future__ import annotations

import re
from pathlib import Path

from bhyvetpl.adapters import host
from bhyvetpl.adapters.runner import CommandNotFoundError, CommandRunner
from bhyvetpl.errors import BhyvetplError, ExitCode
from bhyvetpl.facts.model import Interface
from bhyvetpl.facts.parse import default_interface, interfaces
from bhyvetpl.hostfs import HostFS
from bhyvetpl.hostfs.assign import assignments

PATCH_RE = re.compile(r"-p[0-9]+$")


class HostDefaultError(BhyvetplError):
    """A default the host was asked for and could not give (exit 2): give the flag."""

    exit_code = ExitCode.USAGE


def userland_version(fs: HostFS) -> str | None:
    """/bin/freebsd-version's USERLAND_VERSION, e.g. 14.3-RELEASE-p6; None without one.

    Read as a file (it is a script that only prints, its value a plain assignment): no
    process, and it works below --root.
    """
    return assignments(fs.read_text(fs.place("/bin/freebsd-version")) or "").get(
        "USERLAND_VERSION") or None


def host_release(fs: HostFS) -> str | None:
    """The userland release without `-pN`: Bastille's name for it."""
    found = userland_version(fs)
    return PATCH_RE.sub("", found) if found else None


def route_interface(runner: CommandRunner) -> str | None:
    """The interface of the IPv4 default route, or None when netstat has none."""
    try:
        result = runner.run(host.routes_argv(), check=False, timeout=60.0)
    except CommandNotFoundError:
        return None
    return default_interface(result.stdout) if result.ok else None


def live_interface(runner: CommandRunner, name: str) -> Interface | None:
    """`ifconfig NAME` now, read as the facts read `ifconfig -a`; None when there is none."""
    try:
        result = runner.run(host.ifconfig_argv(name), check=False, timeout=60.0)
    except CommandNotFoundError:
        return None
    return next(iter(interfaces(result.stdout)), None) if result.ok else None


def host_defaults(root: Path, runner: CommandRunner, release: str | None,
                  interface: str | None, flag: str | None) -> tuple[str, str | None]:
    """The release and the interface: each flag's value, or the host's answer.

    Args:
        root: Where `/` is (its /bin/freebsd-version is read).
        runner: Runs netstat, only when the interface is needed and not given.
        release: --release as given (None: the host's userland).
        interface: --iface or --uplink as given (None: the default route's).
        flag: That interface flag's name, or None when this run needs no interface.

    Raises:
        HostDefaultError: the host cannot answer; the message names the flag to give.
    """
    if release is None:
        release = host_release(HostFS(root))
        if release is None:
            raise HostDefaultError(f"--release: {root / 'bin/freebsd-version'} is missing or "
                                   "names no USERLAND_VERSION: give --release, e.g. "
                                   "--release 14.3-RELEASE")
    if interface is None and flag is not None:
        interface = route_interface(runner)
        if interface is None:
            raise HostDefaultError(f"{flag}: `netstat -rn -f inet` shows no default route: "
                                   f"give {flag} with the host interface to use")
    return release, interface
