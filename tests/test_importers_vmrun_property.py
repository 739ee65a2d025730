"""Property: any accepted vmrun.sh command line renders a config that reads back to its values.

The reader follows reference.md section 2 (vm-bhyve's config::load and config::get), and the
expected values come from the generated options, not from the importer.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from hypothesis import given, settings
from hypothesis import strategies as st

from bhyvetpl.importers.vmrun import VmrunError, import_vmrun
from bhyvetpl.render import render_guest
from tests.vmconf_reader import load


@dataclass
class Case:
    """Generated vmrun.sh options and the config keys each must produce."""

    args: list[str] = field(default_factory=list)
    expected: dict[str, str] = field(default_factory=dict)

    def opt(self, letter: str, value: str | None, attached: bool) -> None:
        if value is None:
            self.args.append(f"-{letter}")
        elif attached:
            self.args.append(f"-{letter}{value}")
        else:
            self.args += [f"-{letter}", value]


NAMES = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,12}[a-z0-9]", fullmatch=True)
SEGMENT = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,8}", fullmatch=True).filter(
    lambda s: s not in {".", ".."})
DISK_OPTS = st.lists(st.sampled_from(["nocache", "direct", "ro", "sectorsize=512"]),
                     max_size=2, unique=True)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Case, str]:
    case, form = Case(), st.booleans()
    name = draw(NAMES)
    if draw(st.booleans()):
        sockets, cores, threads = (draw(st.integers(1, 4)) for _ in range(3))
        cpu = sockets * cores * threads
        text = f"sockets={sockets},cores={cores},threads={threads}"
        case.opt("c", f"cpus={cpu},{text}" if draw(st.booleans()) else text, draw(form))
        case.expected |= {"cpu_sockets": str(sockets), "cpu_cores": str(cores),
                          "cpu_threads": str(threads)}
    else:
        cpu = draw(st.integers(1, 32))
        case.opt("c", str(cpu), draw(form))
    case.expected["cpu"] = str(cpu)
    amount, unit = draw(st.sampled_from([(32, "M"), (1024, "M"), (4, "G"), (16, "G")]))
    case.opt("m", f"{amount}{draw(st.sampled_from([unit, unit.lower()]))}", draw(form))
    case.expected["memory"] = f"{amount}{unit}"
    nic = draw(st.sampled_from([None, "virtio-net", "e1000"]))
    if nic:
        case.opt("n", nic, draw(form))
    taps = draw(st.lists(st.integers(0, 99).map(lambda n: f"tap{n}"), max_size=3, unique=True))
    for i, tap in enumerate(taps or ["tap0"]):
        if taps:
            case.opt("t", tap, draw(form))
        case.expected |= {f"network{i}_type": nic or "virtio-net", f"network{i}_switch": "lan",
                          f"network{i}_device": tap, f"network{i}_mac": "00:a0:98:"}
    ahci = draw(st.booleans())
    if ahci:
        case.opt("A", None, False)
    draw_disks(draw, case, "ahci-hd" if ahci else "virtio-blk")
    devices = draw(st.lists(st.tuples(st.integers(0, 255), st.integers(0, 31),
                                      st.integers(0, 7)), max_size=2, unique=True))
    for i, bsf in enumerate(devices):
        case.opt("p", "/".join(map(str, bsf)), draw(form))
        case.expected[f"passthru{i}"] = "/".join(map(str, bsf))
    if devices:
        case.expected["wired_memory"] = "yes"
    for letter in ("u", "w", "a", "i"):
        if draw(st.booleans()):
            case.opt(letter, None, False)
        elif letter == "u":
            case.expected["utctime"] = "no"
    if draw(st.booleans()):
        case.opt("I", draw(SEGMENT) + ".iso", draw(form))
    case.opt("C", draw(st.sampled_from(["stdio", "/dev/nmdm0A", f"/dev/nmdm-{name}-A"])),
             draw(form))
    gdb = draw(st.one_of(st.none(), st.integers(1, 65535)))
    if gdb:
        case.opt("G", str(gdb), draw(form))
        case.expected["bhyve_options"] = f"-G {gdb}"
    (draw_uefi if draw(st.booleans()) else draw_bhyveload)(draw, case)
    case.args.append(name)
    return case, name


def draw_disks(draw: st.DrawFn, case: Case, disk_type: str) -> None:
    bases = draw(st.lists(SEGMENT, max_size=3, unique=True))
    for i, base in enumerate(bases or ["diskdev"]):
        opts = draw(DISK_OPTS)
        absolute = draw(st.booleans())
        path = f"/dev/zvol/tank/{base}" if absolute else f"{draw(SEGMENT)}/{base}"
        if bases:
            case.opt("d", ",".join([path, *opts]), draw(st.booleans()))
        case.expected |= {f"disk{i}_type": disk_type,
                          f"disk{i}_name": path if absolute and bases else base}
        if absolute and bases:
            case.expected[f"disk{i}_dev"] = "custom"
        if opts and bases:
            case.expected[f"disk{i}_opts"] = ",".join(opts)


def draw_uefi(draw: st.DrawFn, case: Case) -> None:
    case.opt("E", None, False)
    case.expected |= {"loader": "uefi", "graphics": "yes", "graphics_port": "5900",
                      "graphics_listen": "127.0.0.1", "graphics_wait": "no"}
    port = draw(st.one_of(st.none(), st.integers(1024, 65535)))
    if port:
        case.opt("P", str(port), draw(st.booleans()))
        case.expected["graphics_port"] = str(port)
    listen = draw(st.one_of(st.none(), st.ip_addresses(v=4)))
    if listen:
        case.opt("L", str(listen), draw(st.booleans()))
        case.expected["graphics_listen"] = str(ipaddress.ip_address(listen))
    size = draw(st.one_of(st.none(), st.tuples(st.integers(640, 1920), st.integers(480, 1200))))
    if size:
        case.opt("F", f"w={size[0]},h={size[1]}", draw(st.booleans()))
        case.expected["graphics_res"] = f"{size[0]}x{size[1]}"
    if draw(st.booleans()):
        case.opt("v", None, False)
        case.expected["graphics_wait"] = "yes"
    if draw(st.booleans()):
        case.opt("T", None, False)
        case.expected["xhci_mouse"] = "yes"


def draw_bhyveload(draw: st.DrawFn, case: Case) -> None:
    case.expected["loader"] = "bhyveload"
    args = []
    for env in draw(st.lists(st.from_regex(r"[a-z_][a-z0-9_.]{0,8}=[a-z0-9,:/]{0,8}",
                                           fullmatch=True), max_size=2)):
        case.opt("e", env, draw(st.booleans()))
        args.append(f"-e {env}")
    if draw(st.booleans()):
        host = "/" + "/".join(draw(st.lists(SEGMENT, min_size=1, max_size=3)))
        case.opt("H", host, draw(st.booleans()))
        args.append(f"-h {host}")
    if args:
        case.expected["bhyveload_args"] = " ".join(args)


@settings(max_examples=300, deadline=None)
@given(cases())
def test_accepted_command_lines_read_back(generated: tuple[Case, str]) -> None:
    case, name = generated
    imported = import_vmrun(case.args, switch="lan", cwd=PurePosixPath("/srv"))
    assert imported.guest.name == name
    config = load(render_guest(imported.guest))
    assert config.keys() == case.expected.keys()
    for key, value in case.expected.items():
        if key.endswith("_mac"):
            assert re.fullmatch(re.escape(value) + r"[0-9a-f]{2}(:[0-9a-f]{2}){2}", config[key])
        else:
            assert config[key] == value, key


TOKENS = st.one_of(
    st.sampled_from([f"-{c}" for c in "aAcCdeEfFgGhHiIlLmnpPtTuvwxz"] + ["--", "-", "-iE"]),
    st.sampled_from(["4", "16g", "tap0", "/dev/nmdm0A", "stdio", "1/0/0", "ppt0", "vm0",
                     "/dev/zvol/a/b", "d.img,ro", "w=800,h=600", "5901", "::", "x=y"]),
    st.text(max_size=12))


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKENS, max_size=12))
def test_any_command_line_imports_or_is_refused_by_flag(args: list[str]) -> None:
    try:
        imported = import_vmrun(args, cwd=PurePosixPath("/srv"))
    except VmrunError as exc:
        assert str(exc).startswith("vmrun.sh ") and "\n" not in str(exc)
    else:
        assert load(render_guest(imported.guest))["loader"] in ("bhyveload", "uefi")
