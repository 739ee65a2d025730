"""Checks of the host's own files before host prepare: owned settings, the release.

Each jail gets its own marked block, but the loader and rc keep the last assignment of
a name, so a second jail's `pptdevs` or `ifconfig_bridge0` would silently cancel the
first one's. host prepare refuses that (exit 2) instead, naming the other jail.
"""

from __future__ import annotations

import re
from pathlib import Path

from bhyvetpl.errors import BhyvetplError, ExitCode
from bhyvetpl.hostfs import HostFS
from bhyvetpl.hostfs.assign import assignments
from bhyvetpl.model import policy
from bhyvetpl.model.hostconf import AdminLines
from bhyvetpl.model.policy import NO_ADMIN, Features
from bhyvetpl.plan.hostdefaults import userland_version

BEGIN_RE = re.compile(r"# BEGIN bhyvetpl (\S+)$")
END_RE = re.compile(r"# END bhyvetpl (\S+)$")


class HostStateError(BhyvetplError):
    """The host's files contradict what this run would write (exit 2, nothing written)."""

    exit_code = ExitCode.USAGE


def owners(text: str, names: tuple[str, ...]) -> dict[str, str]:
    """Setting name -> the jail whose bhyvetpl block assigns it, for the given names."""
    found: dict[str, str] = {}
    block: str | None = None
    for line in (raw.removesuffix("\r") for raw in text.split("\n")):   # as awk splits
        if match := BEGIN_RE.match(line):
            block = match.group(1)
        elif END_RE.match(line):
            block = None
        elif block is not None:
            name = line.split("=", 1)[0].strip()
            if name in names:
                found[name] = block
    return found


def outside_blocks(text: str) -> str:
    """The lines outside every bhyvetpl block: the admin's own (an unended block hides all)."""
    kept: list[str] = []
    block = False
    for line in text.split("\n"):   # as awk splits; a CR stays on its line
        bare = line.removesuffix("\r")
        if BEGIN_RE.match(bare):
            block = True
        elif END_RE.match(bare) and block:
            block = False
        elif not block:
            kept.append(bare)
    return "\n".join(kept)


def admin_lines(fs: HostFS) -> AdminLines:
    """The admin's own assignments in loader.conf and rc.conf, which ours must not cancel."""
    def read(path: str) -> dict[str, str | None]:
        return assignments(outside_blocks(fs.read_text(fs.place(path)) or ""))
    return AdminLines(loader=read("/boot/loader.conf"), rc=read("/etc/rc.conf"))


def refuse_shared(jail: str, wanted: tuple[str, ...], path: str, text: str | None) -> None:
    """Raise when a block of another jail in text assigns a setting this jail wants."""
    taken = {name: owner for name, owner in owners(text or "", wanted).items()
             if owner != jail}
    if taken:
        name, owner = next(iter(taken.items()))
        raise HostStateError(
            f"{path}: {name} is already set by bhyvetpl's block for jail {owner}, and the "
            f"last assignment wins; prepare passthrough and host taps for one jail per "
            f"host (or add the devices to jail {owner}'s flags)")


def refuse_other_release(release: str, root: Path) -> None:
    """Raise when the host's /bin/freebsd-version names another X.Y than release says.

    The ruleset depends on it (vmmctl on 15+, io/kmem before 13.1, if_tap on 12). The
    owned settings are checked where they are decided: host_prepare_plan.
    """
    found = userland_version(HostFS(root))
    if found and found.split("-", 1)[0] != release.split("-", 1)[0]:
        raise HostStateError(
            f"--release: {release!r} is not this host's release; /bin/freebsd-version says "
            f"{found!r}: pass --release {found.rsplit('-p', 1)[0]}")


def owned_settings(features: Features,
                   admin: AdminLines = NO_ADMIN) -> dict[str, tuple[str, ...]]:
    """Per host file, the names one jail's block sets that only one block may own.

    The loader and rc keep the last assignment, so a second block's `pptdevs*` or
    `ifconfig_*` would silently cancel the first one's.
    """
    return {rel: tuple(s.name for s in settings if s.name.startswith(("pptdevs", "ifconfig_")))
            for rel, settings in (("/boot/loader.conf", policy.loader_conf(features, admin)),
                                  ("/etc/rc.conf", policy.rc_conf(features, admin)))}


def refuse_shared_in_spec(features: tuple[Features, ...]) -> None:
    """Raise when two jails of one spec want the same owned setting.

    The host's files show only earlier runs: two new jails would each pass
    host_prepare_plan's check, and the second block would silently cancel the first.
    """
    claimed: dict[tuple[str, str], str] = {}
    for feature in features:
        for rel, wanted in owned_settings(feature).items():
            for name in wanted:
                owner = claimed.setdefault((rel, name), feature.jail)
                if owner != feature.jail:
                    raise HostStateError(
                        f"{rel}: jails {owner} and {feature.jail} both set {name}, and the "
                        "last assignment wins; give passthrough and host taps to one jail "
                        "per host")
