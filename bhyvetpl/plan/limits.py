"""The jail's rctl rules added now, to a kernel that enforces them, never over a running guest.

/etc/rctl.conf holds the rules for the next boot; with kern.racct.enable already 1
they can be added now (`rctl -a`). A deny rule refuses the allocation that would pass
its amount: added below what a running jail already uses, the next mmap() or fork of a
guest's bhyve fails and the guest may die. So for a running jail each rule is added
only when what `rctl -hu jail:NAME` printed (facts) is below it; otherwise that step is
left out and the summary names the usage, the limit and what resolves it. A stopped
jail uses nothing: its rules are added (rctl keeps jail rules by name until it starts).
"""

from __future__ import annotations

from bhyvetpl.adapters import host
from bhyvetpl.facts.model import Facts
from bhyvetpl.facts.parse import humanized_at_most
from bhyvetpl.model import policy, values
from bhyvetpl.model.policy import Features, Setting
from bhyvetpl.plan.actions import RunCommand
from bhyvetpl.shquote import shown_join


def amount(setting: Setting) -> int:
    """A rule's amount as rctl counts it: bytes for vmemoryuse (expand_number), else a count."""
    value = setting.value or "0"
    return values.size_bytes(value) if value[-1:].isalpha() else int(value)


def _memory_flag(features: Features, used: int) -> str:
    """The --limit-memory that puts the vmemoryuse rule above what the jail uses."""
    guests = max(len(features.guests), 1)
    need = used + 1 - policy.VMEM_JAIL - guests * policy.VMEM_PER_GUEST
    size = f"{max(-(-need // policy.MIB), 1)}M"
    return shown_join(("bhyvetpl", "host", "prepare", "--jail", features.jail,
                       "--limit-memory", size))


def live_limits(features: Features, facts: Facts | None) -> tuple[
        tuple[RunCommand, ...], tuple[str, ...]]:
    """`rctl -a` for each rule the jail can take now, and a summary line for each refused.

    Nothing without facts, without rules, or while racct is off (the rules wait for the
    boot that turns it on).
    """
    rules = policy.rctl_rules(features)
    if facts is None or not rules or facts.sysctls.get(policy.RACCT) != "1":
        return (), ()
    jail = facts.jail(features.jail)
    running = jail is not None and jail.running
    steps: list[RunCommand] = []
    refused: list[str] = []
    for rule in rules:
        resource = rule.name.split(":")[2]
        limit = amount(rule)
        shown_used = jail.usage.get(resource) if jail is not None and running else None
        used = humanized_at_most(shown_used) if shown_used is not None else None
        if running and (used is None or used >= limit):
            now = (f"it uses {resource}={shown_used} (rctl -hu jail:{features.jail})"
                   if shown_used is not None else
                   f"its {resource} usage is unknown (rctl -hu jail:{features.jail} "
                   "printed none)")
            fix = (f"; {_memory_flag(features, used)} puts the cap above it"
                   if resource == "vmemoryuse" and used is not None else "")
            refused.append(
                f"not added to running jail {features.jail} now: {rule.name}={rule.value}, "
                f"because {now}, not below {rule.value}: the deny rule would fail its guests' "
                f"next allocations. It is in /etc/rctl.conf for the next boot; add it once "
                f"`rctl -hu jail:{features.jail}` shows less: "
                + shown_join(host.rctl_add_argv(rule.name, rule.value or "")) + fix)
            continue
        steps.append(RunCommand(
            host.rctl_add_argv(rule.name, rule.value or ""),
            why=(f"below what the running jail uses now ({resource}={shown_used})" if running
                 else "the jail is stopped: nothing to cut") + "; a deny rule replaces the "
                "jail's deny rule for the same resource, so a rerun changes nothing"))
    return tuple(steps), tuple(refused)
