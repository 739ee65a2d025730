"""Host settings merged with what the admin wrote outside bhyvetpl's blocks.

The loader and rc keep the last assignment of a name, so a line of ours with a name
the admin already set would silently replace theirs. Their lines stay byte for byte:
ours go to a free name, add only what theirs lacks, or are refused with the line to
write instead (exit 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bhyvetpl.errors import BhyvetplError, ExitCode

# FreeBSD's vmm_is_pptdev() (sys/amd64/vmm/vmm.c; ppt_probe() in sys/amd64/vmm/io/ppt.c
# asks it) reads the kernel environment variables "pptdevs", "pptdevs2" and "pptdevs3", in
# that order, and claims a device listed in any of them; its comment gives the reason: "The
# length of an environment variable is limited to 128 bytes". Read in copies of that file
# found with the code search tool (13.x/14.x text); not checked against a 15.x tree.
PPTDEVS_NAMES = ("pptdevs", "pptdevs2", "pptdevs3")
PPTDEVS_MAX = 128


class AdminOwnedError(BhyvetplError):
    """The admin's own line already sets a name we need: refused, with the line to write."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True, slots=True)
class AdminLines:
    """Assignments outside every bhyvetpl block (None: present, unreadable without sh)."""

    loader: Mapping[str, str | None] = field(default_factory=dict)
    rc: Mapping[str, str | None] = field(default_factory=dict)


def chunks(words: tuple[str, ...], limit: int = PPTDEVS_MAX) -> list[str]:
    """Words joined by spaces into values of at most limit characters."""
    out: list[str] = []
    for word in words:
        if out and len(out[-1]) + 1 + len(word) <= limit:
            out[-1] += " " + word
        else:
            out.append(word)
    return out


def pptdevs(devices: tuple[str, ...], admin: Mapping[str, str | None]) -> tuple[tuple[str, str],
                                                                                 ...]:
    """(name, value) pairs for the devices the admin's pptdevs lines do not already list.

    Raises:
        AdminOwnedError: the names left free cannot hold the devices.
    """
    held = {d for name in PPTDEVS_NAMES for d in (admin.get(name) or "").split()}
    wanted = tuple(d for d in devices if d not in held)
    values = chunks(wanted)
    free = [name for name in PPTDEVS_NAMES if name not in admin]
    if len(values) <= len(free):
        return tuple(zip(free, values, strict=False))
    taken = [name for name in PPTDEVS_NAMES if name in admin]
    room = next((name for name in reversed(taken) if admin[name] is not None
                 and len(f"{admin[name]} {' '.join(wanted)}") <= PPTDEVS_MAX), None)
    fix = (f'change the line {room}="{admin[room]}" to {room}="{admin[room]} '
           f'{" ".join(wanted)}"' if room is not None
           else f"none of them has room for {' '.join(wanted)}: free one and run again")
    raise AdminOwnedError(
        f"/boot/loader.conf: {', '.join(taken)} set outside bhyvetpl's block leave too few "
        f"of the three names the loader reads ({', '.join(PPTDEVS_NAMES)}, {PPTDEVS_MAX} "
        f"characters each); {fix}")


def list_extension(name: str, words: tuple[str, ...],
                   admin: Mapping[str, str | None]) -> str | None:
    """`${name} WORDS` for the words the admin's own list lacks (None: it has them all)."""
    have = set((admin.get(name) or "").split())
    missing = [w for w in words if w not in have]
    return " ".join(["${" + name + "}", *missing]) if missing else None


def bridge_line(name: str, value: str, admin: Mapping[str, str | None]) -> str | None:
    """Our `ifconfig_bridgeN` value, or None when the admin's own line already has it.

    Raises:
        AdminOwnedError: the admin's line lacks a member (or `up`); the message gives the
            whole line to put in its place, which keeps every word of theirs.
    """
    if name not in admin:
        return value
    theirs = admin[name]
    if theirs is None:
        raise AdminOwnedError(f"/etc/rc.conf: {name} is set outside bhyvetpl's block in a "
                              f"form bhyvetpl cannot read; make it hold `{value}`")
    words = theirs.split()
    wanted = value.split()
    members = [wanted[i + 1] for i in range(len(wanted) - 1) if wanted[i] == "addm"]
    present = {words[i + 1] for i in range(len(words) - 1) if words[i] == "addm"}
    missing = [m for m in members if m not in present]
    if not missing and "up" in words:
        return None
    at = max((i + 2 for i in range(len(words) - 1) if words[i] == "addm"),
             default=words.index("up") if "up" in words else len(words))
    fixed = words[:at] + [w for m in missing for w in ("addm", m)] + words[at:]
    if "up" not in fixed:
        fixed.append("up")
    raise AdminOwnedError(f'/etc/rc.conf: your {name}="{theirs}" lacks '
                          f"{' '.join(missing) or 'up'}; bhyvetpl does not override it: put "
                          f'{name}="{" ".join(fixed)}" in its place')


def same_or_refuse(path: str, name: str, value: str,
                   admin: Mapping[str, str | None]) -> str | None:
    """Our value when the admin has no line for name; None when theirs is the same."""
    if name not in admin:
        return value
    theirs = admin[name]
    if theirs == value or (value in ("YES", "NO") and (theirs or "").upper() == value):
        return None   # rc.subr's checkyesno and the loader read YES in any case
    raise AdminOwnedError(f'{path}: {name}="{admin[name]}" is set outside bhyvetpl\'s block; '
                          f'bhyvetpl does not override it: put {name}="{value}" in its place')
