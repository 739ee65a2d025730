"""bhyvetpl's block in a jail's jail.conf, and the securelevel all the jail's guests need.

The Bastille template's `CONFIG set securelevel` follows the jail alone (its template
must not change when a guest is added: applying it again restarts the jail). What the
guests need below that goes in our block, which jail(8) reads after Bastille's line, so
it wins. Every guest counts: those the spec or the command names, and those the host
already has (their vm-bhyve configs), so re-rendering the block never raises the
securelevel a guest on the host needs (reference.md §4, §5).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from bhyvetpl.adapters import bastille, host, vm
from bhyvetpl.errors import BhyvetplError, ExitCode
from bhyvetpl.hostfs import HostFS, HostFSError, below
from bhyvetpl.hostfs.jailconf import jail_conf
from bhyvetpl.model import policy
from bhyvetpl.model.jail import JailSpec, RulesetSpec
from bhyvetpl.model.policy import Features, Setting
from bhyvetpl.plan.actions import Check, Probe, RunCommand, Step
from bhyvetpl.render import render_template


class JailRestartError(BhyvetplError):
    """A change needs a jail restart that was not allowed (exit 2, nothing done)."""

    exit_code = ExitCode.USAGE


# vm-bhyve's disk types that open a device node (vm-bhyve's lib/vm-run, `diskN_dev`).
_DEVICE_DISKS = ("zvol", "sparse-zvol", "custom")


def config_needs(configs: Iterable[Mapping[str, str]]) -> tuple[bool, bool]:
    """(passthrough, disk devices) of guests as their vm-bhyve configs show them."""
    passthrough = disks = False
    for config in configs:
        passthrough = passthrough or any(k.startswith("passthru") and k[8:].isdigit()
                                         for k in config)
        disks = disks or any(k.startswith("disk") and k.endswith("_dev") and v in _DEVICE_DISKS
                             for k, v in config.items())
    return passthrough, disks


def template_level(jail: JailSpec) -> Setting:
    """The securelevel the jail's Bastille template sets (its guests left out)."""
    return policy.securelevel(Features.of_jail(dataclasses.replace(jail, guests=())))


def guests_level(jail: JailSpec, found: Iterable[Mapping[str, str]] = ()) -> Setting | None:
    """The securelevel the block sets: what all the guests need, when below the template's.

    Args:
        jail: The jail with the guests the spec (or the command) names.
        found: The configs of the guests the host already has in the jail.
    """
    features = Features.of_jail(jail)
    passthrough, disks = config_needs(found)
    need = policy.securelevel_for(
        passthrough=passthrough or features.needs_passthrough,
        disk_devices=disks or bool(features.zvol_dataset or features.zvol_nodes
                                   or features.disk_nodes))
    base = template_level(jail)
    return need if int(need.value or "2") < int(base.value or "2") else None


def block_text(name: str, vm_dataset: str | None, vmm_ppt: bool,
               level: Setting | None, vnet: bool = True, autostart: bool = False) -> str:
    """The block: exec.created for a jailed dataset, allow.vmm_ppt, the guests' securelevel.

    One rendering for `jail create|apply`, the spec's plan and new-guest's --restart, so
    each leaves the bytes the others would write.
    """
    # Only the name, vnet and vmm_ppt reach the block; the rest is Features' due.
    features = Features(jail=name, release=policy.TUNTAP_SINCE, ruleset=RulesetSpec(),
                        passthrough=vmm_ppt, vmm_ppt=vmm_ppt, vnet=vnet)
    settings = policy.jail_conf_lines(features, vm_dataset, autostart)
    if level is not None:
        settings = (*settings, Setting(level.name, f"= {level.value}", level.why))
    return render_template("host/jail.conf.j2", f=features, settings=settings)


def block_params(text: str | None, name: str, our_block: str | None) -> dict[str, str]:
    """The parameters our block sets on the running jail (empty without a block).

    Left out: the commands jail(8) runs at a later start or stop (`exec.*`) and
    `stop.timeout`, which it reads from jail.conf when the jail stops; a change to those
    takes no restart.
    """
    if not text or our_block is None:
        return {}
    parsed = jail_conf(f"{name} {{\n{our_block}}}\n", name)
    return {k: v for k, v in (parsed.params if parsed is not None else {}).items()
            if not k.startswith(("exec.", "stop."))}


def jail_root(conf_path: str | None, jail: JailSpec, prefix: PurePosixPath) -> str:
    """The jail's root on the host: jail.conf's `path`, else Bastille's default place."""
    return conf_path or str(prefix / "jails" / jail.name / "root")


def running_guests(root: Path, vm_dir: str, jail_path: str) -> tuple[str, ...]:
    """The jail's guests that run now: a `$vm_dir/NAME` directory and a `/dev/vmm/NAME` node.

    Simplified: read through the jail's root on the host, as vm-bhyve's `vm list` decides
    from /dev/vmm; the guest directory keeps other jails' VMs (visible there) out.
    """
    fs = HostFS(root)
    try:
        base = fs.place(jail_path)
        vmm = fs.listdir(below(base, "/dev/vmm"))
        guests = set(fs.listdir(below(base, vm_dir)))
    except HostFSError:
        return ()
    return tuple(name for name in sorted(vmm) if name in guests)


def restart_message(name: str, running: tuple[str, ...]) -> str:
    """What plan shows and apply refuses with, without --restart."""
    return (f"restarts jail {name}: stops its {len(running)} running guests; pass --restart "
            "to allow")


def restart_steps(name: str, running: tuple[str, ...], conf_file: Path,
                  why: str, restart_jail: bool = True) -> list[Step]:
    """Stop the running guests through vm-bhyve, wait for each, restart the jail, check it.

    restart_jail False: only stop them (a template's RESTART line restarts the jail).

    The restart must never kill a guest that is still shutting down: each is waited for
    (its /dev/vmm node gone) and the plan stops when one does not go.
    """
    where = f"jail {name}"

    def inside(argv: tuple[str, ...]) -> tuple[str, ...]:
        return bastille.cmd_argv(name, argv)

    steps: list[Step] = [RunCommand(inside(vm.stop_argv(guest)), where=where,
                                    why="shut the guest down before the jail restarts",
                                    skip_if=Probe(inside(("test", "!", "-e",
                                                          f"/dev/vmm/{guest}")),
                                                  means=f"{guest} is not running"))
                         for guest in running]
    steps += [Check(Probe(inside(vm.wait_stopped_argv(guest)), means=f"{guest} has stopped"),
                    where=where, fix=f"{guest} did not shut down within 120 s: stop it inside "
                    f"the jail (vm poweroff {guest}), then run again")
              for guest in running]
    if not restart_jail:
        return steps
    steps += [RunCommand(bastille.restart_argv(name), where=where, why=why,
                         after_change=conf_file),
              Check(Probe(host.jls_argv(name), means=f"jail {name} runs"),
                    where=where, fix=f"bastille restart exits 0 even when the jail fails: see "
                    f"/var/log/bastille/{name}_console.log")]
    return steps
