"""The embedded sample lab: what `bhyvetpl demo` renders with no input at all."""

from __future__ import annotations

from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.options import GuestOptions, build_guest


def guest_from_preset(name: str, preset: str, switch: str, disk_size: str | None = None,
                      **flags: object) -> GuestSpec:
    """A guest laid out as its preset says: the same path as `render guest` with flags."""
    disks = (f"disk0.img,size={disk_size}",) if disk_size else ()
    return build_guest(GuestOptions(name=name, preset=preset, switch=switch, disks=disks,
                                    **flags))  # type: ignore[arg-type]


def sample_lab() -> JailSpec:
    """A vnet jail on em0 taking its address by SYNCDHCP, with three guests."""
    switch = "public"
    guests = (
        guest_from_preset("fbsd1", "freebsd", switch, "20G", cpu=2, memory="2G"),
        guest_from_preset("deb1", "linux", switch, "20G", memory="2G"),
        guest_from_preset("win1", "windows", switch, "64G", vnc_port=5901),
    )
    return JailSpec(name="bhyve", release="14.3-RELEASE", network="vnet", interface="em0",
                    address="SYNCDHCP", switch=switch, presets=("freebsd", "linux", "windows"),
                    guests=guests)
