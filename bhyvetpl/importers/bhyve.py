"""How bhyve itself reads the arguments vmrun.sh passes through: -c, -m and default MACs.

Each reader follows bhyve's own code (bhyverun.c calc_topology, vm_parse_memsize,
net_utils.c net_genmac), so an imported guest gets what bhyve gave the vmrun.sh guest.
"""

from __future__ import annotations

import hashlib

from bhyvetpl.errors import SpecError

CPU_KEYS = ("cpus", "sockets", "cores", "threads")
CPU_FORM = "N or [cpus=]N,sockets=S,cores=C,threads=T (vm-bhyve has no maxcpus)"


def cpus(text: str) -> tuple[int, tuple[int, int, int] | None]:
    """Read -c into (vCPUs, (sockets, cores, threads) or None when no topology is given).

    Raises:
        SpecError: for another form, or a topology bhyve refuses for the count.
    """
    found: dict[str, int] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        key, value = (key, value) if sep else ("cpus", item)
        if key not in CPU_KEYS or key in found or not (value.isdigit() and value.isascii()):
            raise SpecError("bhyve -c", text, CPU_FORM)
        found[key] = int(value)
    if found.keys() == {"cpus"}:
        return found["cpus"], None
    # calc_topology: cores and threads default to 1, sockets to the explicit count (else 1).
    topology = (found.get("sockets", found.get("cpus", 1)), found.get("cores", 1),
                found.get("threads", 1))
    count = topology[0] * topology[1] * topology[2]
    if found.get("cpus", count) != count:
        raise SpecError("bhyve -c", text, f"a topology of {found['cpus']} vCPUs (bhyve "
                        f"refuses {'x'.join(map(str, topology))}, which makes {count})")
    return count, topology


def memsize(text: str) -> str:
    """Read -m: vm_parse_memsize counts a bare number under 1M in MiB, else in bytes."""
    if text.isdigit() and text.isascii():
        number = int(text)
        if number < 1 << 20:
            return f"{number}M"
        for suffix, shift in (("T", 40), ("G", 30), ("M", 20), ("K", 10)):
            if number % (1 << shift) == 0:
                return f"{number >> shift}{suffix}"
    return text  # suffixed sizes go to the model, which checks and upper-cases them


def bhyve_mac(slot: int, name: str) -> str:
    """The MAC net_genmac gives a NIC without mac=: OUI 00:a0:98 + MD5("SLOT-0-NAME")[:3]."""
    digest = hashlib.md5(f"{slot}-0-{name}".encode(), usedforsecurity=False).digest()
    return "00:a0:98:" + ":".join(f"{b:02x}" for b in digest[:3])
