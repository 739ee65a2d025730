"""Command-line values (plain strings and numbers) to validated specs.

The CLI only collects options; turning them into specs, with defaults from the
preset and every check, happens here so that the Python API and the CLI agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bhyvetpl.errors import SpecError
from bhyvetpl.model import values
from bhyvetpl.model.guest import DiskSpec, GraphicsSpec, GuestSpec, NicSpec, PassthruSpec
from bhyvetpl.model.hostzvol import HostZvol
from bhyvetpl.model.jail import JailSpec, NetMode, RulesetSpec
from bhyvetpl.model.nat import Nat
from bhyvetpl.model.policy import Features
from bhyvetpl.model.preset import preset_defaults

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GuestOptions:
    """Guest flags as given; None means "the preset decides"."""

    name: str
    preset: str = "freebsd"
    loader: str | None = None
    cpu: int | None = None
    topology: str | None = None
    memory: str | None = None
    disks: Sequence[str] = ()
    nics: Sequence[str] = ()
    no_nic: bool = False
    passthru: Sequence[str] = ()
    graphics: bool | None = None
    vnc_port: int | None = None
    vnc_listen: str | None = None
    vnc_res: str | None = None
    vnc_wait: str | None = None
    comports: Sequence[str] = ()
    uuid: str | None = None
    debug: bool = False
    switch: str = "public"
    autostart: bool = False


def given(value: T | None, default: T) -> T:
    """A flag's value when given (an empty string is given, and then refused), else default."""
    return default if value is None else value


def parse_topology(text: str) -> tuple[int, int, int]:
    """Read SOCKETSxCORESxTHREADS."""
    parts = text.split("x")
    if len(parts) != 3 or not all(p.isdigit() and p.isascii() for p in parts):
        raise SpecError("guest.topology", text, "SOCKETSxCORESxTHREADS, e.g. 1x2x1")
    return int(parts[0]), int(parts[1]), int(parts[2])


def build_guest(opts: GuestOptions) -> GuestSpec:
    """Apply the preset, then the flags, and validate the result."""
    preset = preset_defaults(opts.preset)
    values.vm_name("guest.switch", opts.switch)
    disks = tuple(DiskSpec.parse(text, preset.disk_type, f"disk{i}")
                  for i, text in enumerate(opts.disks)) or (DiskSpec(type=preset.disk_type),)
    if opts.no_nic and opts.nics:
        raise SpecError("guest.nics", " ".join(opts.nics), "either --nic or --no-nic")
    nics = tuple(NicSpec.parse(text, preset.nic_type, f"nic{i}") for i, text in
                 enumerate(opts.nics))
    if not nics and not opts.no_nic:
        nics = (NicSpec(switch=opts.switch, type=preset.nic_type),)
    wants_graphics = opts.graphics if opts.graphics is not None else (
        preset.graphics is not None or any(
            v is not None for v in (opts.vnc_port, opts.vnc_listen, opts.vnc_res, opts.vnc_wait)))
    graphics = None
    if wants_graphics:
        base = preset.graphics or GraphicsSpec()
        graphics = GraphicsSpec(
            port=opts.vnc_port if opts.vnc_port is not None else base.port,
            listen=given(opts.vnc_listen, base.listen),
            res=given(opts.vnc_res, base.res),
            wait=given(opts.vnc_wait, base.wait),  # type: ignore[arg-type]
            mouse=base.mouse)
    return GuestSpec(
        name=opts.name,
        loader=given(opts.loader, preset.loader),  # type: ignore[arg-type]
        cpu=opts.cpu if opts.cpu is not None else preset.cpu,
        topology=parse_topology(opts.topology) if opts.topology is not None else None,
        memory=given(opts.memory, preset.memory),
        disks=disks,
        nics=nics,
        passthru=tuple(PassthruSpec.parse(p, f"passthru{i}") for i, p in
                       enumerate(opts.passthru)),
        graphics=graphics,
        comports=tuple(opts.comports) or None,
        uuid=opts.uuid,
        debug=opts.debug,
        autostart=opts.autostart,
        utctime=preset.utctime,
    )


JAIL = JailSpec()  # the defaults, stated once in the model


@dataclass(frozen=True, slots=True)
class JailOptions:
    """Jail flags as given; defaults are JailSpec's."""

    name: str
    release: str = JAIL.release
    network: str = JAIL.network
    interface: str = JAIL.interface
    address: str = JAIL.address
    gateway: str | None = None
    vm_dir: str = JAIL.vm_dir
    vm_dataset: str | None = None
    switch: str = JAIL.switch
    ruleset: int = JAIL.ruleset.number
    ruleset_name: str = JAIL.ruleset.name
    presets: Sequence[str] = JAIL.presets
    passthrough: bool = False
    vmm_ppt: bool = False
    limits: bool = False
    per_guest: bool = False
    console_devices: Sequence[str] = ()
    host_zvols: Sequence[HostZvol] = ()


def build_jail(opts: JailOptions, guests: Sequence[GuestSpec] = (), *,
               existing: bool = False) -> JailSpec:
    """Validate the jail flags into a JailSpec."""
    address = opts.address.upper() if opts.address.upper() in ("DHCP", "SYNCDHCP") else (
        opts.address)
    return JailSpec(
        name=opts.name, release=opts.release, network=opts.network,  # type: ignore[arg-type]
        interface=opts.interface, address=address, gateway=opts.gateway,
        vm_dir=opts.vm_dir, vm_dataset=opts.vm_dataset, switch=opts.switch,
        ruleset=RulesetSpec(opts.ruleset, opts.ruleset_name),
        presets=tuple(opts.presets), guests=tuple(guests),
        passthrough=opts.passthrough, vmm_ppt=opts.vmm_ppt, limits=opts.limits,
        per_guest=opts.per_guest, existing=existing,
        console_devices=tuple(opts.console_devices), host_zvols=tuple(opts.host_zvols))


# An existing shared-IP jail's address is the jail's business: new-guest and templates
# install never write it, but the spec needs one (no DHCP without vnet). RFC 5737 TEST-NET-1.
EXISTING_SHARED_ADDRESS = "192.0.2.1/32"


def existing_jail(name: str, network: NetMode, vm_dir: str, vm_dataset: str | None,
                  switch: str, guests: Sequence[GuestSpec] = ()) -> JailSpec:
    """A jail Bastille already made, as new-guest and templates install see it.

    network is what its jail.conf says (plan.existing.jail_network).
    """
    return build_jail(JailOptions(
        name=name, network=network, vm_dir=vm_dir, vm_dataset=vm_dataset, switch=switch,
        address=JAIL.address if network != "shared" else EXISTING_SHARED_ADDRESS),
        guests, existing=True)


@dataclass(frozen=True, slots=True)
class HostOptions:
    """Host feature flags as given (for `render host` without a declared jail)."""

    jail: str = JAIL.name
    release: str = JAIL.release
    ruleset: int = JAIL.ruleset.number
    ruleset_name: str = JAIL.ruleset.name
    guests: Sequence[str] = ()
    console: bool = True
    console_devices: Sequence[str] = ()
    tap: bool = True
    host_taps: Sequence[str] = ()
    uplink: str | None = None
    zvol_dataset: str | None = None
    disk_devices: Sequence[str] = ()
    uefi: bool = False
    passthru: Sequence[str] = ()
    vmm_ppt: bool = False
    dhcp: bool | None = None   # None: a vnet jail takes JailSpec's default, SYNCDHCP
    vnet: bool = True
    uefi_guests: Sequence[str] = ()
    vnc_guests: Sequence[str] = ()
    limit_memory: str | None = None
    nat: str | None = None
    isolation: str = "shared"


def build_features(opts: HostOptions) -> Features:
    """Validate host feature flags into Features."""
    if opts.uplink is not None:
        values.interface("uplink", opts.uplink)
    if opts.dhcp and not opts.vnet:
        raise SpecError("dhcp", "yes", "--no-dhcp with --no-vnet: a shared-IP jail has no "
                        "interface of its own to run dhclient on")
    per_guest = _per_guest(opts)
    return Features(
        jail=opts.jail,
        release=values.release("release", opts.release),
        ruleset=RulesetSpec(opts.ruleset, opts.ruleset_name),
        guests=tuple(opts.guests),
        console=opts.console,
        console_devices=tuple(opts.console_devices),
        tap=opts.tap,
        host_taps=tuple(opts.host_taps),
        uplink=opts.uplink,
        zvol_dataset=opts.zvol_dataset,
        disk_nodes=tuple(values.disk_device("disk_device", path) for path in opts.disk_devices),
        uefi=opts.uefi,
        passthru=tuple(PassthruSpec.parse(p, f"passthru{i}") for i, p in
                       enumerate(opts.passthru)),
        vmm_ppt=opts.vmm_ppt,
        dhcp=opts.vnet and JAIL.dhcp if opts.dhcp is None else opts.dhcp,
        vnet=opts.vnet,
        # --uefi alone does not say which guest boots UEFI or shows VNC: both, for each.
        uefi_guests=tuple(opts.uefi_guests or opts.vnc_guests or
                          (opts.guests if opts.uefi else ())),
        fbuf_guests=tuple(opts.vnc_guests or
                          (opts.guests if opts.uefi and not opts.uefi_guests else ())),
        limit_memory=(values.size_bytes(values.size("--limit-memory", opts.limit_memory))
                      if opts.limit_memory is not None else None),
        nat=Nat(opts.nat, opts.uplink or "") if opts.nat is not None else None,
        per_guest=per_guest,
        # A per-guest jail's zvol dataset is its own jailed one: zfs(8) runs in it.
        zfs=per_guest and opts.zvol_dataset is not None,
    )


def _per_guest(opts: HostOptions) -> bool:
    """--isolation per-guest: one guest, named as the jail, as the spec key makes it.

    The name rule is the spec's (spec.resolve names a per-guest jail after its guest),
    so `bhyvetpl init` recognises the jail and writes the key back.
    """
    if opts.isolation not in ("shared", "per-guest"):
        raise SpecError("--isolation", opts.isolation, "shared or per-guest")
    if opts.isolation == "shared":
        return False
    if list(opts.guests) != [opts.jail]:
        raise SpecError("--guest", " ".join(opts.guests) or "none", f"--guest {opts.jail} "
                        "alone with --isolation per-guest: the jail holds one guest, named "
                        f"as the jail (--jail {opts.jail})")
    return True


def check_doctor_target(jail: str | None, jails_dir: str | None) -> None:
    """Refuse a jail or jails dir that is not a plain name and path: the doctor reads below them.

    Raises:
        SpecError: Anything but a jail name, or an absolute plain path.
    """
    if jail is not None:
        values.jail_name("jail.name", jail)
    if jails_dir is not None:   # None: bastille.conf's bastille_jailsdir
        values.abs_path("--jails-dir", jails_dir)
