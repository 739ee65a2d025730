"""The plan of a spec on a host: what the spec wants that the facts do not show yet.

One plan holds every step (host prepare per jail, jail create or apply, new guests), so
apply, `--emit sh` and dry-run stay its only consumers. The change rows say what would
really change: file steps whose text differs, jails and guests missing, modules and
sysctls the facts show otherwise. Existing guests are left alone: vm-bhyve owns their
configs after creation and writes keys back (uuid, networkN_mac) that must never be
reverted. Bhyve jails and guests the host has and the spec lacks are listed; only
`apply --prune` removes them, and only those the record of what bhyvetpl created names
(bhyvetpl.plan.prune). The plan adds to that record what it creates.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bhyvetpl.adapters import bastille
from bhyvetpl.facts.model import Cpu, Facts
from bhyvetpl.facts.owned import OWNED_PATH, Owned, owned_text
from bhyvetpl.hostfs import HostFS, HostFSError, PlanningFS
from bhyvetpl.model import policy
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.nat import BRIDGE
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.actions import EditBlock, Plan, RemoveFile, RunCommand, Step, WriteFile
from bhyvetpl.plan.build import BASTILLE_PREFIX, host_prepare_plan, jail_create_plan
from bhyvetpl.plan.guest import disk0_size, new_guest_plan
from bhyvetpl.plan.hostfile import HostFileError, new_text
from bhyvetpl.plan.jailblock import JailRestartError
from bhyvetpl.plan.jailtaps import refuse_taken_taps
from bhyvetpl.plan.oldslots import refuse_old_slots
from bhyvetpl.plan.passthru import refuse_passthrough
from bhyvetpl.plan.prune import Prune, Pruned, candidates, prune_plan
from bhyvetpl.plan.shared import refuse_other_release, refuse_shared_in_spec
from bhyvetpl.spec.load import SpecFile
from bhyvetpl.spec.resolve import Desired, resolve


@dataclass(frozen=True, slots=True)
class Change:
    """One row of `bhyvetpl plan`: a kind (file, jail, guest, module, sysctl), its target."""

    kind: str
    target: str
    what: str


@dataclass(frozen=True, slots=True)
class Converged:
    """The plan, what it would change, what the host has that the spec does not name.

    `desired` is kept for the CLI's warnings (grants, public VNC), which print.
    """

    plan: Plan
    changes: tuple[Change, ...]
    not_in_spec: tuple[Change, ...]
    desired: Desired


def _merged(plans: list[Plan], root: Path) -> Plan:
    """The plans' steps in order; a step equal to an earlier one goes (its probe ran).

    A command run after a file changes (`service devfs restart`) keeps only its last
    place, after every step that edits that file: it then runs once.
    """
    ordered: dict[Step, None] = {}   # an ordered set: a list's `in` made this quadratic
    for step in (s for p in plans for s in p.steps):
        if isinstance(step, RunCommand) and step.after_change is not None:
            ordered.pop(step, None)   # moved to the end
            ordered[step] = None
        else:
            ordered.setdefault(step, None)
    steps = list(ordered)
    # Each builder's "next:" hint names the command that comes next; here the plan has it.
    summary = tuple(line for p in plans for line in p.summary if not line.startswith("next:"))
    return Plan(f"spec: {len(plans)} plans", tuple(steps), summary, root=root)


def _host_path(path: Path, root: Path) -> str:
    """The path as the host names it (the root left out), for the change table."""
    return "/" + "/".join(path.relative_to(root).parts)


def _texts_after(plans: list[Plan], fs: HostFS) -> dict[Path, str | None]:
    """Each file the plans' steps edit, as they leave it; one they cannot edit is left out."""
    after: dict[Path, str | None] = {}
    for step in (s for p in plans for s in p.steps):
        if isinstance(step, WriteFile | EditBlock):
            try:
                before = after[step.path] if step.path in after else fs.read_text(step.path)
                after[step.path] = new_text(step, before)
            except (HostFSError, HostFileError):
                continue   # apply stops there; the check reads the file as it is
    return after


def _transient(steps: tuple[Step, ...] | list[Step]) -> set[Path]:
    """Files a step writes and a later one removes (a guest's template, once created)."""
    return {s.path for s in steps if isinstance(s, RemoveFile)}


def _file_changes(plan: Plan, fs: HostFS) -> list[Change]:
    changes = []
    current: dict[Path, str | None] = {}   # what earlier steps of this plan leave
    transient = _transient(plan.steps)
    for step in plan.steps:
        if not isinstance(step, WriteFile | EditBlock) or step.path in transient:
            continue
        try:
            before = current[step.path] if step.path in current else fs.read_text(step.path)
        except HostFSError as err:
            changes.append(Change("file", _host_path(step.path, plan.root), f"refused: {err}"))
            continue
        if before is None and isinstance(step, EditBlock) and step.anchor:
            changes.append(Change("file", _host_path(step.path, plan.root),
                                  f"block {step.owner!r} added to the file the jail's "
                                  "creation writes"))
            continue
        after = new_text(step, before)
        current[step.path] = after
        if after != before:
            verb = "create" if before is None else (
                f"edit block {step.owner!r}" if isinstance(step, EditBlock) else "rewrite")
            changes.append(Change("file", _host_path(step.path, plan.root), verb + (
                f" ({step.why})" if step.why else "")))
    return changes


def _host_changes(features: Features, facts: Facts) -> list[Change]:
    """Modules and sysctls the facts show otherwise (their steps are guarded by probes)."""
    changes = [Change("module", m, "kldload") for m in policy.host_modules(features.release)
               if m not in facts.registered and m not in facts.modules]
    changes += [Change("sysctl", s.name, f"set to {s.value} (now "
                       f"{facts.sysctls.get(s.name, 'unknown')})")
                for s in policy.sysctl_conf(features) if facts.sysctls.get(s.name) != s.value]
    return changes


def _created(plans: list[Plan], jails: list[str], guests: list[str], datasets: list[str],
             root: Path) -> Owned:
    """What these plans create, for the record: names, and the files their steps write."""
    transient = _transient([s for p in plans for s in p.steps])
    files = {_host_path(s.path, root) for p in plans for s in p.steps
             if isinstance(s, WriteFile) and s.path not in transient}
    return Owned(tuple(sorted(jails)), tuple(sorted(guests)), tuple(sorted(datasets)),
                 tuple(sorted(files)))


def _record_step(facts: Facts, created: Owned, pruned: Pruned | None,
                 root: Path) -> list[Step]:
    """Write the record when this run changes it (a host with none and nothing new: none)."""
    old = facts.owned or Owned()
    new = old.union(created)
    if pruned is not None:
        new = new.without(set(pruned.jails), set(pruned.guests), set(pruned.datasets))
    if new == old:
        return []
    return [WriteFile(HostFS(root).place(OWNED_PATH), owned_text(new),
                      why="what bhyvetpl created: apply --prune removes only these")]


def features_of(jail: JailSpec, desired: Desired) -> Features:
    """The jail's features; with host NAT, its taps go on the private bridge.

    The NAT leaves through the host's uplink, not the jail's interface (the bridge).
    """
    features = Features.of_jail(jail)
    if desired.nat is None or not features.host_taps:
        return features
    return dataclasses.replace(features, nat=desired.nat, uplink=desired.uplink)


def _with_host_guests(features: Features, facts: Facts,
                      removed: frozenset[str] = frozenset()) -> Features:
    """The jail's ruleset names the guests the host has too: none loses its console.

    Only when the spec names guests (else every console is unhidden already); a guest
    this run prunes (removed, as JAIL/GUEST) is not named.
    """
    found = facts.jail(features.jail)
    if found is None or not features.guests:
        return features
    names = (*features.guests, *(g.name for g in found.guests
                                 if g.name not in features.guests
                                 and f"{features.jail}/{g.name}" not in removed))
    return dataclasses.replace(features, guests=names)


def with_cpu(features: Features, cpu: Cpu | None) -> Features:
    """The features with the host's CPU vendor (loader.conf's hw.vmm.amdvi.enable)."""
    return dataclasses.replace(features, cpu_amd=None if cpu is None else not cpu.intel)


def _host_features(jail: JailSpec, desired: Desired, facts: Facts,
                   removed: frozenset[str] = frozenset()) -> Features:
    """One spec jail's features on this host: its guests and its CPU too."""
    return with_cpu(_with_host_guests(features_of(jail, desired), facts, removed), facts.cpu)


def jail_features(desired: Desired, facts: Facts, name: str) -> Features:
    """The host side of one spec jail, as converge plans it (`host prepare` as a view)."""
    jail = next(j for j in desired.jails if j.name == name)
    return _host_features(jail, desired, facts)


def _restart_rows(plan: Plan, jails: tuple[str, ...]) -> list[Change]:
    """A row for each jail the plan restarts, with the guests it stops first (one pass)."""
    stops: dict[str, set[str]] = {}
    restarted: set[str] = set()
    for step in plan.steps:
        if not isinstance(step, RunCommand) or step.argv[0] != "bastille":
            continue
        argv = step.argv
        if argv[1] == "cmd" and argv[3:5] == ("vm", "stop"):
            stops.setdefault(argv[2], set()).add(argv[-1])
        elif argv == bastille.restart_argv(argv[-1]):
            restarted.add(argv[-1])
    return [Change("jail", name, f"restarts jail {name}: stops its {len(stops.get(name, ()))} "
                   "running guests (apply --restart)")
            for name in jails if name in stops or name in restarted]


def converge(desired: Desired, facts: Facts, root: Path,
             prefix: PurePosixPath | None = None, prune: Prune | None = None,
             restart: bool = True, restart_network: bool = False) -> Converged:
    """Plan the spec against the facts: host prepare, jails, missing guests; removals too.

    The flag commands' refusals run first, so a refused spec runs nothing: the host's
    release and owned settings (host prepare), and passthrough in an existing jail as
    the plan's earlier steps leave its files (new-guest).

    Args:
        desired: The resolved spec.
        facts: What one read-only pass found on the host.
        root: Where `/` is (files are read and written below it).
        prefix: bastille_prefix (default: the one facts found, else Bastille's).
        prune: `apply --prune`: first remove what the record names and the spec lacks.
        restart: Allow restarting jails (their running guests stopped first); `plan`
            shows the restarts, `apply` refuses them without --restart.
        restart_network: `apply --restart-network`: bridge0 with the uplink now when the
            live one (facts' `ifconfig -a`) differs from rc.conf, as host prepare's flag.

    Raises:
        HostStateError: Another release, or a setting another jail owns (exit 2).
        PassthroughError: A new guest cannot pass its devices through (exit 2).
        PruneError: A removal `--prune` may not make (exit 2).
        JailRestartError: A jail needs a restart and `restart` is False (exit 2).
    """
    prefix = prefix or PurePosixPath(facts.bastille_prefix or BASTILLE_PREFIX)
    fs = PlanningFS(root)   # each host file read once, however many guests read it
    plans: list[Plan] = []
    changes: list[Change] = []
    creating: list[Plan] = []
    new_jails: list[str] = []
    new_guests: list[str] = []
    new_datasets: list[str] = []
    names = {j.name: {g.name for g in j.guests} for j in desired.jails}
    pruned = prune_plan(names, facts, root, prune) if prune is not None else None
    removed = pruned.jails | pruned.guests if pruned else frozenset()
    all_features = tuple(_host_features(jail, desired, facts, removed)
                         for jail in desired.jails)
    refuse_shared_in_spec(all_features)
    for jail, features in zip(desired.jails, all_features, strict=True):
        # The host's files follow the jail's release, as host prepare's --release.
        refuse_other_release(jail.release, root)
        plans.append(host_prepare_plan(features, root, restart_network=restart_network,
                                       facts=facts, live_bridge=lambda: facts.interface(BRIDGE)))
        changes += _host_changes(features, facts)
    for jail in desired.jails:
        refuse_taken_taps(facts, jail.name)
        found = facts.jail(jail.name)
        # Restarts are planned, then refused at the end: a refusal that names what is
        # wrong (passthrough) goes first, and `plan` shows them as rows.
        plans.append(jail_create_plan(
            jail, root, prefix, create=found is None, restart=True,
            found=tuple(g.config for g in found.guests) if found else ()))
        if found is None:
            creating.append(plans[-1])
            new_jails.append(jail.name)
            changes.append(Change("jail", jail.name, f"create ({jail.release}, {jail.network}, "
                                  f"{jail.address})"))
        have = {g.name for g in found.guests} if found else set()
        for guest in jail.guests:
            if guest.name in have:
                continue
            if found is not None and guest.passthru:
                # As the plan leaves the files, and with the template's `bastille config
                # set` values (securelevel, devfs_ruleset); a new jail gets them at creation.
                config = {s.name: s.value for s in policy.jail_config(
                    Features.of_jail(jail), jail.vm_dataset) if s.value is not None}
                refuse_passthrough(jail, guest, root, prefix, _texts_after(plans, fs),
                                   config)
            refuse_old_slots(jail.name, guest, found.vm_bhyve_version if found else None)
            preset = desired.presets.get(f"{jail.name}/{guest.name}", "freebsd")
            plans.append(new_guest_plan(jail, guest, root, prefix=prefix, restart=True,
                                        disk_size=disk0_size(guest, preset, None), fs=fs))
            creating.append(plans[-1])
            new_guests.append(f"{jail.name}/{guest.name}")
            # vm create makes DATASET/NAME on a ZFS vm_dir (zfs::make_dataset, lib/vm-zfs).
            new_datasets += [f"{jail.vm_dataset}/{guest.name}"] if jail.vm_dataset else []
            changes.append(Change("guest", f"{jail.name}/{guest.name}",
                                  f"vm create ({guest.loader}, {guest.cpu} cpu, "
                                  f"{guest.memory})"))
    merged = _merged(plans, root)
    created = _created(creating, new_jails, new_guests, new_datasets, root)
    # Removals first; the record before the steps that create (a run that stops half-way
    # has recorded what it made), after the ones that remove (what stays is recorded).
    steps = [*(pruned.steps if pruned else ()), *_record_step(facts, created, pruned, root),
             *merged.steps]
    plan = Plan(merged.description, tuple(steps), merged.summary, root=root)
    extra = [Change(c.kind, c.target, c.what) for c in candidates(names, facts)
             if c.target not in removed]
    restarts = _restart_rows(plan, tuple(names))
    if restarts and not restart:
        raise JailRestartError("; ".join(r.what.replace("(apply --restart)", "")
                                         for r in restarts).rstrip() + "; pass --restart to allow")
    rows = (_file_changes(plan, fs) + changes + restarts
            + [Change(*row) for row in (pruned.rows if pruned else ())])
    return Converged(plan, tuple(rows), tuple(extra), desired)


def converge_spec(spec: SpecFile, facts: Facts, root: Path,
                  prune: Prune | None = None, restart: bool = True,
                  on: frozenset[str] | None = None, restart_network: bool = False
                  ) -> Converged:
    """Resolve the spec on the facts ("auto" from the host), then converge.

    on: plan only the jails for this inventory host (its name and groups).
    """
    return converge(resolve(spec, facts, on), facts, root, prune=prune, restart=restart,
                    restart_network=restart_network)
