"""The vm-bhyve guest: disks, NICs, passthrough, graphics, and the presets.

Every field is checked when the object is built, so a GuestSpec can always be
rendered into a config that vm-bhyve's config::load reads back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from bhyvetpl.errors import SpecError
from bhyvetpl.model import slots, values

# vm-bhyve's loaders (lib/vm-run vm::run, 1.5.0 to master): uefi-devel boots
# /usr/local/share/uefi-firmware/BHYVE_UEFI_CODE-devel.fd.
Loader = Literal["bhyveload", "grub", "uefi", "uefi-csm", "uefi-devel"]
DiskType = Literal["virtio-blk", "ahci-hd", "nvme"]
DiskDev = Literal["file", "zvol", "sparse-zvol", "custom"]
NicType = Literal["virtio-net", "e1000"]
Wait = Literal["yes", "no", "auto"]
Preset = Literal["freebsd", "linux", "linux-grub", "windows", "openbsd"]
COMPORTS = ("com1", "com2", "com3", "com4")
# The choices each Literal allows, read once (a spec's guests are checked by the thousand).
LOADERS, DISK_TYPES, DISK_DEVS = get_args(Loader), get_args(DiskType), get_args(DiskDev)
NIC_TYPES, WAITS = get_args(NicType), get_args(Wait)
UEFI_LOADERS = ("uefi", "uefi-csm", "uefi-devel")


def _choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SpecError(name, value, "one of " + ", ".join(choices))


@dataclass(frozen=True, slots=True)
class DiskSpec:
    """One guest disk: a file or zvol in the guest dir, or (dev custom) an absolute path."""

    name: str = "disk0.img"
    type: DiskType = "virtio-blk"
    dev: DiskDev = "file"
    size: str | None = None
    opts: tuple[str, ...] = ()
    field_name: str = field(default="disk", compare=False, repr=False)

    def __post_init__(self) -> None:
        """Check every field; vm-bhyve joins `name` onto the guest path unless dev is custom."""
        _choice(f"{self.field_name}.type", self.type, DISK_TYPES)
        _choice(f"{self.field_name}.dev", self.dev, DISK_DEVS)
        if self.dev == "custom":
            # vm-bhyve's get_disk_path uses a custom name as the full path, unchanged; below
            # /dev it is also unhidden in the jail's devfs, so only disk device nodes go.
            if self.name.startswith("/dev/"):
                values.disk_device(f"{self.field_name}.name", self.name)
            else:
                values.abs_path(f"{self.field_name}.name", self.name)
            if self.size is not None:
                raise SpecError(f"{self.field_name}.size", self.size,
                                "no size for a custom disk (vm create does not make it)")
        else:
            values.disk_name(f"{self.field_name}.name", self.name)
        if self.size is not None:
            object.__setattr__(self, "size", values.size(f"{self.field_name}.size", self.size))
        for opt in self.opts:
            values.disk_opt(f"{self.field_name}.opts", opt)

    @classmethod
    def parse(cls, text: str, default_type: str = "virtio-blk",
              field_name: str = "disk") -> DiskSpec:
        """Read the --disk syntax: `NAME[,type=T][,dev=D][,size=S]`."""
        name, opts = values.options(field_name, text, ("type", "dev", "size"))
        return cls(name=name, type=opts.get("type", default_type),  # type: ignore[arg-type]
                   dev=opts.get("dev", "file"), size=opts.get("size"),  # type: ignore[arg-type]
                   field_name=field_name)

    @property
    def is_zvol(self) -> bool:
        """Whether the disk is a ZFS volume below vm_dir (and so needs devfs, securelevel <= 1).

        A custom disk lives wherever its path says; see `device_node`.
        """
        return self.dev in ("zvol", "sparse-zvol")

    @property
    def device_node(self) -> str | None:
        """For a custom disk under /dev (a host-made zvol, say), its devfs path."""
        if self.dev == "custom" and self.name.startswith("/dev/"):
            return self.name.removeprefix("/dev/")
        return None

    @property
    def opts_value(self) -> str | None:
        """The diskN_opts value, or None when there are no options."""
        return ",".join(self.opts) if self.opts else None


@dataclass(frozen=True, slots=True)
class NicSpec:
    """One guest NIC; vm-bhyve drops a NIC without a switch, so one is required."""

    switch: str = "public"
    type: NicType = "virtio-net"
    mac: str | None = None
    device: str | None = None
    field_name: str = field(default="nic", compare=False, repr=False)

    def __post_init__(self) -> None:
        """Check the switch name, the type, the MAC and a host-made tap device."""
        values.vm_name(f"{self.field_name}.switch", self.switch)
        _choice(f"{self.field_name}.type", self.type, NIC_TYPES)
        if self.mac is not None:
            object.__setattr__(self, "mac", values.mac(f"{self.field_name}.mac", self.mac))
        if self.device is not None:
            values.tap(f"{self.field_name}.device", self.device)

    @classmethod
    def parse(cls, text: str, default_type: str = "virtio-net",
              field_name: str = "nic") -> NicSpec:
        """Read the --nic syntax: `SWITCH[,type=T][,mac=M][,device=TAP]`."""
        switch, opts = values.options(field_name, text, ("type", "mac", "device"))
        return cls(switch=switch, type=opts.get("type", default_type),  # type: ignore[arg-type]
                   mac=opts.get("mac"), device=opts.get("device"), field_name=field_name)


@dataclass(frozen=True, slots=True)
class PassthruSpec:
    """A host PCI device (BUS/SLOT/FUNCTION), optionally pinned to a guest SLOT:FUNC."""

    bus: int
    slot: int
    function: int
    pin: tuple[int, int] | None = None

    @classmethod
    def parse(cls, text: str, field_name: str = "passthru") -> PassthruSpec:
        """Read `1/0/0` or `1/0/0=6:0`, as vm-bhyve's passthruN accepts."""
        device, _, pinned = text.partition("=")
        bus, slot, function = values.bsf(field_name, device)
        pin = values.pin(field_name, pinned) if pinned else None
        return cls(bus, slot, function, pin)

    @property
    def bsf(self) -> str:
        """The host address as loader.conf pptdevs and `vm passthru` write it."""
        return f"{self.bus}/{self.slot}/{self.function}"

    @property
    def value(self) -> str:
        """The passthruN value."""
        pinned = f"={self.pin[0]}:{self.pin[1]}" if self.pin else ""
        return self.bsf + pinned


@dataclass(frozen=True, slots=True)
class GraphicsSpec:
    """UEFI framebuffer served over VNC; listens on loopback unless told otherwise."""

    port: int | None = None
    listen: str = "127.0.0.1"
    res: str | None = None
    wait: Wait | None = None
    mouse: bool = True

    def __post_init__(self) -> None:
        """Check the port, the address, the resolution and the wait mode."""
        if self.port is not None:
            values.integer("graphics.port", self.port, 1024, 65535)
        object.__setattr__(self, "listen", values.vnc_listen("graphics.listen", self.listen))
        if self.res is not None:
            values.resolution("graphics.res", self.res)
        if self.wait is not None:
            _choice("graphics.wait", self.wait, WAITS)


@dataclass(frozen=True, slots=True)
class GuestSpec:
    """One vm-bhyve guest; derived keys (wired memory) are properties, not inputs."""

    name: str
    loader: Loader = "bhyveload"
    cpu: int = 1
    topology: tuple[int, int, int] | None = None
    memory: str = "256M"
    disks: tuple[DiskSpec, ...] = (DiskSpec(),)
    nics: tuple[NicSpec, ...] = (NicSpec(),)
    passthru: tuple[PassthruSpec, ...] = ()
    graphics: GraphicsSpec | None = None
    comports: tuple[str, ...] | None = None
    uuid: str | None = None
    debug: bool = False
    autostart: bool = False
    utctime: bool = True
    loader_env: tuple[str, ...] = ()
    loader_host_dir: str | None = None
    loader_path: str | None = None
    gdb: str | None = None
    max_name: int = field(default=231, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Check every field and the rules that tie fields together."""
        values.vm_name("guest.name", self.name, max_len=self.max_name)
        _choice("guest.loader", self.loader, LOADERS)
        values.integer("guest.cpu", self.cpu, 1, 255)
        if self.topology is not None:
            for part, count in zip(("sockets", "cores", "threads"), self.topology, strict=True):
                values.integer(f"guest.cpu_{part}", count, 1, 255)
            sockets, cores, threads = self.topology
            if sockets * cores * threads != self.cpu:
                raise SpecError("guest.topology", "x".join(map(str, self.topology)),
                                f"SOCKETSxCORESxTHREADS whose product is cpu ({self.cpu})")
        object.__setattr__(self, "memory", values.size("guest.memory", self.memory))
        if values.size_bytes(self.memory) < 32 * 1024**2:
            raise SpecError("guest.memory", self.memory, "at least 32M")
        if not self.disks:
            raise SpecError("guest.disks", "", "at least one disk (vm create needs disk0)")
        names = [d.name for d in self.disks]
        if len(set(names)) != len(names):
            raise SpecError("guest.disks", ",".join(names), "distinct disk names")
        self._check_devices()
        if self.uuid is not None:
            object.__setattr__(self, "uuid", values.uuid("guest.uuid", self.uuid))
        self._check_boot()

    def _check_boot(self) -> None:
        for env in self.loader_env:
            values.loader_env("guest.loader_env", env)
        if self.loader_host_dir is not None:
            values.abs_path("guest.loader_host_dir", self.loader_host_dir)
        if self.loader_path is not None:
            values.abs_path("guest.loader_path", self.loader_path)
        if self.bhyveload_args_value and self.loader != "bhyveload":
            # vm-bhyve reads bhyveload_args only for loader=bhyveload: anything else loses them.
            raise SpecError("guest.loader", self.loader,
                            "bhyveload when loader_env, loader_host_dir or loader_path is set")
        if self.gdb is not None:
            values.gdb("guest.gdb", self.gdb)

    def _check_devices(self) -> None:
        if self.graphics is not None and self.loader not in UEFI_LOADERS:
            raise SpecError("guest.graphics", self.loader,
                            "a UEFI loader (uefi or uefi-csm) when graphics is on")
        addresses = [p.bsf for p in self.passthru]
        if len(set(addresses)) != len(addresses):
            raise SpecError("guest.passthru", " ".join(addresses), "each device once")
        pins = [p.pin for p in self.passthru if p.pin]
        if len(set(pins)) != len(pins):
            raise SpecError("guest.passthru", " ".join(p.value for p in self.passthru),
                            "a different SLOT:FUNCTION pin for each device")
        if self.comports is not None:
            for port in self.comports:
                _choice("guest.comports", port, COMPORTS)
            if not self.comports or len(set(self.comports)) != len(self.comports):
                raise SpecError("guest.comports", " ".join(self.comports),
                                "one or more distinct ports of com1 com2 com3 com4")
        self._check_pins()
        macs = [n.mac for n in self.nics if n.mac]
        if len(set(macs)) != len(macs):
            raise SpecError("guest.nics", " ".join(macs), "a different MAC for each NIC")

    def _check_pins(self) -> None:
        if not any(p.pin for p in self.passthru):
            return   # only a pin can land on a taken slot: no allocation to replay
        config: dict[str, str] = {"loader": self.loader}
        for index, disk in enumerate(self.disks):
            config |= {f"disk{index}_name": disk.name, f"disk{index}_type": disk.type}
        for index, nic in enumerate(self.nics):
            config |= {f"network{index}_type": nic.type, f"network{index}_switch": nic.switch}
        for index, device in enumerate(self.passthru):
            config[f"passthru{index}"] = device.value
        if self.graphics is not None:
            config |= {"graphics": "yes", "xhci_mouse": "yes" if self.graphics.mouse else "no"}
        devices = slots.allocate(config.get)
        taken = dict(slots.RESERVED)
        taken |= {(d.slot, d.func): d.what for d in devices if not d.pinned}
        free = slots.free_slot(devices)
        for index, device in enumerate(self.passthru):
            if device.pin in taken:
                raise SpecError(f"passthru{index}", device.value,
                                f"a SLOT:FUNCTION vm-bhyve leaves free; {device.pin[0]}:"
                                f"{device.pin[1]} holds {taken[device.pin]}" + (
                                    f" (try {free}:0)" if free is not None else
                                    " (no slot of bus 0 is free)"))

    @property
    def wired_memory(self) -> bool:
        """Passthrough needs the guest's memory wired (bhyve -S)."""
        return bool(self.passthru)

    @property
    def uefi(self) -> bool:
        """Whether the guest boots from UEFI firmware (edk2-bhyve in the jail)."""
        return self.loader in UEFI_LOADERS

    @property
    def comports_value(self) -> str | None:
        """The comports value, or None to keep vm-bhyve's default (com1)."""
        return " ".join(self.comports) if self.comports else None

    @property
    def bhyveload_args_value(self) -> str | None:
        """bhyveload_args: -e NAME=VALUE..., -l LOADER, -h HOSTDIR (vm-bhyve splits on spaces)."""
        args = [f"-e {env}" for env in self.loader_env]
        if self.loader_path:
            args.append(f"-l {self.loader_path}")
        if self.loader_host_dir:
            args.append(f"-h {self.loader_host_dir}")
        return " ".join(args) or None

    @property
    def bhyve_options_value(self) -> str | None:
        """bhyve_options: extra bhyve flags; only the GDB stub (-G) for now."""
        return f"-G {self.gdb}" if self.gdb else None

    @property
    def zvol_disks(self) -> tuple[DiskSpec, ...]:
        """The disks that are ZFS volumes."""
        return tuple(d for d in self.disks if d.is_zvol)

    @property
    def packages(self) -> tuple[str, ...]:
        """Packages the jail needs to boot this guest."""
        if self.uefi:
            return ("edk2-bhyve",)
        return ("grub2-bhyve",) if self.loader == "grub" else ()
