"""Pure parsers for what FreeBSD, vm-bhyve and Bastille print or keep in files.

Every format here was checked against recorded outputs of real hosts
(tests/fixtures/freebsd); none takes a guess at a format no fixture shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_FEATURES_RE = re.compile(r"^\s+(Features2|AMD Features2)=0x[0-9a-f]+<([^>]*)>", re.M)
_VTX_RE = re.compile(r"^\s+VT-x:\s*(\(disabled in BIOS\)\s*)?(.*)$", re.M)
_SVM_RE = re.compile(r"^\s+SVM:\s*(.*)$", re.M)
_ORIGIN_RE = re.compile(r'^\s+Origin\s*=\s*"([A-Za-z]+)"', re.M)
_SYSCTL_UNKNOWN_RE = re.compile(r"sysctl: unknown oid '([^']+)'")
_PCI_RE = re.compile(r"^([a-z_]+?)([0-9]+)@pci([0-9]+):([0-9]+):([0-9]+):([0-9]+):", re.M)
_RULESET_RE = re.compile(r"^\s*\[([A-Za-z_][A-Za-z0-9_]*)=([0-9]+)\]\s*$")
_UNHIDE_RE = re.compile(r"^\s*add\s+path\s+(['\"]?)([^'\"\s]+)\1\s+unhide\b")


def freebsd_version(text: str) -> tuple[str, str, str] | None:
    """`freebsd-version -kru`: installed kernel, running kernel, userland."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[0], lines[1], lines[2]) if len(lines) == 3 else None


@dataclass(frozen=True, slots=True)
class CpuInfo:
    """The virtualisation lines of the boot CPU block (/var/run/dmesg.boot)."""

    vendor: str
    features2: frozenset[str]
    amd_features2: frozenset[str]
    vtx: frozenset[str] | None
    vtx_disabled: bool
    svm: frozenset[str] | None

    @property
    def intel(self) -> bool:
        """Origin="GenuineIntel"."""
        return self.vendor == "GenuineIntel"


def _flags(text: str) -> frozenset[str]:
    return frozenset(f.strip() for f in text.split(",") if f.strip())


def cpu_info(text: str) -> CpuInfo | None:
    """The first CPU block of a dmesg: vendor, Features2, AMD Features2, VT-x, SVM."""
    origin = _ORIGIN_RE.search(text)
    if origin is None:
        return None
    found: dict[str, frozenset[str]] = {}
    for match in _FEATURES_RE.finditer(text):
        found.setdefault(match.group(1), _flags(match.group(2)))
    vtx = _VTX_RE.search(text)
    svm = _SVM_RE.search(text)
    return CpuInfo(
        vendor=origin.group(1),
        features2=found.get("Features2", frozenset()),
        amd_features2=found.get("AMD Features2", frozenset()),
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


@dataclass(frozen=True, slots=True)
class Ruleset:
    """One `[name=NUMBER]` section of devfs.rules: its includes and unhidden paths."""

    name: str
    number: int
    line: int
    includes: tuple[str, ...] = ()
    unhidden: tuple[str, ...] = ()


def devfs_rulesets(text: str) -> tuple[Ruleset, ...]:
    """Parse /etc/devfs.rules (comments start with #, anywhere on a line)."""
    sections: list[Ruleset] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        header = _RULESET_RE.match(line)
        if header:
            sections.append(Ruleset(header.group(1), int(header.group(2)), number))
            continue
        if not sections:
            continue
        last = sections[-1]
        words = line.split()
        if words[:2] == ["add", "include"] and len(words) > 2:
            sections[-1] = Ruleset(last.name, last.number, last.line,
                                   (*last.includes, words[2]), last.unhidden)
        elif match := _UNHIDE_RE.match(line):
            sections[-1] = Ruleset(last.name, last.number, last.line, last.includes,
                                   (*last.unhidden, match.group(2)))
    return tuple(sections)


def devfs_matches(pattern: str, node: str) -> bool:
    """Match a devfs rule path as fnmatch(3) with FNM_PATHNAME does: * never crosses /."""
    regex = "".join("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch)
                    for ch in pattern)
    return re.fullmatch(regex, node) is not None


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


def shell_assignments(text: str) -> dict[str, str]:
    """rc.conf/loader.conf style `name="value"` lines; the last assignment wins, as in sh."""
    found: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        match = re.fullmatch(r'([A-Za-z_][A-Za-z0-9_.]*)=("([^"]*)"|\'([^\']*)\'|([^\s#]*))'
                             r"\s*(#.*)?", line)
        if match:
            found[match.group(1)] = next(g for g in match.groups()[2:5] if g is not None)
    return found


@dataclass(frozen=True, slots=True)
class JailConf:
    """The parameters of one jail block in a jail.conf (`name;` becomes `name: ""`)."""

    name: str
    params: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


def jail_conf(text: str, name: str | None) -> JailConf | None:
    """The `NAME { ... }` block of a jail.conf as Bastille writes it (one param a line).

    With name None, the first block: a jail's own jail.conf under Bastille holds one.
    """
    inside = False
    conf = JailConf(name or "")
    wanted = re.escape(name) if name else r"[^\s{]+"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not inside:
            inside = re.fullmatch(rf"{wanted}\s*\{{", line) is not None
            continue
        if line.startswith("}"):
            return conf
        if not line.endswith(";"):
            continue
        key, sep, value = line[:-1].partition("=")
        key = key.strip().rstrip("+").strip()
        conf.params[key] = value.strip().strip("\"'") if sep else ""
        conf.lines[key] = number
    return conf if inside else None
