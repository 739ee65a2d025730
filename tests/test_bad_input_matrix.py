"""Every command, every string flag, hostile values: exit 2, one line, nothing written or run."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from pytest_subprocess import FakeProcess

from bhyvetpl.cli.app import app

COMMAND = typer.main.get_command(app)  # built once: 800 invocations follow


def invoke(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of the prebuilt app (CliRunner would rebuild it)."""
    with pytest.raises(SystemExit) as info:
        COMMAND.main(args, prog_name="bhyvetpl")
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err

HOSTILE = {"semicolon": "a;reboot", "subst": "$(id)", "squote": "a'b", "dquote": 'a"b',
           "space": "a b", "newline": "a\nb", "unicode": "é", "long": "x" * 300, "empty": ""}
GUEST = ("NAME", "--preset", "--loader", "--topology", "--memory", "--disk", "--nic",
         "--switch", "--passthru", "--vnc-listen", "--vnc-res", "--vnc-wait", "--comport",
         "--uuid")
JAIL = ("NAME", "--release", "--ip", "--iface", "--bridge", "--gateway", "--vm-dir",
        "--vm-dataset", "--switch", "--ruleset-name", "--preset")
HOST = ("--jail", "--release", "--ruleset-name", "--guest", "--host-tap", "--uplink",
        "--zvol-dataset", "--disk-device", "--passthru")
# Given, so the host is not asked (a flag given twice: the last wins, the hostile one).
HOST_GIVEN = ("--release", "14.3-RELEASE", "--uplink", "em0")
JAIL_GIVEN = ("--release", "14.3-RELEASE", "--iface", "em0")
# command words, positional arguments, its string flags, how it is told where to write
COMMANDS = [
    (("render", "guest"), ("g1",), GUEST, "-o"),
    (("render", "jail"), ("j1",), JAIL, "-o"),
    (("render", "host"), (), HOST, "-o"),
    (("host", "prepare"), HOST_GIVEN, HOST, "--root"),
    (("jail", "create"), (*JAIL_GIVEN, "j1"), (*JAIL, "--prefix"), "--root"),
    (("jail", "apply"), (*JAIL_GIVEN, "j1"), (*JAIL, "--prefix"), "--root"),
    (("new-guest",), ("j1", "g1"), (*GUEST, "JAIL", "--vm-dir", "--vm-dataset", "--iso",
                                    "--size"), "--root"),
    (("templates", "install"), ("--vm-dir", "/vms"), ("--switch", "--preset"), "--root"),
    (("templates", "install"), (), ("--jail",), "--root"),
    (("bastille-plugin", "install"), (), ("--sharedir",), "--root"),
]
CASES = [pytest.param(words, positional, flag, out, value,
                      id=f"{'-'.join(words)}:{flag}:{name}")
         for words, positional, flags, out in COMMANDS for flag in flags
         for name, value in HOSTILE.items()]


@pytest.mark.parametrize(("words", "positional", "flag", "out", "value"), CASES)
def test_hostile_value(fp: FakeProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       words: tuple[str, ...], positional: tuple[str, ...], flag: str, out: str,
                       value: str) -> None:
    args = list(positional)
    if flag == "NAME":
        args[-1] = value
    elif flag == "JAIL":
        args[0] = value
    else:
        args += [flag, value]
    target = tmp_path / "out"
    code, stdout, stderr = invoke(capsys, [*words, *args, out, str(target)])
    lines = stderr.strip().splitlines()
    assert code == 2, (stdout, stderr)
    assert len(lines) == 1 and lines[0].startswith("bhyvetpl: error: "), stderr
    assert not target.exists()
    assert not list(fp.calls)


def test_import_vmrun_refuses_hostile_names(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    for value in HOSTILE.values():
        out = tmp_path / "g.conf"
        code, _, stderr = invoke(
            capsys, ["import", "vmrun", "-o", str(out), "--", "-t", "tap0", value])
        assert code == 2 and len(stderr.strip().splitlines()) == 1
        assert not out.exists()
