"""A valid value with something hostile attached, for every value flag of every command.

test_bad_input_matrix.py throws whole hostile strings at each flag; this file starts from a
value the flag accepts and appends (or prepends) what a general-purpose parser lets through:
an IPv6 %zone, a newline that adds a config key or a Bastille hook, $(), backticks, ${, ;,
control characters and unicode. Each must exit 2 with one stderr line naming the field,
with nothing written and nothing run (fp has no registered command, so any call raises).

On the code before the allow-lists (da2ff72^), these cases were accepted, among others:
render/jail create/apply `--ip fd00::5%$(id)/64` and `--gateway fe80::1%...`, render guest
and new-guest `--vnc-listen 127.0.0.1%...`/`::1%...` (only IPv6 takes a zone), import vmrun
`-L ::1%...` and `-G 1234`-with-host forms, `--disk-device /dev/mem/x`, `--host-tap mem`,
`--disk /dev/mem,dev=custom`, `jail create --prefix /x;y`, `jail apply --template /t;x`,
`doctor ../x` and `import vmrun -I 'x.iso$(id)'`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from pytest_subprocess import FakeProcess

from bhyvetpl.cli.app import app
from tests.cli_runner import Outcome, invoke_built

COMMAND = typer.main.get_command(app)

SUFFIXES = {
    "newline-key": "\nbhyve_options=-H",
    "newline-hook": "\nCMD touch /tmp/pwned",
    "zone-subst": "%$(id)",
    "zone-space": "%vnet0 x",
    "zone-newline": "%vnet0\nSYSRC x=1",
    "subst": "$(id)",
    "backtick": "`id`",
    "brace": "${IFS}",
    "semicolon": ";reboot",
    "ctrl-01": "\x01",
    "del": "\x7f",
    "cr": "\r",
    "tab": "\t",
    "unicode": "é",
    "rtl": "\u202e",
}
PREFIXES = {"subst": "$(id)", "ctrl-01": "\x01", "space": " ", "unicode": "é"}

# flag -> (a value it accepts, the field its error names)
GUEST = {
    "NAME": ("g1", "guest.name"), "--preset": ("freebsd", "guest.preset"),
    "--loader": ("uefi", "guest.loader"), "--topology": ("1x1x1", "guest.topology"),
    "--memory": ("512M", "guest.memory"), "--disk": ("disk0.img", "disk0"),
    "--nic": ("public", "nic0"), "--switch": ("public", "switch"),
    "--passthru": ("1/0/0", "passthru0"), "--vnc-listen": ("127.0.0.1", "graphics.listen"),
    "--vnc-res": ("1280x720", "graphics.res"), "--vnc-wait": ("no", "graphics.wait"),
    "--comport": ("com1", "guest.comports"),
    "--uuid": ("a179833c-204e-11eb-97b6-90e2ba4673cc", "guest.uuid"),
}
JAIL = {
    "NAME": ("j1", "jail.name"), "--release": ("14.3-RELEASE", "jail.release"),
    "--ip": ("fd00::5{}/64", "jail.address"), "--iface": ("em0", "jail.interface"),
    "--bridge": ("bridge0", "jail.interface"), "--gateway": ("fe80::1", "jail.gateway"),
    "--vm-dir": ("/vms", "jail.vm_dir"), "--vm-dataset": ("zroot/vms", "jail.vm_dataset"),
    "--switch": ("public", "jail.switch"), "--ruleset-name": ("bhyve_rules", "ruleset.name"),
    "--preset": ("linux", "jail.presets"),
}
JAIL_IP4 = {"--ip": ("10.0.0.5{}/24", "jail.address"),
            "--gateway": ("10.0.0.1", "jail.gateway")}
HOST = {
    "--jail": ("j1", "jail.name"), "--release": ("14.3-RELEASE", "release"),
    "--ruleset-name": ("bhyve_rules", "ruleset.name"), "--guest": ("g1", "guest.name"),
    "--host-tap": ("tap0", "nic.device"), "--uplink": ("em0", "uplink"),
    "--zvol-dataset": ("zroot/vms", "zvol_dataset"),
    "--disk-device": ("/dev/ada0p3", "disk_device"), "--passthru": ("1/0/0", "passthru0"),
}
# Given, so the host is not asked (a flag given twice: the last wins, the hostile one).
HOST_GIVEN = ("--release", "14.3-RELEASE", "--uplink", "em0")
JAIL_GIVEN = ("--release", "14.3-RELEASE", "--iface", "em0")
PREFIX = {"--prefix": ("/usr/local/bastille", "--prefix")}
NEW_GUEST = {**GUEST, "JAIL": ("j1", "jail.name"), "--vm-dir": ("/vms", "jail.vm_dir"),
             "--vm-dataset": ("zroot/vms", "jail.vm_dataset"), "--iso": ("/tmp/x.iso", "--iso"),
             "--size": ("20G", "guest.size"), **PREFIX}
TEMPLATES = {"--switch": ("public", "switch"), "--preset": ("linux", "guest.preset"),
             "--vm-dir": ("/vms", "--vm-dir")}
TEMPLATES_JAIL = {"--jail": ("j1", "jail.name"), "--vm-dir": ("/vms", "jail.vm_dir"),
                  "--vm-dataset": ("zroot/vms", "jail.vm_dataset"), **PREFIX}
# command words, fixed arguments (NAME/JAIL are replaced in place), flags, output option
COMMANDS: list[tuple[tuple[str, ...], tuple[str, ...], dict[str, tuple[str, str]], str]] = [
    (("render", "guest"), ("g1",), GUEST, "-o"),
    (("render", "jail"), ("j1", "--ip", "fd00::5/64"), JAIL, "-o"),
    (("render", "jail"), ("j1", "--ip", "10.0.0.5/24"), JAIL_IP4, "-o"),
    (("render", "host"), (), HOST, "-o"),
    (("host", "prepare"), HOST_GIVEN, HOST, "--root"),
    (("jail", "create"), ("j1", "--ip", "fd00::5/64", *JAIL_GIVEN), {**JAIL, **PREFIX}, "--root"),
    (("jail", "apply"), ("j1", "--ip", "fd00::5/64", *JAIL_GIVEN), {**JAIL, **PREFIX}, "--root"),
    (("jail", "apply"), ("j1",), {"--template": ("/tmp/tpl", "--template")}, "--root"),
    (("new-guest",), ("j1", "g1"), NEW_GUEST, "--root"),
    (("templates", "install"), ("--vm-dir", "/vms"), TEMPLATES, "--root"),
    (("templates", "install"), ("--jail", "j1"), TEMPLATES_JAIL, "--root"),
    (("templates", "list"), ("--jail", "j1"), TEMPLATES_JAIL, "--root"),
    (("bastille-plugin", "install"), (), {"--sharedir": ("/usr/local/share/bastille",
                                                         "--sharedir")}, "--root"),
    (("bastille-plugin", "uninstall"), (), {"--sharedir": ("/usr/local/share/bastille",
                                                           "--sharedir")}, "--root"),
    (("doctor",), ("j1",), {"JAIL": ("j1", "jail.name"),
                            "--jails-dir": ("/usr/local/bastille/jails", "--jails-dir")},
     "--root"),
]


def _variants() -> list[tuple[str, str]]:
    return [*((f"+{name}", suffix) for name, suffix in SUFFIXES.items()),
            *((f"{name}+", prefix) for name, prefix in PREFIXES.items())]


def _hostile(base: str, how: str, extra: str) -> str:
    """Put extra where `{}` marks the base (the address part of ADDR/NN), else at the end."""
    if how.startswith("+"):
        return base.replace("{}", extra) if "{}" in base else base + extra
    return extra + base.replace("{}", "")


CASES = [pytest.param(words, fixed, flag, base, field, out, how, extra,
                      id=f"{'-'.join(words)}:{flag}:{how}")
         for words, fixed, flags, out in COMMANDS for flag, (base, field) in flags.items()
         for how, extra in _variants()]
# Class 5: names that are not disk (or tap) nodes must never reach devfs.rules.
DEVICES = ["/dev/mem", "/dev/kmem", "/dev/io", "/dev/pci", "/dev/vmm/x", "/dev/vmmctl",
           "/dev/mem/x", "/dev/nmdm0A", "/dev/bpf0", "/dev/ada0/../mem", "/dev/zvol/../mem",
           "/dev/gpt/..", "/dev/ada0p3x", "/dev/zvol/tank"]
TAPS = ["mem", "kmem", "io", "pci", "vmm", "bpf0", "nmdm0A", "tap", "tap0.mem"]
DEVICE_CASES = [
    *(pytest.param(("render", "host"), ("--disk-device", d), "disk_device", id=f"host:{d}")
      for d in DEVICES),
    *(pytest.param(("host", "prepare"), (*HOST_GIVEN, "--disk-device", d), "disk_device",
                   id=f"prep:{d}")
      for d in DEVICES),
    *(pytest.param(("render", "guest", "g1"), ("--disk", f"{d},dev=custom"), "disk0.name",
                   id=f"guest:{d}") for d in DEVICES if d != "/dev/ada0/../mem"),
    *(pytest.param(("render", "host"), ("--host-tap", t), "nic.device", id=f"tap:{t}")
      for t in TAPS),
    *(pytest.param(("render", "guest", "g1"), ("--nic", f"public,device={t}"), "nic0.device",
                   id=f"nic:{t}") for t in TAPS),
]


def _refused(result: Outcome, field: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("bhyvetpl: error: "), result.stderr
    assert field in lines[0], (field, result.stderr)


@pytest.mark.parametrize(("words", "fixed", "flag", "base", "field", "out", "how", "extra"),
                         CASES)
def test_valid_value_made_hostile_is_refused(
        fp: FakeProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        words: tuple[str, ...], fixed: tuple[str, ...],
        flag: str, base: str, field: str, out: str, how: str, extra: str) -> None:
    value = _hostile(base, how, extra)
    args = list(fixed)
    if flag == "NAME":
        args[len(args) - 1 if words[0] == "new-guest" else 0] = value
    elif flag == "JAIL":
        args[0] = value
    else:
        args += [flag, value]
    target = tmp_path / "out"
    result = invoke_built(COMMAND, capsys, [*words, *args, out, str(target)])
    _refused(result, field)
    assert not target.exists()
    assert not list(fp.calls)


@pytest.mark.parametrize(("words", "args", "field"), DEVICE_CASES)
def test_non_disk_nodes_never_reach_devfs(fp: FakeProcess, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str],
                                          words: tuple[str, ...], args: tuple[str, ...],
                                          field: str) -> None:
    target = tmp_path / "out"
    out = "--root" if words[0] == "host" else "-o"
    result = invoke_built(COMMAND, capsys, [*words, *args, out, str(target)])
    _refused(result, field)
    assert not target.exists()
    assert not list(fp.calls)


# import vmrun: flag -> (a value it accepts, options it needs to be read at all)
VMRUN = {
    "-c": ("2", ()), "-m": ("512M", ()), "-C": ("/dev/nmdm0A", ()), "-d": ("disk0.img", ()),
    "-d/": ("/dev/ada0", ()), "-t": ("tap0", ()), "-p": ("1/0/0", ()),
    "-e": ("boot_verbose=YES", ()), "-H": ("/boot", ()), "-l": ("/boot/userboot.so", ()),
    "-G": ("w127.0.0.1{}:1234", ()), "-g": ("1234", ()), "-I": ("/iso/x.iso", ()),
    "-n": ("virtio-net", ()), "-L": ("127.0.0.1", ("-E",)), "-P": ("5900", ("-E",)),
    "-F": ("w=1024,h=768", ("-E",)), "-f": ("/usr/local/share/uefi-firmware/BHYVE_UEFI.fd",
                                            ("-E",)),
    "VMNAME": ("vm0", ()), "--switch": ("public", ()),
}
VMRUN_CASES = [pytest.param(flag, base, needs, how, extra, id=f"{flag}:{how}")
               for flag, (base, needs) in VMRUN.items() for how, extra in _variants()]


@pytest.mark.parametrize(("flag", "base", "needs", "how", "extra"), VMRUN_CASES)
def test_import_vmrun_refuses_hostile_arguments(
        fp: FakeProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str,
        base: str, needs: tuple[str, ...],
        how: str, extra: str) -> None:
    value = _hostile(base, how, extra)
    options: list[str] = []
    vmrun: list[str] = []
    name = "vm0"
    if flag == "VMNAME":
        name = value
    elif flag == "--switch":
        options = ["--switch", value]
    else:
        vmrun = [*needs, flag[:2], value]
    out = tmp_path / "g.conf"
    result = invoke_built(
        COMMAND, capsys, ["import", "vmrun", *options, "-o", str(out), "--", *vmrun, name])
    field = "guest.name" if flag == "VMNAME" else ("switch" if flag == "--switch" else
                                                    f"vmrun.sh {flag[:2]}")
    _refused(result, field)
    assert not out.exists()
    assert not list(fp.calls)
