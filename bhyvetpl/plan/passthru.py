"""Whether a jail can pass PCI devices through, read from the host files that decide it.

Three things must hold (reference.md §4-6): the jail's securelevel is at most 0,
its devfs ruleset unhides /dev/pci, and loader.conf hands each device to ppt(4).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bhyvetpl.errors import BhyvetplError, ExitCode
from bhyvetpl.plan.hostfile import HEADER_RE

SECURELEVEL_RE = re.compile(r"^\s*securelevel\s*=\s*(-?[0-9]+)\s*;")
RULESET_RE = re.compile(r"^\s*devfs_ruleset\s*=\s*([0-9]+)\s*;")
PCI_RE = re.compile(r"^\s*add\s+path\s+'?pci'?\s+unhide\b")
PPTDEVS_RE = re.compile(r'^\s*pptdevs[0-9]*\s*=\s*"([^"]*)"')


class PassthroughError(BhyvetplError):
    """The jail cannot pass devices through; the message names each fix."""

    exit_code = ExitCode.USAGE


def _last(regex: re.Pattern[str], text: str) -> str | None:
    found = [m.group(1) for line in text.splitlines() if (m := regex.match(line))]
    return found[-1] if found else None


def _unhides_pci(rules: str, number: str) -> bool | None:
    """None when the ruleset is missing, else whether it unhides pci."""
    inside, seen = False, False
    for line in rules.splitlines():
        header = HEADER_RE.match(line)
        if header:
            inside = header.group(2) == number
            seen = seen or inside
        elif inside and PCI_RE.match(line):
            return True
    return False if seen else None


def passthrough_problems(jail: str, devices: Sequence[str], jail_conf: str | None,
                         devfs_rules: str | None, loader_conf: str | None) -> tuple[str, ...]:
    """Each reason the jail cannot pass the devices (BUS/SLOT/FUNC) through, with its fix.

    Args:
        jail: The jail's name.
        devices: Host PCI addresses the guest wants.
        jail_conf: The jail's jail.conf (None: missing).
        devfs_rules: /etc/devfs.rules (None: missing).
        loader_conf: /boot/loader.conf (None: missing).
    """
    fix_jail = f"bhyvetpl jail apply {jail} --passthrough"
    fix_host = "bhyvetpl host prepare " + " ".join(f"--passthru {d}" for d in devices)
    if jail_conf is None:
        return (f"no jail.conf for jail {jail}: create it with bhyvetpl jail create "
                f"{jail} --passthrough",)
    problems = []
    level = _last(SECURELEVEL_RE, jail_conf)
    if level is not None and int(level) > 0:
        problems.append(f"jail {jail} has securelevel {level}; passthrough needs -1 or 0 "
                        f"(bhyve write-opens /dev/pci and /dev/mem): {fix_jail}")
    ruleset = _last(RULESET_RE, jail_conf)
    pci = _unhides_pci(devfs_rules or "", ruleset) if ruleset else None
    if ruleset is None or not pci:
        what = ("has no devfs_ruleset" if ruleset is None else f"uses devfs ruleset {ruleset}, "
                + ("which is not in /etc/devfs.rules" if pci is None else "which hides pci"))
        problems.append(f"jail {jail} {what}: {fix_host}, and {fix_jail}")
    # The loader keeps the last assignment of each of pptdevs, pptdevs2, pptdevs3.
    last: dict[str, str] = {}
    for line in (loader_conf or "").splitlines():
        if m := PPTDEVS_RE.match(line):
            last[line.split("=", 1)[0].strip()] = m.group(1)
    reserved = {d for value in last.values() for d in value.split()}
    missing = [d for d in devices if d not in reserved]
    if missing:
        problems.append(f"/boot/loader.conf does not give {' '.join(missing)} to ppt(4) "
                        f"(pptdevs): {fix_host}, then reboot")
    return tuple(problems)
