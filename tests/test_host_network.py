"""Issue 11 point 4: host taps, the uplink bridge on FreeBSD 15, wlan, NAT (model level)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Interface
from bhyvetpl.facts.parse import interfaces
from bhyvetpl.model import policy
from bhyvetpl.model.hostconf import AdminLines, AdminOwnedError
from bhyvetpl.model.nat import Nat
from bhyvetpl.model.options import HostOptions, build_features
from bhyvetpl.plan.network import bridge_matches
from tests.standin_env import Host, make_host
from tests.test_emit_e2e import normalised, run_both, twin_hosts, use
from tests.test_seed_e2e import EXAMPLES, clean


def shared(release: str, uplink: str = "em0", nat: str | None = None):  # type: ignore[no-untyped-def]
    return build_features(HostOptions(jail="web", release=release, host_taps=("tap0",),
                                      uplink=uplink, vnet=False, nat=nat))


@pytest.mark.parametrize(("theirs", "bridge"), [
    ("DHCP", 'ifconfig_bridge0="addm em0 addm tap0 up DHCP"'),
    ("inet 192.0.2.10/24", 'ifconfig_bridge0="inet 192.0.2.10/24 addm em0 addm tap0 up"'),
])
def test_on_15_an_uplink_holding_the_address_is_refused_with_the_lines(
        theirs: str, bridge: str) -> None:
    """if_bridge(4) from 15.0: a member holding an address is deprecated (fixture
    bridge-warning-member-has-ip-address-15.0.txt), refused with member_ifaddrs=0."""
    admin = AdminLines(rc={"ifconfig_em0": theirs})
    with pytest.raises(AdminOwnedError) as err:
        policy.rc_conf(shared("15.0-RELEASE"), admin)
    text = str(err.value)
    assert f'your ifconfig_em0="{theirs}"' in text
    assert 'put ifconfig_em0="up" in its place' in text and bridge in text
    # 14.x: the uplink keeps its address as a member, as before
    lines = {s.name: s.value for s in policy.rc_conf(shared("14.3-RELEASE"), admin)}
    assert lines["ifconfig_bridge0"] == "addm em0 addm tap0 up"


def test_an_uplink_without_an_address_is_bridged_on_15() -> None:
    admin = AdminLines(rc={"ifconfig_em0": "up"})
    lines = {s.name: s.value for s in policy.rc_conf(shared("15.0-RELEASE"), admin)}
    assert lines["ifconfig_bridge0"] == "addm em0 addm tap0 up"


def test_a_wlan_uplink_is_refused_unless_nat() -> None:
    with pytest.raises(SpecError) as err:
        shared("14.3-RELEASE", "wlan0")
    assert err.value.field == "uplink" and "--nat" in err.value.accepted
    features = shared("14.3-RELEASE", "wlan0", nat="192.168.16.1/24")
    lines = {s.name: s.value for s in policy.rc_conf(features)}
    assert lines["ifconfig_bridge0"] == "inet 192.168.16.1/24 addm tap0 up"
    assert lines["pf_enable"] == lines["dnsmasq_enable"] == "YES"


@pytest.mark.parametrize("bad", ["8.8.8.1/24", "192.168.16.1/30", "192.168.16.0/24",
                                 "fd00::1/64", "192.168.16.1"])
def test_nat_wants_a_private_ipv4_host_address_with_room(bad: str) -> None:
    with pytest.raises(SpecError):
        Nat(bad, "wlan0")


def test_nat_follows_baldwins_range() -> None:
    nat = Nat("192.168.16.1/24", "wlan0")
    assert nat.dhcp_range == "192.168.16.10,192.168.16.200,12h"
    assert nat.pf_rule == "nat on wlan0 inet from 192.168.16.0/24 to any -> (wlan0)"
    assert Nat("10.9.0.1/27", "wlan0").dhcp_range == "10.9.0.10,10.9.0.30,12h"


UPLINK_ARGS = ("host", "prepare", "--no-vnet", "--host-tap", "tap0", "--uplink", "em0",
               "--release", "14.3-RELEASE")


def test_restart_network_applies_the_uplink_bridge_now(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Off by default (the seed e2e pins that); with --restart-network the direct run and the
    sh script both run `service netif restart bridge0` once rc.conf changed, and the summary
    says so (issue 11 point 4)."""
    direct, script = twin_hosts(tmp_path, monkeypatch)
    (code, out), (scode, sout) = run_both((*UPLINK_ARGS, "--restart-network"), direct, script,
                                          monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    calls = direct.calls()
    assert calls == script.calls()
    restart = ("service", "netif", "restart", "bridge0")
    assert restart in calls
    assert calls.index(("ifconfig", "tap0", "create")) < calls.index(restart)
    assert "bridge0 with the uplink em0 is applied now (--restart-network" in out
    assert normalised(direct) == normalised(script)


def test_without_the_flag_the_summary_names_it(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    direct, script = twin_hosts(tmp_path, monkeypatch)
    (code, out), _ = run_both(UPLINK_ARGS, direct, script, monkeypatch)
    assert code == 0, out
    assert not any(c[:2] == ("service", "netif") for c in direct.calls())
    assert "in /etc/rc.conf only" in out and "--restart-network" in out



FREEBSD = Path(__file__).resolve().parent / "fixtures" / "freebsd"
# rc.d/netif takes interface names: netif_start/netif_stop0 set `cmdifn=$*` and hand it to
# clone_up/clone_down and netif_common (libexec/rc/rc.d/netif, freebsd-src 023fc80ee38a);
# rc.subr's restart runs `stop $rc_extra_args`, then `start $rc_extra_args` (libexec/rc/
# rc.subr, freebsd-src 0227451304a7). So this rebuilds bridge0 alone from rc.conf.
NETIF = ("service", "netif", "restart", "bridge0")


def recorded(name: str) -> Interface:
    (found,) = interfaces((FREEBSD / name).read_text())
    return found


def test_the_live_bridge_is_compared_with_the_rc_conf_line() -> None:
    """Recorded `ifconfig bridge0` outputs of FreeBSD 15 and 13 against rc.conf's line."""
    two = recorded("ifconfig-bridge0-members-em0-em1-15.x.txt")
    assert bridge_matches("addm em0 addm em1 up", two)
    assert bridge_matches("addm em1 addm em0 up", two)
    assert not bridge_matches("addm em0 addm tap0 up", two)
    assert not bridge_matches("addm em0 up", two)
    bare = recorded("ifconfig-bridge0-created-no-members-15.x.txt")
    assert not bridge_matches("addm em0 addm tap0 up", bare)
    assert not bridge_matches("addm em0 addm tap0 up", None)
    routed = recorded("ifconfig-vm-public-inet-no-members-13.0-p4.txt")
    assert bridge_matches("inet 192.168.8.1/24 up", routed)
    assert not bridge_matches("inet 192.168.9.1/24 up", routed)


def live_bridge(host: Host) -> None:
    """What `ifconfig bridge0` shows once rc.d/netif made it: the recorded 15.x bridge of
    em0 and em1, with em1 renamed tap0 (a tap member prints the same `member:` lines)."""
    (host.state / "netif").mkdir(parents=True, exist_ok=True)
    text = (FREEBSD / "ifconfig-bridge0-members-em0-em1-15.x.txt").read_text()
    (host.state / "netif" / "bridge0").write_text(text.replace("member: em1 ", "member: tap0 "))


def test_restart_network_acts_whenever_the_bridge_is_not_live(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first run without the flag writes rc.conf; a later one with it applies the bridge
    although rc.conf no longer changes (main acted only in the run that changed rc.conf).
    Once bridge0 is live as rc.conf says, a further run does nothing to the network."""
    direct, script = twin_hosts(tmp_path, monkeypatch)
    for host in (direct, script):
        live_bridge(host)
    run_both(UPLINK_ARGS, direct, script, monkeypatch)
    direct.calls(), script.calls()
    (code, out), (scode, sout) = run_both((*UPLINK_ARGS, "--restart-network"), direct, script,
                                          monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    calls = direct.calls()
    assert calls == script.calls() and NETIF in calls
    assert "the live bridge differed from rc.conf" in out
    (code, out), (scode, sout) = run_both((*UPLINK_ARGS, "--restart-network"), direct, script,
                                          monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    calls = direct.calls()
    assert calls == script.calls() and NETIF not in calls
    assert ("ifconfig", "bridge0") in calls   # read once, to plan
    assert "bridge0 with the uplink em0 is live as /etc/rc.conf has it" in out
    assert "--restart-network" not in out
    (code, out), _ = run_both(UPLINK_ARGS, direct, script, monkeypatch)
    assert code == 0 and "in /etc/rc.conf only" not in out, out


def test_apply_offers_restart_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`apply -f SPEC --restart-network` (HardenedBSD's shared jail: tap0 bridged with the
    uplink) applies the bridge when facts' `ifconfig -a` lacks it, and not once it is live."""
    host = make_host(tmp_path / "host", monkeypatch)
    clean(host)
    use(host, monkeypatch)
    live_bridge(host)
    spec = tmp_path / "bhyvetpl.toml"
    shutil.copyfile(EXAMPLES / "hardenedbsd-shared.toml", spec)
    args = ("apply", "-f", str(spec), "--root", str(host.root), "--restart-network")
    code, out, err = host.cli(*args)
    assert code == 0, out + err
    calls = host.calls()
    assert NETIF in calls
    assert calls.index(("ifconfig", "tap0", "create")) < calls.index(NETIF)
    assert "the live bridge differed from rc.conf" in out
    code, out, err = host.cli(*args)
    assert code == 0 and "nothing changed" in out, out + err
    assert NETIF not in host.calls()
    assert "is live as /etc/rc.conf has it" in out
