"""Issue 11.12: `render jail --vm-dataset` readies the jail for zvol guests (securelevel 1).

securelevel(7): at 2 "disks may not be opened for writing" (what a zvol guest's bhyve
does; vm-bhyve's zvol disks are /dev/zvol/DATASET/GUEST/DISK); the Bastille template's own
`CONFIG set securelevel` is read through Bastille's template.sh below.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePosixPath

from bhyvetpl.cli.app import app
from bhyvetpl.model.options import GuestOptions, JailOptions, build_guest, build_jail
from bhyvetpl.model.policy import Features, securelevel
from bhyvetpl.render import render_jail
from tests.cli_runner import cli_runner
from tests.upstream import TOOLS


def test_render_jail_with_a_dataset_and_no_guests_writes_securelevel_1() -> None:
    result = cli_runner().invoke(app, ["render", "jail", "bhyve", "--release", "14.3-RELEASE",
                                       "--vm-dataset", "tank/bhyve"])
    assert result.exit_code == 0, result.stderr
    assert "CONFIG set securelevel 1\n" in result.stdout
    plain = cli_runner().invoke(app, ["render", "jail", "bhyve", "--release", "14.3-RELEASE"])
    assert "CONFIG set securelevel 2\n" in plain.stdout


def test_declared_file_disk_guests_keep_securelevel_2() -> None:
    guest = build_guest(GuestOptions(name="fbsd1"))
    jail = build_jail(JailOptions(name="bhyve", vm_dataset="tank/bhyve"), (guest,))
    assert securelevel(Features.of_jail(jail)).value == "2"


def test_bastille_sets_what_the_template_says(upstream: Path, tmp_path: Path) -> None:
    del upstream
    jail = build_jail(JailOptions(name="bhyve", vm_dataset="tank/bhyve"))
    for rendered in render_jail(jail):
        path = tmp_path / "bhyve" / PurePosixPath(rendered.relpath)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered.text)
    bash = shutil.which("bash") or "/bin/bash"
    result = subprocess.run([bash, str(TOOLS / "bastille/run-template.sh"), "--vnet",
                             str(tmp_path / "bhyve")], capture_output=True, text=True,
                            check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "set securelevel 1" in result.stdout
