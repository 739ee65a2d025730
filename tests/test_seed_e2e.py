"""The seed articles' setups, as specs in examples/, from a clean host to done, no hand step.

Each runs `bhyvetpl apply` on a stand-in host that has only its own rc.conf, a default
route and freebsd-version (no module loaded, no Bastille jail, no dataset), then `plan`
must find nothing, and a second apply only looks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.standin_env import FREEBSD_VERSION, ROUTES, Host
from tests.test_emit_e2e import EXISTING_RC, use

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def clean(host: Host, uplink: str = "em0") -> None:
    """A host as installed: its rc.conf, a default route via uplink, freebsd-version."""
    (host.root / "etc").mkdir(parents=True)
    (host.root / "etc/rc.conf").write_text(EXISTING_RC)
    (host.root / "bin").mkdir()
    (host.root / "bin/freebsd-version").write_text(FREEBSD_VERSION)
    (host.state / "routes").write_text(ROUTES.replace(" em0\n", f" {uplink}\n"))


def applied(host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
            example: str, uplink: str = "em0") -> tuple[list[tuple[str, ...]], str]:
    clean(host, uplink)
    use(host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    shutil.copyfile(EXAMPLES / example, spec)
    args = ("-f", str(spec), "--root", str(host.root))
    code, out, err = host.cli("apply", *args)
    assert code == 0, out + err
    calls = host.calls()
    code, out2, err = host.cli("plan", *args)
    assert code == 0, out2 + err
    assert "nothing to do" in out2
    host.calls()
    before = host.snapshot()
    code, out3, err = host.cli("apply", *args)
    assert code == 0 and "nothing changed" in out3, out3 + err
    assert host.snapshot() == before
    assert not [c for c in host.calls() if c[:2] in {("kldload", "-n"), ("zfs", "create"),
                                                     ("bastille", "create"), ("pkg", "install"),
                                                     ("service", "pf")}
                or c[2:3] == ("create",)]
    return calls, out


def in_order(calls: list[tuple[str, ...]], *wanted: tuple[str, ...]) -> None:
    """Each wanted argv was run, in this order (others may come between)."""
    it = iter(calls)
    for argv in wanted:
        assert any(c == argv for c in it), (argv, calls)


def test_handbook_plain_host(fake_host: Host, monkeypatch: pytest.MonkeyPatch,
                             tmp_path: Path) -> None:
    calls, _ = applied(fake_host, monkeypatch, tmp_path, "handbook-plain.toml")
    in_order(calls, ("kldload", "-n", "vmm"), ("kldload", "-n", "nmdm"),
             ("kldload", "-n", "if_bridge"), ("kldload", "-n", "if_tuntap"),
             ("sysctl", "net.link.tap.up_on_open=1"), ("service", "devfs", "restart"),
             ("bastille", "create", "-V", "bhyve", "14.3-RELEASE", "SYNCDHCP", "em0"),
             ("bastille", "template", "bhyve", "bhyvetpl/bhyve"), ("jls", "-j", "bhyve"),
             ("bastille", "cmd", "bhyve", "vm", "create", "-t", "bhyvetpl-guest-guestname",
              "-s", "16G", "guestname"))
    rc = (fake_host.root / "etc/rc.conf").read_text()
    assert rc.startswith(EXISTING_RC)
    assert 'bastille_enable="YES"' in rc   # the jail comes back at boot
    conf = (fake_host.root / "usr/local/bastille/jails/bhyve/jail.conf").read_text()
    assert "stop.timeout = 90;" in conf


def test_neira_vnet_passthrough(fake_host: Host, monkeypatch: pytest.MonkeyPatch,
                                tmp_path: Path) -> None:
    calls, _ = applied(fake_host, monkeypatch, tmp_path, "neira-vnet-passthrough.toml")
    in_order(calls, ("kldload", "-n", "vmm"), ("service", "devfs", "restart"),
             ("bastille", "create", "-V", "testbhyve", "14.3-RELEASE", "SYNCDHCP", "em0"),
             ("bastille", "template", "testbhyve", "bhyvetpl/testbhyve"),
             ("bastille", "cmd", "testbhyve", "vm", "create", "-t", "bhyvetpl-guest-test",
              "-s", "20G", "test"))
    root = fake_host.root
    assert 'pptdevs="1/0/0"' in (root / "boot/loader.conf").read_text()
    rc = (root / "usr/local/bastille/jails/testbhyve/root/etc/rc.conf").read_text()
    assert 'vm_list="test"' in rc and "vm_delay=5" in rc   # autostart with the jail


def test_hardenedbsd_shared_jail_taps_and_zvols(fake_host: Host, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    calls, _ = applied(fake_host, monkeypatch, tmp_path, "hardenedbsd-shared.toml")
    in_order(calls, ("kldload", "-n", "vmm"), ("service", "devfs", "restart"),
             ("bastille", "create", "bhyve-01", "14.3-RELEASE", "192.0.2.50/24", "em0"),
             ("zfs", "create", "-p", "tank/bhyve"), ("zfs", "set", "jailed=on", "tank/bhyve"),
             ("bastille", "template", "bhyve-01", "bhyvetpl/bhyve-01"))
    root = fake_host.root
    conf = (root / "usr/local/bastille/jails/bhyve-01/jail.conf").read_text()
    assert 'exec.created += "zfs jail $name tank/bhyve";' in conf
    # rc.d/vm does not run in a non-vnet jail (KEYWORD nojailvnet): jail.conf does it
    assert 'exec.start += "/usr/local/sbin/vm startall";' in conf
    assert 'exec.stop += "/usr/local/sbin/vm stopall -f";' in conf
    rc = (root / "usr/local/bastille/jails/bhyve-01/root/etc/rc.conf").read_text()
    assert "zfs_enable=YES" in rc and 'vm_dir="zfs:tank/bhyve"' in rc


def test_a_root_other_than_slash_runs_only_file_steps(fake_host: Host,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    """--root DIR is a system below DIR: nothing acts on this machine without --live."""
    clean(fake_host)
    use(fake_host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    shutil.copyfile(EXAMPLES / "hardenedbsd-shared.toml", spec)
    fake_host.calls()
    # not Host.cli: that adds --live
    from bhyvetpl.cli.app import app
    from tests.cli_runner import cli_runner
    result = cli_runner().invoke(app, ["apply", "-f", str(spec), "--root", str(fake_host.root)])
    assert result.exit_code == 0, result.stdout + result.stderr
    run = [c for c in fake_host.calls() if c[0] in {"kldload", "bastille", "zfs", "service",
                                                    "sysctl", "jls"} and
           c[:2] not in {("sysctl", "-i"), ("zfs", "list"), ("jls", "--libxo=json")}
           and c != ("kldstat",)]
    assert run == []   # only the read-only facts pass ran
    out = result.stdout
    assert "] deferred: host: kldload -n vmm  # load now" in out
    assert "nothing was loaded, started or created" in out
    assert " loaded\n" not in out and "host ready" not in out
    assert (fake_host.root / "etc/devfs.rules").is_file()   # the host's files are written
    assert not (fake_host.root / "usr/local/bastille/jails").exists()   # no jail dir first
    # the same spec with --live then does the rest
    code, out, err = fake_host.cli("apply", "-f", str(spec), "--root", str(fake_host.root))
    assert code == 0, out + err
    assert ("zfs", "create", "-p", "tank/bhyve") in fake_host.calls()


def test_baldwin_laptop_on_wlan0_with_nat(fake_host: Host, monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    """Baldwin's "Private Network with NAT" on a laptop whose default route is wlan0."""
    calls, out = applied(fake_host, monkeypatch, tmp_path, "baldwin-laptop-nat.toml", "wlan0")
    in_order(calls, ("kldload", "-n", "vmm"),
             ("sysctl", "net.inet.ip.forwarding=1"),
             ("ifconfig", "tap0", "create"),
             ("ifconfig", "bridge0", "create", "inet", "192.168.16.1/24", "addm", "tap0", "up"),
             ("service", "pf", "start"), ("pkg", "install", "-y", "dnsmasq"),
             ("service", "dnsmasq", "restart"), ("service", "devfs", "restart"),
             ("bastille", "create", "devvm", "14.3-RELEASE", "192.168.16.2/24", "bridge0"),
             ("bastille", "template", "devvm", "bhyvetpl/devvm"),
             ("bastille", "cmd", "devvm", "vm", "create", "-t", "bhyvetpl-guest-vm0",
              "-s", "8G", "vm0"))
    root = fake_host.root
    rc = (root / "etc/rc.conf").read_text()
    assert rc.startswith(EXISTING_RC)
    for line in ('cloned_interfaces="${cloned_interfaces} bridge0 tap0"',
                 'ifconfig_bridge0="inet 192.168.16.1/24 addm tap0 up"',
                 'pf_enable="YES"', 'dnsmasq_enable="YES"'):
        assert line in rc, rc
    assert "addm wlan0" not in rc   # a wlan station is never a bridge member
    pf = (root / "etc/pf.conf").read_text()
    assert "nat on wlan0 inet from 192.168.16.0/24 to any -> (wlan0)\n" in pf
    dnsmasq = (root / "usr/local/etc/dnsmasq.conf").read_text()
    assert "interface=bridge0\ndhcp-range=192.168.16.10,192.168.16.200,12h\n" in dnsmasq.replace(
        "# the guests' addresses, 12 h leases\n", "")
    assert "net.inet.ip.forwarding=1" in (root / "etc/sysctl.conf").read_text()
    assert "bridge0 with the uplink" not in out   # nothing waits for a reboot


def test_a_wlan_uplink_without_nat_is_refused(fake_host: Host, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    clean(fake_host, "wlan0")
    use(fake_host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text((EXAMPLES / "baldwin-laptop-nat.toml").read_text().replace(
        'nat = "192.168.16.1/24"\n', "").replace('interface = "bridge0"\n', ""))
    before = fake_host.snapshot()
    code, out, err = fake_host.cli("apply", "-f", str(spec), "--root", str(fake_host.root))
    assert code == 2, out + err
    assert "wlan0" in err and "nat = " in err and len(err.strip().splitlines()) == 1
    assert fake_host.snapshot() == before


def test_an_admins_pf_conf_is_theirs(fake_host: Host, monkeypatch: pytest.MonkeyPatch,
                                     tmp_path: Path) -> None:
    clean(fake_host, "wlan0")
    use(fake_host, monkeypatch)
    (fake_host.root / "etc/pf.conf").write_text("block in all\npass out all keep state\n")
    spec = tmp_path / "bhyvetpl.toml"
    shutil.copyfile(EXAMPLES / "baldwin-laptop-nat.toml", spec)
    before = fake_host.snapshot()
    code, out, err = fake_host.cli("apply", "-f", str(spec), "--root", str(fake_host.root))
    assert code == 2, out + err
    assert "add `nat on wlan0 inet from 192.168.16.0/24 to any -> (wlan0)`" in err
    assert fake_host.snapshot() == before


def test_host_taps_are_created_now_and_the_uplink_bridge_waits(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A tap touches nothing else: made now. Adding the uplink to a bridge resets its link
    (if_bridge(4)): rc.conf only, and the summary says when it takes effect."""
    calls, out = applied(fake_host, monkeypatch, tmp_path, "hardenedbsd-shared.toml")
    assert ("ifconfig", "tap0", "create") in calls
    assert not [c for c in calls if c[:2] == ("ifconfig", "bridge0")]
    assert "bridge0 with the uplink em0 is in /etc/rc.conf only" in out
    assert "service netif restart" in out
