"""`--root DIR` other than /: only the file steps below DIR run; the rest is deferred.

A root other than / is a system whose files are below it (a mounted boot environment, a
staging tree). Commands act on the machine that runs them, not on DIR, so every command
and check is listed as deferred; `--live` (test rigs whose stand-in commands act on
DIR) keeps the plan as it is.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bhyvetpl.hostfs import HostFS
from bhyvetpl.plan.actions import (
    Check,
    Deferred,
    EditBlock,
    FileProbe,
    Plan,
    RunCommand,
    Step,
    WriteFile,
)

LIVE_ROOT = Path("/")
OUTSIDE = "acts on this machine, not below --root"


def acts_on_root(plan: Plan, live: bool) -> bool:
    """Whether the plan's commands act on the system below its root."""
    return live or plan.root == LIVE_ROOT


def _stamps(steps: tuple[Step, ...]) -> set[Path]:
    """Files that record a command ran (its FileProbe guard): written only after it runs."""
    return {s.skip_if.path for s in steps
            if isinstance(s, RunCommand) and isinstance(s.skip_if, FileProbe)}


def _file_step(step: WriteFile | EditBlock, stamps: set[Path], fs: HostFS) -> Step:
    if step.path in stamps:
        return Deferred(step, "records that a deferred command ran")
    if step.where != "host" and not fs.is_dir(step.path.parent):
        # e.g. the jail.conf or the guest template of a jail `bastille create` makes:
        # writing it first would make Bastille refuse the jail as existing.
        return Deferred(step, "its directory comes from a deferred step")
    return step


def files_only(plan: Plan) -> Plan:
    """The plan with every step that acts outside its root turned into a Deferred one."""
    stamps, fs = _stamps(plan.steps), HostFS(plan.root)
    steps: list[Step] = []
    for step in plan.steps:
        if isinstance(step, Check | RunCommand):
            steps.append(Deferred(step, OUTSIDE))
        elif isinstance(step, WriteFile | EditBlock):
            steps.append(_file_step(step, stamps, fs))
        else:
            steps.append(step)
    count = sum(isinstance(s, Deferred) for s in steps)
    summary = (f"files below {plan.root} only: {count} step(s) that act outside it were "
               "deferred, nothing was loaded, started or created; run them on that system "
               "once it runs (the same command with --root /), or pass --live where the "
               "commands act on this root",) if count else plan.summary
    return replace(plan, steps=tuple(steps), summary=summary)


def for_root(plan: Plan, live: bool) -> Plan:
    """The plan as it runs with this root: unchanged on / or with --live, else files only."""
    return plan if acts_on_root(plan, live) else files_only(plan)
