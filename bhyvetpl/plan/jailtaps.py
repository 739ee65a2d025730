"""Refuse to start a stopped jail whose taps exist elsewhere (the doctor's FAIL, as exit 2).

Started, its rc could not create the tap and its guest would open the other one
(spec/taps.py taken_while_stopped); the plan stops before any step instead.
"""

from __future__ import annotations

from bhyvetpl.facts.model import Facts
from bhyvetpl.plan.shared import HostStateError
from bhyvetpl.shquote import shown
from bhyvetpl.spec.taps import taken_detail, taken_fix, taken_while_stopped


def refuse_taken_taps(facts: Facts, name: str) -> None:
    """Raise when jail `name` is stopped and one of its taps exists now.

    Raises:
        HostStateError: A tap of the stopped jail is on the host or in a running jail.
    """
    found = facts.jail(name)
    taken = taken_while_stopped(facts, found) if found is not None else {}
    if taken:
        tap, holder = next(iter(taken.items()))
        raise HostStateError(f"jail {shown(name)} is stopped and {taken_detail(taken)}: "
                             "started, its rc could not create it and its guest would open "
                             f"that tap; {taken_fix(name, tap, holder)}")
