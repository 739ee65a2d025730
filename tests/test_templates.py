"""`templates install|list`: preset templates in $vm_dir/.templates, on a host or in a jail."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_subprocess import FakeProcess

from bhyvetpl.cli.app import app
from bhyvetpl.model.options import JailOptions, build_jail
from bhyvetpl.model.preset import PRESETS
from bhyvetpl.render import render_jail
from tests.cli_runner import cli_runner
from tests.golden_util import GOLDEN, assert_golden
from tests.test_emit import SHELLCHECK
from tests.upstream import VMB_TOOLS, needs_upstream

RUNNER = cli_runner()
JAIL_DIR = "usr/local/bastille/jails/bhyve/root"
LIST_JAILS = ["bastille", "list", "jails"]
TOOLS = VMB_TOOLS


def invoke(*args: str) -> tuple[int, str, str]:
    # --live: a stand-in jail below --root (the `bastille list` probe is faked here)
    words = [*args, "--live"] if args[0] == "install" and "--jail" in args else list(args)
    result = RUNNER.invoke(app, ["templates", *words])
    return result.exit_code, result.stdout, result.stderr


def files(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(directory.iterdir())}


def states(out: str) -> dict[str, str]:
    """preset -> state, from the `templates list` table."""
    rows = [line.split(None, 2) for line in out.splitlines()[2:]]
    return {preset: state for preset, _, state in rows}


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_golden(tmp_path: Path, preset: str) -> None:
    code, _, err = invoke("install", "--vm-dir", "/vm", "--root", str(tmp_path))
    assert code == 0, err
    name = f"bhyvetpl-{preset}.conf"
    assert_golden(f"templates/{name}", (tmp_path / "vm/.templates" / name).read_text())


def test_same_files_as_the_jails_bastille_template(tmp_path: Path) -> None:
    """--switch lan gives byte for byte the jail golden's vm-templates/ (same renderer)."""
    code, _, err = invoke("install", "--vm-dir", "/vm", "--switch", "lan", "--root",
                          str(tmp_path))
    assert code == 0, err
    assert files(tmp_path / "vm/.templates") == files(
        GOLDEN / "jail/static-bridge-all-presets/vm-templates")


def test_host_install_is_idempotent_and_list_tells_states(tmp_path: Path) -> None:
    root = str(tmp_path)
    code, out, err = invoke("install", "--vm-dir", "/vm", "--preset", "freebsd", "--preset",
                            "windows", "--root", root)
    assert code == 0, err
    assert "next: vm create -t bhyvetpl-freebsd -s 20G NAME" in out
    code, out, _ = invoke("install", "--vm-dir", "/vm", "--preset", "freebsd", "--preset",
                          "windows", "--root", root)
    assert code == 0 and "nothing changed" in out
    templates = tmp_path / "vm/.templates"
    with (templates / "bhyvetpl-windows.conf").open("a") as handle:
        handle.write('cpu="8"\n')
    (templates / "bhyvetpl-solaris.conf").write_text('loader="uefi"\n')
    (templates / "mine.conf").write_text('loader="uefi"\n')
    code, out, err = invoke("list", "--vm-dir", "/vm", "--root", root)
    assert code == 0, err
    assert out.splitlines()[0].split() == ["preset", "path", "state"]
    assert states(out) == {"freebsd": "installed", "linux": "missing", "linux-grub": "missing",
                           "windows": "differs", "openbsd": "missing",
                           "solaris": "not a preset of this version"}
    assert f"{templates}/bhyvetpl-windows.conf" in out


def test_dry_run_and_emit_write_nothing(fp: FakeProcess, tmp_path: Path) -> None:
    for args in (("--vm-dir", "/vm"), ("--jail", "bhyve")):
        for flag in ("--dry-run", "--emit=sh"):
            code, out, err = invoke("install", *args, "--root", str(tmp_path), flag)
            assert code == 0, err
            assert "bhyvetpl-openbsd.conf" in out
    assert not fp.calls and not any(tmp_path.iterdir())


def test_jail_install_writes_where_new_guest_does(fp: FakeProcess, tmp_path: Path) -> None:
    fp.register(LIST_JAILS, stdout="web\nbhyve\n")
    code, out, err = invoke("install", "--jail", "bhyve", "--vm-dataset", "zroot/vms",
                            "--preset", "linux", "--root", str(tmp_path))
    assert code == 0, err
    assert [list(c) for c in fp.calls] == [LIST_JAILS]
    assert files(tmp_path / JAIL_DIR / "zroot/vms/.templates") == {
        "bhyvetpl-linux.conf": (GOLDEN / "templates/bhyvetpl-linux.conf").read_text()}
    assert "next: bastille cmd bhyve vm create -t bhyvetpl-linux -s 20G NAME" in out
    code, out, _ = invoke("list", "--jail", "bhyve", "--vm-dataset", "zroot/vms",
                          "--root", str(tmp_path))
    assert code == 0 and states(out)["linux"] == "installed"
    assert states(out)["freebsd"] == "missing"


def test_missing_jail_writes_nothing(fp: FakeProcess, tmp_path: Path) -> None:
    fp.register(LIST_JAILS, stdout="web\n")
    code, _, err = invoke("install", "--jail", "bhyve", "--root", str(tmp_path))
    assert code == 1 and "jail bhyve exists" in err and "jail create bhyve" in err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(("args", "message"), [
    ((), "--jail JAIL, or --vm-dir DIR"),
    (("--vm-dir", "/vm", "--vm-dataset", "tank/vm"), "mountpoint"),
    (("--vm-dir", "vm"), "an absolute path"),
    (("--vm-dir", "/vm", "--preset", "plan9"), "one of freebsd"),
    (("--vm-dir", "/vm", "--switch", "a b"), "--switch"),
])
def test_usage_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    for verb in ("install", "list"):
        code, _, err = invoke(verb, *args, "--root", str(tmp_path))
        assert code == 2 and message in err, err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("odd", ["plain", "it's (x) & y;*"])
def test_emitted_script_matches_the_direct_run(tmp_path: Path, odd: str) -> None:
    direct, script = tmp_path / "direct" / odd, tmp_path / "script" / odd
    for base in (direct, script):
        (base / "vm/.templates").mkdir(parents=True)
        (base / "vm/.templates/bhyvetpl-linux.conf").write_text("old\n")
    code, _, err = invoke("install", "--vm-dir", "/vm", "--root", str(direct))
    assert code == 0, err
    code, text, err = invoke("install", "--vm-dir", "/vm", "--root", str(script), "--emit", "sh")
    assert code == 0, err
    check = subprocess.run([SHELLCHECK, "-s", "sh", "-"], input=text, capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout
    proc = subprocess.run(["/bin/sh", "-c", text], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert files(direct / "vm/.templates") == files(script / "vm/.templates")


SWITCHES = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}[a-z0-9]", fullmatch=True)


@settings(max_examples=25, deadline=None)
@given(presets=st.lists(st.sampled_from(sorted(PRESETS)), min_size=1, unique=True),
       switch=SWITCHES, edited=st.sampled_from(sorted(PRESETS)))
def test_install_then_list(presets: list[str], switch: str, edited: str) -> None:
    """Installed presets list as installed, the rest as missing; an edit shows as differs;
    and every file is the one the jail's Bastille template would install."""
    with tempfile.TemporaryDirectory() as tmp:
        common = ("--vm-dir", "/vm", "--switch", switch, "--root", tmp)
        code, _, err = invoke("install", *common, *(f"--preset={p}" for p in presets))
        assert code == 0, err
        templates = Path(tmp) / "vm/.templates"
        jail = render_jail(build_jail(JailOptions("j", presets=tuple(presets), switch=switch)))
        assert files(templates) == {f.relpath.name: f.text for f in jail
                                    if f.relpath.parent.name == "vm-templates"}
        if edited in presets:
            (templates / f"bhyvetpl-{edited}.conf").write_text("# mine\n")
        code, out, _ = invoke("list", *common)
        assert code == 0
        expected = {p: ("installed" if p in presets else "missing") for p in PRESETS}
        if edited in presets:
            expected[edited] = "differs"
        assert states(out) == expected


@needs_upstream
@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_vm_create_accepts_every_installed_template(tmp_path: Path, preset: str) -> None:
    """vm-bhyve's own `vm create -t` (core::create) and config reader take each template."""
    code, _, err = invoke("install", "--vm-dir", "/vm", "--root", str(tmp_path))
    assert code == 0, err
    templates = tmp_path / "vm/.templates"
    lint = subprocess.run([str(TOOLS / "vmb-config-get"), "--lint",
                           str(templates / f"bhyvetpl-{preset}.conf"), "loader"],
                          capture_output=True, text=True, check=False, timeout=300)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    create = subprocess.run([str(TOOLS / "vmb-create"), "--templates", str(templates),
                             "-t", f"bhyvetpl-{preset}", "-s", "20G", f"{preset}1"],
                            capture_output=True, text=True, check=False, timeout=300)
    assert create.returncode == 0, create.stdout + create.stderr
    assert f"core::create -t bhyvetpl-{preset} -s 20G {preset}1 -> exit 0" in create.stdout
    assert "# would run: truncate -s 20G" in create.stdout


def test_readme_shows_what_list_prints(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    invoke("install", "--vm-dir", "/vm", "--preset", "freebsd", "--preset", "linux",
           "--root", str(tmp_path))
    code, out, _ = invoke("list", "--vm-dir", "/vm", "--root", str(tmp_path))
    assert code == 0
    rows = [line.replace(str(tmp_path), "").split() for line in out.splitlines()]
    shown = readme.split("bhyvetpl templates list --vm-dir /vm\n```\n\n```\n", 1)[1]
    # cell by cell, skipping the dashes (the table is as wide as the longest path)
    assert [line.split() for line in shown.splitlines()[:len(rows)]][2:] == rows[2:]
    assert shown.splitlines()[0].split() == rows[0]
