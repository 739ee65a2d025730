"""One test (or table) per vmrun.sh option: mapped to the guest, noted, or refused by flag."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath

import pytest

from bhyvetpl.errors import ExitCode, SpecError
from bhyvetpl.importers.bhyve import bhyve_mac
from bhyvetpl.importers.vmrun import OPTSTRING, VmrunError, VmrunImport, import_vmrun
from bhyvetpl.model.guest import DiskSpec, GraphicsSpec, PassthruSpec
from bhyvetpl.render import render_guest

CWD = PurePosixPath("/home/john/bhyve")
ANY = "0.0.0.0"  # noqa: S104 - test data for -L; nothing binds


def imp(*args: str, switch: str = "public") -> VmrunImport:
    return import_vmrun([*args, "vm0"], switch=switch, cwd=CWD)


def refused(flag: str, *args: str) -> str:
    with pytest.raises(VmrunError) as info:
        import_vmrun([*args, "vm0"], cwd=CWD)
    message = str(info.value)
    assert message.startswith(f"vmrun.sh {flag}"), message
    assert info.value.exit_code == ExitCode.USAGE
    return message


def test_every_current_option_is_known() -> None:
    # vmrun.sh on main: getopts aAc:C:d:e:Ef:F:G:hH:iI:l:L:m:n:p:P:t:Tuvw, plus the old g:
    assert set(OPTSTRING.replace(":", "")) == set("aAcCdeEfFgGhHiIlLmnpPtTuvw")


def test_defaults_are_vmrun_defaults() -> None:
    guest = imp().guest
    assert (guest.loader, guest.cpu, guest.memory, guest.utctime) == ("bhyveload", 2, "512M", False)
    assert guest.disks == (DiskSpec("diskdev"),)
    assert [(n.device, n.switch, n.type) for n in guest.nics] == [("tap0", "public", "virtio-net")]
    assert guest.graphics is None and guest.comports is None and not guest.passthru


def test_a_is_bhyves_default() -> None:
    result = imp("-a")
    assert result.guest == imp().guest and any(n.startswith("-a:") for n in result.notes)


def test_A_makes_every_disk_ahci() -> None:
    assert {d.type for d in imp("-A", "-d", "a.img", "-d", "b.img").guest.disks} == {"ahci-hd"}


@pytest.mark.parametrize(("value", "cpu", "topology"), [
    ("4", 4, None),
    ("cpus=4", 4, None),
    ("4,sockets=1,cores=2,threads=2", 4, (1, 2, 2)),
    ("cpus=8,sockets=2,cores=4", 8, (2, 4, 1)),
    ("cores=2,threads=2", 4, (1, 2, 2)),
])
def test_c_cpus_and_topology(value: str, cpu: int, topology: tuple[int, int, int] | None) -> None:
    guest = imp("-c", value).guest
    assert (guest.cpu, guest.topology) == (cpu, topology)


@pytest.mark.parametrize("value", ["4,cores=2", "maxcpus=4", "x", "4,cores=", "0", "256", ""])
def test_c_refused(value: str) -> None:
    refused("-c", "-c", value)


@pytest.mark.parametrize("console", ["stdio", "/dev/nmdm0A", "/dev/nmdm-laptop-dev-03-A"])
def test_C_stdio_and_nmdm_become_vm_bhyves_console(console: str) -> None:
    result = imp("-C", console)
    assert result.guest.comports is None
    assert any(n.startswith(f"-C {console}:") and "vm console vm0" in n for n in result.notes)


@pytest.mark.parametrize("console", ["/dev/ttyu0", "tcp=127.0.0.1:4000", "/dev/nmdm0"])
def test_C_other_consoles_refused(console: str) -> None:
    assert "nmdm" in refused("-C", "-C", console)


def test_d_relative_file_goes_to_the_guest_directory() -> None:
    result = imp("-d", "vm0/disk.img,nocache,direct", "-d", "./data.img")
    assert result.guest.disks == (DiskSpec("disk.img", opts=("nocache", "direct")),
                                  DiskSpec("data.img"))
    assert any("$vm_dir/vm0/disk.img" in n for n in result.notes)


def test_d_absolute_path_is_a_custom_disk() -> None:
    result = imp("-d", "/dev/zvol/tank/bhyve/vm0/disk-01")
    assert result.guest.disks == (DiskSpec("/dev/zvol/tank/bhyve/vm0/disk-01", dev="custom"),)
    assert any("zvol/tank/bhyve/vm0/*" in n for n in result.notes)


@pytest.mark.parametrize("disk", ["..", "/a//b", "/x y", "/a/../b", "d.img,", "/d,x y", ""])
def test_d_refused(disk: str) -> None:
    refused("-d", "-d", disk)


def test_d_refuses_two_disks_with_one_name() -> None:
    assert "distinct disk names" in refused("-d", "-d", "disk.img", "-d", "a/disk.img")


def test_e_goes_to_bhyveload_args() -> None:
    guest = imp("-e", "boot_verbose=1", "-e", "hw.x=2").guest
    assert guest.loader_env == ("boot_verbose=1", "hw.x=2")
    assert 'bhyveload_args="-e boot_verbose=1 -e hw.x=2"' in render_guest(guest)


def test_e_refused_when_unsafe() -> None:
    refused("-e", "-e", "a=$(reboot)")


def test_E_is_uefi_with_vmruns_framebuffer() -> None:
    guest = imp("-E").guest
    assert guest.loader == "uefi"
    assert guest.graphics == GraphicsSpec(port=5900, listen="127.0.0.1", wait="no", mouse=False)


def test_E_drops_bhyveload_options_as_vmrun_does() -> None:
    result = imp("-E", "-e", "a=b", "-H", "/h", "-l", "/boot/userboot.so")
    assert result.guest.bhyveload_args_value is None
    assert {n[:3] for n in result.notes} >= {"-e:", "-l:", "-H:"}


@pytest.mark.parametrize(("firmware", "loader"), [
    ("/usr/local/share/uefi-firmware/BHYVE_UEFI.fd", "uefi"),
    ("/usr/local/share/uefi-firmware/BHYVE_UEFI_CSM.fd", "uefi-csm"),
])
def test_f_firmware_picks_the_loader(firmware: str, loader: str) -> None:
    assert imp("-E", "-f", firmware).guest.loader == loader


def test_f_refused_for_other_firmware() -> None:
    refused("-f", "-E", "-f", "/root/OVMF.fd")


@pytest.mark.parametrize(("args", "letter"), [
    (("-f", "/x"), "f"), (("-F", "w=800,h=600"), "F"), (("-L", ANY), "L"),
    (("-P", "5901"), "P"), (("-T",), "T"), (("-v",), "v")])
def test_uefi_only_options_noted_without_E(args: tuple[str, ...], letter: str) -> None:
    result = imp(*args)
    assert result.guest.graphics is None and result.guest == imp().guest
    assert f"-{letter}: ignored, as vmrun.sh does without -E" in result.notes


def test_F_sets_the_resolution() -> None:
    graphics = imp("-E", "-F", "h=720,w=1280").guest.graphics
    assert graphics is not None and graphics.res == "1280x720"


@pytest.mark.parametrize("size", ["w=800,h=600,vga=off", "w=100,h=100", "wait"])
def test_F_refused(size: str) -> None:
    refused("-F", "-E", "-F", size)


def test_g_old_kgdb_port_becomes_the_gdb_stub() -> None:
    result = imp("-g", "1234")
    assert result.guest.gdb == "1234" and any(n.startswith("-g 1234:") for n in result.notes)
    assert imp("-g", "0").guest.gdb is None  # vmrun.sh's old default: no debug port


@pytest.mark.parametrize("gdb", ["1234", "w1234", "127.0.0.1:1234"])
def test_G_gdb_stub(gdb: str) -> None:
    assert f'bhyve_options="-G {gdb}"' in render_guest(imp("-G", gdb).guest)


def test_G_refused() -> None:
    refused("-G", "-G", "localhost")


def test_h_refused() -> None:
    assert "usage" in refused("-h", "-h")


def test_H_absolute_and_relative() -> None:
    assert imp("-H", "/src/host").guest.loader_host_dir == "/src/host"
    assert imp("-H", "/src/x/../host/").guest.loader_host_dir == "/src/host"
    result = imp("-H", "vm0/host/")
    assert result.guest.loader_host_dir == "/home/john/bhyve/vm0/host"
    assert any("realpath" in n for n in result.notes)


def test_H_relative_needs_a_directory() -> None:
    with pytest.raises(VmrunError, match=r"^vmrun\.sh -H vm0/host: relative"):
        import_vmrun(["-H", "vm0/host", "vm0"])


@pytest.mark.parametrize("args", [("-i",), ("-I", "x.iso"), ("-i", "-I", "x.iso")])
def test_i_and_I_are_vm_install(args: tuple[str, ...]) -> None:
    result = imp(*args)
    assert result.guest == imp().guest
    assert any(n.startswith("-i/-I:") and "vm install vm0" in n for n in result.notes)


def test_l_custom_userboot() -> None:
    assert imp("-l", "/boot/userboot.so").guest.loader_path == "/boot/userboot.so"


def test_L_listen_address() -> None:
    result = imp("-E", "-L", ANY)
    assert result.guest.graphics is not None and result.guest.graphics.listen == ANY
    assert any("beyond this host" in n for n in result.notes)
    refused("-L", "-E", "-L", "localhost")


@pytest.mark.parametrize(("value", "memory"), [
    ("16g", "16G"), ("1024M", "1024M"), ("512", "512M"), ("1073741824", "1G"),
    ("65536k", "65536K")])
def test_m_memory(value: str, memory: str) -> None:
    assert imp("-m", value).guest.memory == memory


@pytest.mark.parametrize("value", ["16q", "16M", "1.5G", "-1"])
def test_m_refused(value: str) -> None:
    refused("-m", "-m", value)


def test_n_nic_type() -> None:
    assert imp("-n", "e1000").guest.nics[0].type == "e1000"
    refused("-n", "-n", "virtio-blk")


def test_p_passthru_wires_memory() -> None:
    guest = imp("-p", "1/0/0", "-p", "2/0/1").guest
    assert guest.passthru == (PassthruSpec(1, 0, 0), PassthruSpec(2, 0, 1)) and guest.wired_memory


@pytest.mark.parametrize("dev", ["ppt0", "300/0/0", "1/0/0=6:0"])
def test_p_refused(dev: str) -> None:
    refused("-p", "-p", dev)


def test_P_vnc_port() -> None:
    graphics = imp("-E", "-P", "5901").guest.graphics
    assert graphics is not None and graphics.port == 5901
    refused("-P", "-E", "-P", "80")
    refused("-P", "-E", "-P", "x")


def test_t_taps_keep_bhyves_macs() -> None:
    guest = imp("-t", "tap0", "-t", "tap7", switch="lan").guest
    assert [(n.device, n.switch, n.mac) for n in guest.nics] == [
        ("tap0", "lan", bhyve_mac(2, "vm0")), ("tap7", "lan", bhyve_mac(3, "vm0"))]


def test_bhyve_mac_is_net_genmac() -> None:
    # net_genmac: NetApp OUI 00:a0:98, then the first three bytes of MD5("SLOT-FUNC-NAME").
    digest = hashlib.md5(b"2-0-vm0", usedforsecurity=False).hexdigest()
    assert bhyve_mac(2, "vm0") == "00:a0:98:" + ":".join(re.findall("..", digest[:6]))
    assert bhyve_mac(2, "laptop-dev-03") == "00:a0:98:dc:8e:e7"


def test_t_refused() -> None:
    refused("-t", "-t", "netgraph,path=x:,peerhook=y")


def test_T_tablet() -> None:
    graphics = imp("-E", "-T").guest.graphics
    assert graphics is not None and graphics.mouse


def test_u_utc() -> None:
    assert imp("-u").guest.utctime and not imp().guest.utctime


def test_v_waits_for_vnc() -> None:
    graphics = imp("-E", "-v").guest.graphics
    assert graphics is not None and graphics.wait == "yes"


def test_w_is_what_vm_bhyve_always_does() -> None:
    result = imp("-w")
    assert any(note.startswith("-w: vm-bhyve always passes") for note in result.notes)


@pytest.mark.parametrize(("args", "flag"), [
    (["-x", "vm0"], "-x"),
    (["-c"], "-c"),
    ([], "VMNAME"),
    (["-c", "2", "vm0", "-m", "1G"], "VMNAME"),
    (["vm0", "vm1"], "VMNAME"),
    (["-c", "2", "v"], "VMNAME"),
    (["-c", "2", "Bad_Name!"], "VMNAME"),
])
def test_command_line_refused(args: list[str], flag: str) -> None:
    with pytest.raises(VmrunError, match=rf"^vmrun\.sh {re.escape(flag)}"):
        import_vmrun(args)


def test_pasted_script_name_is_skipped() -> None:
    args = ["-c", "4", "vm0"]
    plain = import_vmrun(args)
    assert import_vmrun(["sh", "/usr/share/examples/bhyve/vmrun.sh", *args]) == plain
    assert import_vmrun(["./vmrun.sh", *args]) == plain


def test_combined_and_attached_forms() -> None:
    assert import_vmrun(["-uwc4", "-m16g", "vm0"]) == import_vmrun(
        ["-u", "-w", "-c", "4", "-m", "16g", "vm0"])


def test_bad_switch() -> None:
    with pytest.raises(SpecError, match=r"^switch"):
        import_vmrun(["vm0"], switch="Bad switch")
