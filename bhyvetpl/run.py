"""Hand a plan to exactly one of its consumers: shown (--dry-run), printed as sh, or applied.

Beside apply, emit and show because choosing among them, and reporting an applied run's
progress, is the consumers' job; the CLI only passes the two flags in.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.apply import Status, apply
from bhyvetpl.emit import emit_sh
from bhyvetpl.errors import SpecError
from bhyvetpl.plan.actions import Plan, Step
from bhyvetpl.plan.deferred import for_root
from bhyvetpl.progress import Spinner
from bhyvetpl.show import describe

if TYPE_CHECKING:
    from bhyvetpl.playbook import HostPlan

EMIT_FORMATS = ("sh", "ansible")


def _say(text: str) -> None:
    # sys.stdout looked up on each call: CliRunner swaps it; flushed so a spinner follows.
    print(text, file=sys.stdout, flush=True)


def check_output(emit: str | None, output: Path | None) -> None:
    """-o DIR is where --emit ansible writes a role; nothing else writes there.

    Raises:
        SpecError: --emit names a format other than sh or ansible, or -o comes without
            --emit ansible.
    """
    if emit is not None and emit not in EMIT_FORMATS:
        raise SpecError("--emit", emit, "sh or ansible")
    if output is not None and emit != "ansible":
        raise SpecError("-o", str(output), "a directory for the role, with --emit ansible")


def emit_ansible(plans: Sequence[HostPlan], output: Path | None, force: bool) -> None:
    """Print the plays as one playbook, or write them as a role and site.yml below output."""
    from bhyvetpl.playbook import emit_playbook, emit_role  # only this consumer needs them

    if output is None:
        sys.stdout.write(emit_playbook(plans))
        return
    from bhyvetpl.output import write_tree
    from bhyvetpl.render import RenderedFile

    files = [RenderedFile(PurePosixPath(rel), text) for rel, text in emit_role(plans).items()]
    write_tree(output, files, force)
    _say(f"wrote {output / 'site.yml'} and the role {output / 'roles' / 'bhyvetpl'}; next: "
         f"ansible-playbook -i INVENTORY {output / 'site.yml'} --check --diff")


def run_plan(plan: Plan, dry_run: bool, emit: str | None, live: bool = False,
             output: Path | None = None, force: bool = False) -> None:
    """Show, print as sh or as a playbook (-o: a role), or run the plan.

    With a root other than / and not `live`, only the file steps run; the rest is
    listed as deferred (bhyvetpl.plan.deferred), in every consumer alike.

    Raises:
        SpecError: --emit names a format other than sh or ansible; -o without ansible.
        RunInterruptedError: SIGINT or SIGTERM during the run; files are as before.
    """
    check_output(emit, output)
    plan = for_root(plan, live)
    if emit == "ansible":
        from bhyvetpl.playbook import HostPlan  # only this consumer needs it

        emit_ansible([HostPlan("localhost", plan)], output, force)
        return
    if emit == "sh":
        sys.stdout.write(emit_sh(plan))
        return
    if dry_run:
        sys.stdout.write(describe(plan))
        return

    spinners: dict[int, Spinner] = {}

    def report(index: int, total: int, step: Step, status: Status, note: str) -> None:
        if status == "running":
            line = f"[{index}/{total}] running: {step.where}: {step.what}"
            spinners[index] = Spinner(sys.stdout, line).start()
            if not sys.stdout.isatty():
                _say(line + " ...")
            return
        took = spinners.pop(index).stop() if index in spinners else 0.0
        _say(f"[{index}/{total}] {status}: {step.where}: {step.what}"
             + (f" ({note})" if note else "") + (f" [{took:.0f}s]" if took >= 2 else ""))

    statuses = apply(plan, SubprocessRunner(), report)
    if "deferred" in statuses:
        _say(f"{statuses.count('deferred')} step(s) deferred: they act outside {plan.root}")
    elif all(s in ("skipped", "unchanged", "passed") for s in statuses):
        _say("nothing changed: every step was already done")
    for line in plan.summary:
        _say(line)
