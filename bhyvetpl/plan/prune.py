"""`apply --prune`: remove what bhyvetpl's record names as its own and the spec no longer has.

Never a running guest (refused before anything runs, and checked again by the step), never
a jail or guest the record does not name, and never a disk without `--delete-disks
JAIL/GUEST`: without it a guest's config is moved aside (vm-bhyve then no longer lists
the guest) and its directory keeps the disk images. A ZFS dataset is snapshotted before
anything below it goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from bhyvetpl.adapters import bastille, host, vm
from bhyvetpl.errors import BhyvetplError, ExitCode
from bhyvetpl.facts.model import Facts, Guest, Jail
from bhyvetpl.facts.owned import Owned
from bhyvetpl.hostfs import HostFS
from bhyvetpl.plan.actions import Check, Probe, RemoveFile, RunCommand, Step, WriteFile

PRUNED_SUFFIX = ".bhyvetpl-pruned"
SNAPSHOT_PREFIX = "bhyvetpl-prune-"
OURS = "not in spec, recorded as ours: apply --prune removes it"
LEFT_ALONE = "not in spec (left alone)"


class PruneError(BhyvetplError):
    """A prune that would stop a guest, delete a disk unnamed, or take what is not ours."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True, slots=True)
class Prune:
    """What `apply --prune` was allowed: the guests (JAIL/GUEST) whose disks may go.

    `stamp` ends the snapshots' names (bhyvetpl-prune-STAMP), taken once per run.
    """

    stamp: str
    delete_disks: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A jail or guest the host has and the spec lacks; `refusal` says why it must stay."""

    kind: str
    target: str
    ours: bool
    refusal: str = ""

    @property
    def what(self) -> str:
        """The plan table's text: left alone, removable, or what removing it needs."""
        if not self.ours:
            return LEFT_ALONE
        return OURS + (f" ({self.refusal})" if self.refusal else "")


def _running(jail: str, guest: str) -> str:
    return (f"{jail}/{guest} is running: stop it (bastille cmd {jail} vm stop {guest}), "
            "then apply --prune again")


def _guest_refusal(jail: Jail, guest: Guest) -> str:
    return _running(jail.name, guest.name) if guest.running else ""


def _zfs_vm_dir(jail: Jail) -> str | None:
    value = jail.rc_conf.get("vm_dir", "")
    return value[4:] if value.startswith("zfs:") else None


def _jail_refusal(jail: Jail, owned: Owned, disks: frozenset[str] | None) -> str:
    """Why the jail must stay: guests not ours or running, disks bastille destroy would take.

    disks None: no --prune yet (plan), so the flag is named rather than checked.
    """
    for guest in jail.guests:
        if f"{jail.name}/{guest.name}" not in owned.guests:
            return (f"holds guest {guest.name}, which bhyvetpl did not create: move or "
                    "remove it yourself")
        if guest.running:
            return _running(jail.name, guest.name)
    if _zfs_vm_dir(jail) is None:   # vm_dir inside the jail: destroy takes the disks too
        need = [f"{jail.name}/{g.name}" for g in jail.guests
                if disks is None or f"{jail.name}/{g.name}" not in disks]
        if need:
            return ("bastille destroy deletes its vm_dir with the guests' disks: pass "
                    f"--delete-disks {','.join(need)}")
    return ""


def candidates(wanted: dict[str, set[str]], facts: Facts,
               disks: frozenset[str] | None = None) -> tuple[Candidate, ...]:
    """Bhyve jails and guests the host has and the spec lacks, each judged ours or not."""
    owned = facts.owned or Owned()
    found = [Candidate("jail", j.name, j.name in owned.jails,
                       _jail_refusal(j, owned, disks) if j.name in owned.jails else "")
             for j in facts.jails if j.name not in wanted and "allow.vmm" in j.params]
    found += [Candidate("guest", f"{j.name}/{g.name}", f"{j.name}/{g.name}" in owned.guests,
                        _guest_refusal(j, g))
              for j in facts.jails if j.name in wanted for g in j.guests
              if g.name not in wanted[j.name]]
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Pruned:
    """The steps of a prune, one plan-table row per removal, and what leaves the record."""

    steps: tuple[Step, ...]
    rows: tuple[tuple[str, str, str], ...]
    jails: frozenset[str]
    guests: frozenset[str]
    datasets: frozenset[str]


def _guest_steps(jail: Jail, guest: Guest, facts: Facts, root: Path, prune: Prune,
                 ) -> tuple[list[Step], str, str | None]:
    """Check it is stopped, snapshot its dataset, then move its config aside or destroy it."""
    where, name = f"jail {jail.name}", guest.name
    jails_dir = PurePosixPath(facts.bastille_jailsdir or "/usr/local/bastille/jails")
    conf = PurePosixPath(guest.path)
    inside_conf = "/" + str(conf.relative_to(jails_dir / jail.name / "root"))

    def inside(argv: tuple[str, ...]) -> tuple[str, ...]:
        return bastille.cmd_argv(jail.name, argv)

    steps: list[Step] = [Check(Probe(inside(("test", "!", "-e", f"/dev/vmm/{name}")),
                                     means=f"{name} is not running"), where=where,
                               fix=f"stop it (bastille cmd {jail.name} vm stop {name}), then "
                                   "apply --prune again")]
    parent = _zfs_vm_dir(jail)
    dataset = f"{parent}/{name}" if parent else None
    if dataset is not None:
        snap = f"{dataset}@{SNAPSHOT_PREFIX}{prune.stamp}"
        steps.append(RunCommand(host.zfs_snapshot_argv(snap), why="a way back before "
                                "anything below it goes",
                                skip_if=Probe(host.zfs_snapshot_exists_argv(snap),
                                              means=f"{snap} taken")))
    if f"{jail.name}/{name}" in prune.delete_disks:
        steps.append(RunCommand(inside(vm.destroy_argv(name)), where=where,
                                why="--delete-disks: vm-bhyve deletes its config and disks",
                                skip_if=Probe(inside(("test", "!", "-e", inside_conf)),
                                              means=f"{name} is gone")))
        return steps, "vm destroy: config and disks deleted (--delete-disks)", dataset
    path = HostFS(root).place(conf)
    kept = path.with_name(path.name + PRUNED_SUFFIX)
    steps += [WriteFile(kept, guest.text, where=where, why="the pruned guest's config, kept"),
              RemoveFile(path, guest.text, where=where,
                         why="vm-bhyve no longer lists the guest; its disks stay")]
    return steps, f"config moved to {conf.name}{PRUNED_SUFFIX}; disks kept", dataset


def _jail_snapshots(jail: Jail, facts: Facts, prune: Prune) -> list[Step]:
    """`zfs snapshot -r` of the datasets mounted at the jail's directory (Bastille on ZFS)."""
    jails_dir = PurePosixPath(facts.bastille_jailsdir or "/usr/local/bastille/jails")
    base = jails_dir / jail.name
    found = [d.name for d in facts.datasets if d.mountpoint == str(base)]
    return [RunCommand(host.zfs_snapshot_argv(f"{ds}@{SNAPSHOT_PREFIX}{prune.stamp}"),
                       why="a way back before bastille destroy",
                       skip_if=Probe(host.zfs_snapshot_exists_argv(
                           f"{ds}@{SNAPSHOT_PREFIX}{prune.stamp}"), means="snapshot taken"))
            for ds in found]


def prune_plan(wanted: dict[str, set[str]], facts: Facts, root: Path, prune: Prune) -> Pruned:
    """The removals `apply --prune` makes, refused whole when one candidate must stay.

    Raises:
        PruneError: A candidate runs, holds what is not ours, or would lose disks that
            --delete-disks does not name; or --delete-disks names a guest the prune does
            not remove (exit 2, nothing run).
    """
    found = [c for c in candidates(wanted, facts, prune.delete_disks) if c.ours]
    refused = [c for c in found if c.refusal]
    if refused:
        raise PruneError(f"apply --prune: {refused[0].kind} {refused[0].target}: "
                         f"{refused[0].refusal}; nothing was run")
    targets = {c.target for c in found}
    removable = targets | {f"{c.target}/{g.name}" for c in found if c.kind == "jail"
                           for g in (facts.jail(c.target) or Jail(c.target)).guests}
    unknown = sorted(prune.delete_disks - removable)
    if unknown:
        raise PruneError(f"--delete-disks: {unknown[0]} is not a guest apply --prune removes; "
                         "expected JAIL/GUEST from the plan's \"recorded as ours\" rows")
    steps: list[Step] = []
    rows: list[tuple[str, str, str]] = []
    guests: set[str] = set()
    datasets: set[str] = set()
    for cand in found:
        jail_name, _, guest_name = cand.target.partition("/")
        jail = facts.jail(jail_name)
        assert jail is not None  # noqa: S101 - candidates come from facts.jails
        for guest in jail.guests:
            if guest_name and guest.name != guest_name:
                continue
            more, what, dataset = _guest_steps(jail, guest, facts, root, prune)
            steps += more
            rows.append(("guest", f"{jail.name}/{guest.name}", what + " (--prune)"))
            guests.add(f"{jail.name}/{guest.name}")
            datasets |= {dataset} if dataset else set()
        if cand.kind == "jail":
            steps += _jail_snapshots(jail, facts, prune)
            steps.append(RunCommand(bastille.destroy_argv(jail.name), where=f"jail {jail.name}",
                                    why="not in the spec; recorded as bhyvetpl's own"))
            rows.append(("jail", jail.name, "bastille destroy (--prune)"))
    jails = frozenset(c.target for c in found if c.kind == "jail")
    return Pruned(tuple(steps), tuple(rows), jails, frozenset(guests), frozenset(datasets))
