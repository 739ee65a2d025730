"""What a new guest needs from its jail: its nodes in the jail's ruleset, a low securelevel.

host prepare names the guests known then; a guest added later by new-guest gets its
console, taps and disk nodes through the same policy code (policy.devfs_rules), with
the ruleset block read back into Features. A zvol or custom disk guest also needs
securelevel <= 1, which takes a jail restart: only with --restart (reference.md §4, §5).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from packaging.version import Version

from bhyvetpl.adapters import bastille, devfs, host, vm
from bhyvetpl.errors import BhyvetplError, ExitCode
from bhyvetpl.hostfs import HostFS, HostFSError, below
from bhyvetpl.hostfs import devfs as devfs_rules_file
from bhyvetpl.hostfs.jailconf import jail_conf
from bhyvetpl.model import policy
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.jail import JailSpec, RulesetSpec
from bhyvetpl.model.policy import Features, Setting
from bhyvetpl.plan.actions import Check, EditBlock, Probe, RulesProbe, RunCommand, Step
from bhyvetpl.plan.shared import BEGIN_RE, END_RE
from bhyvetpl.render import render_template

DEVFS_RULES = "/etc/devfs.rules"
# Nodes whose presence in the block stands for one Features flag (see policy.devfs_rules).
_FLAG_NODES = {"vmm", "vmm/*", "vmm.io", "vmm.io/*", "vmmctl", "nmdm-*", "tap*", "bpf*",
               "pci", "mem", "io", "kmem"}


class JailRestartError(BhyvetplError):
    """The guest needs a jail restart that was not allowed (exit 2, nothing done)."""

    exit_code = ExitCode.USAGE


def our_block(text: str, owner: str) -> str | None:
    """The block bhyvetpl wrote for owner in a host file, markers included (None: none whole)."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines)
                  if (m := BEGIN_RE.match(line.removesuffix("\r"))) and m.group(1) == owner),
                 None)
    if start is None:
        return None
    stop = next((i for i in range(start + 1, len(lines))
                 if (m := END_RE.match(lines[i].removesuffix("\r"))) and m.group(1) == owner),
                None)
    return None if stop is None else "\n".join(lines[start:stop + 1]) + "\n"


def block_features(jail: str, block: str) -> Features | None:
    """The Features a ruleset block was rendered from, read back from its paths.

    Simplified: the release only as far as the rules show it (vmmctl: 15+, io: before
    13.1), UEFI from the group's comment; None when the block holds no ruleset.
    """
    found = devfs_rules_file.rulesets(block)
    if not found:
        return None
    ruleset = found[0]
    paths = ruleset.unhidden
    dataset = next((p[len("zvol/"):-len("/*/*")] for p in paths
                    if p.startswith("zvol/") and p.endswith("/*/*")), None)
    dataset_paths = set(policy.zvol_paths(dataset)) if dataset else set()
    host_taps = tuple(p for p in paths if p.startswith("tap") and p != "tap*")
    rest = [p for p in paths if p not in _FLAG_NODES and p not in dataset_paths
            and p not in host_taps and not p.startswith("nmdm-")]
    leaves = tuple(dict.fromkeys(p for p in rest
                                 if not any(q.startswith(p + "/") for q in paths)))
    release = "15.0" if "vmmctl" in paths else "13.0" if "io" in paths else "14.0"
    return Features(
        jail=jail, release=Version(release), ruleset=RulesetSpec(ruleset.number, ruleset.name),
        guests=tuple(g for p in paths if (g := policy.console_guest(p)) is not None),
        console=any(p.startswith("nmdm-") for p in paths), tap="tap*" in paths,
        console_devices=tuple(f"/dev/{p.removesuffix('[AB]')}A" for p in paths
                              if p.startswith("nmdm") and p.endswith("[AB]")
                              and policy.console_guest(p) is None),
        host_taps=host_taps, zvol_dataset=dataset, disk_nodes=leaves,
        uefi="# UEFI guests" in block, passthrough="pci" in paths, dhcp="bpf*" in paths)


def with_guest(features: Features, jail: JailSpec, guest: GuestSpec) -> Features:
    """The features once the guest is added: its console, taps, zvols and disk nodes."""
    everyone = features.console and not features.guests   # nmdm-* already covers it
    return dataclasses.replace(
        features,
        guests=features.guests if everyone or guest.name in features.guests
        else (*features.guests, guest.name),
        console=True,
        tap=features.tap or any(n.device is None for n in guest.nics),
        host_taps=tuple(dict.fromkeys((*features.host_taps,
                                       *(n.device for n in guest.nics if n.device)))),
        zvol_dataset=jail.vm_dataset if guest.zvol_disks else features.zvol_dataset,
        disk_nodes=tuple(dict.fromkeys((*features.disk_nodes,
                                        *(d.device_node for d in guest.disks
                                          if d.device_node)))),
        uefi=features.uefi or guest.uefi)


def ruleset_steps(jail: JailSpec, guest: GuestSpec, root: Path, jail_root: str, restart: bool,
                  fs: HostFS | None = None) -> tuple[list[Step], tuple[str, ...]]:
    """Edit the jail's ruleset block for the guest, reload it, check the kernel, apply it.

    Returns the steps (none when the block already covers the guest) and summary lines.
    A jail without a bhyvetpl block in /etc/devfs.rules is the admin's: only a note.
    """
    fs = fs or HostFS(root)
    path = fs.place(DEVFS_RULES)
    block = our_block(fs.read_text(path) or "", jail.name)
    features = block_features(jail.name, block) if block is not None else None
    if block is None or features is None:
        return [], (f"no bhyvetpl ruleset for jail {jail.name} in {DEVFS_RULES}: unhide "
                    f"{policy.console_paths((guest.name,))[0]} (and the guest's taps and "
                    "disks) yourself",)
    wanted = with_guest(features, jail, guest)
    text = render_template("host/devfs.rules.j2", f=wanted, rules=policy.devfs_rules(wanted))
    old, new = devfs_rules_file.rulesets(block)[0], devfs_rules_file.rulesets(text)[0]
    if new.unhidden == old.unhidden:
        return [], ()
    number, where = new.number, f"jail {jail.name}"
    steps: list[Step] = [
        EditBlock(path, text, jail.name, why=f"unhide guest {guest.name}'s nodes in ruleset "
                  f"{number}"),
        RunCommand(host.service_argv("devfs", "restart"), why="load the changed ruleset",
                   after_change=path),
        Check(RulesProbe(devfs.rule_show_argv(number), len(new.includes) + len(new.unhidden),
                         new.unhidden, means=f"the kernel's ruleset {number} holds the "
                         f"{len(new.includes) + len(new.unhidden)} rules written"),
              fix=f"service devfs restart did not load {DEVFS_RULES} as written; not "
                  f"applying a stale ruleset to the running jail (it could hide /dev/null); "
                  f"compare `devfs rule -s {number} show` with the file")]
    if not restart:   # a restart mounts /dev afresh with the ruleset
        steps.append(RunCommand(devfs.applyset_argv(f"{jail_root.rstrip('/')}/dev", number),
                                where=where, why="a running jail's /dev keeps its old rules "
                                "until applyset or a restart", after_change=path))
    return steps, ()


def jail_root(conf_path: str | None, jail: JailSpec, prefix: PurePosixPath) -> str:
    """The jail's root on the host: jail.conf's `path`, else Bastille's default place."""
    return conf_path or _default_root(prefix, jail.name)


@lru_cache(maxsize=256)
def _jail_dir(prefix: PurePosixPath, jail: str) -> PurePosixPath:
    """PREFIX/jails/JAIL, built once per jail: a spec's plan asks for each new guest."""
    return prefix / "jails" / jail


@lru_cache(maxsize=256)
def _default_root(prefix: PurePosixPath, jail: str) -> str:
    """PREFIX/jails/JAIL/root, built once per jail (see _jail_dir)."""
    return str(_jail_dir(prefix, jail) / "root")


def running_guests(root: Path, jail: JailSpec, jail_path: str) -> tuple[str, ...]:
    """The jail's guests that run now: a `$vm_dir/NAME` directory and a `/dev/vmm/NAME` node.

    Simplified: read through the jail's root on the host, as vm-bhyve's `vm list` decides
    from /dev/vmm; the guest directory keeps other jails' VMs (visible there) out.
    """
    fs = HostFS(root)
    try:
        base = fs.place(jail_path)
        vmm = fs.listdir(below(base, "/dev/vmm"))
        guests = set(fs.listdir(below(base, jail.vm_dir_path)))
    except HostFSError:
        return ()
    return tuple(name for name in sorted(vmm) if name in guests)


def securelevel_steps(jail: JailSpec, guest: GuestSpec, root: Path, restart: bool,
                      prefix: PurePosixPath, fs: HostFS | None = None) -> tuple[list[Step], str]:
    """Lower the jail's securelevel when the guest's disks need it; refuse without --restart.

    Returns the steps and the jail's root on the host (for devfs applyset).

    Raises:
        JailRestartError: The jail is at a securelevel the guest's disks cannot work
            under, and restarting it (which stops its guests) was not allowed.
    """
    fs = fs or HostFS(root)
    conf_file = _jail_conf_file(fs.root, prefix, jail.name)
    text = fs.read_text(conf_file) or ""
    params = _jail_params(text, jail.name)
    path = jail_root(params.get("path"), jail, prefix)
    if not (guest.zvol_disks or any(d.device_node for d in guest.disks)):
        return [], path
    need = policy.securelevel_for(passthrough=False, disk_devices=True)
    # Simplified: no securelevel line (jail(8) then inherits the host's) is taken as fine.
    level = params.get("securelevel", "")
    if not level.lstrip("-").isdigit() or int(level) <= int(need.value or "1"):
        return [], path
    running = running_guests(root, jail, path)
    if not restart:
        raise JailRestartError(f"restarts jail {jail.name}: stops its {len(running)} running "
                               "guests; pass --restart to allow")
    where = f"jail {jail.name}"

    def inside(argv: tuple[str, ...]) -> tuple[str, ...]:
        return bastille.cmd_argv(jail.name, argv)

    steps: list[Step] = [EditBlock(conf_file, jail_block(jail, guest, text, need), jail.name,
                                   where=where, anchor="}",
                                   why=f"securelevel {need.value}: {guest.name}'s disks")]
    steps += [RunCommand(inside(vm.stop_argv(name)), where=where,
                         why="shut the guest down before the jail restarts",
                         skip_if=Probe(inside(("test", "!", "-e", f"/dev/vmm/{name}")),
                                       means=f"{name} is not running"))
              for name in running]
    # The restart must never kill a guest that is still shutting down: wait for each.
    steps += [Check(Probe(inside(vm.wait_stopped_argv(name)), means=f"{name} has stopped"),
                    where=where, fix=f"{name} did not shut down within 120 s: stop it inside "
                    f"the jail (vm poweroff {name}), then run again")
              for name in running]
    steps += [RunCommand(bastille.restart_argv(jail.name), where=where,
                         why=f"securelevel {need.value} and ruleset take effect on restart",
                         after_change=conf_file),
              Check(Probe(host.jls_argv(jail.name), means=f"jail {jail.name} runs"),
                    where=where, fix=f"bastille restart exits 0 even when the jail fails: see "
                    f"/var/log/bastille/{jail.name}_console.log")]
    return steps, path


@lru_cache(maxsize=64)
def _jail_params(text: str, jail: str) -> Mapping[str, str]:
    """The jail block's parameters (read-only), parsed once per jail.conf text."""
    conf = jail_conf(text, jail)
    return MappingProxyType(conf.params if conf is not None else {})


@lru_cache(maxsize=256)
def _jail_conf_file(root: Path, prefix: PurePosixPath, jail: str) -> Path:
    """ROOT/PREFIX/jails/JAIL/jail.conf, built once per jail (see _jail_dir)."""
    return below(root, _jail_dir(prefix, jail) / "jail.conf")


def jail_block(jail: JailSpec, guest: GuestSpec, text: str, need: Setting) -> str:
    """Our jail.conf block with the securelevel line added to what jail create put there.

    jail(8) takes the last assignment, so our block (before the closing `}`) wins over
    Bastille's `securelevel = 2;` above it, which stays as it is.
    """
    block = our_block(text, jail.name) or ""
    parsed = jail_conf(f"{jail.name} {{\n{block}}}\n", jail.name)
    kept = parsed.params if parsed is not None else {}
    created = kept.get("exec.created", "").split()
    dataset = created[-1] if created[:2] == ["zfs", "jail"] else None
    vmm_ppt = "allow.vmm_ppt" in kept
    features = Features(jail=jail.name, release=jail.release_version, ruleset=jail.ruleset,
                        passthrough=vmm_ppt, vmm_ppt=vmm_ppt,
                        vnet="exec.stop" not in kept)   # a shared-IP jail's vm stopall
    why = f"{need.why} (guest {guest.name}; new-guest --restart)"
    autostart = "startall" in kept.get("exec.start", "")
    settings = (*policy.jail_conf_lines(features, dataset, autostart),
                Setting(need.name, f"= {need.value}", why))
    return render_template("host/jail.conf.j2", f=features, settings=settings)
