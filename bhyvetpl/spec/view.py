"""The flag commands as views: a jail's values from the spec in use, else from the host.

`jail create|apply NAME` on a jail that exists must not re-render it from built-in
defaults: a static-IP jail re-rendered with the default SYNCDHCP would lose its address
and its router. Its values come from the spec when one is in use, else from what its
files show (the same reading `bhyvetpl init` writes a spec from); a flag given on the
command line wins over the host's value.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path, PurePosixPath

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.collect import jail_files
from bhyvetpl.facts.model import Facts, Jail
from bhyvetpl.hostfs import HostFS, HostFSError, below, devfs
from bhyvetpl.model.preset import PRESETS
from bhyvetpl.spec.init import init_text
from bhyvetpl.spec.load import DEFAULT_SPEC, SpecFile, Values, parse_spec

# Flags whose values make the jail; with a spec in use, the spec gives them.
JAIL_FLAGS = ("ip", "iface", "vnet", "bridge", "gateway", "vm_dir", "vm_dataset", "switch",
              "ruleset", "ruleset_name", "preset", "passthrough", "vmm_ppt", "release")


def spec_in_use(file: Path | None, root: Path) -> Path | None:
    """The spec a flag command follows: -f FILE, else the default one when it exists."""
    if file is not None:
        return file
    default = HostFS(root).place(str(DEFAULT_SPEC))
    return default if default.is_file() else None


def below_root(file: Path, root: Path) -> Path:
    """The default spec as the host below --root has it; a file given stays as given."""
    return HostFS(root).place(str(DEFAULT_SPEC)) if file == DEFAULT_SPEC else file


def refuse_flags(spec: SpecFile, name: str, given: set[str]) -> None:
    """With a spec in use, the jail's values are the spec's: a value flag is refused.

    Refused rather than taken: a flag the spec does not hold would be undone by the next
    `bhyvetpl apply`, and `plan` would show it as a change.

    Args:
        spec: The spec in use.
        name: The jail the command is about.
        given: The value flags given on the command line (parameter names).

    Raises:
        SpecError: The jail is not in the spec, or a value flag was given (exit 2).
    """
    # A per-guest spec jail's Bastille jails are its guests' (spec.resolve._units).
    entry = next((j for j in spec.jails if (
        any(g.name == name for g in j.guests) if j.values.get("isolation") == "per-guest"
        else j.name == name)), None)
    if entry is None:
        raise spec.error("jails", name, f"a [jails.{name}] table, or a guest {name} of a "
                         'jail with isolation = "per-guest": the spec in use has no jail '
                         f"{name} (add it, or run without a spec)")
    flags = sorted(f"--{flag.replace('_', '-')}" for flag in given)
    if flags:
        raise spec.error(f"jails.{entry.name}", " ".join(flags), "the spec's values: set them "
                         f"in [jails.{entry.name}] of the spec, then run `bhyvetpl apply -f "
                         f"{spec.source}`")


def _presets(fs: HostFS, prefix: PurePosixPath, jail: Jail) -> list[str]:
    """The presets whose templates the jail's `$vm_dir/.templates` holds, in PRESETS order."""
    vm_dir = jail.rc_conf.get("vm_dir", "")
    if not vm_dir.startswith("/"):
        return []
    try:
        names = fs.listdir(below(fs.place(prefix / "jails" / jail.name / "root"),
                                 f"{vm_dir}/.templates"))
    except HostFSError:
        return []
    return [p for p in PRESETS if f"bhyvetpl-{p}.conf" in names]


def host_values(root: Path, prefix: PurePosixPath, name: str) -> tuple[Values, Jail] | None:
    """The jail's flag values as its files show them, and the jail; None: no such jail.

    Keys are the flags' parameter names (ip, vnet, gateway, vm_dir, vm_dataset, switch,
    ruleset, ruleset_name, preset, passthrough, vmm_ppt); a value the host does not show
    is left out, so the flag's default stays.
    """
    fs = HostFS(root)
    jail = jail_files(fs, prefix, name)
    if jail is None:
        return None
    shown = dataclasses.replace(jail, params={**jail.params, "allow.vmm": ""}, guests=())
    try:
        entry = parse_spec(init_text(Facts(jails=(shown,))), "facts").jails[0]
    except SpecError:
        return {}, jail   # a value the model refuses: the flags' defaults, as before
    spec = entry.values
    out: Values = {"vnet": spec.get("network") != "shared"}
    for key, flag in (("address", "ip"), ("gateway", "gateway"), ("switch", "switch")):
        if key in spec:
            out[flag] = spec[key]
    vm_dir = str(spec.get("vm_dir", ""))
    if vm_dir.startswith("zfs:"):
        out["vm_dataset"] = vm_dir.removeprefix("zfs:")
    elif vm_dir:
        out["vm_dir"] = vm_dir
    number = jail.params.get("devfs_ruleset", "")
    ruleset = None
    if number.isdigit():
        out["ruleset"] = int(number)
        rules = devfs.rulesets(fs.read_text(fs.place("/etc/devfs.rules")) or "")
        ruleset = next((r for r in rules if r.number == int(number)), None)
        if ruleset is not None:
            out["ruleset_name"] = ruleset.name
    presets = _presets(fs, prefix, jail)
    if presets:
        out["preset"] = presets
    out["vmm_ppt"] = "allow.vmm_ppt" in jail.params
    # A passthrough jail's ruleset unhides pci (host prepare --passthru writes it).
    out["passthrough"] = out["vmm_ppt"] or (ruleset is not None and any(
        devfs.matches(path, "pci") for path in ruleset.unhidden))
    return out, jail
