"""The guest fields vmrun.sh imports need: custom disks, disk options, bhyveload and bhyve args."""

from __future__ import annotations

import re

import pytest

from bhyvetpl.errors import SpecError
from bhyvetpl.model.guest import DiskSpec, GuestSpec
from bhyvetpl.render import render_guest


def test_custom_disk_takes_an_absolute_path() -> None:
    disk = DiskSpec(name="/dev/zvol/tank/vm/disk-01", dev="custom")
    assert disk.name == "/dev/zvol/tank/vm/disk-01" and not disk.is_zvol


@pytest.mark.parametrize("name", ["disk.img", "/dev/zvol/tank/../etc", "/a b", "//x", "/x#y"])
def test_custom_disk_rejects_other_paths(name: str) -> None:
    with pytest.raises(SpecError, match=r"disk\.name"):
        DiskSpec(name=name, dev="custom")


def test_custom_disk_has_no_size() -> None:
    with pytest.raises(SpecError, match="no size for a custom disk"):
        DiskSpec(name="/dev/ada1", dev="custom", size="8G")


def test_file_disk_still_refuses_slashes() -> None:
    with pytest.raises(SpecError, match="inside the guest directory"):
        DiskSpec(name="/dev/ada1")


@pytest.mark.parametrize("dev", ["zvol", "sparse-zvol"])
def test_zvols_stay_zvols(dev: str) -> None:
    assert DiskSpec(dev=dev).is_zvol  # type: ignore[arg-type]


@pytest.mark.parametrize("opt", ["", "No", "ro;rm", "sectorsize=512 4096", "a=b,c"])
def test_disk_opts_are_checked(opt: str) -> None:
    with pytest.raises(SpecError, match=r"disk\.opts"):
        DiskSpec(opts=(opt,))


def test_custom_disk_and_opts_render() -> None:
    guest = GuestSpec("vm0", disks=(DiskSpec("/dev/ada1", dev="custom", opts=("nocache",
                                                                              "sectorsize=512")),))
    expected = 'disk0_name="/dev/ada1"\ndisk0_dev="custom"\ndisk0_opts="nocache,sectorsize=512"\n'
    assert expected in render_guest(guest)


def test_bhyveload_args_render_in_order() -> None:
    guest = GuestSpec("vm0", loader_env=("boot_verbose=1", "hw.x=a,b"),
                      loader_path="/boot/userboot.so", loader_host_dir="/home/john/vm0/host")
    assert guest.bhyveload_args_value == ("-e boot_verbose=1 -e hw.x=a,b -l /boot/userboot.so "
                                          "-h /home/john/vm0/host")
    assert f'bhyveload_args="{guest.bhyveload_args_value}"\n' in render_guest(guest)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"loader_env": ("a b=c",)}, "guest.loader_env"),
    ({"loader_env": ("x=\"y\"",)}, "guest.loader_env"),
    ({"loader_env": ("novalue",)}, "guest.loader_env"),
    ({"loader_host_dir": "vm0/host"}, "guest.loader_host_dir"),
    ({"loader_path": "/boot/user boot.so"}, "guest.loader_path"),
    ({"gdb": "0"}, "guest.gdb"),
    ({"gdb": "65536"}, "guest.gdb"),
    ({"gdb": "x1234"}, "guest.gdb"),
    ({"gdb": "1.2.3.4:"}, "guest.gdb"),
])
def test_boot_fields_are_checked(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(SpecError, match=re.escape(field)):
        GuestSpec("vm0", **kwargs)  # type: ignore[arg-type]


def test_bhyveload_args_need_bhyveload() -> None:
    with pytest.raises(SpecError, match=r"guest\.loader: 'uefi'"):
        GuestSpec("vm0", loader="uefi", loader_env=("a=b",))


@pytest.mark.parametrize("gdb", ["1234", "w1234", "127.0.0.1:1234", "w::1:1234", "host.lan:9"])
def test_gdb_renders_as_bhyve_options(gdb: str) -> None:
    text = render_guest(GuestSpec("vm0", gdb=gdb))
    assert f'bhyve_options="-G {gdb}"\n' in text


def test_defaults_write_none_of_the_new_keys() -> None:
    text = render_guest(GuestSpec("vm0"))
    assert not any(key in text for key in ("bhyveload_args", "bhyve_options", "_opts", "_dev"))
