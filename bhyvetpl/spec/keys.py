"""The spec's keys: one table per section, with the type and the words of the matching flag.

The same table checks a loaded spec and generates its JSON Schema, so the two cannot
drift; the key names are the flags' own (`--vm-dir` is `vm_dir`), and values take the
flags' syntax (`disks = ["disk0.img,size=20G"]` as `--disk disk0.img,size=20G`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["str", "int", "bool", "list"]


@dataclass(frozen=True, slots=True)
class Key:
    """One key: its TOML type, the form its value takes, and whether it may be "auto"."""

    kind: Kind
    form: str
    auto: bool = False


HOST_KEYS: dict[str, Key] = {
    "release": Key("str", "the host's FreeBSD release, e.g. 14.3-RELEASE; auto: "
                   "freebsd-version's userland", auto=True),
    "uplink": Key("str", "the interface bridged with host taps; auto: the default route's",
                  auto=True),
    "nat": Key("str", "ADDR/NN: host taps on a private bridge with this address, NAT out "
               "of the uplink (pf), DHCP for the guests (dnsmasq); for a wlan uplink"),
    "ruleset": Key("int", "the first devfs ruleset number bhyvetpl may use (25)"),
    "ruleset_name": Key("str", "the devfs ruleset name (a shell identifier)"),
}
JAIL_KEYS: dict[str, Key] = {
    "release": Key("str", "the jail's release, e.g. 14.3-RELEASE; auto: the host's",
                   auto=True),
    "network": Key("str", "vnet, bridge or shared"),
    "interface": Key("str", "the host interface of the jail; auto: the default route's",
                     auto=True),
    "address": Key("str", "DHCP, SYNCDHCP, ADDR/NN, or none (a per-guest vnet jail's default)"),
    "gateway": Key("str", "the default router of a static vnet jail"),
    "vm_dir": Key("str", "vm-bhyve's vm_dir in the jail: /PATH, or zfs:POOL/DATASET "
                  "(per-guest: each jail gets DATASET/JAIL)"),
    "switch": Key("str", "the vm-bhyve switch name"),
    "presets": Key("list", "presets whose templates the jail gets (freebsd, linux, ...)"),
    "console_devices": Key("list", "nmdm consoles vmrun.sh is given with -C, as "
                           "--console-device takes them (/dev/nmdm-NAME-A): each pair is "
                           "unhidden"),
    "passthrough": Key("bool", "prepare the jail for PCI passthrough"),
    "vmm_ppt": Key("bool", "set allow.vmm_ppt (the host must have it)"),
    "isolation": Key("str", "shared (one jail for its guests) or per-guest (a jail for "
                     "each guest, named after it, each with its own ruleset and vnet)"),
    "zvols": Key("str", "per-guest with a zfs: vm_dir: host (the default: the host makes "
                 "each zvol disk, the jail sees its node only) or jail (a jailed dataset "
                 "vm-bhyve manages: /dev/zfs, allow.mount)"),
    "limits": Key("bool", "cap the jail with rctl from its guests' memory (takes a reboot "
                  "the first time: kern.racct.enable)"),
    "hosts": Key("list", "the inventory hosts or groups the jail is on (plan --facts-dir); "
                 "unset: every host"),
}
GUEST_KEYS: dict[str, Key] = {
    "preset": Key("str", "freebsd, linux, linux-grub, windows or openbsd"),
    "loader": Key("str", "bhyveload, grub, uefi, uefi-csm or uefi-devel"),
    "cpu": Key("int", "virtual CPUs"),
    "topology": Key("str", "SOCKETSxCORESxTHREADS"),
    "memory": Key("str", "memory with a unit, e.g. 512M or 4G"),
    "disks": Key("list", "disks as --disk takes them: NAME[,type=..,dev=..,size=..]"),
    "nics": Key("list", "NICs as --nic takes them: SWITCH[,type=..,mac=..,device=..]"),
    "no_nic": Key("bool", "a guest without network"),
    "passthru": Key("list", "PCI devices BUS/SLOT/FUNCTION[=SLOT:FUNC]"),
    "graphics": Key("bool", "a VNC framebuffer (UEFI loaders)"),
    "vnc_port": Key("int", "the VNC port"),
    "vnc_listen": Key("str", "the VNC address (127.0.0.1 unless you mean otherwise)"),
    "vnc_res": Key("str", "the resolution WxH"),
    "vnc_wait": Key("str", "yes, no or auto"),
    "comports": Key("list", "serial ports, e.g. com1"),
    "uuid": Key("str", "a fixed SMBIOS UUID"),
    "debug": Key("bool", "vm-bhyve debug logging"),
    "switch": Key("str", "the switch of the default NIC"),
    "autostart": Key("bool", "start with the jail (vm-bhyve's vm_list), stop before it"),
}
TOP_KEYS = ("version", "host", "jails")
VERSION = 1
