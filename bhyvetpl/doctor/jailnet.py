"""Doctor: a DHCP vnet jail's address on a bridge, and vm-bhyve's manual switch on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bhyvetpl.doctor.result import CheckResult
from bhyvetpl.model import jailnet
from bhyvetpl.model.jail import JAIL_BRIDGE
from bhyvetpl.shquote import shown as quoted

if TYPE_CHECKING:
    from bhyvetpl.doctor.jail import JailContext

CHECK = "jail DHCP address"


def dhcp_switch(ctx: JailContext) -> CheckResult | None:
    """FAIL on vnet0 with a DHCP address inside a standard switch; None when not DHCP.

    vnet0 in rc.conf's bridge0 and in a standard switch fails too: an interface is in one
    bridge at a time (sys/net/if_bridge.c bridge_ioctl_add returns EBUSY when if_bridge is
    set; freebsd-src a9c219f and later), so the switch's bridge has no uplink.
    The fix is what bhyvetpl's template writes (JailSpec.dhcp_bridge): the rc.conf lines,
    the standard switch destroyed (its bridge goes, which drops its guests' links) and the
    manual one made after the jail restarts with the bridge.
    """
    if "vnet" not in ctx.params:
        return None
    rc, inner = ctx.jail.rc_conf, jailnet.INNER
    on_member = jailnet.dhcp_word(rc.get(f"ifconfig_{inner}", ""))
    bridge_value = rc.get(f"ifconfig_{JAIL_BRIDGE}", "")
    on_bridge = jailnet.dhcp_word(bridge_value)
    if on_member is None and on_bridge is None:
        return None
    members = jailnet.member_switches(ctx.jail.vm_system)
    if not members:
        where = (f"on {JAIL_BRIDGE}" if on_bridge and on_member is None else f"on {inner}")
        return CheckResult(CHECK, "PASS", f"DHCP {where}; no standard switch holds {inner}")
    fixes = []
    if on_member is not None:
        fixes.append(ctx.fix("sysrc", *jailnet.bridge_assignments(on_member)))
    fixes += [ctx.fix("cmd", "vm", "switch", "destroy", name) for name in members]
    fixes.append(ctx.fix("restart"))
    fixes += [ctx.fix("cmd", *jailnet.manual_switch_argv(name)) for name in members]
    detail = (f"ifconfig_{inner}={quoted(rc[f'ifconfig_{inner}'])} while standard switch "
              f"{', '.join(quoted(n) for n in members)} holds {inner}: {jailnet.PROBLEM}"
              if on_member is not None else
              f"ifconfig_{JAIL_BRIDGE}={quoted(bridge_value)} takes {inner}, which standard "
              f"switch {', '.join(quoted(n) for n in members)} also holds: an interface is "
              "in one bridge at a time, so the guests' switch has no uplink")
    return CheckResult(CHECK, "FAIL", detail, " && ".join(fixes)
                       + " (stops the jail's guests; then start them again)")


def create_fixes(ctx: JailContext, missing: list[str]) -> list[str]:
    """How to create missing switches: manual on the bridge when the address is by DHCP."""
    rc, inner = ctx.jail.rc_conf, jailnet.INNER
    on_member = jailnet.dhcp_word(rc.get(f"ifconfig_{inner}", ""))
    if on_member is None and jailnet.dhcp_word(rc.get(f"ifconfig_{JAIL_BRIDGE}", "")) is None:
        return [ctx.fix("cmd", "vm", "switch", "create", "-i", inner, s) for s in missing]
    first = ([ctx.fix("sysrc", *jailnet.bridge_assignments(on_member)), ctx.fix("restart")]
             if on_member is not None else [])
    return first + [ctx.fix("cmd", *jailnet.manual_switch_argv(s)) for s in missing]
