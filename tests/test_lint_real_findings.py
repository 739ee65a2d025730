"""Issue 11.12: lint agrees with what Bastille's and vm-bhyve's own code do.

False warnings gone: vm-bhyve adds bhyve -S for passthrough itself
(vm::bhyve_device_passthru, 1.4.0 to master) and ignores graphics without a UEFI loader
(vm::bhyve_device_fbuf returns first). Misses found: `SYSRC name value` (sysrc reads two
names to show and fails), `CP SRC` without a destination (bastille cp fails), and
`CONFIG set PROP` without a value for a parameter that takes one (config.sh writes
`PROP;`). Each is shown below by the real code through ../shared/tools.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bhyvetpl.lint.bastillefile import lint_bastillefile
from bhyvetpl.lint.vmconf import lint_vmconf
from tests.upstream import TOOLS, VMB_TOOLS

GUEST = ('loader="bhyveload"\ncpu=1\nmemory=512M\ndisk0_type="virtio-blk"\n'
         'disk0_name="disk0.img"\n')


def vm_bhyve_argv(tmp_path: Path, text: str) -> str:
    conf = tmp_path / "g1.conf"
    conf.write_text(text)
    return subprocess.run([str(VMB_TOOLS / "vmb-bhyve-argv"), str(conf)], capture_output=True,
                          text=True, check=False, timeout=300,
                          env={**os.environ, "VMB_IOMMU": "yes"}).stdout


def test_passthrough_is_wired_by_vm_bhyve(upstream: Path, tmp_path: Path) -> None:
    del upstream
    text = GUEST + 'passthru0="1/0/0"\n'
    assert " -S" in vm_bhyve_argv(tmp_path, text)
    assert lint_vmconf(tmp_path / "g1.conf", text) == []


def test_graphics_without_uefi_is_ignored_by_vm_bhyve(upstream: Path, tmp_path: Path) -> None:
    del upstream
    text = GUEST + 'graphics="yes"\n'
    argv = vm_bhyve_argv(tmp_path, text)
    assert "\nbhyve " in argv and "fbuf" not in argv
    assert lint_vmconf(tmp_path / "g1.conf", text) == []


def bastille(tmp_path: Path, bastillefile: str) -> subprocess.CompletedProcess[str]:
    template = tmp_path / "t"
    (template / "files").mkdir(parents=True)
    (template / "files/a").write_text("x\n")
    (template / "Bastillefile").write_text(bastillefile)
    bash = shutil.which("bash") or "/bin/bash"
    return subprocess.run([bash, str(TOOLS / "bastille/run-template.sh"), str(template)],
                          capture_output=True, text=True, check=False, timeout=300)


@pytest.mark.parametrize(("line", "code", "bastille_says"), [
    ("SYSRC vm_enable YES", "sysrc-no-equals", "sysrc: unknown variable 'vm_enable'"),
    ("CP files/a", "cp-one-argument", "exit status of 'bastille template': 1"),
    ("CONFIG set securelevel\nRESTART", "config-no-value", "+  securelevel;"),
])
def test_lint_names_what_bastille_misapplies(upstream: Path, tmp_path: Path, line: str,
                                             code: str, bastille_says: str) -> None:
    del upstream
    result = bastille(tmp_path, line + "\n")
    assert bastille_says in result.stdout + result.stderr
    # Linted where Bastille read it: files/a is there, so only the finding itself shows.
    findings = lint_bastillefile(tmp_path / "t" / "Bastillefile", line + "\n")
    assert [(f.line, f.severity, f.code) for f in findings] == [(1, "error", code)]


@pytest.mark.parametrize("line", ["SYSRC vm_enable=YES", "CP files/a /root/a",
                                  "CONFIG set allow.vmm\nRESTART",
                                  "CONFIG set securelevel 1\nRESTART", "SYSRC vm_enable"])
def test_well_formed_lines_stay_clean(tmp_path: Path, line: str) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files/a").write_text("x\n")   # CP's source is in the template directory
    assert lint_bastillefile(tmp_path / "Bastillefile", line + "\n") == []
