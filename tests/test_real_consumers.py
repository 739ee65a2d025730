"""Bastille's and vm-bhyve's own shell code reads what we render (tests/upstream.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bhyvetpl.model.options import GuestOptions, JailOptions, build_guest, build_jail
from bhyvetpl.model.preset import PRESETS
from bhyvetpl.output import write_tree
from bhyvetpl.render import render_guest, render_jail
from tests.upstream import TOOLS, needs_upstream

pytestmark = needs_upstream


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_vm_bhyve_reads_presets_and_builds_bhyve_argv(preset: str, tmp_path: Path) -> None:
    conf = tmp_path / f"{preset}1.conf"
    conf.write_text(render_guest(build_guest(GuestOptions(name=f"{preset}1", preset=preset))))
    lint = run([str(TOOLS / "vm-bhyve/vmb-config-get"), "--lint", str(conf), "loader"])
    assert lint.returncode == 0, lint.stdout + lint.stderr
    argv = run([str(TOOLS / "vm-bhyve/vmb-bhyve-argv"), str(conf)])
    assert "\nbhyve " in argv.stdout, argv.stdout + argv.stderr


def test_bastille_applies_the_jail_template(tmp_path: Path) -> None:
    jail = build_jail(JailOptions(name="bhyve", presets=tuple(sorted(PRESETS))))
    write_tree(tmp_path / "bhyve", render_jail(jail))
    result = run(["bash", str(TOOLS / "bastille/run-template.sh"), "--vnet",
                  str(tmp_path / "bhyve")])
    assert result.returncode == 0, result.stdout + result.stderr
    for expected in ("config bhyvejail set allow.vmm", "set devfs_ruleset 25",
                     "set securelevel 2", "allow.vmm;", "vm switch create -i vnet0 public"):
        assert expected in result.stdout, expected
