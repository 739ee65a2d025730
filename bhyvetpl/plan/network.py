"""Host taps now, and the private bridge with NAT: steps of host prepare.

Taps are created now (`ifconfig tapN create`, guarded by `ifconfig tapN`): a new tap
touches no other interface. A bridge that takes the uplink as a member is only written
to rc.conf: adding a member resets its link (if_bridge(4)), which can drop the session
that runs bhyvetpl; it takes effect at the next boot or `service netif restart`, or now
with --restart-network whenever the live bridge differs from rc.conf (bridge_matches). The NAT
bridge holds only taps, so it is made now, with pf and dnsmasq (bhyvetpl.model.nat).
"""

from __future__ import annotations

from pathlib import Path

from bhyvetpl.adapters import host
from bhyvetpl.facts.model import Interface
from bhyvetpl.hostfs import HostFS
from bhyvetpl.model.hostconf import AdminOwnedError
from bhyvetpl.model.nat import BRIDGE, Nat
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.actions import EditBlock, Probe, RunCommand, Step
from bhyvetpl.plan.build import TEMPLATE_TIMEOUT
from bhyvetpl.plan.shared import outside_blocks
from bhyvetpl.render import render_template

PF_CONF = "/etc/pf.conf"
DNSMASQ_CONF = "/usr/local/etc/dnsmasq.conf"


def tap_steps(features: Features) -> list[Step]:
    """Each host tap, created now unless it exists (rc.conf's cloned_interfaces at boot)."""
    return [RunCommand(host.ifconfig_create_argv(tap), why="the guest's NIC, made now "
                       "(cloned_interfaces makes it at boot)",
                       skip_if=Probe(host.ifconfig_argv(tap), means=f"{tap} exists"))
            for tap in features.host_taps]


def uplink_bridged(features: Features) -> bool:
    """Whether rc.conf puts the uplink in bridge0 with the host taps (not NAT)."""
    return bool(features.host_taps and features.nat is None and features.uplink)


def bridge_matches(line: str, live: Interface | None) -> bool:
    """Whether the live bridge is what rc.conf's `ifconfig_bridge0=LINE` makes.

    The members (`addm IF`) must be exactly the live ones and each static address
    (`inet ADDR/NN`) among the live addresses; a bridge that is missing never matches.
    """
    if live is None:
        return False
    pairs = list(zip(line.split(), line.split()[1:], strict=False))
    members = {word for key, word in pairs if key == "addm"}
    addresses = {word.split("/")[0] for key, word in pairs if key in ("inet", "inet6")}
    return set(live.members) == members and addresses <= set(live.addresses)


def uplink_bridge_steps(features: Features) -> list[Step]:
    """--restart-network: bridge0 as rc.conf has it, now (the live one differs).

    rc.d/netif takes interface names: netif_start and netif_stop0 set `cmdifn=$*` and
    pass it to clone_up/clone_down and netif_common (libexec/rc/rc.d/netif, freebsd-src
    023fc80), and rc.subr's restart runs `stop $rc_extra_args` then `start
    $rc_extra_args` (libexec/rc/rc.subr, freebsd-src 0227451). So only bridge0 is
    destroyed and made again from rc.conf's cloned_interfaces and ifconfig_bridge0; the
    uplink's link still resets when it is added (if_bridge(4)), hence the flag.
    """
    return [RunCommand(host.service_argv("netif", "restart", BRIDGE),
                       why=f"the bridge with the uplink {features.uplink}, now: the live "
                           f"{BRIDGE} differs from /etc/rc.conf (--restart-network)")]


def admin_has_rule(text: str | None, rule: str) -> bool:
    """Whether the admin's own pf.conf has our rule; refused when it has other rules.

    pf.conf is read as a whole and its rules in order (translation before filtering), so
    bhyvetpl writes it only when it holds nothing of the admin's.

    Raises:
        AdminOwnedError: the admin's pf.conf lacks the rule; the message gives it.
    """
    theirs = [line.strip() for line in outside_blocks(text or "").split("\n")
              if line.strip() and not line.lstrip().startswith("#")]
    if not theirs:
        return False
    if rule in theirs:
        return True
    raise AdminOwnedError(f"{PF_CONF}: has rules of yours and bhyvetpl does not edit them: "
                          f"add `{rule}` with your translation rules (before any filter "
                          "rule), then run again")


def nat_steps(features: Features, nat: Nat, root: Path) -> tuple[list[Step], Path | None]:
    """The private bridge now, pf's NAT rule and dnsmasq: steps, and the pf.conf edited."""
    fs = HostFS(root)
    members = [w for tap in features.host_taps for w in ("addm", tap)]
    steps: list[Step] = [RunCommand(
        host.ifconfig_create_argv(BRIDGE, "inet", nat.address, *members, "up"),
        why="the guests' private bridge, made now: it holds no uplink, so no link resets",
        skip_if=Probe(host.ifconfig_argv(BRIDGE), means=f"{BRIDGE} exists"))]
    pf_conf = fs.place(PF_CONF)
    edited = None
    if not admin_has_rule(fs.read_text(pf_conf), nat.pf_rule):
        edited = pf_conf
        steps.append(EditBlock(pf_conf, render_template(
            "host/lines.conf.j2", f=features, title="pf.conf: NAT for the guests' subnet",
            lines=((nat.pf_rule, f"the guests' {nat.network} leaves as {nat.uplink}'s "
                    "address; no filter rule, so pf passes everything else"),)),
            features.jail, why="NAT"))
        steps.append(RunCommand(host.service_argv("pf", "start"), after_change=pf_conf,
                                why="rc.d/pf loads pf.conf and enables pf"))
    steps.append(RunCommand(host.pkg_install_argv("dnsmasq"), timeout=TEMPLATE_TIMEOUT,
                            why="DHCP and DNS for the guests (Baldwin's Example 4)",
                            skip_if=Probe(host.pkg_installed_argv("dnsmasq"),
                                          means="dnsmasq is installed")))
    conf = fs.place(DNSMASQ_CONF)
    steps.append(EditBlock(conf, render_template(
        "host/lines.conf.j2", f=features, title="dnsmasq.conf: the guests' DHCP",
        lines=tuple((line, why) for line, why in zip(nat.dnsmasq_lines, (
            "no bare names upstream", "no reverse lookups of private addresses upstream",
            f"serve only the guests' bridge {BRIDGE}", "the guests' addresses, 12 h leases"),
            strict=True))), features.jail, why="DHCP for the guests"))
    steps.append(RunCommand(host.service_argv("dnsmasq", "restart"), after_change=conf,
                            why="read the changed dnsmasq.conf"))
    return steps, edited
