"""Removal steps: only files still as written, directories only when empty; both runs agree."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.apply import StepFailedError, apply
from bhyvetpl.emit import emit_sh
from bhyvetpl.plan.actions import Plan, RemoveDir, RemoveFile, RunCommand
from bhyvetpl.show import describe
from tests.test_emit import SHELLCHECK

ODD = "it's a $dir `x`"


def tree(base: Path) -> dict[str, str | None]:
    """Every path below base: files with their text, directories as None.

    var/run holds the run's lock while it runs; both runs leave the directories.
    """
    return {str(p.relative_to(base)): (p.read_text() if p.is_file() else None)
            for p in sorted(base.rglob("*")) if p.relative_to(base).parts[:2] != ("var",)
            and p.relative_to(base).parts[:2] != ("var", "run")}


def seed(base: Path) -> Path:
    plugin = base / ODD / "plugins" / "bhyvetpl"
    plugin.mkdir(parents=True)
    (plugin / "a.sh").write_text("ours\n")
    (plugin / "b.sh").write_text("edited by the admin\n")
    return plugin


def removal_plan(plugin: Path, fail: bool = False) -> Plan:
    steps = (RemoveFile(plugin / "a.sh", "ours\n"), RemoveFile(plugin / "b.sh", "ours too\n"),
             RemoveFile(plugin / "gone.sh", "ours\n"), RemoveDir(plugin))
    return Plan("remove", (*steps, RunCommand(("false",))) if fail else steps,
                root=plugin.parents[2])


def run_script(plan: Plan) -> subprocess.CompletedProcess[str]:
    text = emit_sh(plan)
    check = subprocess.run([SHELLCHECK, "-s", "sh", "-"], input=text, capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout
    return subprocess.run(["/bin/sh", "-c", text], capture_output=True, text=True, check=False)


def test_removes_only_what_is_unchanged_and_keeps_a_non_empty_dir(tmp_path: Path) -> None:
    direct, script = seed(tmp_path / "direct"), seed(tmp_path / "script")
    statuses = apply(removal_plan(direct), SubprocessRunner())
    assert statuses == ("done", "skipped", "unchanged", "skipped")
    proc = run_script(removal_plan(script))
    assert proc.returncode == 0, proc.stderr
    assert "[2/4] skipped: " in proc.stdout and "changed since bhyvetpl wrote it" in proc.stdout
    assert tree(tmp_path / "direct") == tree(tmp_path / "script") == {
        ODD: None, f"{ODD}/plugins": None, f"{ODD}/plugins/bhyvetpl": None,
        f"{ODD}/plugins/bhyvetpl/b.sh": "edited by the admin\n"}


def test_empty_dir_goes(tmp_path: Path) -> None:
    plugin = seed(tmp_path)
    (plugin / "b.sh").unlink()
    apply(removal_plan(plugin), SubprocessRunner())
    assert not plugin.exists() and plugin.parent.is_dir()


@pytest.mark.parametrize("dir_removed", [False, True], ids=["dir-kept", "dir-removed"])
def test_failure_after_removal_puts_files_back_in_both(tmp_path: Path, dir_removed: bool) -> None:
    direct, script = seed(tmp_path / "direct"), seed(tmp_path / "script")
    if dir_removed:
        (direct / "b.sh").unlink()
        (script / "b.sh").unlink()
    before = tree(tmp_path / "direct")
    with pytest.raises(StepFailedError, match=r"restored: .*a\.sh"):
        apply(removal_plan(direct, fail=True), SubprocessRunner())
    proc = run_script(removal_plan(script, fail=True))
    assert proc.returncode == 1 and "restored: " in proc.stderr
    assert tree(tmp_path / "direct") == tree(tmp_path / "script") == before


def test_dry_run_shows_removal_and_kept_files(tmp_path: Path) -> None:
    plugin = seed(tmp_path)
    text = describe(removal_plan(plugin))
    assert f"--- {plugin / 'a.sh'}\n+++ /dev/null\n" in text and "-ours" in text
    assert f"{plugin / 'b.sh'}: changed since bhyvetpl wrote it: kept" in text
    assert f"{plugin / 'gone.sh'}: absent" in text
    assert (plugin / "a.sh").exists()
