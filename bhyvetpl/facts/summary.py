"""Facts for people: what the host offers bhyve, its bridges, Bastille and each jail's guests.

Plain text (aligned columns, an indented tree), so it reads the same in a terminal, a log
or the README, and pure, so the README's sample is what the command prints.
"""

from __future__ import annotations

import contextlib

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Cpu, Facts, Jail
from bhyvetpl.model import policy, values
from bhyvetpl.output import table

GUEST_KEYS = ("loader", "cpu", "memory")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _cpu(cpu: Cpu | None) -> str:
    if cpu is None:
        return "unknown (no /var/run/dmesg.boot)"
    return (f"{cpu.vendor}: virtualisation {_yes(cpu.virtualisation)}, nested paging "
            f"{_yes(cpu.nested_paging)}, unrestricted guest {_yes(cpu.unrestricted_guest)}, "
            f"POPCNT {_yes(cpu.popcnt)}")


def _modules(facts: Facts) -> str:
    """The modules vm-bhyve needs for this release (a release not read: the newest set)."""
    release = policy.TUNTAP_SINCE
    if facts.release is not None:
        with contextlib.suppress(SpecError):  # a release we cannot read: the newest set
            release = values.release("release", facts.release.userland.split("-p")[0])
    return ", ".join(f"{m} {'loaded' if m in facts.modules else 'not loaded'}"
                     for m in policy.host_modules(release))


def _param(jail: Jail, name: str) -> str:
    """A running jail's live value, else jail.conf's (a bare flag there reads as set)."""
    if name in jail.live:
        return jail.live[name]
    value = jail.params.get(name)
    return "-" if value is None else (value or "true")


def summary(facts: Facts) -> str:
    """The facts as a few labelled lines, a jail table and a tree of guests."""
    release = facts.release
    bridges = [i for i in facts.interfaces if i.bridge]
    lines = [
        "host",
        "    release    " + (f"userland {release.userland}, kernel {release.kernel_running} "
                             f"(installed {release.kernel_installed})" if release else "unknown"),
        "    cpu        " + _cpu(facts.cpu),
        "    modules    " + _modules(facts),
        "    uplink     " + (facts.default_interface or "none") + " (IPv4 default route)",
        "    bridges    " + ("none" if not bridges else "; ".join(
            f"{b.name}: {' '.join(b.members) or 'no members'}" for b in bridges)),
        f"bastille {facts.bastille_prefix or '-'}",
        "    releases   " + (", ".join(facts.bastille_releases) or "none"),
    ]
    if not facts.jails:
        return "\n".join([*lines, "", "no Bastille jails"]) + "\n"
    rows = [(j.name, "running" if j.running else "stopped", _param(j, "securelevel"),
             _param(j, "devfs_ruleset"), _param(j, "allow.vmm"), j.rc_conf.get("vm_dir", "-"),
             str(len(j.guests)))
            for j in facts.jails]
    lines += ["", table(("jail", "state", "securelevel", "devfs_ruleset", "allow.vmm",
                         "vm_dir", "guests"), rows), "", "guests"]
    for jail in facts.jails:
        lines.append(f"    {jail.name}/" + ("" if jail.guests else " (none)"))
        width = max((len(g.name) for g in jail.guests), default=0)
        lines += [f"        {g.name.ljust(width)}  " + " ".join(
            f"{k}={g.config[k]}" for k in GUEST_KEYS if k in g.config) for g in jail.guests]
    return "\n".join(lines) + "\n"
