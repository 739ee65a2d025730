"""Doctor: a vnet jail's address on a bridge, and vm-bhyve's manual switch on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bhyvetpl.doctor.result import CheckResult
from bhyvetpl.model import jailnet
from bhyvetpl.model.jail import JAIL_BRIDGE
from bhyvetpl.shquote import shown as quoted

if TYPE_CHECKING:
    from bhyvetpl.doctor.jail import JailContext

CHECK = "jail address"


def address_switch(ctx: JailContext) -> CheckResult | None:
    """FAIL on vnet0 with an address (DHCP or static) inside a standard switch.

    None when the jail is not vnet or gives vnet0 and bridge0 no address (a per-guest
    jail without one). vnet0 in rc.conf's bridge0 and in a standard switch fails too: an
    interface is in one bridge at a time (sys/net/if_bridge.c bridge_ioctl_add returns
    EBUSY when if_bridge is set; freebsd-src a9c219f and later), so the switch's bridge
    has no uplink. The fix is what bhyvetpl's template writes (JailSpec.address_bridge):
    the rc.conf lines, the standard switch destroyed (its bridge goes, which drops its
    guests' links) and the manual one made after the jail restarts with the bridge.
    """
    if "vnet" not in ctx.params:
        return None
    rc, inner = ctx.jail.rc_conf, jailnet.INNER
    on_member = jailnet.jail_address(rc, inner)
    on_bridge = jailnet.jail_address(rc, JAIL_BRIDGE)
    if on_member is None and on_bridge is None:
        return None
    members = jailnet.member_switches(ctx.jail.vm_system)
    if not members:
        where = JAIL_BRIDGE if on_member is None else inner
        return CheckResult(CHECK, "PASS", f"the address on {where}; no standard switch "
                                          f"holds {inner}")
    fixes = []
    if on_member is not None:
        fixes.append(ctx.fix("sysrc", *jailnet.bridge_assignments(on_member[1])))
    fixes += [ctx.fix("cmd", "vm", "switch", "destroy", name) for name in members]
    fixes.append(ctx.fix("restart"))
    fixes += [ctx.fix("cmd", *jailnet.manual_switch_argv(name)) for name in members]
    names = ", ".join(quoted(n) for n in members)
    detail = (f"{on_member[0]}={quoted(rc[on_member[0]])} while standard switch {names} "
              f"holds {inner}: {jailnet.PROBLEM}" if on_member is not None else
              f"ifconfig_{JAIL_BRIDGE}={quoted(rc.get(f'ifconfig_{JAIL_BRIDGE}', ''))} takes "
              f"{inner}, which standard switch {names} also holds: an interface is in one "
              "bridge at a time, so the guests' switch has no uplink")
    return CheckResult(CHECK, "FAIL", detail, " && ".join(fixes)
                       + " (stops the jail's guests; then start them again)")


def create_fixes(ctx: JailContext, missing: list[str]) -> list[str]:
    """How to create missing switches: manual on the bridge when the jail has an address."""
    rc, inner = ctx.jail.rc_conf, jailnet.INNER
    on_member = jailnet.jail_address(rc, inner)
    if on_member is None and jailnet.jail_address(rc, JAIL_BRIDGE) is None:
        return [ctx.fix("cmd", "vm", "switch", "create", "-i", inner, s) for s in missing]
    first = ([ctx.fix("sysrc", *jailnet.bridge_assignments(on_member[1])),
              ctx.fix("restart")] if on_member is not None else [])
    return first + [ctx.fix("cmd", *jailnet.manual_switch_argv(s)) for s in missing]
