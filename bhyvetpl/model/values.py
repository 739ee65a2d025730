"""Checks for single values: names, sizes, addresses, releases.

Each check returns the value in its canonical form or raises SpecError naming the
field and the accepted form. The rules come from the consumers' own code
(vm-bhyve util::check_name, Bastille validate_name, template.sh ARG handling).
"""

from __future__ import annotations

import ipaddress
import re

from packaging.version import Version

from bhyvetpl.errors import SpecError

# vm-bhyve util::check_name: egrep -i "^[a-z0-9][.a-z0-9_-]{0,229}[a-z0-9]$".
VM_NAME_RE = re.compile(r"[a-z0-9][.a-z0-9_-]{0,229}[a-z0-9]", re.IGNORECASE | re.ASCII)
VM_NAME_FORM = "2-231 characters of a-z 0-9 . _ -, starting and ending with a letter or digit"
# Bastille create.sh validate_name: [a-zA-Z0-9_-] only, no leading - or _, no dot.
JAIL_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}", re.ASCII)
JAIL_NAME_FORM = "1-63 characters of A-Z a-z 0-9 _ -, starting with a letter or digit"
# template.sh runs ARG values through `eval echo`: only this set is inert there.
ARG_SAFE_RE = re.compile(r"[A-Za-z0-9._/:,@%+=-]{1,1024}", re.ASCII)
ARG_SAFE_FORM = "1-1024 characters of A-Z a-z 0-9 . _ / : , @ % + = -"
# A unit is required: vm-bhyve hands `-s 20` to truncate (20 bytes) but `memory=64` to
# bhyve (64 MiB); with K/M/G/T both read the same.
SIZE_RE = re.compile(r"([1-9][0-9]{0,8})([KMGT])", re.IGNORECASE | re.ASCII)
SIZE_FORM = "a whole number with a K, M, G or T suffix, e.g. 512M or 20G"
MAC_RE = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", re.IGNORECASE | re.ASCII)
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I | re.A)
BSF_RE = re.compile(r"([0-9]{1,3})/([0-9]{1,2})/([0-9])", re.ASCII)
PIN_RE = re.compile(r"([0-9]{1,2}):([0-9])", re.ASCII)
IFACE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.]{0,14}", re.ASCII)
IFACE_FORM = "a FreeBSD interface name: a letter, then up to 14 of A-Z a-z 0-9 _ ."
# tap(4): the host makes tapN, and devfs unhides exactly that node; anything else named here
# (mem, kmem, io, pci, vmm...) would be unhidden in the jail as if it were a tap.
TAP_RE = re.compile(r"tap[0-9]{1,5}", re.ASCII)
TAP_FORM = "a tap(4) device: tap and a number, e.g. tap0"
# nmdm(4): "/dev/nmdmN[AB] ... Where the A node has a matching B node"; any name works
# since nmdm creates nodes on demand (vmrun.sh -C /dev/nmdm-NAME-A, as the HardenedBSD
# article runs it). The name reaches devfs.rules as a pattern: no glob characters.
NMDM_RE = re.compile(r"/dev/(nmdm[A-Za-z0-9._-]{0,64})[AB]", re.ASCII)
NMDM_FORM = "an nmdm(4) node ending in A or B, e.g. /dev/nmdm-guest-A or /dev/nmdm0A"
# IP literals. Python's ipaddress also takes an IPv6 zone: "%" and then ANY text (spaces,
# $(...), newlines), so an allow-list decides what reaches it: hex digits, ":" and ".".
IP_RE = re.compile(r"[0-9A-Fa-f:.]{2,45}", re.ASCII)
IP_FORM = "an IPv4 or IPv6 address without a %zone, e.g. 127.0.0.1 or ::1"
# Zones are refused, except on a link-local IPv6 gateway (ipv6_defaultrouter="fe80::1%vnet0"
# is how rc.conf routes through a link-local router): there the zone is an interface name.
ZONED_IP_FORM = IP_FORM.replace(" without a %zone", "") + (
    "; a link-local IPv6 address may name its interface, e.g. fe80::1%vnet0")
PREFIX_RE = re.compile(r"[0-9]{1,3}", re.ASCII)
IP_INTERFACE_FORM = "an address with prefix length and no %zone, e.g. 10.0.0.5/24"
# RFC 1123 host names (bhyve -G passes the address to getaddrinfo): 1-253 characters.
HOSTNAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                         r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*", re.ASCII)
HOSTNAME_MAX = 253
# An Ansible inventory host (a name or an address) or group: no space, quote or glob.
INVENTORY_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,252}", re.ASCII)
SHELL_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}", re.ASCII)
DATASET_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*(/[A-Za-z0-9][A-Za-z0-9_.:-]*)+", re.ASCII)
DATASET_FORM = "a ZFS dataset below a pool, e.g. zroot/bhyve (A-Z a-z 0-9 _ . : - and /)"
ABS_PATH_RE = re.compile(r"(/[A-Za-z0-9._-]{1,255})+", re.ASCII)
ABS_PATH_MAX = 1024  # PATH_MAX on FreeBSD
ABS_PATH_FORM = "an absolute path of A-Z a-z 0-9 . _ - segments, e.g. /vms (1024 at most)"
# A file or zvol inside the guest directory: vm-bhyve joins it onto $vm_dir/NAME/ (file) or
# the guest's dataset (zvol), so it is one ZFS-and-file-safe segment, never . or ..
DISK_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}", re.ASCII)
DISK_NAME_FORM = ("a file or zvol name inside the guest directory: 1-128 of A-Z a-z 0-9 . _ -, "
                  "not starting with . or -")
# Disk device nodes a guest may open, and so a devfs ruleset may unhide (from FreeBSD's man
# pages, written from memory as no search was available: ada(4), da(4), nvd(4), nda(4),
# vtbd(4), md(4) with gpart(8) partitions pN or MBR slices sN[a-h]; glabel(8)/gpart(8)
# labels under gpt/, gptid/, diskid/; zfs(8) volumes under zvol/POOL/...). Nothing else:
# mem, kmem, io, pci, vmm, nmdm, bpf... must never be unhidden as a "disk".
_DISK_UNIT = r"(?:ada|da|nvd|nda|vtbd|md)[0-9]{1,3}(?:p[0-9]{1,3}|s[0-9]{1,2}[a-h]?)?"
_LABEL = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
DISK_DEVICE_RE = re.compile(
    rf"/dev/(?:{_DISK_UNIT}|gpt/{_LABEL}|gptid/[0-9a-f]{{8}}(?:-[0-9a-f]{{4}}){{3}}-[0-9a-f]{{12}}"
    rf"|diskid/{_LABEL}|zvol/[A-Za-z0-9][A-Za-z0-9_.:-]*(?:/[A-Za-z0-9][A-Za-z0-9_.:-]*)+)",
    re.ASCII)
DISK_DEVICE_MAX = 255
DISK_DEVICE_FORM = ("a disk device node: /dev/zvol/POOL/.../VOLUME, /dev/adaN, daN, nvdN, ndaN, "
                    "vtbdN or mdN (optionally pN or sN[a-h]), /dev/gpt/LABEL, /dev/gptid/UUID "
                    "or /dev/diskid/LABEL")
# bhyveload -e NAME=VALUE: loader variable names are dotted identifiers (hw.x, boot_verbose).
LOADER_ENV_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,62}=[A-Za-z0-9._,:/@%+=-]{0,255}",
                           re.ASCII)
LOADER_ENV_FORM = ("NAME=VALUE with NAME of A-Z a-z 0-9 _ . (1-63) and VALUE of "
                   "A-Z a-z 0-9 . _ , : / @ % + = - (0-255)")
# bhyve -G [w][ADDRESS:]PORT (the GDB stub); ADDRESS is an IP literal or a host name.
# bhyve splits at the last ":", so an IPv6 literal needs no brackets.
GDB_RE = re.compile(r"(w?)(?:([A-Za-z0-9.:-]{1,253}):)?([0-9]{1,5})", re.ASCII)
GDB_FORM = ("[w][ADDRESS:]PORT with PORT from 1 to 65535 and ADDRESS a host name or an IP "
            "address without a %zone, e.g. 1234 or w127.0.0.1:1234")
# bhyve block device options as vm-bhyve's diskN_opts passes them (nocache, sectorsize=512).
DISK_OPT_RE = re.compile(r"[a-z][a-z_]{0,31}(=[A-Za-z0-9._/:-]{1,64})?", re.ASCII)
DISK_OPT_FORM = "bhyve block options like nocache, direct, ro or sectorsize=512"
RELEASE_RE = re.compile(
    r"([0-9]{1,2})\.([0-9])-(RELEASE|STABLE|CURRENT|PRERELEASE|BETA[0-9]*|RC[0-9]*|ALPHA[0-9]*)"
    r"(-p[0-9]{1,3})?",
    re.ASCII,
)
RELEASE_FORM = "a FreeBSD release of 12.0 or later, e.g. 14.3-RELEASE or 15.0-RELEASE-p2"
MIN_RELEASE = Version("12.0")
# template.sh runs every hook but CMD as `eval "bastille HOOK JAIL ARGS"` on the host. What
# stays literal there: any character inside single quotes; inside double quotes all but
# $ ` \; outside quotes all but these (globs are off: template.sh runs `set -f`).
EVAL_ACTIVE = frozenset("$`\\;&|<>()")
EVAL_ACTIVE_QUOTED = frozenset("$`\\")
EVAL_INERT_FORM = ("printable words with no $ ` \\ ; & | < > ( ) outside single quotes "
                   "(no $ ` \\ inside double quotes), and every quote closed")
# bhyve's framebuffer (pci_fbuf.c) takes 640x480 up to 3840x2160.
RES_RE = re.compile(r"([1-9][0-9]{2,3})x([1-9][0-9]{2,3})", re.ASCII)
RES_FORM = "WIDTHxHEIGHT from 640x480 to 3840x2160, e.g. 1280x720"


def vm_name(field: str, value: str, *, max_len: int = 231) -> str:
    """Check a vm-bhyve name (guest, switch, datastore)."""
    if not VM_NAME_RE.fullmatch(value) or len(value) > max_len:
        raise SpecError(field, value, VM_NAME_FORM if max_len == 231 else
                        VM_NAME_FORM.replace("2-231", f"2-{max_len}"))
    return value


def inventory_name(field: str, value: str) -> str:
    """An inventory host or group name (a play's `hosts:`; a facts record's file name)."""
    if not INVENTORY_RE.fullmatch(value):
        raise SpecError(field, value, "an inventory host or group: letters, digits, "
                        "_ . : - (at most 253), no leading . : or -")
    return value


def jail_name(field: str, value: str) -> str:
    """Check a Bastille jail name (create.sh validate_name: not all digits either)."""
    if not JAIL_NAME_RE.fullmatch(value) or value.isdigit():
        raise SpecError(field, value, JAIL_NAME_FORM + ", not only digits")
    return value


def arg_safe(field: str, value: str) -> str:
    """Check a value that reaches a Bastille ARG (and so `eval echo`)."""
    if not ARG_SAFE_RE.fullmatch(value):
        raise SpecError(field, value, ARG_SAFE_FORM)
    return value


def disk_name(field: str, value: str) -> str:
    """Check a file or zvol name that vm-bhyve joins onto the guest's directory or dataset."""
    if not DISK_NAME_RE.fullmatch(value):
        raise SpecError(field, value, DISK_NAME_FORM)
    return value


def disk_device(field: str, value: str) -> str:
    """Check a disk device path and return its devfs name (below /dev) for the ruleset."""
    if not DISK_DEVICE_RE.fullmatch(value) or len(value) > DISK_DEVICE_MAX or (
            "/../" in value + "/" or "/./" in value + "/"):
        raise SpecError(field, value, DISK_DEVICE_FORM)
    return value.removeprefix("/dev/")


def eval_inert(field: str, value: str) -> str:
    """Check that a Bastillefile hook's arguments stay data under template.sh's eval."""
    quote = ""
    for char in value:
        if quote == "'":
            quote = "" if char == "'" else quote
        elif char == quote:
            quote = ""
        elif quote:
            if char in EVAL_ACTIVE_QUOTED or not char.isprintable():
                raise SpecError(field, value, EVAL_INERT_FORM)
        elif char in "'\"":
            quote = char
        elif char in EVAL_ACTIVE or not (char.isprintable() or char == "\t"):
            raise SpecError(field, value, EVAL_INERT_FORM)
    if quote:
        raise SpecError(field, value, EVAL_INERT_FORM)
    return value


def resolution(field: str, value: str) -> str:
    """Check a framebuffer size WIDTHxHEIGHT within what bhyve's fbuf device takes."""
    match = RES_RE.fullmatch(value)
    if not match or not (640 <= int(match.group(1)) <= 3840
                         and 480 <= int(match.group(2)) <= 2160):
        raise SpecError(field, value, RES_FORM)
    return value


def size(field: str, value: str) -> str:
    """Check a memory or disk size and return it with an upper-case suffix."""
    match = SIZE_RE.fullmatch(value)
    if not match:
        raise SpecError(field, value, SIZE_FORM)
    return match.group(1) + match.group(2).upper()


def size_bytes(value: str) -> int:
    """Return the number of bytes of a size already checked by size()."""
    match = SIZE_RE.fullmatch(value)
    assert match is not None  # noqa: S101 - callers pass checked values only
    power: int = " KMGT".index(match.group(2).upper())
    return int(match.group(1)) << (10 * power)


def integer(field: str, value: int, low: int, high: int) -> int:
    """Check an integer range (bool is not an integer here)."""
    if isinstance(value, bool) or not low <= value <= high:
        raise SpecError(field, value, f"a whole number from {low} to {high}")
    return value


def mac(field: str, value: str) -> str:
    """Check a unicast MAC address (bhyve refuses multicast ones)."""
    if not MAC_RE.fullmatch(value) or int(value[:2], 16) & 1:
        raise SpecError(field, value, "a unicast MAC address like 58:9c:fc:0c:fa:98")
    return value.lower()


def uuid(field: str, value: str) -> str:
    """Check a UUID in 8-4-4-4-12 hex form."""
    if not UUID_RE.fullmatch(value):
        raise SpecError(field, value, "a UUID like a179833c-204e-11eb-97b6-90e2ba4673cc")
    return value.lower()


def bsf(field: str, value: str) -> tuple[int, int, int]:
    """Check a PCI address as `vm passthru` prints it: BUS/SLOT/FUNCTION."""
    match = BSF_RE.fullmatch(value)
    if not match or int(match.group(1)) > 255 or int(match.group(2)) > 31 or (
        int(match.group(3)) > 7
    ):
        raise SpecError(field, value, "BUS/SLOT/FUNCTION as `vm passthru` prints it, e.g. 1/0/0"
                        " (bus 0-255, slot 0-31, function 0-7)")
    return int(match.group(1)), int(match.group(2)), int(match.group(3))


def pin(field: str, value: str) -> tuple[int, int]:
    """Check a guest slot pin SLOT:FUNCTION (slots 0 and 31 hold hostbridge and lpc)."""
    match = PIN_RE.fullmatch(value)
    if not match or not 1 <= int(match.group(1)) <= 30 or int(match.group(2)) > 7:
        raise SpecError(field, value, "SLOT:FUNCTION with slot 1-30 and function 0-7, e.g. 6:0")
    return int(match.group(1)), int(match.group(2))


def ip_address(field: str, value: str, *, zone: bool = False) -> str:
    """Check a literal IPv4 or IPv6 address, allow-list first, then ipaddress.

    With zone=True a link-local IPv6 address may carry `%IFACE` (an interface name, nothing
    else); everywhere else a zone is refused: no consumer of ours needs one.
    """
    form = ZONED_IP_FORM if zone else IP_FORM
    address, percent, scope = value.partition("%")
    if not IP_RE.fullmatch(address) or (percent and not (zone and IFACE_RE.fullmatch(scope))):
        raise SpecError(field, value, form)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError as exc:
        raise SpecError(field, value, form) from exc
    if percent and not (parsed.version == 6 and parsed.is_link_local):
        raise SpecError(field, value, form)
    return f"{parsed}%{scope}" if percent else str(parsed)


# vm-bhyve 1.7.5 writes `-s N,fbuf,tcp=${listen}:${port}` without brackets, and bhyve reads
# an IPv6 listen address only in RFC 2732 form ([::1]:5900; base r339681, MFC r339949), so
# an IPv6 graphics_listen never reaches bhyve intact: only IPv4 is accepted here.
VNC_LISTEN_FORM = "an IPv4 address, e.g. 127.0.0.1 (vm-bhyve cannot pass IPv6 to bhyve's VNC)"


def vnc_listen(field: str, value: str) -> str:
    """Check a VNC listen address: IPv4 only, see VNC_LISTEN_FORM."""
    try:
        address = ip_address(field, value)
    except SpecError as err:
        raise SpecError(field, value, VNC_LISTEN_FORM) from err
    if ":" in address:
        raise SpecError(field, value, VNC_LISTEN_FORM)
    return address


def ip_interface(field: str, value: str) -> str:
    """Check ADDR/NN, e.g. 10.0.0.5/24; no zone: rc.conf's key names the interface already."""
    address, slash, prefix = value.partition("/")
    if not (slash and IP_RE.fullmatch(address) and PREFIX_RE.fullmatch(prefix)):
        raise SpecError(field, value, IP_INTERFACE_FORM)
    try:
        return str(ipaddress.ip_interface(value))
    except ValueError as exc:
        raise SpecError(field, value, IP_INTERFACE_FORM) from exc


def interface(field: str, value: str) -> str:
    """Check a network interface name."""
    if not IFACE_RE.fullmatch(value):
        raise SpecError(field, value, IFACE_FORM)
    return value


def nmdm_pair(field: str, value: str) -> str:
    """A console device (/dev/nmdm...A or B) as the devfs pattern of its pair, nmdm...[AB]."""
    match = NMDM_RE.fullmatch(value)
    if match is None:
        raise SpecError(field, value, NMDM_FORM)
    return match.group(1) + "[AB]"


def tap(field: str, value: str) -> str:
    """Check a host-made tap device (its /dev node is unhidden in the jail)."""
    if not TAP_RE.fullmatch(value):
        raise SpecError(field, value, TAP_FORM)
    return value


def shell_identifier(field: str, value: str) -> str:
    """Check a name that rc evaluates as a shell variable ($devfsrules_...)."""
    if not SHELL_ID_RE.fullmatch(value):
        raise SpecError(field, value, "a shell identifier: a letter or _, then A-Z a-z 0-9 _")
    return value


def dataset(field: str, value: str) -> str:
    """Check a ZFS dataset name below a pool."""
    if not DATASET_RE.fullmatch(value) or len(value) > 200:
        raise SpecError(field, value, DATASET_FORM)
    return value


def abs_path(field: str, value: str) -> str:
    """Check an absolute path made of plain segments (no spaces, no ..)."""
    if (not ABS_PATH_RE.fullmatch(value) or len(value) > ABS_PATH_MAX
            or "/../" in value + "/" or "/./" in value + "/"):
        raise SpecError(field, value, ABS_PATH_FORM)
    return value


def loader_env(field: str, value: str) -> str:
    """Check one bhyveload -e NAME=VALUE (vm-bhyve splits bhyveload_args on spaces)."""
    if not LOADER_ENV_RE.fullmatch(value):
        raise SpecError(field, value, LOADER_ENV_FORM)
    return value


def gdb(field: str, value: str) -> str:
    """Check a bhyve -G argument: optional w (wait), optional ADDRESS:, then PORT."""
    match = GDB_RE.fullmatch(value)
    if not match or not 1 <= int(match.group(3)) <= 65535:
        raise SpecError(field, value, GDB_FORM)
    address = match.group(2)
    if address is not None and not (HOSTNAME_RE.fullmatch(address)
                                    and len(address) <= HOSTNAME_MAX):
        try:
            ip_address(field, address)
        except SpecError:
            raise SpecError(field, value, GDB_FORM) from None
    return value


def disk_opt(field: str, value: str) -> str:
    """Check one bhyve block device option (vm-bhyve appends diskN_opts to the device)."""
    if not DISK_OPT_RE.fullmatch(value):
        raise SpecError(field, value, DISK_OPT_FORM)
    return value


def release(field: str, value: str) -> Version:
    """Parse a FreeBSD release name into a comparable version, 12.0 or later."""
    match = RELEASE_RE.fullmatch(value)
    version = Version(f"{match.group(1)}.{match.group(2)}") if match else None
    if version is None or version < MIN_RELEASE:
        raise SpecError(field, value, RELEASE_FORM)
    return version


def options(field: str, text: str, keys: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """Split `HEAD,key=value,...` (the --disk and --nic syntax) and check the keys."""
    head, *rest = text.split(",")
    found: dict[str, str] = {}
    for item in rest:
        key, sep, value = item.partition("=")
        if not sep or key not in keys or key in found:
            raise SpecError(field, text, f"{field.upper()}[,KEY=VALUE...] with each KEY once, "
                            "one of " + ", ".join(keys))
        found[key] = value
    return head, found
