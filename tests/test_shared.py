from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.cli.app import app
from bhyvetpl.plan.shared import HostStateError, owners, refuse_shared
from tests.cli_runner import cli_runner

LOADER = '# BEGIN bhyvetpl alpha\nvmm_load="YES"\npptdevs="1/0/0"\n# END bhyvetpl alpha\n'
RC = ('hostname="h"\n# BEGIN bhyvetpl alpha\ncloned_interfaces="${cloned_interfaces} bridge0 '
      'tap0"\nifconfig_bridge0="addm em0 addm tap0 up"\n# END bhyvetpl alpha\n')


def test_owners_reads_only_bhyvetpl_blocks() -> None:
    text = 'pptdevs="9/0/0"\n' + LOADER
    assert owners(text, ("pptdevs", "pptdevs2")) == {"pptdevs": "alpha"}


def test_the_same_jail_may_rewrite_its_own_block() -> None:
    refuse_shared("alpha", ("pptdevs",), "/boot/loader.conf", LOADER)
    with pytest.raises(HostStateError, match="jail alpha"):
        refuse_shared("beta", ("pptdevs",), "/boot/loader.conf", LOADER)


@pytest.mark.parametrize(("rel", "text", "flags"), [
    ("boot/loader.conf", LOADER, ["--passthru", "2/0/0"]),
    ("etc/rc.conf", RC, ["--no-vnet", "--host-tap", "tap1", "--uplink", "em0"]),
])
def test_host_prepare_refuses_a_second_jail(tmp_path: Path, rel: str, text: str,
                                            flags: list[str]) -> None:
    (tmp_path / rel).parent.mkdir(parents=True)
    (tmp_path / rel).write_text(text)
    before = sorted(tmp_path.rglob("*"))
    for mode in ("--dry-run", "--emit"):
        args = [mode, "sh"] if mode == "--emit" else [mode]
        result = cli_runner().invoke(
            app, ["host", "prepare", "--release", "14.3-RELEASE", "--jail", "beta", *flags,
                  "--root", str(tmp_path), *args])
        assert result.exit_code == 2, result.stdout
        assert "already set by bhyvetpl's block for jail alpha" in result.stderr
    assert sorted(tmp_path.rglob("*")) == before
    ok = cli_runner().invoke(
        app, ["host", "prepare", "--release", "14.3-RELEASE", "--jail", "beta", "--root",
              str(tmp_path), "--dry-run"])
    assert ok.exit_code == 0, ok.stderr


def test_host_prepare_refuses_a_release_the_host_does_not_run(tmp_path: Path) -> None:
    script = tmp_path / "bin/freebsd-version"
    script.parent.mkdir()
    script.write_text('#!/bin/sh\nUSERLAND_VERSION="15.0-RELEASE-p3"\n')
    result = cli_runner().invoke(
        app, ["host", "prepare", "--release", "14.3-RELEASE", "--root", str(tmp_path),
              "--dry-run"])
    assert result.exit_code == 2
    assert "pass --release 15.0-RELEASE" in result.stderr
    ok = cli_runner().invoke(   # without --release: the host's own, -p3 dropped
        app, ["host", "prepare", "--root", str(tmp_path), "--dry-run"])
    assert ok.exit_code == 0 and "add path 'vmmctl' unhide" in ok.stdout
