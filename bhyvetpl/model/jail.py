"""The bhyve jail: how Bastille creates it, where vm-bhyve keeps guests, its guests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from packaging.version import Version

from bhyvetpl.errors import SpecError
from bhyvetpl.model import jailnet, values
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.hostzvol import HostZvol
from bhyvetpl.model.preset import PRESETS

NetMode = Literal["vnet", "bridge", "shared"]
DHCP_MODES = ("DHCP", "SYNCDHCP")
# The bridge a vnet jail's rc.conf creates for its address and vm-bhyve's manual switch
# (jail.address_bridge).
JAIL_BRIDGE = jailnet.JAIL_BRIDGE
# A per-guest jail needs no address of its own: its guest's taps reach the uplink through
# the jail's switch and vnet0 as bridge members, and its packages come from the host
# (plan.rootpkg), so vnet0 is only `up` and the jail runs no dhclient (no bpf).
NO_ADDRESS = "none"
# Rulesets 1-5 come with FreeBSD (/etc/defaults/devfs.rules); Bastille's setup writes 13.
RESERVED_RULESETS = {1: "devfsrules_hide_all", 2: "devfsrules_unhide_basic",
                     3: "devfsrules_unhide_login", 4: "devfsrules_jail",
                     5: "devfsrules_jail_vnet", 13: "bastille_vnet"}


def vnet_name_ok(name: str) -> bool:
    """Whether Bastille would create a vnet jail of this name.

    Bastille's create.sh validate_name (1.0 to master) refuses `-` and `_` only when
    VNET_JAIL=1: "VNET jail names may not contain (-|_) characters." (the name becomes
    part of its epair's name). A shared-IP jail such as `bhyve-01` is fine.
    """
    return "-" not in name and "_" not in name


@dataclass(frozen=True, slots=True)
class RulesetSpec:
    """The devfs ruleset bhyvetpl owns: `[NAME=NUMBER]` in /etc/devfs.rules."""

    number: int = 25
    name: str = "devfs_rules_bhyve_jail"

    def __post_init__(self) -> None:
        """Refuse numbers FreeBSD or Bastille already use, and non-identifier names."""
        values.integer("ruleset.number", self.number, 1, 65535)
        if self.number in RESERVED_RULESETS:
            raise SpecError("ruleset.number", self.number,
                            f"a number not used by {RESERVED_RULESETS[self.number]}: "
                            "6-65535 except 13 (25 is customary)")
        values.shell_identifier("ruleset.name", self.name)
        if self.name in RESERVED_RULESETS.values():
            raise SpecError("ruleset.name", self.name, "a name FreeBSD and Bastille do not use")


@dataclass(frozen=True, slots=True)
class JailSpec:
    """A Bastille jail that runs vm-bhyve, and the guests declared for it."""

    name: str = "bhyve"
    release: str = "14.3-RELEASE"
    network: NetMode = "vnet"
    interface: str = "em0"
    address: str = "SYNCDHCP"
    gateway: str | None = None
    vm_dir: str = "/vms"
    vm_dataset: str | None = None
    switch: str = "public"
    ruleset: RulesetSpec = field(default_factory=RulesetSpec)
    presets: tuple[str, ...] = ("freebsd",)
    guests: tuple[GuestSpec, ...] = ()
    passthrough: bool = False
    vmm_ppt: bool = False
    limits: bool = False
    # isolation = "per-guest": the jail holds one guest and nothing else, so its devfs
    # starts from devfsrules_hide_all instead of devfsrules_jail (policy.devfs_includes).
    per_guest: bool = False
    # The jail exists (new-guest, templates install): Bastille before 1.1.0 (the rule came
    # with commit 7d3f77e, 2025-07-12) made vnet jails named with - and _, such as the
    # Neira article's test-bhyve, so create.sh's name rule is not applied to it.
    existing: bool = False
    # nmdm(4) consoles a vmrun.sh-style guest is given with -C (/dev/nmdm-NAME-A): the
    # ruleset unhides each pair, as host prepare --console-device does.
    console_devices: tuple[str, ...] = ()
    # A per-guest jail's zvols the host makes (model.hostzvol): its guests name them as
    # custom disks, and the jail plan creates them.
    host_zvols: tuple[HostZvol, ...] = ()

    def __post_init__(self) -> None:
        """Check every field and what ties the network mode to addresses and NICs."""
        values.jail_name("jail.name", self.name)
        values.release("jail.release", self.release)
        if self.network not in get_args(NetMode):
            raise SpecError("jail.network", self.network, "one of vnet, bridge, shared")
        if self.network != "shared" and not self.existing and not vnet_name_ok(self.name):
            raise SpecError("jail.name", self.name, "letters and digits only for a vnet jail "
                            "(Bastille refuses - and _ in VNET jail names; --shared takes them)")
        values.interface("jail.interface", self.interface)
        if self.network == "vnet" and "." in self.interface:
            raise SpecError("jail.interface", self.interface,
                            "an interface without a dot: bastille create -V refuses VLAN names")
        self._check_address()
        values.abs_path("jail.vm_dir", self.vm_dir)
        if self.vm_dataset is not None:
            values.dataset("jail.vm_dataset", self.vm_dataset)
        values.vm_name("jail.switch", self.switch)
        for preset in self.presets:
            if preset not in PRESETS:
                raise SpecError("jail.presets", preset, "one of " + ", ".join(PRESETS))
        if len(set(self.presets)) != len(self.presets):
            raise SpecError("jail.presets", " ".join(self.presets), "each preset once")
        for device in self.console_devices:
            values.nmdm_pair("console_device", device)
        self._check_guests()

    def _check_address(self) -> None:
        if self.address == NO_ADDRESS:
            if not (self.per_guest and self.vnet):
                raise SpecError("jail.address", self.address, 'DHCP, SYNCDHCP or ADDR/NN: '
                                'only a vnet jail of isolation = "per-guest" goes without '
                                "(elsewhere Bastille's PKG runs pkg inside the jail, over "
                                "its network)")
        elif self.address in DHCP_MODES:
            if self.network == "shared":
                raise SpecError("jail.address", self.address,
                                "ADDR/NN: a shared-IP (non-vnet) jail cannot run DHCP")
        else:
            object.__setattr__(self, "address", values.ip_interface("jail.address",
                                                                    self.address))
        if self.gateway is not None:
            object.__setattr__(self, "gateway", values.ip_address("jail.gateway", self.gateway,
                                                                     zone=True))
            if self.network == "shared" or self.dhcp or self.address == NO_ADDRESS:
                raise SpecError("jail.gateway", self.gateway,
                                "no gateway unless the jail is vnet with a static address")
            if (":" in self.gateway) != (":" in self.address):
                raise SpecError("jail.gateway", self.gateway,
                                "a gateway of the same address family as --ip")

    def _check_guests(self) -> None:
        names = [g.name for g in self.guests]
        if len({n.lower() for n in names}) != len(names):
            raise SpecError("jail.guests", " ".join(names), "distinct guest names")
        short_names = values.release("jail.release", self.release) < Version("13.0")
        for guest in self.guests:
            if short_names and len(guest.name) > 32:
                raise SpecError(f"guest.{guest.name}.name", guest.name,
                                "at most 32 characters: vm-bhyve's limit on FreeBSD 12")
            for index, nic in enumerate(guest.nics):
                if self.network == "shared" and nic.device is None:
                    raise SpecError(f"guest.{guest.name}.nic{index}.device", "",
                                    "a host-made tap (e.g. tap0): a non-vnet jail cannot "
                                    "create vm-bhyve switches")
            if any(d.is_zvol for d in guest.disks) and self.vm_dataset is None:
                raise SpecError(f"guest.{guest.name}.disk.dev", "zvol",
                                "file disks, or a jail with vm_dataset set (zvols live "
                                "below the jail's ZFS vm_dir)")

    @property
    def release_version(self) -> Version:
        """The jail's FreeBSD release as a comparable version."""
        return values.release("jail.release", self.release)

    @property
    def vnet(self) -> bool:
        """Whether the jail has its own network stack (vm-bhyve switches need it)."""
        return self.network != "shared"

    @property
    def dhcp(self) -> bool:
        """Whether the jail takes its address by DHCP (needs bpf in the ruleset)."""
        return self.address in DHCP_MODES

    @property
    def no_address(self) -> bool:
        """A per-guest jail without an address: its packages come from the host (pkg -r)."""
        return self.address == NO_ADDRESS

    @property
    def ifconfig_key(self) -> str:
        """rc.conf's key for the jail's address: ifconfig_vnet0, or ifconfig_vnet0_ipv6."""
        suffix = "_ipv6" if not self.dhcp and ":" in self.address else ""
        if self.address == NO_ADDRESS:
            suffix = ""
        return f"ifconfig_{self.inner_interface}{suffix}"

    @property
    def ifconfig_value(self) -> str:
        """rc.conf ifconfig_vnet0: SYNCDHCP/DHCP, or `inet[6] ADDR/NN` for a static address."""
        if self.dhcp:
            return self.address
        if self.address == NO_ADDRESS:
            return "up"
        family = "inet6" if ":" in self.address else "inet"
        return f"{family} {self.address}"

    @property
    def address_bridge(self) -> str | None:
        """The bridge that holds a vnet jail's address (DHCP or static), vnet0 its member.

        A bridge member should hold no address (if_bridge(4); FreeBSD 15.0 warns it is
        deprecated and refuses it with net.link.bridge.member_ifaddrs=0, review D49995),
        and `vm switch address` sets only a static address (vm-bhyve 1.4.0 to master,
        lib/vm-switch switch::address). So the jail's rc.conf creates this bridge with
        vnet0 in it (vnet0 only `up`) and puts the address on the bridge, and vm-bhyve
        takes it as a manual switch (`vm switch create -t manual -b BRIDGE`). A per-guest
        jail without an address keeps vnet0 in a standard switch: nothing to move.
        """
        return JAIL_BRIDGE if self.vnet and not self.no_address else None

    @property
    def bridge_settings(self) -> tuple[tuple[str, str], ...]:
        """rc.conf lines for the address on the bridge (jailnet.rc_settings), in order."""
        return jailnet.rc_settings(self.address) if self.address_bridge else ()

    @property
    def gateway_key(self) -> str:
        """rc.conf's default route key for the gateway's address family."""
        return "ipv6_defaultrouter" if self.gateway and ":" in self.gateway else "defaultrouter"

    @property
    def inner_interface(self) -> str | None:
        """The interface inside the jail: Bastille names it vnet0 on vnet jails."""
        return "vnet0" if self.vnet else None

    @property
    def vm_dir_value(self) -> str:
        """vm_dir as vm-bhyve reads it: `zfs:DATASET` or a directory."""
        return f"zfs:{self.vm_dataset}" if self.vm_dataset else self.vm_dir

    @property
    def vm_dir_path(self) -> str:
        """Where guests live inside the jail (a ZFS vm_dir mounts at /DATASET)."""
        return f"/{self.vm_dataset}" if self.vm_dataset else self.vm_dir

    @property
    def wants_passthrough(self) -> bool:
        """Passthrough was asked for, or a declared guest uses it."""
        return self.passthrough or any(g.passthru for g in self.guests)

    @property
    def autostart(self) -> tuple[str, ...]:
        """The guests vm-bhyve starts at the jail's boot (`vm_list`), in the spec's order."""
        return tuple(g.name for g in self.guests if g.autostart)

    @property
    def host_taps(self) -> tuple[str, ...]:
        """Taps the host must create because the guests name them (per-guest vnet: jail_taps)."""
        if self.per_guest and self.vnet:
            return ()
        return tuple(n.device for g in self.guests for n in g.nics if n.device)

    @property
    def jail_taps(self) -> tuple[str, ...]:
        """A per-guest jail's taps: its rc.conf makes them (cloned_interfaces) at each start.

        vm-bhyve (switch::standard::provision, 1.4.0 to master 89c21d0) uses a NIC's
        networkN_device as it is: it neither creates nor destroys it, and adds it to the
        NIC's switch (`ifconfig BRIDGE addm TAP`) only when it exists, so the jail's rc
        makes it before rc.d/vm starts any guest; it dies with the jail's vnet.
        """
        if not (self.per_guest and self.vnet):
            return ()
        return tuple(n.device for g in self.guests for n in g.nics if n.device)
