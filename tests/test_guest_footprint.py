"""new-guest plans what the guest needs in the jail: here, its firmware package.

Each case runs directly and as the --emit sh script (run_both): same commands, same files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_emit_e2e import normalised, run_both, twin_hosts


@pytest.mark.parametrize(("preset", "package"), [
    ("linux", "edk2-bhyve"), ("linux-grub", "grub2-bhyve"), ("freebsd", None)])
def test_new_guest_installs_the_firmware_its_preset_boots_with(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preset: str, package: str | None) -> None:
    direct, script = twin_hosts(tmp_path, monkeypatch)
    for host in (direct, script):
        for kind in ("jails", "running"):
            (host.state / kind).mkdir(exist_ok=True)
            (host.state / kind / "bhyve").touch()
    args = ("new-guest", "bhyve", "g1", "--preset", preset)
    (code, out), (scode, sout) = run_both(args, direct, script, monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    calls = direct.calls()
    assert calls == script.calls()
    assert normalised(direct) == normalised(script)
    installs = [c for c in calls if c[:2] == ("bastille", "pkg")]
    if package is None:
        assert installs == []
        return
    assert installs == [("bastille", "pkg", "bhyve", "install", "-y", package)]
    probe = ("bastille", "cmd", "bhyve", "pkg", "info", "-e", package)
    assert calls.index(probe) < calls.index(installs[0])
    # a second run finds it installed and only looks
    run_both(args, direct, script, monkeypatch)
    again = direct.calls()
    assert again == script.calls() and probe in again
    assert not any(c[:2] == ("bastille", "pkg") for c in again)
