"""Parsers for the commands the facts pass runs; each format is pinned by a recorded output.

The recorded outputs are in tests/fixtures/freebsd (copied from ../shared/fixtures/freebsd
with their sources). No parser guesses at a format that no fixture shows.
"""

from __future__ import annotations

import json
import re

from bhyvetpl.facts.model import Dataset, Interface

# `ifconfig -a`: a block starts at column 0 with `NAME: flags=...`.
_IFACE_HEAD_RE = re.compile(r"([A-Za-z][A-Za-z0-9_.-]*): flags=", re.ASCII)


def kldstat_modules(text: str) -> tuple[str, ...]:
    """`kldstat`: the loaded files' names without `.ko` (kernel included), in order."""
    lines = text.splitlines()
    if not lines or lines[0].split()[-1:] != ["Name"]:
        return ()
    names = (line.split()[-1] for line in lines[1:] if len(line.split()) >= 5)
    return tuple(name.removesuffix(".ko") for name in names)


def default_interface(text: str) -> str | None:
    """`netstat -rn`: the Netif of the IPv4 `default` route (the uplink a bridge needs)."""
    column = None
    for line in text.splitlines():
        fields = line.split()
        if fields[:1] == ["Destination"] and "Netif" in fields:
            column = fields.index("Netif")
        elif fields[:1] == ["default"] and column is not None and len(fields) > column:
            return fields[column]
    return None


def interfaces(text: str) -> tuple[Interface, ...]:
    """`ifconfig -a`: every interface with its groups, bridge members and addresses."""
    found: list[Interface] = []
    name: str | None = None
    groups: list[str] = []
    members: list[str] = []
    addresses: list[str] = []

    def close() -> None:
        if name is not None:
            found.append(Interface(name, tuple(groups), tuple(members), tuple(addresses)))

    for line in text.splitlines():
        head = _IFACE_HEAD_RE.match(line)
        if head:
            close()
            name, groups, members, addresses = head.group(1), [], [], []
            continue
        fields = line.split()
        if name is None or not fields:
            continue
        if fields[0] == "groups:":
            groups += fields[1:]
        elif fields[0] == "member:" and len(fields) > 1:
            members.append(fields[1])
        elif fields[0] in ("inet", "inet6") and len(fields) > 1:
            addresses.append(fields[1])
    close()
    return tuple(found)


def jls_json(text: str) -> dict[str, dict[str, str]]:
    """`jls --libxo=json -n`: each running jail's parameters by jail name.

    libxo writes every value as a string (booleans as "true"/"false"); address lists are
    arrays, kept here joined with commas.
    """
    data = json.loads(text) if text.strip() else {}
    jails = data.get("jail-information", {}).get("jail", [])
    result: dict[str, dict[str, str]] = {}
    for jail in jails:
        params = {key: (",".join(map(str, value)) if isinstance(value, list) else str(value))
                  for key, value in jail.items()}
        if params.get("name"):
            result[params["name"]] = params
    return result


def zfs_list(text: str) -> tuple[Dataset, ...]:
    """`zfs list [-o name,mountpoint]`: datasets and mountpoints, read by the header row."""
    lines = text.splitlines()
    header = lines[0].split() if lines else []
    if "NAME" not in header or header[-1:] != ["MOUNTPOINT"]:
        return ()
    before = len(header) - 1
    rows = (line.split(maxsplit=before) for line in lines[1:])
    return tuple(Dataset(row[0], row[before]) for row in rows if len(row) == before + 1)
