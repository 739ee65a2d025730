"""A spec planned for many hosts on one controller, each from its own recorded facts.

`bhyvetpl facts --json` on each host records what it found, and the text of every host
file a plan reads (Facts.files): the release check, the admin's own lines in loader.conf
and rc.conf, devfs rulesets, each jail's jail.conf. Here each record's files are written
into a staging root of their own, the spec (the jails that name this host, or one of
its groups, or no host at all) is planned there exactly as on the host, and the plan is
moved to `/`. Nothing of the controller's own /etc is read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts
from bhyvetpl.facts.source import recorded_facts
from bhyvetpl.hostfs import HostFS, as_bytes
from bhyvetpl.model.values import inventory_name
from bhyvetpl.plan.actions import Plan
from bhyvetpl.plan.converge import Converged, converge_spec
from bhyvetpl.spec.load import SpecFile

FLAG = "--facts-dir"


@dataclass(frozen=True, slots=True)
class HostRecord:
    """One host of the fleet: its inventory name, its groups, its recorded facts."""

    name: str
    groups: frozenset[str]
    facts: Facts


def records(directory: Path) -> list[HostRecord]:
    """Every HOST.json below directory (and HOST.groups: its inventory groups, one a line).

    Raises:
        SpecError: No record there, a name that is no inventory name, a bad record.
    """
    found = sorted(directory.glob("*.json")) if directory.is_dir() else []
    if not found:
        raise SpecError(FLAG, str(directory), "a directory of HOST.json files written by "
                        "`bhyvetpl facts --json` on each host")
    out = []
    for path in found:
        name = inventory_name(FLAG, path.stem)
        groups_file = path.with_suffix(".groups")
        groups = groups_file.read_text(encoding="utf-8").split() if groups_file.is_file() \
            else []
        out.append(HostRecord(name, frozenset(inventory_name(str(groups_file), g)
                                              for g in groups),
                              recorded_facts(path, FLAG)))
    return out


def stage(facts: Facts, root: Path) -> Path:
    """Write the recorded host files below root (an empty scratch directory); return it."""
    fs = HostFS(root)
    for path, text in facts.files.items():
        fs.write(fs.place(PurePosixPath(path)), as_bytes(text))
    return fs.root


def _moved(value: Any, old: str, new: str) -> Any:
    """Value with every path below old (a Path, or a str naming one) below new instead."""
    if isinstance(value, Path):
        text = str(value)
        return Path(new + text[len(old):]) if text == old or text.startswith(old + "/") \
            else value
    if isinstance(value, str):
        return new + value[len(old):] if value.startswith(old + "/") else value
    if isinstance(value, tuple):
        return tuple(_moved(item, old, new) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{
            f.name: _moved(getattr(value, f.name), old, new)
            for f in dataclasses.fields(value) if f.init})
    return value


def rerooted(plan: Plan, root: Path) -> Plan:
    """The plan made below a staging root, as it runs on the host below root."""
    old = str(plan.root).rstrip("/")
    moved = _moved(plan, old, str(root).rstrip("/"))
    assert isinstance(moved, Plan)  # noqa: S101 - _moved keeps the type it is given
    return dataclasses.replace(moved, root=root)


def plan_fleet(spec: SpecFile, directory: Path, scratch: Path,
               root: Path = Path("/")) -> list[tuple[HostRecord, Converged]]:
    """Each recorded host's converged spec, its plan below root (the host's `/`)."""
    out = []
    for record in records(directory):
        staged = stage(record.facts, scratch / record.name)
        converged = converge_spec(spec, record.facts, staged,
                                  on=record.groups | {record.name})
        out.append((record, dataclasses.replace(
            converged, plan=rerooted(converged.plan, root))))
    return out
