"""new-guest plans what the guest needs: its firmware, its ruleset nodes, its securelevel.

Each case runs directly and as the --emit sh script (run_both): same commands, same files.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from bhyvetpl.adapters.vm import wait_stopped_argv
from bhyvetpl.model import policy
from bhyvetpl.model.jail import RulesetSpec
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.footprint import block_features
from bhyvetpl.render import render_template
from tests.standin_env import Host
from tests.test_emit_e2e import normalised, run_both, twin_hosts, use


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


JAIL_DIR = "usr/local/bastille/jails/bhyve"
JAIL_ROOT = "/" + JAIL_DIR + "/root"
OUR_JAIL_BLOCK = ('# BEGIN bhyvetpl bhyve\nexec.created += "zfs jail $name zroot/vms";\n'
                  "# END bhyvetpl bhyve\n")
JAIL_CONF = ("bhyve {\n  devfs_ruleset = 25;\n  path = " + JAIL_ROOT + ";\n  securelevel = 2;\n"
             "  allow.vmm;\n  vnet;\n" + OUR_JAIL_BLOCK + "}\n")  # vnet, as Bastille writes it


def prepared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             running: tuple[str, ...] = ()) -> tuple[Host, Host]:
    """Two hosts after `host prepare --guest fbsd1`: ruleset 25 in the file and the kernel,
    jail bhyve running at securelevel 2 with these guests running in it."""
    direct, script = twin_hosts(tmp_path, monkeypatch)
    for host in (direct, script):
        use(host, monkeypatch)
        code, out, err = host.cli("host", "prepare", "--guest", "fbsd1", "--root", str(host.root))
        assert code == 0, out + err
        for kind in ("jails", "running"):
            (host.state / kind).mkdir(exist_ok=True)
            (host.state / kind / "bhyve").touch()
        (host.root / JAIL_DIR).mkdir(parents=True)
        (host.root / JAIL_DIR / "jail.conf").write_text(JAIL_CONF)
        for name in running:
            (host.root / JAIL_DIR / "root/zroot/vms" / name).mkdir(parents=True)
            (host.root / JAIL_DIR / "root/dev/vmm").mkdir(parents=True, exist_ok=True)
            (host.root / JAIL_DIR / "root/dev/vmm" / name).touch()
            (host.state / "vmm").mkdir(exist_ok=True)
            (host.state / "vmm" / name).touch()
        host.calls()
    return direct, script


def outside_block(text: str) -> str:
    lines = text.split("\n")
    begin, end = lines.index("# BEGIN bhyvetpl bhyve"), lines.index("# END bhyvetpl bhyve")
    return "\n".join(lines[:begin] + lines[end + 1:])


SHOW = ("devfs", "rule", "-s", "25", "show")
APPLY = ("devfs", "-m", JAIL_ROOT + "/dev", "rule", "-s", "25", "applyset")


def test_new_guest_unhides_its_console_in_the_running_jail(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    direct, _ = hosts = prepared(tmp_path, monkeypatch)
    before = (direct.root / "etc/devfs.rules").read_text()
    assert "nmdm-fbsd1.[1-4][AB]" in before and "nmdm-g2" not in before
    args = ("new-guest", "bhyve", "g2")
    (code, out), (scode, sout) = run_both(args, *hosts, monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    calls = direct.calls()
    assert calls == hosts[1].calls()
    assert normalised(direct) == normalised(hosts[1])
    rules = (direct.root / "etc/devfs.rules").read_text()
    assert "add path 'nmdm-fbsd1.[1-4][AB]' unhide" in rules
    assert "add path 'nmdm-g2.[1-4][AB]' unhide" in rules
    assert "add path 'vmm/fbsd1' unhide" in rules and "add path 'vmm/g2' unhide" in rules
    assert outside_block(rules) == outside_block(before)
    # the kernel loaded it, was checked, then the running jail's /dev got it, before vm create
    restart = ("service", "devfs", "restart")
    create = next(i for i, c in enumerate(calls) if c[3:5] == ("vm", "create"))
    assert calls.index(restart) < calls.index(SHOW) < calls.index(APPLY) < create
    assert "nmdm-g2.[1-4][AB] unhide" in (direct.state / "devfs/25").read_text()
    # a second run finds the guest named and touches no ruleset
    (code, out), (scode, sout) = run_both(args, *hosts, monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    again = direct.calls()
    assert again == hosts[1].calls()
    assert not any(c[0] in ("devfs", "service") for c in again)


def test_a_ruleset_the_kernel_did_not_load_is_not_applied(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    direct, script = prepared(tmp_path, monkeypatch)
    before = {k: v for k, v in normalised(direct).items() if not k.endswith(".bak")}
    for host in (direct, script):
        (host.state / "devfs-stale").touch()
    (code, out), (scode, sout) = run_both(("new-guest", "bhyve", "g2"), direct, script,
                                          monkeypatch)
    assert (code, scode) == (1, 1), out + sout
    assert "holds the" in out and "stale ruleset" in out and "stale ruleset" in sout
    calls = direct.calls()
    assert calls == script.calls()
    assert calls[-1] == SHOW and APPLY not in calls
    assert {k: v for k, v in normalised(direct).items() if not k.endswith(".bak")} == before


ZVOL_GUEST = ("new-guest", "bhyve", "z1", "--vm-dataset", "zroot/vms", "--disk", "disk0,dev=zvol")


def test_zvol_guest_at_securelevel_2_refuses_without_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    direct, _ = prepared(tmp_path, monkeypatch, running=("a1", "b1"))
    before = normalised(direct)
    use(direct, monkeypatch)
    for extra in ((), ("--emit", "sh")):
        code, out, err = direct.cli(*ZVOL_GUEST, "--root", str(direct.root), *extra)
        assert code == 2, out + err
        assert "restarts jail bhyve: stops its 2 running guests; pass --restart to allow" in err
        assert "#!/bin/sh" not in out
    assert direct.calls() == []
    assert normalised(direct) == before


def test_zvol_guest_with_restart_stops_guests_then_restarts_the_jail(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    direct, script = prepared(tmp_path, monkeypatch, running=("a1", "b1"))
    args = (*ZVOL_GUEST, "--restart")
    (code, out), (scode, sout) = run_both(args, direct, script, monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    calls = direct.calls()
    assert calls == script.calls()
    assert normalised(direct) == normalised(script)
    stops = [("bastille", "cmd", "bhyve", "vm", "stop", name) for name in ("a1", "b1")]
    restart, jls = ("bastille", "restart", "bhyve"), ("jls", "-j", "bhyve")
    at = calls.index(restart)
    assert all(calls.index(stop) < at for stop in stops) and calls[at + 1] == jls
    # each stopped guest is waited for (its /dev/vmm node gone) before the restart
    waits = [("bastille", "cmd", "bhyve", *wait_stopped_argv(name)) for name in ("a1", "b1")]
    assert all(calls.index(stop) < calls.index(wait) < at
               for stop, wait in zip(stops, waits, strict=True))
    assert calls.index(SHOW) < at and APPLY not in calls   # the restart mounts /dev afresh
    assert at < next(i for i, c in enumerate(calls) if c[3:5] == ("vm", "create"))
    conf = (direct.root / JAIL_DIR / "jail.conf").read_text()
    assert outside_block(conf) == outside_block(JAIL_CONF)   # Bastille's securelevel = 2 stays
    block = conf[conf.index("# BEGIN"):conf.index("# END")]
    assert "securelevel = 1;" in block and "zfs jail $name zroot/vms" in block
    rules = (direct.root / "etc/devfs.rules").read_text()
    assert "add path 'zvol/zroot/vms/*/*' unhide" in rules and "nmdm-z1.[1-4][AB]" in rules
    # a second run: securelevel 1 now, nothing to stop or restart
    (code, out), (scode, sout) = run_both(args, direct, script, monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    again = direct.calls()
    assert again == script.calls()
    assert restart not in again and not any(c[3:5] == ("vm", "stop") for c in again)


def test_a_guest_that_does_not_stop_stops_the_plan_before_the_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """vm stop only presses the power button: the restart waits for /dev/vmm/NAME to go."""
    direct, script = prepared(tmp_path, monkeypatch, running=("a1",))
    for host in (direct, script):
        (host.state / "stuck").mkdir()
        (host.state / "stuck" / "a1").touch()
    (code, out), (scode, sout) = run_both((*ZVOL_GUEST, "--restart"), direct, script,
                                          monkeypatch)
    assert (code, scode) == (1, 1), out + sout
    assert "a1 did not shut down" in out and "a1 did not shut down" in sout
    calls = direct.calls()
    assert calls == script.calls()
    assert ("bastille", "restart", "bhyve") not in calls
    assert ("bastille", "cmd", "bhyve", *wait_stopped_argv("a1")) == calls[-1]


@pytest.mark.parametrize("features", [
    Features("bhyve", Version("14.3"), RulesetSpec(), guests=("a1", "b-2")),
    Features("bhyve", Version("15.0"), RulesetSpec(30, "mine"), guests=(), tap=False,
             host_taps=("tap3", "tap7"), uefi=True, dhcp=True),
    Features("bhyve", Version("13.0"), RulesetSpec(), guests=("g9",), zvol_dataset="tank/vm",
             disk_nodes=("zvol/tank/vm/d0", "ada1p3"), passthrough=True),
    Features("bhyve", Version("15.0"), RulesetSpec(), guests=("a1", "a1.b", "ww"),
             uefi=True, uefi_guests=("a1.b", "ww"), fbuf_guests=("ww",)),
    Features("bhyve", Version("15.0"), RulesetSpec(26, "mine_web"), guests=("web",),
             jail_taps=("tap1000", "tap1001"), per_guest=True),
], ids=["consoles", "host-taps-uefi", "zvol-disks-passthrough", "per-guest-segments",
        "per-guest-jail-taps"])
def test_a_ruleset_block_reads_back_into_the_features_it_was_rendered_from(
        features: Features) -> None:
    text = render_template("host/devfs.rules.j2", f=features, rules=policy.devfs_rules(features))
    read = block_features("bhyve", text)
    assert read is not None
    assert render_template("host/devfs.rules.j2", f=read, rules=policy.devfs_rules(read)) == text


def test_a_block_from_before_per_guest_grants_keeps_every_guests_segments() -> None:
    """`vmm.io/*` gave every guest its bootrom: narrowing must not take a running one's."""
    legacy = ("# BEGIN bhyvetpl bhyve\n[devfs_rules_bhyve_jail=25]\nadd include $devfsrules_jail\n"
              + "".join(f"add path '{p}' unhide\n" for p in
                        ("vmm", "vmm/*", "vmm.io", "vmm.io/*", "nmdm-u1.*", "nmdm-u2.*"))
              + "# END bhyvetpl bhyve\n")
    read = block_features("bhyve", legacy)
    assert read is not None and read.guests == ("u1", "u2")
    paths = [p for g in policy.devfs_rules(read) for p in g.paths]
    assert {"vmm.io/u1.bootrom", "vmm.io/u2.framebuffer", "vmm/u1", "vmm/u2"} <= set(paths)
    assert "vmm/*" not in paths
