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

from bhyvetpl.facts.model import Facts
from bhyvetpl.model.guest import GuestSpec

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
