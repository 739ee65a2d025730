"""Host taps on a private bridge with NAT: Baldwin's laptop set-up, and why a wlan needs it.

John Baldwin, "Using bhyve for FreeBSD Development" (../shared/seeds), "Private Network
with NAT": only the guests' taps are bridge members, the bridge holds an address of a
private subnet, the host forwards and translates out of its uplink (wlan0 there), and
dnsmasq hands the guests addresses (`dhcp-range=192.168.16.10,192.168.16.200,12h`). The
article translates with natd(8) and ipfw `firewall_type="open"`; bhyvetpl uses pf, whose
rule set here holds only the `nat` rule: pf passes what no rule blocks, so starting it
never cuts a session, while loading ipfw denies everything until its rules are in.

A wlan(4) station cannot be a bridge member: 802.11 infrastructure mode sends frames
with the station's own MAC address only, so the guests' frames would not get through
the access point (if_bridge(4) bridges 802.11 where the wlan is an access point, i.e.
`wlanmode hostap`). A wlan uplink with host taps is refused unless NAT is asked for.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from bhyvetpl.errors import SpecError
from bhyvetpl.model import values

BRIDGE = "bridge0"
# Baldwin's range within his /24: the first nine addresses stay for the host and statics.
DHCP_FIRST, DHCP_LAST = 10, 200
NAT_FORM = "ADDR/NN of a private IPv4 subnet for the guests, e.g. 192.168.16.1/24"


@dataclass(frozen=True, slots=True)
class Nat:
    """The private bridge's address (the guests' router) and the uplink it NATs out of."""

    address: str
    uplink: str

    def __post_init__(self) -> None:
        """A private IPv4 subnet with room for the DHCP range; a plain interface name."""
        values.ip_interface("nat", self.address)
        iface = ipaddress.ip_interface(self.address)
        if (iface.version != 4 or not iface.network.is_private
                or iface.network.prefixlen > 27 or iface.ip == iface.network.network_address):
            raise SpecError("nat", self.address, NAT_FORM + " (/27 or larger, a host address)")
        values.interface("uplink", self.uplink)

    @property
    def network(self) -> ipaddress.IPv4Network:
        """The guests' subnet."""
        return ipaddress.IPv4Network(self.address, strict=False)

    @property
    def dhcp_range(self) -> str:
        """The `dhcp-range` for dnsmasq: first,last,lease as Baldwin writes it."""
        net = self.network
        last = min(DHCP_LAST, net.num_addresses - 2)
        return f"{net.network_address + DHCP_FIRST},{net.network_address + last},12h"

    @property
    def pf_rule(self) -> str:
        """The one pf.conf line: translate the guests' subnet to the uplink's address.

        `(IF)` follows the uplink's address as DHCP changes it (pf.conf(5)).
        """
        return f"nat on {self.uplink} inet from {self.network} to any -> ({self.uplink})"

    @property
    def dnsmasq_lines(self) -> tuple[str, ...]:
        """The dnsmasq.conf lines: DHCP and DNS on the bridge only (Baldwin's Example 4)."""
        return ("domain-needed", "bogus-priv", f"interface={BRIDGE}",
                f"dhcp-range={self.dhcp_range}")


def refuse_wlan(uplink: str | None, nat: Nat | None, taps: tuple[str, ...]) -> None:
    """A wlan uplink with host taps and no NAT: refused with the key or flag that helps."""
    if taps and nat is None and uplink is not None and uplink.startswith("wlan"):
        raise SpecError("uplink", uplink,
                        "an Ethernet interface: a wlan(4) station sends frames with its own "
                        "MAC address only, so bridged guests get no traffic through the "
                        "access point; or NAT the taps on a private bridge (host key "
                        "nat = \"192.168.16.1/24\", host prepare --nat 192.168.16.1/24)")
