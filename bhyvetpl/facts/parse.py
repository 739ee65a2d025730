"""Parsers for the commands the facts pass runs; each format is pinned by a recorded output.

The recorded outputs are in tests/fixtures/freebsd (copied from ../shared/fixtures/freebsd
with their sources). No parser guesses at a format that no fixture shows.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bhyvetpl.facts.model import Cpu, Dataset, Interface, Mount

# `ifconfig -a`: a block starts at column 0 with `NAME: flags=...`.
_IFACE_HEAD_RE = re.compile(r"([A-Za-z][A-Za-z0-9_.-]*): flags=", re.ASCII)
_FEATURES_RE = re.compile(r"^\s+(Features2|AMD Features2)=0x[0-9a-f]+<([^>]*)>", re.M)
_VTX_RE = re.compile(r"^\s+VT-x:\s*(\(disabled in BIOS\)\s*)?(.*)$", re.M)
_SVM_RE = re.compile(r"^\s+SVM:\s*(.*)$", re.M)
_ORIGIN_RE = re.compile(r'^\s+Origin\s*=\s*"([A-Za-z]+)"', re.M)
_SYSCTL_UNKNOWN_RE = re.compile(r"sysctl: unknown oid '([^']+)'")
_PCI_RE = re.compile(r"^([a-z_]+?)([0-9]+)@pci([0-9]+):([0-9]+):([0-9]+):([0-9]+):", re.M)


def freebsd_version(text: str) -> tuple[str, str, str] | None:
    """`freebsd-version -kru`: installed kernel, running kernel, userland."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[0], lines[1], lines[2]) if len(lines) == 3 else None


def _flags(text: str) -> tuple[str, ...]:
    return tuple(sorted({f.strip() for f in text.split(",") if f.strip()}))


def cpu_info(text: str) -> Cpu | None:
    """The first CPU block of a dmesg: vendor, Features2, AMD Features2, VT-x, SVM."""
    origin = _ORIGIN_RE.search(text)
    if origin is None:
        return None
    found: dict[str, tuple[str, ...]] = {}
    for match in _FEATURES_RE.finditer(text):
        found.setdefault(match.group(1), _flags(match.group(2)))
    vtx = _VTX_RE.search(text)
    svm = _SVM_RE.search(text)
    return Cpu(
        vendor=origin.group(1),
        features2=found.get("Features2", ()),
        amd_features2=found.get("AMD Features2", ()),
        vtx=_flags(vtx.group(2)) if vtx else None,
        vtx_disabled=bool(vtx and vtx.group(1)),
        svm=_flags(svm.group(1).split("NAsids")[0]) if svm else None,
    )


def sysctl_values(stdout: str) -> dict[str, str]:
    """`sysctl NAME...` output: `name: value` lines (continuation lines are skipped)."""
    values: dict[str, str] = {}
    for line in stdout.splitlines():
        name, sep, value = line.partition(": ")
        if sep and name and " " not in name:
            values[name] = value.strip()
    return values


def sysctl_unknown(stderr: str) -> set[str]:
    """Names sysctl refused with `sysctl: unknown oid 'NAME'`."""
    return set(_SYSCTL_UNKNOWN_RE.findall(stderr))


def pci_drivers(text: str) -> dict[str, str]:
    """`pciconf -lv`: BUS/SLOT/FUNCTION (as vm passthru and pptdevs write it) -> driver."""
    return {f"{int(m.group(4))}/{int(m.group(5))}/{int(m.group(6))}": m.group(1)
            for m in _PCI_RE.finditer(text)}


@dataclass(frozen=True, slots=True)
class PassthruRow:
    """One row of `vm passthru`."""

    device: str
    bsf: str
    ready: bool
    description: str


def vm_passthru(text: str) -> tuple[PassthruRow, ...]:
    """`vm passthru`: DEVICE BHYVE-ID READY DESCRIPTION, columns split on runs of spaces."""
    rows = []
    for line in text.splitlines()[1:]:
        parts = line.split(None, 3)
        if len(parts) >= 3:
            rows.append(PassthruRow(parts[0], parts[1], parts[2] == "Yes",
                                    parts[3] if len(parts) > 3 else ""))
    return tuple(rows)


def vm_switches(text: str) -> dict[str, str]:
    """`vm switch list`: switch name -> type (the header row is skipped)."""
    switches: dict[str, str] = {}
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2:
            switches[parts[0]] = parts[1]
    return switches


def kldstat_modules(text: str) -> tuple[str, ...]:
    """`kldstat`: the loaded files' names without `.ko` (kernel included), in order."""
    lines = text.splitlines()
    if not lines or lines[0].split()[-1:] != ["Name"]:
        return ()
    names = (line.split()[-1] for line in lines[1:] if len(line.split()) >= 5)
    return tuple(name.removesuffix(".ko") for name in names)


def default_interface(text: str) -> str | None:
    """`netstat -rn`: the Netif of the IPv4 `default` route (the uplink a bridge needs)."""
    column = None
    for line in text.splitlines():
        fields = line.split()
        if fields[:1] == ["Destination"] and "Netif" in fields:
            column = fields.index("Netif")
        elif fields[:1] == ["default"] and column is not None and len(fields) > column:
            return fields[column]
    return None


def interfaces(text: str) -> tuple[Interface, ...]:
    """`ifconfig -a`: every interface with its groups, bridge members and addresses."""
    found: list[Interface] = []
    name: str | None = None
    groups: list[str] = []
    members: list[str] = []
    addresses: list[str] = []

    def close() -> None:
        if name is not None:
            found.append(Interface(name, tuple(groups), tuple(members), tuple(addresses)))

    for line in text.splitlines():
        head = _IFACE_HEAD_RE.match(line)
        if head:
            close()
            name, groups, members, addresses = head.group(1), [], [], []
            continue
        fields = line.split()
        if name is None or not fields:
            continue
        if fields[0] == "groups:":
            groups += fields[1:]
        elif fields[0] == "member:" and len(fields) > 1:
            members.append(fields[1])
        elif fields[0] in ("inet", "inet6") and len(fields) > 1:
            addresses.append(fields[1])
    close()
    return tuple(found)


def jls_json(text: str) -> dict[str, dict[str, str]]:
    """`jls --libxo=json -n`: each running jail's parameters by jail name.

    libxo writes every value as a string (booleans as "true"/"false"); address lists are
    arrays, kept here joined with commas.
    """
    data = json.loads(text) if text.strip() else {}
    jails = data.get("jail-information", {}).get("jail", [])
    result: dict[str, dict[str, str]] = {}
    for jail in jails:
        params = {key: (",".join(map(str, value)) if isinstance(value, list) else str(value))
                  for key, value in jail.items()}
        if params.get("name"):
            result[params["name"]] = params
    return result


def zfs_list(text: str) -> tuple[Dataset, ...]:
    """`zfs list [-o name,mountpoint]`: datasets and mountpoints, read by the header row."""
    lines = text.splitlines()
    header = lines[0].split() if lines else []
    if "NAME" not in header or header[-1:] != ["MOUNTPOINT"]:
        return ()
    before = len(header) - 1
    rows = (line.split(maxsplit=before) for line in lines[1:])
    return tuple(Dataset(row[0], row[before]) for row in rows if len(row) == before + 1)


# fstab(5) fields are split on blanks; Bastille's mount.sh writes a blank in a path as
# `\040` (BastilleBSD/bastille usr/local/share/bastille/mount.sh @ 1.4.4), a tab `\011`.
_FSTAB_ESCAPE_RE = re.compile(r"\\(040|011)")


def _unescape(field: str) -> str:
    return _FSTAB_ESCAPE_RE.sub(lambda m: " " if m.group(1) == "040" else "\t", field)


def fstab(text: str) -> tuple[Mount, ...]:
    """A jail's fstab as mount reads it: `#` lines and blank lines skipped, four fields or more.

    Bastille writes `HOST_PATH JAILS/NAME/root/PATH TYPE OPTIONS 0 0` (mount.sh), the
    thin jail's release line (create.sh) and, for Linux jails, column-aligned lines.
    """
    mounts = []
    for number, raw in enumerate(text.splitlines(), start=1):
        fields = raw.split()
        if len(fields) < 4 or fields[0].startswith("#"):
            continue
        mounts.append(Mount(_unescape(fields[0]), _unescape(fields[1]), fields[2], fields[3],
                            raw, number))
    return tuple(mounts)


# `rctl -u FILTER`: one `resource=amount` line a resource (usr.bin/rctl/rctl.c show_usage,
# freebsd-src @ 027f6b42); with -h each amount goes through humanize_number(3) with
# HN_AUTOSCALE and HN_DECIMAL | HN_NOSPACE into 6 bytes: base 1024, suffixes K M G T P E,
# one decimal below 10 ("1.5G"), and every resource, counts too (tests/fixtures/freebsd/
# rctl-hu-jail-uwsgi.txt).
_HUMAN_RE = re.compile(r"([0-9]+)(?:\.([0-9]))?([KMGTPE]?)", re.ASCII)
_SCALE = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}


def rctl_usage(text: str) -> dict[str, str]:
    """`rctl -hu jail:NAME`: resource -> its amount as printed (lines without `=` skipped)."""
    usage: dict[str, str] = {}
    for line in text.splitlines():
        resource, sep, amount = line.strip().partition("=")
        if sep and resource and amount:
            usage[resource] = amount
    return usage


def humanized_at_most(amount: str) -> int | None:
    """The most a humanize_number(3) amount can stand for (it rounds): None when not one.

    "13M" may be up to 13.5M before rounding, "1.5G" up to 1.55G: one unit of the last
    digit shown is added, so a comparison against a limit never trusts the rounding.
    """
    match = _HUMAN_RE.fullmatch(amount)
    if match is None:
        return None
    whole, tenth, suffix = match.groups()
    unit: int = 1024 ** _SCALE[suffix]
    if tenth is None:
        return (int(whole) + 1) * unit - 1 if suffix else int(whole)
    return (int(whole) * 10 + int(tenth) + 1) * unit // 10
