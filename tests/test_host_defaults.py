"""--release and --iface/--uplink default to the host's answers, never to a constant.

Each case runs directly and as the --emit sh script (run_both): same commands, same files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.standin_env import ROUTES, Host
from tests.test_emit_e2e import run_both, twin_hosts, use

ROUTES_IGB0 = ROUTES.replace("em0", "igb0")


def host_answers(hosts: tuple[Host, ...], version: str | None, routes: str | None) -> None:
    for host in hosts:
        (host.root / "bin/freebsd-version").unlink()
        (host.state / "routes").unlink()
        if version is not None:
            (host.root / "bin/freebsd-version").write_text(
                f'#!/bin/sh\nUSERLAND_VERSION="{version}"\necho "$USERLAND_VERSION"\n')
        if routes is not None:
            (host.state / "routes").write_text(routes)


def both(args: tuple[str, ...], hosts: tuple[Host, Host],
         monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    direct, script = hosts
    (code, out), (scode, sout) = run_both(args, direct, script, monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    calls = direct.calls()
    assert calls == script.calls()
    norm = [{k: v.replace(str(h.root), "ROOT") for k, v in h.snapshot().items()} for h in hosts]
    assert norm[0] == norm[1]
    return calls


def test_host_prepare_takes_the_hosts_release_and_uplink(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = twin_hosts(tmp_path, monkeypatch)
    host_answers(hosts, "15.0-RELEASE-p1", ROUTES_IGB0)
    both(("host", "prepare", "--no-vnet", "--host-tap", "tap0"), hosts, monkeypatch)
    rules = (hosts[0].root / "etc/devfs.rules").read_text()
    assert "add path 'vmmctl' unhide" in rules                # 15.0: the host's release
    rc = (hosts[0].root / "etc/rc.conf").read_text()
    assert 'ifconfig_bridge0="addm igb0 addm tap0 up"' in rc  # the default route's interface


def test_jail_create_takes_the_hosts_release_and_interface(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = twin_hosts(tmp_path, monkeypatch)
    host_answers(hosts, "15.0-RELEASE-p1", ROUTES_IGB0)
    calls = both(("jail", "create", "web", "--shared", "--ip", "10.0.0.5/24"), hosts,
                 monkeypatch)
    assert calls[0] == ("netstat", "-rn", "-f", "inet")
    assert ("bastille", "create", "web", "15.0-RELEASE", "10.0.0.5/24", "igb0") in calls


def test_a_given_flag_wins_and_the_host_is_not_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = twin_hosts(tmp_path, monkeypatch)
    host_answers(hosts, "15.0-RELEASE-p1", ROUTES_IGB0)
    calls = both(("jail", "create", "web", "--shared", "--ip", "10.0.0.5/24", "--iface", "re0",
                  "--release", "14.3-RELEASE"), hosts, monkeypatch)
    assert not any(c[0] == "netstat" for c in calls)
    assert ("bastille", "create", "web", "14.3-RELEASE", "10.0.0.5/24", "re0") in calls


@pytest.mark.parametrize(("args", "version", "routes", "flag"), [
    (("host", "prepare"), None, ROUTES, "give --release"),
    (("jail", "create", "web"), None, ROUTES, "give --release"),
    (("jail", "create", "web"), "14.3-RELEASE", ROUTES.replace("default", "10.0.0.0/8"),
     "give --iface"),
    (("host", "prepare", "--no-vnet", "--host-tap", "tap0"), "14.3-RELEASE", None,
     "give --uplink"),
], ids=["prepare-release", "create-release", "create-iface", "prepare-uplink"])
def test_a_host_that_cannot_answer_names_the_flag(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
        version: str | None, routes: str | None, flag: str) -> None:
    hosts = twin_hosts(tmp_path, monkeypatch)
    host_answers(hosts, version, routes)
    for host, mode in zip(hosts, ((), ("--emit", "sh")), strict=True):
        use(host, monkeypatch)
        before = host.snapshot()
        code, out, err = host.cli(*args, "--root", str(host.root), *mode)
        assert code == 2 and out == "", out + err
        assert err.startswith("bhyvetpl: error: ") and err.count("\n") == 1 and flag in err, err
        assert host.snapshot() == before
        assert all(c[0] == "netstat" for c in host.calls())   # a read, nothing changed
