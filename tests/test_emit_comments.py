"""A newline in any text an emitted script shows never adds a command: comments stay one line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bhyvetpl.emit import emit_sh
from bhyvetpl.plan.actions import Plan, RunCommand, WriteFile
from tests.standin_env import make_host
from tests.test_emit_e2e import SHELLCHECK

INJECTED = ["\ntouch MARK", "\r\ntouch MARK", "x\\\ntouch MARK", "\n#\ntouch MARK\n",
            "\u2028touch MARK", "\x0btouch MARK\\"]


def _plan(text: str, root: Path) -> Plan:
    return Plan(f"host prepare {text}", (
        RunCommand(("sysctl", "net.link.tap.up_on_open=1"), where=f"host{text}",
                   why=f"why{text}"),
        WriteFile(root / "etc/x.conf", "a\rb\n", where=f"jail{text}", why=text),
    ), root=root)


@pytest.mark.parametrize("text", INJECTED)
def test_newline_in_plan_text_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           text: str) -> None:
    host = make_host(tmp_path / "host", monkeypatch)
    script = emit_sh(_plan(text, host.root))
    check = subprocess.run([SHELLCHECK, "-s", "sh", "-"], input=script, capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout
    monkeypatch.chdir(tmp_path)
    code, out, err = host.sh(script)
    assert code == 0, out + err
    assert not list(tmp_path.rglob("MARK"))
    assert host.calls() == [("sysctl", "net.link.tap.up_on_open=1")]
    assert (host.root / "etc/x.conf").read_bytes() == b"a\rb\n"
    comments = [line for line in script.splitlines() if line.startswith("# ")]
    assert not any("touch MARK" in line for line in script.splitlines()
                   if not line.startswith("# "))
    assert sum("touch MARK" in line for line in comments) == 3


@pytest.mark.parametrize("option", ["--root", "--prefix", "--template"])
def test_newline_in_an_option_is_refused_or_inert(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str) -> None:
    host = make_host(tmp_path / "host", monkeypatch)
    monkeypatch.chdir(tmp_path)
    value = {"--root": f"{host.root}/x\ntouch MARK", "--prefix": "/usr/local/b\ntouch MARK",
             "--template": "bhyvetpl/web\ntouch MARK"}[option]
    args = ["jail", "apply", "web", "--release", "14.3-RELEASE", "--iface", "em0", "--emit",
            "sh", option, value]
    if option != "--root":
        args += ["--root", str(host.root)]
    code, out, err = host.cli(*args)
    if code == 0:
        _code, sout, serr = host.sh(out)
        assert not list(tmp_path.rglob("MARK")), sout + serr
    else:
        assert code == 2, err
        assert "not accepted" in err or "Invalid value" in err
    assert not list(tmp_path.rglob("MARK"))
