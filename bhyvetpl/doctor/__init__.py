"""`bhyvetpl doctor`: read the host (and a jail) through the runner and say what to fix."""

from __future__ import annotations

from bhyvetpl.doctor import host
from bhyvetpl.doctor.guest import Needs
from bhyvetpl.doctor.jail import check_jail, load_context
from bhyvetpl.doctor.result import CheckResult, Reader, Status
from bhyvetpl.model import policy


def run_doctor(r: Reader, jail: str | None = None, ruleset: int = 25,
               jails_dir: str = "/usr/local/bastille/jails") -> list[CheckResult]:
    """Every host check, then (given a jail) every jail check."""
    context = load_context(r, jail, jails_dir) if jail else None
    known = context if context is not None and not isinstance(context, CheckResult) else None
    needs = Needs.of(known.guests, known.vm_dir) if known is not None else Needs()
    release_check, release = host.check_release(r)
    results = [release_check]
    modules = policy.host_modules(release or policy.TUNTAP_SINCE)
    results += [host.check_module(r, m) for m in modules]
    results += host.check_cpu(r)
    results.append(host.check_allow_vmm(r))
    results += host.check_devfs(r, ruleset, needs, release, jail or "JAIL")
    results.append(host.check_tap_up(r, needs))
    results.append(host.check_pptdevs(r, needs))
    if isinstance(context, CheckResult):
        results.append(context)
    elif context is not None:
        results += check_jail(r, context, ruleset)
    return results


def exit_failed(results: list[CheckResult]) -> bool:
    """Whether any check failed (the doctor then exits 1)."""
    return any(res.status == "FAIL" for res in results)


__all__ = ["CheckResult", "Reader", "Status", "exit_failed", "run_doctor"]
