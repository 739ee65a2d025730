"""The embedded sample lab: what `bhyvetpl demo` renders with no input at all."""

from __future__ import annotations

from bhyvetpl.model.guest import DiskSpec, GraphicsSpec, GuestSpec, NicSpec
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.preset import PRESETS, PresetDefaults


def guest_from_preset(name: str, preset: PresetDefaults, switch: str,
                      disk_size: str | None = None, **overrides: object) -> GuestSpec:
    """A guest laid out as its preset says, on the given switch."""
    fields: dict[str, object] = {
        "loader": preset.loader, "cpu": preset.cpu, "memory": preset.memory,
        "disks": (DiskSpec(type=preset.disk_type, size=disk_size),),
        "nics": (NicSpec(switch=switch, type=preset.nic_type),),
        "graphics": preset.graphics, "utctime": preset.utctime,
    }
    fields.update(overrides)
    return GuestSpec(name, **fields)  # type: ignore[arg-type]


def sample_lab() -> JailSpec:
    """A vnet jail on em0 taking its address by SYNCDHCP, with three guests."""
    switch = "public"
    guests = (
        guest_from_preset("fbsd1", PRESETS["freebsd"], switch, "20G", cpu=2, memory="2G"),
        guest_from_preset("deb1", PRESETS["linux"], switch, "20G", memory="2G"),
        guest_from_preset("win1", PRESETS["windows"], switch, "64G",
                          graphics=GraphicsSpec(port=5901, res="1280x720")),
    )
    return JailSpec(name="bhyve", release="14.3-RELEASE", network="vnet", interface="em0",
                    address="SYNCDHCP", switch=switch, presets=("freebsd", "linux", "windows"),
                    guests=guests)
