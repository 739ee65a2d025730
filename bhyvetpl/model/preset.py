"""Guest presets: the defaults each guest OS needs, as vm-bhyve's own samples set them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from bhyvetpl.errors import SpecError
from bhyvetpl.model.guest import (
    DiskSpec,
    DiskType,
    GraphicsSpec,
    Loader,
    NicType,
    Preset,
)


@dataclass(frozen=True, slots=True)
class PresetDefaults:
    """What a preset decides; every value can still be overridden by a flag."""

    loader: Loader
    cpu: int
    memory: str
    disk_type: DiskType
    nic_type: NicType
    graphics: GraphicsSpec | None = None
    utctime: bool = True
    summary: str = ""


PRESETS: dict[str, PresetDefaults] = {
    "freebsd": PresetDefaults("bhyveload", 1, "256M", "virtio-blk", "virtio-net",
                              summary="FreeBSD via bhyveload, serial console"),
    "linux": PresetDefaults("uefi", 1, "1G", "virtio-blk", "virtio-net",
                            summary="Linux via UEFI firmware (edk2-bhyve), serial console"),
    "linux-grub": PresetDefaults("grub", 1, "1G", "virtio-blk", "virtio-net",
                                 summary="Linux via grub2-bhyve, serial console"),
    # Windows wants a local-time RTC, AHCI and e1000 until virtio drivers are installed.
    "windows": PresetDefaults("uefi", 2, "4G", "ahci-hd", "e1000",
                              graphics=GraphicsSpec(res="1280x720"), utctime=False,
                              summary="Windows via UEFI, VNC on 127.0.0.1"),
    # OpenBSD reads MSRs bhyve does not emulate; vm-bhyve always passes bhyve -w for that.
    "openbsd": PresetDefaults("uefi", 1, "1G", "virtio-blk", "virtio-net",
                              graphics=GraphicsSpec(res="1280x720", wait="no"),
                              summary="OpenBSD via UEFI, VNC on 127.0.0.1"),
}
assert set(PRESETS) == set(get_args(Preset))  # noqa: S101 - the Literal and the table agree


def preset_defaults(name: str) -> PresetDefaults:
    """Return a preset's defaults, or a SpecError listing the presets."""
    try:
        return PRESETS[name]
    except KeyError:
        raise SpecError("guest.preset", name, "one of " + ", ".join(PRESETS)) from None


def default_disk(preset: PresetDefaults) -> DiskSpec:
    """disk0 as the preset lays it out."""
    return DiskSpec(type=preset.disk_type)
