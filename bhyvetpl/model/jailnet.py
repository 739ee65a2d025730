"""A vnet jail's address and vm-bhyve switch: what the template writes, doctor and lint check.

The jail's address (by DHCP or static, IPv4 or IPv6) goes on a bridge its rc.conf creates,
with vnet0 a member and only `up`, and vm-bhyve takes that bridge as a manual switch
(JailSpec.address_bridge says why). What this replaces, a standard switch holding vnet0
while vnet0 holds the address, leaves the address on a bridge member: if_bridge(4) says a
member should hold none, FreeBSD 15.0 warns that it "is deprecated and will be unsupported
in a future release" and refuses it with net.link.bridge.member_ifaddrs=0 (reviews.freebsd.org
D49995; policy.MEMBER_IFADDRS_SINCE), and `vm switch address` cannot move a DHCP address
(it sets a static one only, lib/vm-switch switch::address).
"""

from __future__ import annotations

import re

INNER = "vnet0"
# The jail's bridge: if_bridge makes a bridge cloner per vnet (sys/net/if_bridge.c
# VNET_SYSINIT vnet_bridge_init), so the host's bridge0 is another interface.
JAIL_BRIDGE = "bridge0"
# The words rc.d/netif reads as "take the address by DHCP" in ifconfig_IF
# (libexec/rc/network.subr dhcpif, freebsd-src 03ccfdd: case-insensitive).
DHCP_WORDS = frozenset({"DHCP", "SYNCDHCP", "NOSYNCDHCP"})
_CIDR_RE = re.compile(r"[0-9A-Fa-f.:]+/[0-9]+")


def rc_address(value: str) -> str | None:
    """The address an rc.conf ifconfig_IF[_ipv6] value gives: its DHCP word or ADDR/NN.

    A static address follows `inet`/`inet6`, after any flags such as Bastille's
    `inet6 -ifdisabled ADDR/NN` (create.sh, 1.0 to master); SLAAC alone gives none.
    """
    words = value.replace('"', " ").split()
    dhcp = next((w for w in words if w.upper() in DHCP_WORDS), None)
    if dhcp is not None:
        return dhcp
    for index, word in enumerate(words):
        if word in ("inet", "inet6"):
            rest = [w for w in words[index + 1:] if not w.startswith("-")]
            if rest and _CIDR_RE.fullmatch(rest[0]):
                return rest[0]
    return None


def jail_address(rc: dict[str, str], interface: str) -> tuple[str, str] | None:
    """The rc.conf key that gives interface an address, and that address."""
    for key in (f"ifconfig_{interface}", f"ifconfig_{interface}_ipv6"):
        address = rc_address(rc.get(key, ""))
        if address is not None:
            return key, address
    return None


def member_switches(system: dict[str, str], interface: str = INNER) -> list[str]:
    """The standard vm-bhyve switches holding interface (system.conf's ports_NAME).

    `vm switch create -i IF NAME` writes type_NAME="standard" and ports_NAME="IF"
    (lib/vm-switch-standard, 1.4.0 to master); an unset type reads as standard.
    """
    return [name for name in system.get("switch_list", "").split()
            if system.get(f"type_{name}", "standard") == "standard"
            and interface in system.get(f"ports_{name}", "").split()]


def is_dhcp(address: str) -> bool:
    """Whether a spec or rc.conf address is a DHCP word."""
    return address.upper() in DHCP_WORDS


def rc_settings(address: str) -> tuple[tuple[str, str], ...]:
    """The jail's rc.conf lines that put address on the bridge, vnet0 its member (in order).

    rc.d/netif's ifconfig_up (libexec/rc/network.subr, freebsd-src 03ccfdd) runs
    `ifconfig bridge0 ARGS` with ifconfig_bridge0 (ifconfig_getargs drops the DHCP words),
    then `ifconfig bridge0 up`, then `rc.d/dhclient start bridge0` for a DHCP word.
    ifconfig takes an address family only as its first argument (sbin/ifconfig/ifconfig.c
    main, "Check for address family"), so a static IPv4 address comes before `addm`, as
    in the host's own bridge line (policy.rc_conf). An IPv6 address goes in
    ifconfig_bridge0_ipv6: ifconfig_up runs `inet6 -ifdisabled` only for an interface
    with that line, and ifconfig_vnet0_ipv6 (where Bastille and earlier bhyvetpl put it)
    is emptied, as Bastille writes it for a jail without IPv6.
    """
    ipv6 = not is_dhcp(address) and ":" in address
    bridge = (f"addm {INNER} {address}" if is_dhcp(address) else f"addm {INNER}" if ipv6
              else f"inet {address} addm {INNER}")
    settings = [(f"ifconfig_{INNER}", "up"), (f"ifconfig_{JAIL_BRIDGE}", bridge)]
    if ipv6:
        settings += [(f"ifconfig_{JAIL_BRIDGE}_ipv6", f"inet6 {address}"),
                     (f"ifconfig_{INNER}_ipv6", "")]
    return tuple(settings)


CLONED = ("cloned_interfaces+", JAIL_BRIDGE)   # sysrc NAME+=WORD appends (usr.sbin/sysrc)


def bridge_assignments(address: str) -> tuple[str, ...]:
    """The jail's rc.conf lines that move address from vnet0 to the bridge (sysrc args)."""
    first, *rest = rc_settings(address)
    return tuple(f"{k}={v}" for k, v in (first, CLONED, *rest))


def manual_switch_argv(switch: str) -> tuple[str, ...]:
    """vm-bhyve's manual switch on the jail's bridge (vm switch create -t manual -b)."""
    return ("vm", "switch", "create", "-t", "manual", "-b", JAIL_BRIDGE, switch)


def bastillefile_lines(address: str, switch: str) -> tuple[str, ...]:
    """The Bastillefile lines bhyvetpl's template writes for this (SYSRC lines are eval'd)."""
    first, *rest = rc_settings(address)
    return (f'SYSRC {first[0]}="{first[1]}"', f"SYSRC {'='.join(CLONED)}",
            *(f'SYSRC {k}="{v}"' for k, v in rest),
            "CMD " + " ".join(manual_switch_argv(switch)))


PROBLEM = ("a bridge member holds the jail's address: if_bridge(4) wants it on the bridge "
           "(FreeBSD 15 warns it is deprecated, and refuses it with "
           "net.link.bridge.member_ifaddrs=0)")
