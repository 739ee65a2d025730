"""Stopped jails whose taps exist elsewhere: their guests would open another's tap.

Nothing reserves a per-guest jail's tap while the jail is stopped (spec/taps.py); this
check reads the facts the doctor already has (the host's `ifconfig -a`, jls, each jail's
rc.conf and guests).
"""

from __future__ import annotations

from bhyvetpl.doctor.result import CheckResult
from bhyvetpl.facts.model import Facts
from bhyvetpl.shquote import shown
from bhyvetpl.spec.taps import own_taps, taken_detail, taken_fix, taken_while_stopped


def check_stopped_taps(facts: Facts) -> list[CheckResult]:
    """For each stopped vnet jail with taps of its own: FAIL when one exists now."""
    results = []
    for jail in facts.jails:
        own = own_taps(jail)
        if jail.running or not own:
            continue
        check = f"jail {shown(jail.name)} taps"
        taken = taken_while_stopped(facts, jail)
        if not taken:
            results.append(CheckResult(check, "PASS", "stopped; " + ", ".join(own)
                                       + " free on the host and in the running jails"))
            continue
        results.append(CheckResult(
            check, "FAIL", f"stopped, and {taken_detail(taken)}: the jail's rc cannot "
            "create it, and its guest would open that tap",
            "; ".join(taken_fix(jail.name, tap, holder) for tap, holder in taken.items())))
    return results
