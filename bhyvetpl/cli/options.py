"""Every flag two commands share, declared once (defaults come from the model).

`render guest` and `new-guest`, `render jail` and `jail create|apply`, `render host` and
`host prepare` take the same flags, so what a user renders to review is what they run.
tests/test_cli_options.py holds each pair to that. Not a command module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bhyvetpl.model.options import JAIL, GuestOptions, HostOptions, JailOptions

# Guests.
Preset = Annotated[str, typer.Option(help="freebsd, linux, linux-grub, windows, openbsd.")]
Loader = Annotated[str | None, typer.Option(help="bhyveload, grub, uefi, uefi-csm, uefi-devel.")]
Cpu = Annotated[int | None, typer.Option(help="Virtual CPUs.")]
Topology = Annotated[str | None, typer.Option(help="SOCKETSxCORESxTHREADS.")]
Memory = Annotated[str | None, typer.Option(help="Memory, e.g. 512M or 4G.")]
Disks = Annotated[list[str] | None, typer.Option(
    "--disk", help="NAME[,type=T][,dev=file|zvol|sparse-zvol|custom][,size=S] (custom: an "
    "absolute path); repeat for more.")]
Nics = Annotated[list[str] | None, typer.Option(
    "--nic", help="SWITCH[,type=virtio-net|e1000][,mac=M][,device=TAP]; repeat for more.")]
NoNic = Annotated[bool, typer.Option("--no-nic", help="A guest without network.")]
GuestSwitch = Annotated[str, typer.Option("--switch", help="Switch of the default NIC.")]
GuestPassthru = Annotated[list[str] | None, typer.Option(
    "--passthru", help="Host PCI device BUS/SLOT/FUNC[=SLOT:FUNC]; repeat for more.")]
Graphics = Annotated[bool | None, typer.Option(
    "--graphics/--no-graphics", help="UEFI framebuffer over VNC.")]
VncPort = Annotated[int | None, typer.Option(help="VNC port (default: first free).")]
VncListen = Annotated[str | None, typer.Option(help="VNC address (default 127.0.0.1).")]
VncRes = Annotated[str | None, typer.Option(help="Resolution WxH.")]
VncWait = Annotated[str | None, typer.Option(help="yes, no or auto.")]
Comports = Annotated[list[str] | None, typer.Option(
    "--comport", help="com1-com4; repeat for more.")]
Uuid = Annotated[str | None, typer.Option(help="Fixed SMBIOS UUID.")]
Debug = Annotated[bool, typer.Option(help="vm-bhyve debug logging.")]

# Jails.
JailName = Annotated[str, typer.Argument(help="Jail name.")]
Release = Annotated[str, typer.Option(help="FreeBSD release (of the jail, or the host).")]
Ip = Annotated[str, typer.Option(help="DHCP, SYNCDHCP or ADDR/NN.")]
Iface = Annotated[str, typer.Option(help="Host interface for the jail.")]
HostRelease = Annotated[str | None, typer.Option(
    "--release", help="FreeBSD release [default: the host's userland, from freebsd-version].")]
HostIface = Annotated[str | None, typer.Option(
    "--iface", help="Host interface for the jail [default: the default route's].")]
Vnet = Annotated[bool, typer.Option("--vnet/--shared", help="vnet jail (or shared IP).")]
Bridge = Annotated[str | None, typer.Option(help="Bridge a vnet jail to this host bridge.")]
Gateway = Annotated[str | None, typer.Option(help="Default router (static vnet).")]
VmDir = Annotated[str, typer.Option(help="vm-bhyve's vm_dir in the jail.")]
VmDataset = Annotated[str | None, typer.Option(
    help="ZFS dataset for vm_dir (needed for zvol disks).")]
JailSwitch = Annotated[str, typer.Option("--switch", help="vm-bhyve switch name.")]
Ruleset = Annotated[int, typer.Option(help="devfs ruleset number.")]
RulesetName = Annotated[str, typer.Option(help="devfs ruleset name.")]
Presets = Annotated[list[str] | None, typer.Option(
    "--preset", help="Guest templates to install in the jail; repeat for more.")]
Passthrough = Annotated[bool, typer.Option(help="Prepare for PCI passthrough.")]
VmmPpt = Annotated[bool, typer.Option(help="Set allow.vmm_ppt (host must have it).")]

# Host features.
HostJail = Annotated[str, typer.Option("--jail", help="Name of the bhyve jail.")]
GuestNames = Annotated[list[str] | None, typer.Option(
    "--guest", help="Guest name: narrows the console rule; repeat for more.")]
Console = Annotated[bool, typer.Option(help="Serial consoles (nmdm).")]
ConsoleDevices = Annotated[list[str] | None, typer.Option(
    "--console-device", help="An nmdm console vmrun.sh is given with -C (e.g. "
    "/dev/nmdm-guest-A): unhides that pair; repeat for more.")]
Tap = Annotated[bool, typer.Option(help="Guest NICs on vm-bhyve taps.")]
HostTaps = Annotated[list[str] | None, typer.Option(
    "--host-tap", help="A tap the host creates (non-vnet jails); repeat for more.")]
Uplink = Annotated[str | None, typer.Option(help="Uplink bridged with host taps.")]
HostUplink = Annotated[str | None, typer.Option(
    "--uplink", help="Uplink bridged with host taps [default: the default route's].")]
ZvolDataset = Annotated[str | None, typer.Option(help="Dataset holding guest zvols.")]
HostNat = Annotated[str | None, typer.Option(
    "--nat", help="Host taps on a private bridge with this ADDR/NN, NAT out of the uplink "
    "(pf) and DHCP for the guests (dnsmasq): for a wlan uplink.")]
DiskDevices = Annotated[list[str] | None, typer.Option(
    "--disk-device",
    help="A disk device a guest opens (e.g. /dev/zvol/tank/vm/disk0); repeat for more.")]
Uefi = Annotated[bool, typer.Option(help="UEFI guests (each --guest: bootrom and VNC).")]
UefiGuests = Annotated[list[str] | None, typer.Option(
    "--uefi-guest", help="A --guest that boots UEFI (narrows --uefi); repeat for more.")]
LimitMemory = Annotated[str | None, typer.Option(
    "--limit-memory", help="The guests' memory together (e.g. 6G): cap the jail with rctl.")]
Isolation = Annotated[str, typer.Option(
    "--isolation", metavar="shared|per-guest", help="per-guest: the jail holds one guest, "
    "named as the jail (--guest NAME); its ruleset starts from $devfsrules_hide_all.")]
VncGuests = Annotated[list[str] | None, typer.Option(
    "--vnc-guest", help="A UEFI --guest with a VNC framebuffer; repeat for more.")]
HostPassthru = Annotated[list[str] | None, typer.Option(
    "--passthru", help="Host PCI device BUS/SLOT/FUNC; repeat for more.")]
Dhcp = Annotated[bool | None, typer.Option(
    "--dhcp/--no-dhcp", help="The vnet jail takes its address by DHCP (grants bpf) "
    "[default: yes for a vnet jail, as jail create's --ip SYNCDHCP].")]
HostVnet = Annotated[bool, typer.Option(help="The jail is a vnet jail.")]

# Output and runs.
Output = Annotated[Path | None, typer.Option("-o", "--output",
                                             help="Write here instead of stdout.")]
Root = Annotated[Path, typer.Option(help="Where / is: host files are edited below it.")]
RestartNetwork = Annotated[bool, typer.Option(
    "--restart-network", help="Apply a bridge that takes the uplink now when the live one "
    "differs from rc.conf (`service netif restart bridge0`): resets the uplink's link, may "
    "cut a session over it.")]
Live = Annotated[bool, typer.Option(
    "--live", help="With --root DIR other than /: also run the commands (kldload, bastille, "
    "vm, zfs, ...) on this machine; without it they are listed as deferred.")]
Force = Annotated[bool, typer.Option(
    "--force", help="Replace an output file bhyvetpl did not write (or one edited since).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show the plan and diffs; change nothing.")]
Emit = Annotated[str | None, typer.Option(
    "--emit", metavar="sh|ansible",
    help="Print the plan as a POSIX sh script (sh) or an Ansible playbook (ansible) instead of "
    "running it.")]
Prefix = Annotated[str, typer.Option(help="bastille_prefix (jails/ and templates/ below it).")]

DEFAULT_RELEASE = JAIL.release
DEFAULT_RULESET = JAIL.ruleset.number
DEFAULT_RULESET_NAME = JAIL.ruleset.name


def jail_options(name: str, release: str, ip: str, iface: str, vnet: bool, bridge: str | None,
                 gateway: str | None, vm_dir: str, vm_dataset: str | None, switch: str,
                 ruleset: int, ruleset_name: str, preset: list[str] | None,
                 passthrough: bool, vmm_ppt: bool) -> JailOptions:
    """The jail flags as the model takes them (`--bridge B` makes a bridged vnet jail)."""
    network = "bridge" if bridge is not None else ("vnet" if vnet else "shared")
    return JailOptions(
        name=name, release=release, network=network,
        interface=iface if bridge is None else bridge, address=ip,
        gateway=gateway, vm_dir=vm_dir, vm_dataset=vm_dataset, switch=switch,
        ruleset=ruleset, ruleset_name=ruleset_name,
        presets=tuple(preset or JAIL.presets), passthrough=passthrough, vmm_ppt=vmm_ppt)


def guest_options(name: str, preset: str, loader: str | None, cpu: int | None,
                  topology: str | None, memory: str | None, disk: list[str] | None,
                  nic: list[str] | None, no_nic: bool, switch: str,
                  passthru: list[str] | None, graphics: bool | None, vnc_port: int | None,
                  vnc_listen: str | None, vnc_res: str | None, vnc_wait: str | None,
                  comport: list[str] | None, uuid: str | None, debug: bool) -> GuestOptions:
    """The guest flags as the model takes them."""
    return GuestOptions(
        name=name, preset=preset, loader=loader, cpu=cpu, topology=topology, memory=memory,
        disks=tuple(disk or ()), nics=tuple(nic or ()), no_nic=no_nic, switch=switch,
        passthru=tuple(passthru or ()), graphics=graphics, vnc_port=vnc_port,
        vnc_listen=vnc_listen, vnc_res=vnc_res, vnc_wait=vnc_wait,
        comports=tuple(comport or ()), uuid=uuid, debug=debug)


def host_options(jail: str, release: str, ruleset: int, ruleset_name: str,
                 guest: list[str] | None, console: bool, console_device: list[str] | None,
                 tap: bool, host_tap: list[str] | None,
                 uplink: str | None, zvol_dataset: str | None, disk_device: list[str] | None,
                 uefi: bool, passthru: list[str] | None, vmm_ppt: bool, dhcp: bool | None,
                 vnet: bool, nat: str | None = None, uefi_guest: list[str] | None = None,
                 vnc_guest: list[str] | None = None,
                 limit_memory: str | None = None, isolation: str = "shared") -> HostOptions:
    """The host feature flags as the model takes them."""
    return HostOptions(
        jail=jail, release=release, ruleset=ruleset, ruleset_name=ruleset_name,
        guests=tuple(guest or ()), console=console,
        console_devices=tuple(console_device or ()), tap=tap, host_taps=tuple(host_tap or ()),
        uplink=uplink, zvol_dataset=zvol_dataset, disk_devices=tuple(disk_device or ()),
        uefi=uefi, passthru=tuple(passthru or ()), vmm_ppt=vmm_ppt, dhcp=dhcp, vnet=vnet,
        nat=nat, uefi_guests=tuple(uefi_guest or ()), vnc_guests=tuple(vnc_guest or ()),
        limit_memory=limit_memory, isolation=isolation)
