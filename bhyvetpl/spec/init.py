"""A spec written from facts (`bhyvetpl init`): what the host already has, and only that.

Every key written is one the host shows: a jail's network from its jail.conf (`vnet`),
its address and vm_dir from its rc.conf, its switch from vm-bhyve's system.conf, the
vmrun.sh consoles its devfs ruleset unhides (console_devices), a
guest's loader, cpu, memory, graphics (UEFI), disks and NICs from its config. A key the
host cannot show (a jail's presets, a guest's preset) is left out, and a comment says so.
"""

from __future__ import annotations

import json
import re

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts, Guest, Jail
from bhyvetpl.model import jailnet, policy, slots
from bhyvetpl.model.jail import JAIL_BRIDGE
from bhyvetpl.spec.keys import VERSION
from bhyvetpl.spec.resolve import RULESET_NAME

_BARE_RE = re.compile(r"[A-Za-z0-9_-]+")


def _toml(value: str | int | list[str]) -> str:
    """A TOML value: JSON's strings, integers and arrays of strings are TOML's too."""
    return json.dumps(value)


def _key(name: str) -> str:
    return name if _BARE_RE.fullmatch(name) else json.dumps(name)


def _address(jail: Jail) -> tuple[str | None, str]:
    """The jail's address and the rc.conf key it came from.

    A vnet jail bhyvetpl made has it on the bridge that holds vnet0 (ifconfig_bridge0, or
    ifconfig_bridge0_ipv6 for IPv6; ifconfig_vnet0 is then `up`, JailSpec.address_bridge);
    an older one on vnet0 itself (ifconfig_vnet0 or Bastille's ifconfig_vnet0_ipv6).
    """
    for interface in (JAIL_BRIDGE, jailnet.INNER):
        found = jailnet.jail_address(jail.rc_conf, interface)
        if found is not None:
            key, address = found
            if jailnet.is_dhcp(address):   # the spec takes DHCP and SYNCDHCP only
                return (address.upper() if address.upper() != "NOSYNCDHCP" else None), key
            return address, key
    return None, f"ifconfig_{jailnet.INNER}"


def _gateway(jail: Jail, address: str) -> str | None:
    """The default router for the address's family; Bastille writes `NO` for none."""
    key = "ipv6_defaultrouter" if ":" in address else "defaultrouter"
    value = jail.rc_conf.get(key, "")
    return value if value and value.upper() != "NO" else None


def _ruleset_number(jail: Jail) -> int | None:
    value = jail.params.get("devfs_ruleset", "")
    return int(value) if value.isdigit() else None


def per_guest(facts: Facts, jail: Jail) -> bool:
    """Whether the jail is what `isolation = "per-guest"` makes, so the spec can say so.

    Its shape (spec.resolve): one guest, named as the jail; a ruleset starting from
    $devfsrules_hide_all (policy.devfs_includes); a ZFS vm_dir, if any, DATASET/JAIL.
    """
    if [g.name for g in jail.guests] != [jail.name]:
        return False
    number = _ruleset_number(jail)
    ruleset = next((r for r in facts.devfs_rulesets if r.number == number), None)
    vm_dir = jail.rc_conf.get("vm_dir", "")
    return (ruleset is not None and "$devfsrules_hide_all" in ruleset.includes
            and (not vm_dir.startswith("zfs:") or vm_dir.endswith(f"/{jail.name}")))


def _console_devices(facts: Facts, jail: Jail) -> list[str]:
    """The vmrun.sh consoles (`nmdm...[AB]`, not a vm-bhyve guest's) the jail's ruleset unhides.

    What host prepare --console-device (or the spec key) wrote, read back as the flag
    takes it: /dev/nmdm...A.
    """
    number = jail.params.get("devfs_ruleset", "")
    ruleset = next((r for r in facts.devfs_rulesets if str(r.number) == number), None)
    if ruleset is None:
        return []
    return [f"/dev/{path.removesuffix('[AB]')}A" for path in ruleset.unhidden
            if path.startswith("nmdm") and path.endswith("[AB]")
            and policy.console_guest(path) is None]


def _jail_lines(jail: Jail, consoles: list[str], isolated: bool = False) -> list[str]:
    vnet = "vnet" in jail.params
    lines = ["", f"[jails.{_key(jail.name)}]",
             f"network = {_toml('vnet' if vnet else 'shared')}   # jail.conf: "
             + ("vnet" if vnet else "no vnet")]
    if isolated:
        lines.append('isolation = "per-guest"   # one guest, named as the jail; its devfs '
                     "ruleset starts from $devfsrules_hide_all")
    address, key = _address(jail) if vnet else (None, "")
    lines.append(f"address = {_toml(address)}   # rc.conf {key}" if address else
                 "# address: not read from rc.conf ifconfig_vnet0 (set it: DHCP, SYNCDHCP, "
                 "ADDR/NN)")
    gateway = _gateway(jail, address) if vnet and address and "/" in address else None
    if gateway:
        lines.append(f"gateway = {_toml(gateway)}")
    vm_dir = jail.rc_conf.get("vm_dir", "")
    if isolated and vm_dir.startswith("zfs:"):
        # A per-guest jail's dataset is the spec's vm_dir with the jail's name below it.
        lines.append(f"vm_dir = {_toml(vm_dir.removesuffix('/' + jail.name))}   # rc.conf "
                     f"vm_dir {vm_dir}, less /{jail.name}")
        # A jailed dataset: vm-bhyve makes the zvols in the jail, which the spec asks for
        # by name (host-made zvols read back as custom disks on a directory vm_dir).
        lines.append('zvols = "jail"   # vm-bhyve makes its zvols on the jailed dataset')
    elif vm_dir:
        lines.append(f"vm_dir = {_toml(vm_dir)}   # rc.conf vm_dir")
    switches = jail.vm_system.get("switch_list", "").split()
    if len(switches) == 1:
        lines.append(f"switch = {_toml(switches[0])}   # vm-bhyve system.conf")
    if consoles:
        lines.append(f"console_devices = {_toml(consoles)}   # devfs ruleset "
                     f"{jail.params['devfs_ruleset']}")
    lines.append("# release, interface: the host's (auto); presets: not read, the default")
    return lines


def _indexed(guest: Guest, family: str, key: str) -> list[tuple[int, str]]:
    """`familyN_key` values from 0 up to the first gap, as vm-bhyve reads them."""
    out: list[tuple[int, str]] = []
    while (value := guest.config.get(f"{family}{len(out)}_{key}")) is not None:
        out.append((len(out), value))
    return out


def _guest_lines(jail: Jail, guest: Guest) -> list[str]:
    config = guest.config
    lines = ["", f"[jails.{_key(jail.name)}.guests.{_key(guest.name)}]",
             "# preset: not read; the keys below are the guest's config "
             f"({guest.path or 'NAME.conf'})"]
    if config.get("loader"):
        lines.append(f"loader = {_toml(config['loader'])}")
    if config.get("cpu", "").isdigit():
        lines.append(f"cpu = {int(config['cpu'])}")
    if config.get("memory"):
        lines.append(f"memory = {_toml(config['memory'])}")
    if slots.is_uefi(config.get("loader")) and slots.yesno(config.get("graphics")):
        lines.append("graphics = true   # its ruleset holds vmm.io/NAME.framebuffer")
    disks = [name + "".join(f",{opt}={config[f'disk{i}_{key}']}" for opt, key in
                            (("type", "type"), ("dev", "dev")) if f"disk{i}_{key}" in config)
             for i, name in _indexed(guest, "disk", "name")]
    if disks:
        lines.append(f"disks = {_toml(disks)}")
    nics = [switch + (f",type={config[f'network{i}_type']}" if f"network{i}_type" in config
                      else "") for i, switch in _indexed(guest, "network", "switch")]
    if nics:
        lines.append(f"nics = {_toml(nics)}")
    elif "network0_type" not in config:
        lines.append("no_nic = true")
    return lines


def init_text(facts: Facts) -> str:
    """The spec of the bhyve jails (allow.vmm in jail.conf) and guests facts show.

    Raises:
        SpecError: The host shows no Bastille jail with allow.vmm.
    """
    # In ruleset order: the spec's jails take ruleset numbers in their order (resolve);
    # a jail on a ruleset not bhyvetpl's goes last, as found.
    ours = {r.number for r in facts.devfs_rulesets if r.name.startswith(RULESET_NAME)}
    jails = sorted((j for j in facts.jails if "allow.vmm" in j.params),
                   key=lambda j: n if (n := _ruleset_number(j)) in ours else 1 << 16)
    if not jails:
        raise SpecError("init", "no bhyve jail", "a Bastille jail whose jail.conf sets "
                        "allow.vmm (bhyvetpl jail create makes one)")
    release = facts.release.userland if facts.release else "unknown"
    lines = ["# bhyvetpl spec written by `bhyvetpl init` from what the host has;",
             "# `bhyvetpl plan` shows what applying it would change.",
             f"version = {VERSION}", "", "[host]",
             f'release = "auto"   # freebsd-version: {release}',
             f'uplink = "auto"    # default route: {facts.default_interface or "none"}']
    for jail in jails:
        lines += _jail_lines(jail, _console_devices(facts, jail), per_guest(facts, jail))
        for guest in jail.guests:
            lines += _guest_lines(jail, guest)
    return "\n".join(lines) + "\n"
