"""Tap names for a per-guest jail's NICs: chosen by bhyvetpl, so its ruleset can name them.

vm-bhyve numbers an unnamed NIC's tap when the guest starts (`ifconfig tap create`, the
kernel's lowest free unit), after the ruleset is loaded, so only `tap*` would reach it.
A NIC with networkN_device uses that tap as it is (vm-bhyve 1.4.0 to master 89c21d0,
switch::standard::provision): the jail's rc makes it (JailSpec.jail_taps) and the ruleset
unhides that one node. bastille-vm-plugin instead creates the taps itself at start and
rebuilds the VM's ruleset from them (bhyve.sh vm_create_taps, vm_load_devfs_ruleset @
610f19b); bhyvetpl's ruleset is written before the jail starts, so it picks the names.

Tap units are host-wide: one unit allocator per driver, whichever vnet holds the tap
(sys/net/if_tuntap.c tun_clone_create: alloc_unr_specific on the driver's unrhdr,
EEXIST when taken), so a name must be free on the host and in every jail.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from bhyvetpl.facts.model import Facts, Jail
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.shquote import shown, shown_join

# Above the units `ifconfig tap create` hands out (the lowest free, from 0: vm-bhyve's
# unnamed NICs in shared jails, the peer's taps), so the two do not meet on a usual host.
TAP_BASE = 1000
_TAP_RE = re.compile(r"tap[0-9]+")
_DEVICE_KEY_RE = re.compile(r"network([0-9]+)_device")


def _taps(words: Iterable[str]) -> list[str]:
    return [w for w in words if _TAP_RE.fullmatch(w)]


def in_use(facts: Facts, but: str) -> set[str]:
    """The taps the host has, and those every jail but `but` names or makes."""
    used = set(_taps(i.name for i in facts.interfaces))
    for jail in facts.jails:
        if jail.name == but:
            continue
        used.update(_taps(jail.rc_conf.get("cloned_interfaces", "").split()))
        used.update(_taps(v for g in jail.guests for k, v in g.config.items()
                          if _DEVICE_KEY_RE.fullmatch(k)))
    return used


def kept(facts: Facts, jail: str, guest: str) -> list[str]:
    """The taps the jail already gives the guest, by NIC index: a second plan keeps them.

    From the guest's config (networkN_device), else from the jail's cloned_interfaces
    (the jail made, the guest not yet created).
    """
    found = facts.jail(jail)
    if found is None:
        return []
    config = next((g.config for g in found.guests if g.name == guest), None)
    if config is not None:
        devices = {int(m.group(1)): v for k, v in config.items()
                   if (m := _DEVICE_KEY_RE.fullmatch(k)) and _TAP_RE.fullmatch(v)}
        return [devices[i] for i in range(len(devices)) if i in devices]
    return _taps(found.rc_conf.get("cloned_interfaces", "").split())


def name_taps(guest: GuestSpec, jail: str, facts: Facts, taken: set[str]) -> GuestSpec:
    """The guest with a tap named on each NIC that names none; `taken` grows by them."""
    own = kept(facts, jail, guest.name)
    nics = []
    for index, nic in enumerate(guest.nics):
        if nic.device is None:
            wanted = own[index] if index < len(own) and own[index] not in taken else None
            if wanted is None:
                unit = TAP_BASE
                while f"tap{unit}" in taken:
                    unit += 1
                wanted = f"tap{unit}"
            nic = dataclasses.replace(nic, device=wanted)
        taken.add(nic.device or "")
        nics.append(nic)
    return dataclasses.replace(guest, nics=tuple(nics))


def own_taps(jail: Jail) -> list[str]:
    """The taps a vnet jail's guests use in its own vnet; none without vnet.

    Its rc makes them at start (cloned_interfaces); its guests name them (networkN_device).
    """
    if "vnet" not in jail.params:
        return []
    named = _taps(v for g in jail.guests for k, v in g.config.items()
                  if _DEVICE_KEY_RE.fullmatch(k))
    return list(dict.fromkeys([*_taps(jail.rc_conf.get("cloned_interfaces", "").split()),
                               *named]))


def taken_while_stopped(facts: Facts, jail: Jail) -> dict[str, str | None]:
    """Each tap of a stopped vnet jail that exists now: None on the host, else the jail.

    A stopped jail holds no tap: its vnet's cloners go with it, and with them the taps
    made there (sys/net/if_tuntap.c vnet_tun_uninit: if_clone_detach of each of the vnet's
    tuntap cloners). Units are host-wide, so a tap made meanwhile by that number makes the
    jail's rc fail to create it while its guest's bhyve opens /dev/tapN, the other one.
    Read from facts only: the host's `ifconfig -a`, and the running vnet jails' own taps
    (their vnets hold them; `ifconfig -a` on the host does not list them).
    """
    if jail.running:
        return {}
    host = {i.name for i in facts.interfaces}
    others = {tap: other.name for other in facts.jails
              if other.running and other.name != jail.name for tap in own_taps(other)}
    return {tap: None if tap in host else others[tap] for tap in own_taps(jail)
            if tap in host or tap in others}


def taken_fix(jail: str, tap: str, holder: str | None) -> str:
    """What the admin does before starting the jail whose tap another holds."""
    start = shown_join(("bastille", "start", jail))
    if holder is None:
        return (f"ifconfig {tap} destroy on the host if nothing holds it open (fstat "
                f"/dev/{tap}), then {start}")
    return (f"jail {shown(holder)} makes or uses {tap} too: give one of the two jails "
            "another tap (its rc.conf cloned_interfaces, its guest's networkN_device and its "
            f"ruleset's tap line) before {start}")


def taken_detail(taken: dict[str, str | None]) -> str:
    """Where each taken tap is, for the doctor's detail and the plan's refusal."""
    return "; ".join(f"{tap} exists " + ("on the host" if holder is None else
                                         f"in running jail {shown(holder)}")
                     for tap, holder in taken.items())
