"""Whether a jail can pass PCI devices through, read from the host files that decide it.

Three things must hold (reference.md §4-6): the jail's securelevel is at most 0,
its devfs ruleset unhides /dev/pci, and loader.conf hands each device to ppt(4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from bhyvetpl.errors import BhyvetplError, ExitCode
from bhyvetpl.hostfs import HostFS, devfs
from bhyvetpl.hostfs.assign import readable
from bhyvetpl.hostfs.jailconf import JailConf
from bhyvetpl.hostfs.jailconf import jail_conf as jail_conf_of
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.hostconf import PPTDEVS_NAMES
from bhyvetpl.model.jail import JailSpec


class PassthroughError(BhyvetplError):
    """The jail cannot pass devices through; the message names each fix."""

    exit_code = ExitCode.USAGE


def _unhides_pci(rules: str, number: str) -> bool | None:
    """None when the ruleset is missing, else whether it unhides pci (doctor's parser)."""
    found = [r for r in devfs.rulesets(rules) if str(r.number) == number]
    if not found:
        return None
    return any(devfs.matches(path, "pci") for r in found for path in r.unhidden)


def passthrough_problems(jail: str, devices: Sequence[str], jail_conf_text: str | None,
                         devfs_rules: str | None, loader_conf: str | None,
                         config_set: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Each reason the jail cannot pass the devices (BUS/SLOT/FUNC) through, with its fix.

    Args:
        jail: The jail's name.
        devices: Host PCI addresses the guest wants.
        jail_conf_text: The jail's jail.conf (None: missing).
        devfs_rules: /etc/devfs.rules (None: missing).
        loader_conf: /boot/loader.conf (None: missing).
        config_set: Jail parameters a `bastille config set` of the same plan sets (they
            win over jail.conf's).
    """
    # jail apply keeps what the jail's files show (address, router, ruleset): the fix
    # changes only passthrough. host prepare is told the jail and its ruleset.
    fix_jail = f"bhyvetpl jail apply {jail} --passthrough"
    if jail_conf_text is None:
        return (f"no jail.conf for jail {jail}: create it with bhyvetpl jail create "
                f"{jail} --passthrough",)
    problems = []
    # The jail's own jail.conf: its one block (named after the jail when Bastille wrote it).
    params = {**(jail_conf_of(jail_conf_text, jail) or jail_conf_of(jail_conf_text, None)
                 or JailConf(jail)).params, **(config_set or {})}
    number = params.get("devfs_ruleset", "")
    fix_host = (f"bhyvetpl host prepare --jail {jail}"
                + (f" --ruleset {number}" if number.isdigit() and number != "25" else "")
                + "".join(f" --passthru {d}" for d in devices))
    level = params.get("securelevel")
    if level is not None and level.lstrip("-").isdigit() and int(level) > 0:
        problems.append(f"jail {jail} has securelevel {level}; passthrough needs -1 or 0 "
                        f"(bhyve write-opens /dev/pci and /dev/mem): {fix_jail}")
    ruleset = params.get("devfs_ruleset")
    pci = _unhides_pci(devfs_rules or "", ruleset) if ruleset else None
    if ruleset is None or not pci:
        what = ("has no devfs_ruleset" if ruleset is None else f"uses devfs ruleset {ruleset}, "
                + ("which is not in /etc/devfs.rules" if pci is None else "which hides pci"))
        problems.append(f"jail {jail} {what}: {fix_host}, and {fix_jail}")
    # The loader keeps the last assignment of each name; vmm reads all three (hostconf).
    loader = readable(loader_conf or "", sh=False)
    reserved = {d for key in PPTDEVS_NAMES
                for d in loader.get(key, "").split()}
    missing = [d for d in devices if d not in reserved]
    if missing:
        problems.append(f"/boot/loader.conf does not give {' '.join(missing)} to ppt(4) "
                        f"(pptdevs): {fix_host}, then reboot")
    return tuple(problems)


def refuse_passthrough(jail: JailSpec, guest: GuestSpec, root: Path,
                       prefix: PurePosixPath,
                       after: Mapping[Path, str | None] | None = None,
                       config_set: Mapping[str, str] | None = None) -> None:
    """Read the jail's jail.conf, devfs.rules and loader.conf below root; raise if they say no.

    Args:
        jail: The jail the guest goes into.
        guest: The guest (nothing is read unless it passes devices through).
        root: Where `/` is.
        prefix: bastille_prefix.
        after: Texts of files as earlier steps of the same plan leave them (a spec's plan
            edits jail.conf and the host files before it creates the guest).
        config_set: Jail parameters the plan's template sets with `bastille config`.

    Raises:
        PassthroughError: The jail cannot pass the guest's devices through (exit 2).
    """
    if not guest.passthru:
        return
    fs = HostFS(root)

    def read(path: PurePosixPath | str) -> str | None:
        place = fs.place(path)
        return after[place] if after is not None and place in after else fs.read_text(place)

    problems = passthrough_problems(
        jail.name, [p.bsf for p in guest.passthru],
        read(prefix / "jails" / jail.name / "jail.conf"), read("/etc/devfs.rules"),
        read("/boot/loader.conf"), config_set)
    if problems:
        raise PassthroughError(f"guest {guest.name} cannot pass PCI devices through in jail "
                               f"{jail.name}:\n" + "\n".join(f"  - {p}" for p in problems))
