"""The plan for people: a table of steps and a unified diff of every file it writes."""

from __future__ import annotations

import difflib

from bhyvetpl.apply import check_ruleset
from bhyvetpl.hostfs import HostFS
from bhyvetpl.output import table
from bhyvetpl.plan.actions import (
    REMOVE_KEPT,
    CheckRuleset,
    Deferred,
    EditBlock,
    Plan,
    RemoveFile,
    RunCommand,
    WriteFile,
)
from bhyvetpl.plan.converge import Converged
from bhyvetpl.plan.hostfile import new_text


def _guard(step: object) -> str:
    if isinstance(step, Deferred):
        return f"deferred: {step.because}"
    if isinstance(step, RunCommand):
        if step.after_change is not None:
            return f"only if {step.after_change} changes"
        if step.skip_if is not None:
            return f"skip if {step.skip_if.means}"
    return ""


def describe(plan: Plan) -> str:
    """The steps as a table (step, where, what, guard), then a diff per file changed.

    Reads the files the plan would change (to diff them) and refuses a taken devfs
    ruleset exactly as a real run would; writes and runs nothing.
    """
    fs = HostFS(plan.root)
    for step in plan.steps:
        if isinstance(step, CheckRuleset):
            check_ruleset(step, fs)
    rows = [(str(i), step.where, step.what, _guard(step))
            for i, step in enumerate(plan.steps, 1)]
    out = [f"plan: {plan.description} ({len(rows)} steps; nothing was run)", "",
           table(("step", "where", "what", "guard"), rows)]
    for step in plan.steps:
        if isinstance(step, EditBlock) and step.anchor and fs.read_text(step.path) is None:
            # e.g. the jail.conf that `bastille create`, an earlier step, writes
            out += ["", f"{step.path}: written by an earlier step; this block goes before "
                        f"its last `{step.anchor}` line:", step.block.rstrip("\n")]
        elif isinstance(step, WriteFile | EditBlock):
            current = fs.read_text(step.path)
            after = new_text(step, current)
            diff = "".join(difflib.unified_diff(
                (current or "").splitlines(keepends=True), after.splitlines(keepends=True),
                fromfile=str(step.path) if current is not None else "/dev/null",
                tofile=str(step.path)))
            out += ["", diff.rstrip("\n") if diff else f"{step.path}: unchanged"]
        elif isinstance(step, RemoveFile):
            current = fs.read_text(step.path)
            if current is None:
                out += ["", f"{step.path}: absent"]
            elif current != step.text:
                out += ["", f"{step.path}: {REMOVE_KEPT}"]
            else:
                out += ["", "".join(difflib.unified_diff(
                    current.splitlines(keepends=True), [], fromfile=str(step.path),
                    tofile="/dev/null")).rstrip("\n")]
    return "\n".join(out) + "\n"


def changes_report(converged: Converged, source: str) -> str:
    """`bhyvetpl plan`: the changes as a table, then what the host has beyond the spec."""
    changes = converged.changes
    out = [f"plan of {source}: " + (f"{len(changes)} change(s)" if changes else
                                    "nothing to do: the host matches the spec")]
    if changes:
        out += ["", table(("kind", "target", "what"),
                          [(c.kind, c.target, c.what) for c in changes])]
        if all(c.kind in ("file", "module", "sysctl") for c in changes):
            out += ["", "every jail and guest of the spec exists; what differs is bhyvetpl's "
                    "own (marked blocks, templates, modules, sysctls), as on a host "
                    "bhyvetpl has not prepared yet"]
    if converged.not_in_spec:
        out += ["", "on the host, not in the spec (only `apply --prune` removes what "
                "bhyvetpl recorded as its own):",
                table(("kind", "target", "what"),
                      [(c.kind, c.target, c.what) for c in converged.not_in_spec])]
    return "\n".join(out) + "\n"
