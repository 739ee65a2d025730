"""new-guest -f SPEC into a per-guest spec jail: the guest gets a jail of its own.

A guest of `isolation = "per-guest"` lives in a Bastille jail named after it, which does
not exist yet: making it is `apply`'s work (its ruleset, host blocks, jail, template).
So new-guest plans the spec with the guest's table added, exactly as `apply -f` would
once the admin had added it, and runs that plan; the table is written once the run
succeeds. Only on a host where the spec is applied: the plan must hold the new jail and
nothing else the admin did not ask for.
"""

from __future__ import annotations

from pathlib import Path

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts
from bhyvetpl.model.options import GuestOptions
from bhyvetpl.plan.converge import Converged, converge_spec
from bhyvetpl.shquote import shown_join
from bhyvetpl.spec.edit import add_guest, guest_values
from bhyvetpl.spec.load import SpecFile, parse_spec, read_spec


def per_guest_entry(spec: SpecFile, jail: str) -> bool:
    """Whether the spec's jail JAIL is `isolation = "per-guest"`."""
    return any(e.name == jail and e.values.get("isolation") == "per-guest"
               for e in spec.jails)


def refuse_run_flags(jail: str, name: str, given: dict[str, object]) -> None:
    """Refuse the flags a spec cannot hold (it makes and installs nothing itself).

    given: flag -> value for --iso, --install, --start, --size, --vm-dir, --vm-dataset
    as the command line set them (None/False: not given).
    """
    for flag, value in given.items():
        if value in (None, False):
            continue
        later = shown_join(("bastille", "cmd", name, "vm", "start", name) if flag == "--start"
                           else ("bastille", "cmd", name, "vm", "install", name, "ISO"))
        fix = {"--size": "a disk size in --disk (NAME,size=SIZE)",
               "--vm-dir": f"the spec's vm_dir of [jails.{jail}]",
               "--vm-dataset": f"the spec's vm_dir of [jails.{jail}] (zfs:DATASET)"}.get(
                   flag, f"no {flag} here; once the guest's jail exists: {later}")
        raise SpecError(flag, "yes" if value is True else value,
                        f'{fix} (jail {jail} of the spec is isolation = "per-guest": guest '
                        f"{name} gets a jail of its own, made as apply makes it)")


def per_guest_plan(path: Path, jail: str, options: GuestOptions, facts: Facts, root: Path,
                   restart: bool) -> Converged:
    """The plan that makes guest NAME a jail of its own, as apply would with its table.

    Raises:
        SpecError: The spec is not applied yet (its plan shows changes), a jail of the
            guest's name exists, or the guest cannot be added (already there, bad value).
    """
    spec = read_spec(path)
    if facts.jail(options.name) is not None:
        raise SpecError("NAME", options.name, f'a name no jail has: jail {jail} of the spec '
                        f'is isolation = "per-guest", so guest {options.name} gets a jail of '
                        "that name, and the host has one")
    pending = converge_spec(spec, facts, root).changes
    if pending:
        plan, apply = (shown_join(("bhyvetpl", verb, "-f", str(path)))
                       for verb in ("plan", "apply"))
        raise SpecError(f"-f {path}", f"{len(pending)} changes pending",
                        f"a spec the host matches: run `{plan}`, then `{apply}` first "
                        "(new-guest makes the new guest's jail and nothing else)")
    text = add_guest(spec.text, jail, options.name, guest_values(options), str(path))
    return converge_spec(parse_spec(text, str(path)), facts, root, restart=restart)
