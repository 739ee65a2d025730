"""A read spec plus the host's facts become the model: "auto" and unset keys come from facts.

Nothing here falls back to a constant where the host can answer: the release is the
host's userland, the uplink and a jail's interface are the default route's interface.
Where facts cannot answer, the error says which key to set.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.hostzvol import ZVOL_PLACES, HostZvol, on_host
from bhyvetpl.model.jail import NO_ADDRESS, JailSpec
from bhyvetpl.model.nat import Nat
from bhyvetpl.model.options import JAIL, GuestOptions, JailOptions, build_guest, build_jail
from bhyvetpl.model.values import INVENTORY_RE
from bhyvetpl.render import PRESET_DISK_SIZE
from bhyvetpl.spec.load import GuestEntry, JailEntry, SpecFile, Values
from bhyvetpl.spec.taps import in_use, name_taps

_PATCH_RE = re.compile(r"-p[0-9]+$")
_INDEXED_RE = re.compile(r"(disk|nic|passthru)[0-9]+")
_DEVICE_RE = re.compile(r"device=(tap[0-9]+)")
FIRST_RULESET = 25
RULESET_NAME = "devfs_rules_bhyve_jail"


@dataclass(frozen=True, slots=True)
class Desired:
    """The model of a spec on a host: host settings and each jail with its guests.

    `presets` holds each guest's preset by "JAIL/GUEST": the model's guest keeps none, and
    the preset (windows) decides `vm create -s` for a disk that names no size.
    """

    release: str
    uplink: str
    jails: tuple[JailSpec, ...]
    presets: dict[str, str] = field(default_factory=dict)
    nat: Nat | None = None


def _auto(spec: SpecFile, path: str, value: object, fact: str | None, what: str) -> str:
    if value is not None and value != "auto":
        return str(value)
    if fact is None:
        raise spec.error(path, value or "auto", f"a value: the host shows no {what}")
    return fact


def _model_path(section: str, keys: Values, err: SpecError) -> str:
    """The spec key a model error is about, else the section.

    `nic1.switch` is `nics` and `jail.vm_dir` is `vm_dir`; a key the section does not
    write (a default the model refused) points at the section's header.
    """
    for word in err.field.split("."):
        indexed = _INDEXED_RE.fullmatch(word)
        if indexed:
            word = {"disk": "disks", "nic": "nics", "passthru": "passthru"}[indexed.group(1)]
        word = {"vm_dataset": "vm_dir", "number": "ruleset",
                "console_device": "console_devices"}.get(word, word)
        if word in keys:
            return f"{section}.{word}"
    return section


def _rebased(spec: SpecFile, section: str, keys: Values, err: SpecError) -> SpecError:
    return spec.error(_model_path(section, keys, err), err.value,
                      f"{err.accepted} ({err.field})")


def _units(spec: SpecFile, section: str, entry: JailEntry,
           isolation: object) -> list[tuple[str, list[GuestEntry], str]]:
    """The Bastille jails a spec jail becomes: (name, guests, spec path for errors).

    isolation = "per-guest" gives each guest a jail of its own, named after the guest
    (as bastille-vm-plugin names its supervision jails), with its own ruleset, vnet and
    vm-bhyve: a device-model escape reaches that one guest's nodes. A ZFS vm_dir is then
    the parent of each jail's own dataset (_unit_dataset).
    """
    if isolation == "shared":
        return [(entry.name, list(entry.guests), section)]
    if isolation != "per-guest":
        raise spec.error(f"{section}.isolation", isolation, "shared or per-guest")
    return [(guest.name, [guest], f"{section}.guests.{guest.name}") for guest in entry.guests]


def _address(v: Values, per_guest: bool) -> str:
    """The jail's address as written; a per-guest vnet jail goes without one by default.

    Without an address it needs no dhclient and so no bpf (model.jail.NO_ADDRESS); an
    address written in the spec is kept (DHCP then unhides bpf*, as in shared mode).
    """
    if "address" in v:
        return str(v["address"])
    if per_guest and v.get("network", "vnet") != "shared":
        return NO_ADDRESS
    return JAIL.address


def _unit_dataset(dataset: str | None, name: str, per_guest: bool) -> str | None:
    """The jail's ZFS vm_dir: the spec's, or for a per-guest jail DATASET/JAIL.

    A jailed dataset serves one jail (`zfs jail` hands it over whole), so each per-guest
    jail gets a child of its own; its guest's zvols are DATASET/JAIL/GUEST/DISK.
    """
    return f"{dataset}/{name}" if dataset is not None and per_guest else dataset


def _refuse_shared_dataset(spec: SpecFile, taken: dict[str, str], dataset: str,
                           origin: str) -> None:
    """Refuse a dataset another jail's is, or is above or below: `zfs jail` hands it whole."""
    for other, where in taken.items():
        if dataset == other or dataset.startswith(other + "/") or other.startswith(
                dataset + "/"):
            raise spec.error(f"{origin}.vm_dir", f"zfs:{dataset}", "a dataset apart from "
                             f"every other jail's (zfs:{other} is {where}'s, and a jailed "
                             "dataset serves one jail with all below it)")
    taken[dataset] = origin


def _free_numbers(first: int, ours: str, facts: Facts,
                  claimed: Collection[int] = ()) -> Iterator[int]:
    """Ruleset numbers from first on, skipping those others' rulesets and our jails hold.

    claimed: the numbers jails already on the host keep (_claim).
    """
    taken = {r.number for r in facts.devfs_rulesets if not r.name.startswith(ours)}
    number = first
    while True:
        if number not in taken and number not in claimed:
            yield number
        number += 1


def ruleset_name(base: str, first: int, number: int, jail: str) -> str:
    """Our ruleset's name: the base for the first number, else base_JAIL (an identifier)."""
    return base if number == first else f"{base}_{jail.replace('-', '_')}"


def _claim(facts: Facts, jail: str, first: int, base: str) -> int | None:
    """The number of our ruleset the jail already uses on the host, if any.

    Kept, so a jail inserted before it in the spec (new-guest into a per-guest jail adds
    one) does not renumber it: that would rewrite its ruleset and restart it.
    """
    found = facts.jail(jail)
    value = found.params.get("devfs_ruleset", "") if found is not None else ""
    number = int(value) if value.isdigit() else None
    if number is None or number < first:
        return None
    held = next((r for r in facts.devfs_rulesets if r.number == number), None)
    return number if held is not None and held.name == ruleset_name(
        base, first, number, jail) else None


def _numbers(units: list[tuple[str, bool]], first: int, base: str,
             facts: Facts) -> list[int]:
    """Each unit's ruleset number: the one it holds on the host, else the next free one.

    units: (jail name, planned here); a jail on other hosts (fleet) only takes a number.
    """
    claims: dict[int, int] = {}
    for index, (name, here) in enumerate(units):
        number = _claim(facts, name, first, base) if here else None
        if number is not None and number not in claims.values():
            claims[index] = number
    free = _free_numbers(first, base, facts, set(claims.values()))
    return [claims[i] if i in claims else next(free) for i in range(len(units))]


def _zvols_at(spec: SpecFile, section: str, value: object,
              units: list[tuple[str, list[GuestEntry], str]], dataset: str | None) -> str:
    """Where a per-guest jail's zvols are made: "host" (the default) or "jail".

    "host" grants the jail nothing the peer does not (model.hostzvol); "jail" is the
    jailed dataset, asked for by name only. Refused where it would mean nothing: a
    shared jail, or a vm_dir that is a directory.
    """
    if value is None:
        return "host"
    if value not in ZVOL_PLACES:
        raise spec.error(f"{section}.zvols", value, "host or jail")
    if dataset is None or all(origin == section for _, _, origin in units):
        raise spec.error(f"{section}.zvols", value, 'no zvols key: it is for isolation = '
                         '"per-guest" with a zfs: vm_dir only')
    return str(value)


def _host_zvols(guests: list[GuestSpec], parent: str, presets: dict[str, str],
                jail: str) -> tuple[list[GuestSpec], tuple[HostZvol, ...]]:
    """The guests with zvol disks the host makes (custom disks), and those zvols."""
    out: list[GuestSpec] = []
    made: list[HostZvol] = []
    for guest in guests:
        preset = presets.get(f"{jail}/{guest.name}", "freebsd")
        changed, zvols = on_host(guest, parent, PRESET_DISK_SIZE.get(preset, "20G"))
        out.append(changed)
        made += zvols
    return out, tuple(made)


def resolve(spec: SpecFile, facts: Facts, on: frozenset[str] | None = None) -> Desired:
    """Build every jail and guest of the spec, with facts filling "auto" and unset keys.

    on: the inventory host being planned and its groups; a jail whose `hosts` names
    none of them is left out (its ruleset number stays its own: the index counts it).
    """
    host = spec.host
    userland = facts.release.userland if facts.release else None
    release = _auto(spec, "host.release", host.get("release"), userland, "freebsd-version")
    uplink = _auto(spec, "host.uplink", host.get("uplink"), facts.default_interface,
                   "default route")
    first = int(host.get("ruleset", FIRST_RULESET))
    base_name = str(host.get("ruleset_name", RULESET_NAME))
    jails = []
    presets: dict[str, str] = {}
    names: dict[str, str] = {}
    datasets: dict[str, str] = {}
    numbers = iter(_numbers(
        [(name, on is None or not entry.values.get("hosts")
          or bool(on & {str(h) for h in entry.values["hosts"]}))
         for entry in spec.jails
         for name, _, _ in _units(spec, f"jails.{entry.name}", entry,
                                  entry.values.get("isolation", "shared"))],
        first, base_name, facts))
    named = {m for entry in spec.jails for g in entry.guests
             for nic in g.values.get("nics", []) for m in _DEVICE_RE.findall(str(nic))}
    for entry in spec.jails:
        section = f"jails.{entry.name}"
        v = dict(entry.values)
        hosts = [str(h) for h in v.pop("hosts", [])]
        for name in hosts:
            if not INVENTORY_RE.fullmatch(name):
                raise spec.error(f"{section}.hosts", name, "inventory hosts or groups: "
                                 "letters, digits, _ . : - (no leading . : or -)")
        vm_dir = str(v.pop("vm_dir", "/vms"))
        dataset = vm_dir.removeprefix("zfs:") if vm_dir.startswith("zfs:") else None
        units = _units(spec, section, entry, v.pop("isolation", "shared"))
        zvols_at = _zvols_at(spec, section, v.pop("zvols", None), units, dataset)
        if on is not None and hosts and not on & set(hosts):
            for _ in units:   # a jail on other hosts keeps its ruleset numbers
                next(numbers)
            continue
        for name, members, origin in units:
            if name in names:
                raise spec.error(origin, name, f"a name no other jail has (jail {name} comes "
                                 f"from {names[name]} too)")
            names[name] = origin
            own = _unit_dataset(dataset, name, origin != section)
            if own is not None:
                _refuse_shared_dataset(spec, datasets, own, section)
            guests = []
            for guest in members:
                where = f"{section}.guests.{guest.name}"
                try:
                    guests.append(build_guest(GuestOptions(name=guest.name, **guest.values)))
                except SpecError as err:
                    raise _rebased(spec, where, guest.values, err) from err
                presets[f"{name}/{guest.name}"] = str(guest.values.get("preset", "freebsd"))
            per_guest = origin != section
            made: tuple[HostZvol, ...] = ()
            if per_guest and own is not None and zvols_at == "host":
                guests, made = _host_zvols(guests, own, presets, name)
                own = None
            if per_guest and v.get("network", "vnet") != "shared":
                guests = [name_taps(g, name, facts, in_use(facts, name) | named)
                          for g in guests]
                named |= {n.device for g in guests for n in g.nics if n.device}
            number = next(numbers)
            try:
                jails.append(build_jail(JailOptions(
                    name=name,
                    release=_PATCH_RE.sub("", _auto(spec, f"{section}.release",
                                                    v.get("release"), release, "release")),
                    interface=_auto(spec, f"{section}.interface", v.get("interface"), uplink,
                                    "default route"),
                    vm_dir="/vms" if dataset else vm_dir, vm_dataset=own, host_zvols=made,
                    ruleset=number, per_guest=per_guest,
                    ruleset_name=ruleset_name(base_name, first, number, name),
                    address=_address(v, per_guest),
                    **{k: val for k, val in v.items()
                       if k not in ("release", "interface", "address")}),
                    guests))
            except SpecError as err:
                if origin != section and err.field == "jail.name":
                    raise spec.error(origin, name, f"a guest name that is a jail name with "
                                     f'isolation = "per-guest": {err.accepted}') from err
                raise _rebased(spec, section, entry.values, err) from err
    nat = None
    if host.get("nat") is not None:
        try:
            nat = Nat(str(host["nat"]), uplink)
        except SpecError as err:
            raise spec.error(f"host.{err.field}", err.value, err.accepted) from err
    return Desired(release, uplink, tuple(jails), presets, nat)
