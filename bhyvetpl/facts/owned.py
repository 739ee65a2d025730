"""The record of what bhyvetpl created on a host: the only things `apply --prune` removes.

It lives in /var/db/bhyvetpl/, where hier(7) puts "miscellaneous automatically generated
system-specific database files" and where FreeBSD's own tools keep their state
(/var/db/pkg, /var/db/freebsd-update): state of this host, kept across upgrades, not
configuration the admin edits (that is /usr/local/etc). Plans write it through HostFS
like any other file; the facts pass reads it back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath

from bhyvetpl.errors import SpecError
from bhyvetpl.model import values

OWNED_PATH = PurePosixPath("/var/db/bhyvetpl/owned.json")
FORMAT = 1


@dataclass(frozen=True, slots=True)
class Owned:
    """Jails, guests (JAIL/GUEST), ZFS datasets and host files bhyvetpl created; sorted."""

    jails: tuple[str, ...] = ()
    guests: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    files: tuple[str, ...] = ()

    def union(self, other: Owned) -> Owned:
        """Both records in one (each list sorted, without repeats)."""
        return Owned(*(tuple(sorted({*a, *b})) for a, b in zip(
            (self.jails, self.guests, self.datasets, self.files),
            (other.jails, other.guests, other.datasets, other.files), strict=True)))

    def without(self, jails: set[str], guests: set[str], datasets: set[str]) -> Owned:
        """The record less what a prune removed (files stay: prune removes none)."""
        return Owned(tuple(j for j in self.jails if j not in jails),
                     tuple(g for g in self.guests if g not in guests),
                     tuple(d for d in self.datasets if d not in datasets), self.files)


def owned_text(owned: Owned) -> str:
    """The record as the file holds it: stable JSON, so an unchanged record is unchanged."""
    body = {"format": FORMAT, "jails": list(owned.jails), "guests": list(owned.guests),
            "datasets": list(owned.datasets), "files": list(owned.files)}
    return json.dumps(body, indent=2) + "\n"


def _names(data: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise SpecError(f"{where}: {key}", items, "a list of strings")
    return tuple(str(i) for i in items)


def parse_owned(text: str, where: str = str(OWNED_PATH)) -> Owned:
    """Read the record; every name is checked as at creation, so none reaches argv unchecked.

    Raises:
        SpecError: Not such a record, or a name outside its grammar (exit 2): a record
            bhyvetpl cannot read never lets a prune guess.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(where, f"line {exc.lineno}", "the JSON bhyvetpl writes") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SpecError(where, "format", f'an object with "format": {FORMAT}')
    jails = tuple(values.jail_name(f"{where}: jails", j) for j in _names(data, "jails", where))
    guests = _names(data, "guests", where)
    for guest in guests:
        jail, _, name = guest.partition("/")
        values.jail_name(f"{where}: guests", jail)
        values.vm_name(f"{where}: guests", name)
    datasets = tuple(values.dataset(f"{where}: datasets", d)
                     for d in _names(data, "datasets", where))
    files = tuple(values.abs_path(f"{where}: files", f) for f in _names(data, "files", where))
    return Owned(jails, guests, datasets, files)
