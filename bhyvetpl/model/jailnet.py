"""A DHCP vnet jail's address and vm-bhyve switch: what doctor and lint both check.

The jail's address by DHCP goes on a bridge its rc.conf creates, with vnet0 a member, and
vm-bhyve takes that bridge as a manual switch (JailSpec.dhcp_bridge says why). What this
replaces, a standard switch holding vnet0 while vnet0 takes the address by DHCP, leaves
the address on a bridge member: if_bridge(4) says a member should hold none (FreeBSD 15.0
refuses it with net.link.bridge.member_ifaddrs=0), and `vm switch address` cannot move a
DHCP address (it sets a static one only, lib/vm-switch switch::address).
"""

from __future__ import annotations

from bhyvetpl.model.jail import JAIL_BRIDGE

INNER = "vnet0"
# The words rc.d/netif reads as "take the address by DHCP" in ifconfig_IF
# (libexec/rc/network.subr dhcpif, freebsd-src 03ccfdd: case-insensitive).
DHCP_WORDS = frozenset({"DHCP", "SYNCDHCP", "NOSYNCDHCP"})


def dhcp_word(value: str) -> str | None:
    """The DHCP word of an rc.conf ifconfig_IF value, as rc.d/netif would see it."""
    return next((w for w in value.replace('"', " ").split() if w.upper() in DHCP_WORDS), None)


def member_switches(system: dict[str, str], interface: str = INNER) -> list[str]:
    """The standard vm-bhyve switches holding interface (system.conf's ports_NAME).

    `vm switch create -i IF NAME` writes type_NAME="standard" and ports_NAME="IF"
    (lib/vm-switch-standard, 1.4.0 to master); an unset type reads as standard.
    """
    return [name for name in system.get("switch_list", "").split()
            if system.get(f"type_{name}", "standard") == "standard"
            and interface in system.get(f"ports_{name}", "").split()]


def bridge_assignments(word: str) -> tuple[str, ...]:
    """The jail's rc.conf lines that move a DHCP address from vnet0 to the bridge."""
    return (f"ifconfig_{INNER}=up", f"cloned_interfaces+={JAIL_BRIDGE}",
            f"ifconfig_{JAIL_BRIDGE}=addm {INNER} {word}")


def manual_switch_argv(switch: str) -> tuple[str, ...]:
    """vm-bhyve's manual switch on the jail's bridge (vm switch create -t manual -b)."""
    return ("vm", "switch", "create", "-t", "manual", "-b", JAIL_BRIDGE, switch)


def bastillefile_lines(word: str, switch: str) -> tuple[str, ...]:
    """The Bastillefile lines bhyvetpl's template writes for this (SYSRC lines are eval'd)."""
    first, cloned, bridge = (a.partition("=") for a in bridge_assignments(word))
    return (f'SYSRC {first[0]}="{first[2]}"', f"SYSRC {''.join(cloned)}",
            f'SYSRC {bridge[0]}="{bridge[2]}"',
            "CMD " + " ".join(manual_switch_argv(switch)))


PROBLEM = ("a bridge member holds the DHCP address: if_bridge(4) wants it on the bridge "
           "(FreeBSD 15 refuses it), and `vm switch address` sets static addresses only")
