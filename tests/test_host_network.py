"""Issue 11 point 4: host taps, the uplink bridge on FreeBSD 15, wlan, NAT (model level)."""

from __future__ import annotations

import pytest

from bhyvetpl.errors import SpecError
from bhyvetpl.model import policy
from bhyvetpl.model.hostconf import AdminLines, AdminOwnedError
from bhyvetpl.model.nat import Nat
from bhyvetpl.model.options import HostOptions, build_features


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
