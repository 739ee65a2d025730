"""Host settings only one jail's block can own: pptdevs (loader.conf) and bridge0 (rc.conf).

Each jail gets its own marked block, but the loader and rc keep the last assignment of
a name, so a second jail's `pptdevs` or `ifconfig_bridge0` would silently cancel the
first one's. host prepare refuses that (exit 2) instead, naming the other jail.
"""

from __future__ import annotations

import re

from bhyvetpl.errors import BhyvetplError, ExitCode

BEGIN_RE = re.compile(r"# BEGIN bhyvetpl (\S+)$")
END_RE = re.compile(r"# END bhyvetpl (\S+)$")


class SharedSettingError(BhyvetplError):
    """Another jail's bhyvetpl block already owns a host-wide setting."""

    exit_code = ExitCode.USAGE


def owners(text: str, names: tuple[str, ...]) -> dict[str, str]:
    """Setting name -> the jail whose bhyvetpl block assigns it, for the given names."""
    found: dict[str, str] = {}
    block: str | None = None
    for line in text.splitlines():
        if match := BEGIN_RE.match(line):
            block = match.group(1)
        elif END_RE.match(line):
            block = None
        elif block is not None:
            name = line.split("=", 1)[0].strip()
            if name in names:
                found[name] = block
    return found


def refuse_shared(jail: str, wanted: tuple[str, ...], path: str, text: str | None) -> None:
    """Raise when a block of another jail in text assigns a setting this jail wants."""
    taken = {name: owner for name, owner in owners(text or "", wanted).items()
             if owner != jail}
    if taken:
        name, owner = next(iter(taken.items()))
        raise SharedSettingError(
            f"{path}: {name} is already set by bhyvetpl's block for jail {owner}, and the "
            f"last assignment wins; prepare passthrough and host taps for one jail per "
            f"host (or add the devices to jail {owner}'s flags)")
