"""A vmrun.sh command line (FreeBSD's share/examples/bhyve/vmrun.sh) to a vm-bhyve GuestSpec.

Pure: no file is read and no command is run. What vm-bhyve can express is mapped; what it
cannot is refused with a VmrunError naming the flag; what changes on the way is a note.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath
from typing import TypeVar, get_args

from packaging.version import Version

from bhyvetpl.errors import SpecError
from bhyvetpl.importers.bhyve import bhyve_mac, cpus, memsize
from bhyvetpl.importers.getopts import GetoptsError, getopts
from bhyvetpl.model import values
from bhyvetpl.model.guest import (
    DiskSpec,
    DiskType,
    GraphicsSpec,
    GuestSpec,
    Loader,
    NicSpec,
    NicType,
    PassthruSpec,
)

# vmrun.sh's getopts string on main, plus `g:`, the kgdb port of FreeBSD 10-12's vmrun.sh.
OPTSTRING = "aAc:C:d:e:Ef:F:g:G:hH:iI:l:L:m:n:p:P:t:Tuvw"
FIRMWARE: dict[str, Loader] = {
    "/usr/local/share/uefi-firmware/BHYVE_UEFI.fd": "uefi",
    "/usr/local/share/uefi-firmware/BHYVE_UEFI_CSM.fd": "uefi-csm",
    "/usr/local/share/uefi-firmware/BHYVE_UEFI_CODE-devel.fd": "uefi-devel",
}
NIC_TYPES: dict[str, NicType] = {t: t for t in get_args(NicType)}
NMDM_RE = re.compile(r"/dev/nmdm[A-Za-z0-9._-]{0,64}[AB]", re.ASCII)
BSF_RE = re.compile(r"[0-9]+/[0-9]+/[0-9]+", re.ASCII)  # vmrun.sh's test; values.bsf bounds it
# -I is only echoed back in a note, but a note is still a line on the admin's terminal.
ISO_PATH_RE = re.compile(r"[A-Za-z0-9._/+-]{1,1024}", re.ASCII)
FIRST_DEVICE_SLOT = 2  # vmrun.sh: slot 0 hostbridge, slot 1 lpc, then taps and disks
# vmrun.sh put the taps on slots 2.. and the disks after them up to 14.x; the vmrun.sh
# that gained arm64 support (bhyve on arm64 is new in 15.0) puts the disks first, then
# the taps (share/examples/bhyve/vmrun.sh, both versions read with the code search tool).
# bhyve derives a NIC's default MAC from its slot, so the layout decides the MAC.
DISKS_FIRST_SINCE = "15.0"
UEFI_ONLY = "fFLPTv"  # read by vmrun.sh only in UEFI mode (-E)
BHYVELOAD_ONLY = "elH"  # passed to bhyveload, which vmrun.sh skips in UEFI mode
FIELD_FLAGS = (("guest.cpu", "-c"), ("guest.topology", "-c"), ("guest.memory", "-m"),
               ("guest.name", "VMNAME"), ("guest.disks", "-d"), ("guest.passthru", "-p"),
               ("guest.nics", "-t"), ("guest.loader_env", "-e"), ("guest.loader_host_dir", "-H"),
               ("guest.loader_path", "-l"), ("guest.gdb", "-G"))
T = TypeVar("T")


class VmrunError(SpecError):
    """A vmrun.sh argument that vmrun.sh itself or vm-bhyve's config cannot take."""

    def __init__(self, flag: str, value: str | None, reason: str) -> None:
        """Name the flag (and its argument), then say why."""
        shown = "" if value is None else " " + (
            shlex.quote(value) if value.isprintable() else repr(value))
        Exception.__init__(self, f"vmrun.sh {flag}{shown}: {reason}")
        self.field, self.value, self.accepted = flag, value, reason


@dataclass(frozen=True, slots=True)
class VmrunImport:
    """The imported guest and what the admin must know about the translation."""

    guest: GuestSpec
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class _Args:
    """vmrun.sh's variables after its getopts loop, with vmrun.sh's defaults."""

    cpus: str = "2"
    memsize: str = "512M"
    console: str = "stdio"
    disks: list[str] = field(default_factory=list)
    taps: list[str] = field(default_factory=list)
    passthru: list[str] = field(default_factory=list)
    env: list[str] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)  # last value of every other option


def _flagged(flag: str, value: str | None, build: Callable[[], T]) -> T:
    try:
        return build()
    except SpecError as exc:
        raise VmrunError(flag, value, str(exc)) from exc


def _scan(args: Sequence[str]) -> tuple[_Args, str]:
    words = list(args)
    if len(words) > 1 and words[0] == "sh" and words[1].endswith("vmrun.sh"):
        words = words[1:]
    if len(words) > 1 and words[0].endswith("vmrun.sh"):
        words = words[1:]  # a pasted `sh /usr/share/examples/bhyve/vmrun.sh ...`
    try:
        parsed = getopts(OPTSTRING, words)
    except GetoptsError as exc:
        raise VmrunError(f"-{exc.option}", None, "needs an argument" if exc.missing_argument
                         else f"is not a vmrun.sh option (getopts {OPTSTRING})") from exc
    state = _Args()
    lists = {"d": state.disks, "t": state.taps, "p": state.passthru, "e": state.env}
    for letter, value in parsed.options:
        if letter == "h":
            raise VmrunError("-h", None, "prints vmrun.sh's usage; there is no guest to import")
        if letter in lists:
            lists[letter].append(value or "")
        elif letter in "cmC":
            setattr(state, {"c": "cpus", "m": "memsize", "C": "console"}[letter], value)
        else:
            state.flags[letter] = value or ""
    if len(parsed.operands) != 1:
        raise VmrunError("VMNAME", " ".join(parsed.operands) or None,
                         "vmrun.sh takes exactly one operand, the VM name, after the options")
    return state, parsed.operands[0]


def _disk(text: str, index: int, disk_type: DiskType, name: str, notes: list[str]) -> DiskSpec:
    path, sep, opts = text.partition(",")  # vmrun.sh: disk_dev=${OPTARG%%,*}, the rest opts
    options = tuple(opts.split(",")) if sep else ()
    if path.startswith("/"):
        if path.startswith("/dev/zvol/"):
            dataset = posixpath.dirname(path.removeprefix("/dev/zvol/"))
            notes.append(f"-d {path}: written as disk{index}_dev=\"custom\" with the full path; a "
                         f"jail needs devfs to unhide zvol/{dataset}/* and securelevel <= 1")
        return _flagged("-d", text, partial(
            DiskSpec, name=path, type=disk_type, dev="custom", opts=options,
            field_name=f"disk{index}"))
    # Only the base name is written, but the whole path is echoed in the note: it must be
    # as plain as an absolute one (normpath, as vmrun.sh's working directory would).
    _flagged("-d", text, partial(values.abs_path, f"disk{index}.name",
                                 posixpath.normpath(posixpath.join("/", path))))
    base = PurePosixPath(path).name
    notes.append(f"-d {path}: vm-bhyve reads file disks in the guest directory: move it to "
                 f"$vm_dir/{name}/{base} (vmrun.sh read it relative to its working directory)")
    return _flagged("-d", text, partial(
        DiskSpec, name=base, type=disk_type, opts=options, field_name=f"disk{index}"))


def _nic(tap: str, index: int, nic_type: NicType, name: str, switch: str,
         slot: int) -> NicSpec:
    """A tap NIC on the switch, keeping the MAC bhyve derived from vmrun.sh's slot."""
    return _flagged("-t", tap, partial(
        NicSpec, switch=switch, type=nic_type, mac=bhyve_mac(slot, name),
        device=tap, field_name=f"nic{index}"))


def _graphics(flags: dict[str, str], notes: list[str]) -> GraphicsSpec:
    port = flags.get("P", "5900")  # vmrun.sh's fixed default, not vm-bhyve's first free port
    if not (port.isdigit() and port.isascii()):
        raise VmrunError("-P", port, "a TCP port number")
    width, height = "1024", "768"
    if "F" in flags:
        sizes = dict(item.partition("=")[::2] for item in flags["F"].split(","))
        if not sizes.keys() <= {"w", "h"}:
            raise VmrunError("-F", flags["F"], "w=WIDTH,h=HEIGHT only (vm-bhyve's graphics_res)")
        width, height = sizes.get("w", width), sizes.get("h", height)
    try:
        graphics = GraphicsSpec(
            port=int(port), listen=flags.get("L", "127.0.0.1"),
            res=f"{width}x{height}" if "F" in flags else None,
            wait="yes" if "v" in flags else "no", mouse="T" in flags)
    except SpecError as exc:
        flag = {"graphics.port": "-P", "graphics.listen": "-L"}.get(exc.field, "-F")
        raise VmrunError(flag, flags.get(flag[1]), str(exc)) from exc
    if graphics.listen != "127.0.0.1":
        notes.append(f"-L {graphics.listen}: VNC listens beyond this host")
    return graphics


@dataclass(frozen=True, slots=True)
class _Boot:
    loader: Loader = "bhyveload"
    graphics: GraphicsSpec | None = None
    env: tuple[str, ...] = ()
    host_dir: str | None = None
    loader_path: str | None = None


def _boot(state: _Args, cwd: PurePosixPath | None, notes: list[str]) -> _Boot:
    flags = state.flags
    if "E" in flags:
        firmware = flags.get("f", "/usr/local/share/uefi-firmware/BHYVE_UEFI.fd")
        if firmware not in FIRMWARE:
            raise VmrunError("-f", firmware, "vm-bhyve boots UEFI only from " + " or ".join(
                FIRMWARE) + " (loader uefi, uefi-csm)")
        notes += [f"-{f}: ignored, as vmrun.sh does with -E (it runs no bhyveload)"
                  for f in BHYVELOAD_ONLY if f in flags or (f == "e" and state.env)]
        return _Boot(FIRMWARE[firmware], _graphics(flags, notes))
    notes += [f"-{f}: ignored, as vmrun.sh does without -E" for f in UEFI_ONLY if f in flags]
    host_dir = flags.get("H")
    if host_dir is not None and not host_dir.startswith("/"):
        if cwd is None:
            raise VmrunError("-H", host_dir, "relative: give the directory vmrun.sh ran in")
        resolved = posixpath.normpath(posixpath.join(cwd, host_dir))
        notes.append(f"-H {host_dir}: written as {resolved} (vmrun.sh ran realpath in {cwd})")
        host_dir = resolved
    elif host_dir is not None:
        host_dir = posixpath.normpath(host_dir)  # as realpath would, short of symlinks
    return _Boot(env=tuple(state.env), host_dir=host_dir, loader_path=flags.get("l"))


def _notes(flags: dict[str, str], state: _Args, name: str, switch: str) -> list[str]:
    notes = []
    if state.console == "stdio":
        notes.append(f"-C stdio: vm-bhyve puts com1 on /dev/nmdm-{name}.1A: attach with "
                     f"`vm console {name}`, or run `vm start -f {name}` for stdio")
    elif NMDM_RE.fullmatch(state.console):
        notes.append(f"-C {state.console}: vm-bhyve names the nmdm device itself: "
                     f"connect to /dev/nmdm-{name}.1B or run `vm console {name}`")
    else:
        raise VmrunError("-C", state.console, "vm-bhyve attaches com1 to an nmdm(4) device it "
                         "names itself (or stdio with `vm start -f`), nothing else")
    taps = " ".join(state.taps or ["tap0"])
    notes.append(f"-t {taps}: vm-bhyve adds each tap to switch {switch} (a bridge already "
                 f"holding it wants `vm switch create -t manual -b BRIDGE {switch}`)")
    if "I" in flags and not ISO_PATH_RE.fullmatch(flags["I"]):
        raise VmrunError("-I", flags["I"], "a path of A-Z a-z 0-9 . _ / + - (1024 at most)")
    if "I" in flags or "i" in flags:
        notes.append(f"-i/-I: vm-bhyve boots installers with `vm install {name} "
                     f"{flags.get('I', 'ISO')}`; the ISO is not part of the config")
    if flags.get("g", "0") != "0" and "G" not in flags:
        notes.append(f"-g {flags['g']}: bhyve dropped the -g debug port (bvmdebug); written as "
                     f"its GDB stub, -G {flags['g']}: `target remote :{flags['g']}`")
    if "a" in flags:
        notes.append("-a: nothing to write: xAPIC mode is bhyve's default")
    return notes


def import_vmrun(args: Sequence[str], switch: str = "public",
                 cwd: PurePosixPath | None = None, release: str | None = None) -> VmrunImport:
    """Read vmrun.sh's arguments (options, then the VM name) into a GuestSpec.

    Every option of vmrun.sh on main is covered, with vmrun.sh's defaults (2 vCPUs, 512M,
    tap0, ./diskdev, stdio). -c/-m as bhyve reads them; -t taps keep the MAC bhyve derived
    from their slot; -d relative files move into the guest dir, absolute paths become
    custom disks; -E is loader uefi with vmrun.sh's framebuffer (port 5900 unless -P,
    127.0.0.1 unless -L, no wait unless -v, tablet only with -T); -e/-l/-H become
    bhyveload_args; -G (and the old -g) the GDB stub; no -u means a local-time RTC
    (utctime="no"); -i/-I are `vm install`'s business and only noted. Refused: a console
    other than stdio or nmdm, firmware other than edk2's, ppt names for -p, -h.
    Two differences stay, as vm-bhyve cannot turn them off: it always passes -w, and it
    writes its own SMBIOS uuid (bhyve hashed the host name into vmrun.sh's).

    Args:
        args: the words after `vmrun.sh` (a leading `sh .../vmrun.sh` is skipped).
        switch: the vm-bhyve switch for every tap; vm-bhyve drops a NIC without one.
        cwd: the directory vmrun.sh ran in, to resolve a relative -H as its realpath did.
        release: the FreeBSD release whose vmrun.sh ran the line (its slot layout gives
            the MACs); None: vmrun.sh before 15.0, taps first (the seed articles').

    Raises:
        VmrunError: naming the flag vmrun.sh or vm-bhyve cannot take, and why.
    """
    values.vm_name("switch", switch)
    state, name = _scan(args)
    flags = state.flags
    notes = _notes(flags, state, name, switch)
    nic_type = NIC_TYPES.get(flags.get("n", "virtio-net"))
    if nic_type is None:
        raise VmrunError("-n", flags["n"], "virtio-net or e1000 (vm-bhyve's networkN_type)")
    for dev in state.passthru:
        if not BSF_RE.fullmatch(dev):
            shown = dev if values.IFACE_RE.fullmatch(dev) else "DEVICE"  # ppt0, a driver name
            raise VmrunError("-p", dev, "vm-bhyve's passthruN takes BUS/SLOT/FUNCTION: find it "
                             f"with `pciconf -l {shown}` or `vm passthru`")
    disk_type: DiskType = "ahci-hd" if "A" in flags else "virtio-blk"
    disks = tuple(_disk(text, i, disk_type, name, notes)
                  for i, text in enumerate(state.disks or ["./diskdev"]))
    disks_first = release is not None and values.release("--release", release) >= Version(
        DISKS_FIRST_SINCE)
    first_tap = FIRST_DEVICE_SLOT + (len(disks) if disks_first else 0)
    nics = tuple(_nic(tap, i, nic_type, name, switch, first_tap + i)
                 for i, tap in enumerate(state.taps or ["tap0"]))
    if release is None and state.disks:
        notes.append("MACs as vmrun.sh before 15.0 derived them (taps on slots 2.., disks "
                     "after); give --release 15.0-RELEASE for the vmrun.sh that puts disks "
                     "first")
    passthru = tuple(_flagged("-p", dev, partial(PassthruSpec.parse, dev))
                     for dev in state.passthru)
    cpu, topology = _flagged("-c", state.cpus, partial(cpus, state.cpus))
    gdb = flags.get("G") or (flags["g"] if flags.get("g", "0") != "0" else None)
    boot = _boot(state, cwd, notes)
    if "w" in flags:
        notes.append("-w: vm-bhyve always passes bhyve -w (ignore unknown MSRs); no key needed")
    try:
        guest = GuestSpec(
            name=name, loader=boot.loader, cpu=cpu, topology=topology,
            memory=memsize(state.memsize), disks=disks, nics=nics, passthru=passthru,
            graphics=boot.graphics, utctime="u" in flags,
            loader_env=boot.env, loader_host_dir=boot.host_dir, loader_path=boot.loader_path,
            gdb=gdb)
    except SpecError as exc:
        flag = next((f for prefix, f in FIELD_FLAGS if exc.field.startswith(prefix)), "VMNAME")
        flag = "-g" if flag == "-G" and "G" not in flags else flag
        given = {"-c": state.cpus, "-m": state.memsize, "VMNAME": name, "-H": flags.get("H"),
                 "-l": flags.get("l"), "-G": flags.get("G"), "-g": flags.get("g")}.get(flag)
        raise VmrunError(flag, given, str(exc)) from exc
    return VmrunImport(guest, tuple(notes))
