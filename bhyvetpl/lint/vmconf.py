"""Lint a vm-bhyve guest config against how vm-bhyve really reads it (reference.md §2).

Line rules look at the text; value rules look at what config::get returns (the first
occurrence of a key); slot rules replay vm::run's PCI slot allocation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from bhyvetpl.errors import SpecError
from bhyvetpl.hostfs import vmconf as vmreader
from bhyvetpl.hostfs.vmconf import ConfigLine, get
from bhyvetpl.lint.finding import Finding, Severity
from bhyvetpl.model import slots, values
from bhyvetpl.model.slots import yesno

KEY_RE = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
LOADERS = ("bhyveload", "grub", "uefi", "uefi-csm", "uefi-devel", "uefi-custom")
CHOICES = {
    "loader": LOADERS,
    "diskN_type": ("virtio-blk", "ahci-hd", "ahci-cd", "nvme"),
    "diskN_dev": ("file", "zvol", "sparse-zvol", "custom", "iscsi"),
    "networkN_type": ("virtio-net", "e1000"),
    "graphics_wait": ("yes", "no", "auto"),
    "graphics_vga": ("io", "on", "off"),
}
CPU_RE = re.compile(r"[1-9][0-9]{0,2}", re.ASCII)
# bhyve -m reads it with expand_number(3); vm-bhyve's own legacy-gentoo sample writes 512MB.
MEMORY_RE = re.compile(r"[1-9][0-9]*([KkMmGgTt][Bb]?)?", re.ASCII)
# Values with a grammar in the model: lint asks the model's own check (one copy of each).
MODEL_CHECKS: dict[str, Callable[[str, str], object]] = {
    "networkN_mac": values.mac,
    "uuid": values.uuid,
    "graphics_listen": values.vnc_listen,  # bhyve -s fbuf,tcp=ADDR:PORT: IPv4, no %zone
    "graphics_res": values.resolution,
    "networkN_switch": values.vm_name,
    "networkN_device": values.interface,
    "diskN_opts": lambda field, text: [values.disk_opt(field, o) for o in text.split(",")],
}


def _checked(check: Callable[[str, str], object], field: str, value: str) -> str | None:
    """Run a bhyvetpl.model.values check; return its accepted form when it refuses."""
    try:
        check(field, value)
    except SpecError as err:
        return err.accepted
    return None


class _Report:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.findings: list[Finding] = []

    def add(self, line: int, severity: Severity, code: str, message: str) -> None:
        self.findings.append(Finding(self.path, line, severity, code, message))


def lint_vmconf(path: Path, text: str) -> list[Finding]:
    """Every finding for one guest config or template, in line order."""
    report = _Report(path)
    for number, raw in enumerate(text.split("\n"), start=1):
        _check_raw(report, number, raw)
    lines = vmreader.load(text)
    first: dict[str, ConfigLine] = {}
    for line in lines:
        if not KEY_RE.fullmatch(line.key):
            continue  # reported by _check_raw
        if line.key in first:
            report.add(line.number, "error", "duplicate-key",
                       f"{line.key} is already set on line {first[line.key].number}: vm-bhyve "
                       "reads the first, sysrc (vm set, uuid/MAC write-back) edits the last")
            continue
        first[line.key] = line
        _check_key(report, line)
    _check_semantics(report, lines, first)
    return sorted(report.findings, key=lambda f: (f.line, f.code))


def _check_raw(report: _Report, number: int, raw: str) -> None:
    stripped = raw.lstrip(" \t")
    if "\r" in raw:
        report.add(number, "error", "crlf", "CR line ending: vm-bhyve keeps the CR in the value")
        raw, stripped = raw.rstrip("\r"), stripped.rstrip("\r")
    if not stripped or stripped.startswith("#"):
        return
    if not ("a" <= raw[:1] <= "z"):
        where = "indented" if raw[:1] in " \t" else "does not start with a-z"
        report.add(number, "error", "ignored-line",
                   f"{where}: vm-bhyve reads only lines that start at column 0 with a-z, "
                   f"so this line is ignored (write {stripped.strip()!r} at column 0)")
        return
    before, hashed, _ = raw.partition("#")
    key, eq, _ = before.partition("=")
    if not eq:
        report.add(number, "error", "no-assignment", "not a key=value line")
        return
    if not KEY_RE.fullmatch(key):
        hint = " (no spaces around =)" if KEY_RE.fullmatch(key.strip()) else ""
        report.add(number, "error", "bad-key",
                   f"vm-bhyve reads the key as {key!r}{hint}; keys are a-z 0-9 _")
    if hashed and (before.count('"') % 2 or before[-1:] not in (" ", "\t")):
        report.add(number, "error", "hash-in-value",
                   f"'#' in the value: vm-bhyve cuts the line there and reads "
                   f"{before.rstrip(' ').replace(chr(34), '')}")
    elif before.count('"') % 2:
        report.add(number, "error", "unbalanced-quote", "odd number of double quotes")
    seen = before.rstrip(" ").replace('"', "").partition("=")[2]
    if seen.endswith("\t"):
        report.add(number, "error", "trailing-tab", "trailing tab: vm-bhyve keeps it in the value")
    if "'" in seen:
        report.add(number, "error", "single-quote",
                   "single quotes are kept literally by vm-bhyve: use double quotes")
    if "\\" in seen:
        report.add(number, "warning", "backslash", "backslash is kept literally by vm-bhyve")
    if any(ch in seen for ch in "*?["):
        report.add(number, "warning", "glob",
                   "* ? [ in a value: config::get expands the line as a file pattern")
    if seen.startswith((" ", "\t")):
        report.add(number, "warning", "space-after-equals", "value starts with a blank")
    if not seen.strip() and KEY_RE.fullmatch(key):
        report.add(number, "error", "empty-value",
                   f"empty value: {key} counts as set, so vm-bhyve's default is not applied "
                   "(and an empty indexed key ends its list); delete the line instead")


def _check_key(report: _Report, line: ConfigLine) -> None:
    if not vmreader.is_known(line.key):
        close = vmreader.suggest(line.key)
        if close:
            report.add(line.number, "error", "unknown-key",
                       f"unknown key {line.key}: did you mean {close}? (vm-bhyve ignores it)")
        else:
            report.add(line.number, "warning", "unknown-key",
                       f"unknown key {line.key}: vm-bhyve 1.7 does not read it")
        return
    value = line.value
    if not value:
        return
    indexed = vmreader.split_indexed(line.key)
    pattern = indexed[2] if indexed else line.key
    problem: str | None = None
    if pattern in CHOICES and value not in CHOICES[pattern]:
        problem = "one of " + ", ".join(CHOICES[pattern])
    elif pattern == "cpu" and not CPU_RE.fullmatch(value):
        problem = "a whole number of virtual CPUs, e.g. 2"
    elif pattern == "memory" and not MEMORY_RE.fullmatch(value):
        problem = "a size such as 512M or 4G"
    elif pattern in MODEL_CHECKS:
        problem = _checked(MODEL_CHECKS[pattern], line.key, value)
    elif pattern == "passthruN":
        device, _, pinned = value.partition("=")
        problem = _checked(values.bsf, line.key, device) or (
            _checked(values.pin, line.key, pinned) if pinned else None)
    elif pattern == "comports" and any(p not in ("com1", "com2", "com3", "com4")
                                       for p in value.split()):
        problem = "com1 to com4, separated by spaces"
    if problem:
        report.add(line.number, "error", "bad-value",
                   f"{line.key}={value!r} is not accepted; expected {problem}")
    elif pattern in ("zfs_dataset_opts", "zfs_zvol_opts") and len(value.split()) > 2:
        report.add(line.number, "warning", "zfs-opts",
                   f"{line.key}: vm-bhyve 1.6-1.7.5 passes at most two properties")
    elif pattern.startswith("limit_") or pattern == "priority":
        report.add(line.number, "warning", "rctl",
                   f"{line.key} uses rctl, which fails inside a jail")


def _check_semantics(report: _Report, lines: tuple[ConfigLine, ...],
                     first: dict[str, ConfigLine]) -> None:
    last = max((line.number for line in lines), default=1)
    for key in ("loader", "cpu", "memory"):
        if key not in first:
            report.add(last, "error", "missing-key",
                       f"{key} is not set: vm-bhyve refuses to start the guest")
    if not (get(lines, "disk0_name") and get(lines, "disk0_type")):
        uefi = slots.is_uefi(get(lines, "loader"))
        report.add(last, "warning" if uefi else "error", "missing-key",
                   "no disk0_type/disk0_name: vm create needs disk0" + (
                       "" if uefi else ", and bhyveload/grub refuse to start without a boot "
                       "disk"))
    _check_indexes(report, first)
    num = 0
    while value := get(lines, f"network{num}_type"):
        if not get(lines, f"network{num}_switch"):
            line = first[f"network{num}_type"].number
            report.add(line, "error", "nic-without-switch",
                       f"network{num} has no network{num}_switch: vm-bhyve drops the NIC "
                       f"({value}) even when network{num}_device is set")
        num += 1
    # vm::bhyve_device_fbuf returns before anything when the loader is not UEFI, and
    # vm::bhyve_device_passthru adds -S itself (1.4.0 to master): neither is a finding.
    graphics = first.get("graphics")
    if (graphics and yesno(graphics.value) and slots.is_uefi(get(lines, "loader"))
            and "graphics_listen" not in first):
        report.add(graphics.number, "warning", "vnc-listen",
                   'VNC listens on 0.0.0.0 by default: add graphics_listen="127.0.0.1"')
    _check_slots(report, lines, first)


def _check_indexes(report: _Report, first: dict[str, ConfigLine]) -> None:
    present: dict[str, dict[int, list[ConfigLine]]] = {}
    for key, line in first.items():
        split = vmreader.split_indexed(key)
        if split:
            present.setdefault(split[0], {}).setdefault(split[1], []).append(line)
    for family, by_index in present.items():
        loop = vmreader.LOOP_KEYS[family]
        index = 0
        while all(p.replace("N", str(index)) in first and first[p.replace("N", str(index))].value
                  for p in loop):
            index += 1
        for unread in sorted(i for i in by_index if i >= index):
            for line in by_index[unread]:
                missing = " and ".join(p.replace("N", str(index)) for p in loop)
                report.add(line.number, "error", "index-gap",
                           f"{line.key} is never read: vm-bhyve stops reading {family} "
                           f"entries at the first without {missing}")


def _check_slots(report: _Report, lines: tuple[ConfigLine, ...],
                 first: dict[str, ConfigLine]) -> None:
    over = slots.beyond_pre17(vmreader.getter(lines))
    if over:
        names = ", ".join(f"{d.what} on slot {d.slot}" for d in over[:3])
        key = next((k for k in (over[0].what, f"{over[0].what}_type") if k in first), None)
        report.add(first[key].number if key else 1, "warning",
                   "slots-before-1.7",
                   f"vm-bhyve up to 1.6.2 never moves to PCI bus 1: it puts {names}"
                   f"{' ...' if len(over) > 3 else ''} (31 is lpc's, 32+ bhyve refuses); "
                   "vm-bhyve 1.7.0+ needed")
    devices = slots.allocate(vmreader.getter(lines))
    slot = get(lines, "install_slot") or ""
    install = (0, int(slot) if slot.isdigit() else 3, 0)
    free = slots.free_slot(devices, install[1])
    hint = f"pin slot {free} instead" if free is not None else "no slot of bus 0 is free"
    for pin in (d for d in devices if d.pinned):
        line = first[pin.what].number
        where = f"{pin.slot}:{pin.func}"
        for other in devices:
            if other is not pin and (other.bus, other.slot, other.func) == (
                    pin.bus, pin.slot, pin.func):
                report.add(line, "error", "slot-collision",
                           f"{pin.what} is pinned to {where}, where vm-bhyve automatically "
                           f"places {other.what}: {hint}")
                break
        else:
            if (pin.bus, pin.slot, pin.func) == install:
                report.add(line, "warning", "slot-collision",
                           f"{pin.what} is pinned to {where}, the install_slot vm install "
                           "uses for the ISO")
