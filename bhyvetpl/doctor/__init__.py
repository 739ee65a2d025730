"""`bhyvetpl doctor`: checks over the facts of a host (and a jail), each with its fix.

The host is read once, by the facts pass (a fixed set of processes, then files); the
checks read only the Facts value, so a recorded host gives the same answer as the live one.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from bhyvetpl.doctor import host
from bhyvetpl.doctor.guest import Needs
from bhyvetpl.doctor.jail import check_jail, load_context
from bhyvetpl.doctor.result import CheckResult, Status
from bhyvetpl.doctor.taps import check_stopped_taps
from bhyvetpl.facts.collect import collect
from bhyvetpl.facts.model import Facts
from bhyvetpl.hostfs import HostFS
from bhyvetpl.model import policy
from bhyvetpl.model.paths import local_path

if TYPE_CHECKING:
    from bhyvetpl.adapters.runner import CommandRunner


def checks(facts: Facts, jail: str | None = None, ruleset: int = 25) -> list[CheckResult]:
    """Every host check, then (given a jail) every jail check; reads nothing but facts."""
    context = load_context(facts, jail) if jail else None
    known = context if context is not None and not isinstance(context, CheckResult) else None
    needs = (Needs.of(known.guests, known.vm_dir).with_jail_rc(dict(known.jail.rc_conf))
             if known is not None else Needs())
    release_check, release = host.check_release(facts)
    results = [release_check]
    modules = policy.host_modules(release or policy.TUNTAP_SINCE)
    results += [host.check_module(facts, m) for m in modules]
    results += host.check_cpu(facts)
    results.append(host.check_allow_vmm(facts))
    results += host.check_devfs(facts, ruleset, needs, release, jail or "JAIL")
    results.append(host.check_tap_up(facts, needs))
    results.append(host.check_pptdevs(facts, needs))
    results.append(host.check_racct(facts))
    amdvi = host.check_amdvi(facts, needs)
    if amdvi is not None:
        results.append(amdvi)
    results += check_stopped_taps(facts)
    if isinstance(context, CheckResult):
        results.append(context)
    elif context is not None:
        results += check_jail(facts, context, ruleset)
    return results


def diagnose(runner: CommandRunner, root: Path, jail: str | None = None, ruleset: int = 25,
             jails_dir: str | None = None) -> list[CheckResult]:
    """Collect the facts of the host whose `/` is root, then check them.

    jails_dir (--jails-dir) wins over bastille.conf's bastille_jailsdir.
    """
    return checks(collect_facts(runner, root, jails_dir), jail, ruleset)


def collect_facts(runner: CommandRunner, root: Path, jails_dir: str | None = None) -> Facts:
    """The facts of the host whose `/` is root, as doctor and audit read them."""
    fs = HostFS(local_path("--root", root))
    return collect(runner, fs, PurePosixPath(jails_dir) if jails_dir is not None else None)


def exit_failed(results: list[CheckResult]) -> bool:
    """Whether any check failed (the doctor then exits 1)."""
    return any(res.status == "FAIL" for res in results)


__all__ = ["CheckResult", "Status", "checks", "collect_facts", "diagnose", "exit_failed"]
