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

from bhyvetpl.adapters import devfs, host
from bhyvetpl.errors import SpecError
from bhyvetpl.hostfs import HostFS, HostFSError, below
from bhyvetpl.hostfs import devfs as devfs_rules_file
from bhyvetpl.hostfs.jailconf import jail_conf
from bhyvetpl.model import policy
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.jail import JailSpec, RulesetSpec
from bhyvetpl.model.policy import Features, Setting
from bhyvetpl.plan.actions import Check, EditBlock, RulesProbe, RunCommand, Step
from bhyvetpl.plan.jailblock import (
    JailRestartError,
    block_params,
    block_text,
    guests_level,
    jail_root,
    restart_message,
    restart_steps,
    running_guests,
)
from bhyvetpl.plan.shared import BEGIN_RE, END_RE
from bhyvetpl.render import render_template

DEVFS_RULES = "/etc/devfs.rules"
# Nodes whose presence in the block stands for one Features flag (see policy.devfs_rules).
_FLAG_NODES = {"vmm", "vmm/*", "vmm.io", "vmm.io/*", "vmmctl", "nmdm-*", "tap*", "bpf*",
               "pci", "mem", "io", "kmem"}


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
    per_guest = "$devfsrules_hide_all" in ruleset.includes
    rest = [p for p in paths if p not in _FLAG_NODES and p not in dataset_paths
            and not (per_guest and p in (*policy.JAIL_BASICS, policy.ZFS_NODE))
            and p not in host_taps and not p.startswith(("nmdm-", "vmm/", "vmm.io/"))]
    leaves = tuple(dict.fromkeys(p for p in rest
                                 if not any(q.startswith(p + "/") for q in paths)))
    # A per-guest jail names its guest's zvols one by one (policy.guest_zvols).
    zvols = tuple(p for p in leaves if per_guest and p.startswith("zvol/"))
    release = "15.0" if "vmmctl" in paths else "13.0" if "io" in paths else "14.0"
    return Features(
        jail=jail, release=Version(release), ruleset=RulesetSpec(ruleset.number, ruleset.name),
        guests=block_guests(paths),
        console=any(p.startswith("nmdm-") for p in paths), tap="tap*" in paths,
        console_devices=tuple(f"/dev/{p.removesuffix('[AB]')}A" for p in paths
                              if p.startswith("nmdm") and p.endswith("[AB]")
                              and policy.console_guest(p) is None),
        host_taps=() if per_guest else host_taps, jail_taps=host_taps if per_guest else (),
        zvol_dataset=dataset, zvol_nodes=zvols,
        zfs=per_guest and policy.ZFS_NODE in paths,
        disk_nodes=tuple(p for p in leaves if p not in zvols),
        uefi="# UEFI guests" in block, passthrough="pci" in paths, dhcp="bpf*" in paths,
        uefi_guests=segment_guests(paths, ".bootrom"),
        fbuf_guests=segment_guests(paths, ".framebuffer"), per_guest=per_guest)


def block_guests(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The guests a block names: by their consoles, or (per-guest grants) by vmm/NAME."""
    consoles = (g for p in paths if (g := policy.console_guest(p)) is not None)
    vmm = (p[len("vmm/"):] for p in paths if p.startswith("vmm/") and p != "vmm/*")
    return tuple(dict.fromkeys((*consoles, *vmm)))


def segment_guests(paths: tuple[str, ...], segment: str) -> tuple[str, ...]:
    """The guests whose vmm.io/NAME.SEGMENT node the block unhides.

    A block from before per-guest grants (`vmm.io/*`) gave every guest every segment:
    keep that, so narrowing the block never takes a running UEFI guest's bootrom.
    """
    if "vmm.io/*" in paths:
        return block_guests(paths)
    return tuple(p[len("vmm.io/"):-len(segment)] for p in paths
                 if p.startswith("vmm.io/") and p.endswith(segment) and p != "vmm.io/*")


def with_guest(features: Features, jail: JailSpec, guest: GuestSpec,
               others: tuple[str, ...] = ()) -> Features:
    """The features once the guest is added: its console, taps, zvols and disk nodes.

    A ruleset that unhid every console (nmdm-*) now names the guests, as the spec's plan
    does: the others the jail has and this one.
    """
    names = features.guests if features.guests else others
    return dataclasses.replace(
        features,
        guests=names if guest.name in names else (*names, guest.name),
        console=True,
        tap=features.tap or any(n.device is None for n in guest.nics),
        host_taps=tuple(dict.fromkeys((*features.host_taps,
                                       *(n.device for n in guest.nics if n.device))))
        if not (jail.per_guest and jail.vnet) else features.host_taps,
        jail_taps=tuple(dict.fromkeys((*features.jail_taps,
                                       *(n.device for n in guest.nics if n.device))))
        if jail.per_guest and jail.vnet else features.jail_taps,
        # A per-guest jail names its guest's zvols (policy.guest_zvols); others the dataset.
        zvol_dataset=jail.vm_dataset if guest.zvol_disks and not features.per_guest
        else features.zvol_dataset,
        zvol_nodes=tuple(dict.fromkeys((*features.zvol_nodes, *policy.guest_zvols(
            jail.vm_dataset, (guest,))))) if features.per_guest else features.zvol_nodes,
        zfs=features.zfs or (features.per_guest and jail.vm_dataset is not None),
        disk_nodes=tuple(dict.fromkeys((*features.disk_nodes,
                                        *(d.device_node for d in guest.disks
                                          if d.device_node)))),
        uefi=features.uefi or guest.uefi,
        uefi_guests=_plus(features.uefi_guests, guest.name, guest.uefi),
        fbuf_guests=_plus(features.fbuf_guests, guest.name, guest.graphics is not None))


def _plus(names: tuple[str, ...], name: str, wanted: bool) -> tuple[str, ...]:
    """The names, with name added once when wanted."""
    return tuple(dict.fromkeys((*names, name))) if wanted else names


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
    if features.per_guest and features.guests and guest.name not in features.guests:
        raise SpecError("NAME", guest.name, f"guest {features.guests[0]} of jail {jail.name}: "
                        "its ruleset starts from $devfsrules_hide_all (--isolation per-guest), "
                        f"a jail of one guest. Give {guest.name} a jail of its own: bhyvetpl "
                        f"host prepare --jail {guest.name} --guest {guest.name} --isolation "
                        f"per-guest --ruleset N, bhyvetpl jail create {guest.name} --ruleset "
                        f"N (N: a number /etc/devfs.rules does not hold), then bhyvetpl "
                        f"new-guest {guest.name} {guest.name}")
    wanted = with_guest(features, jail, guest, jail_guests(root, jail.vm_dir_path, jail_root))
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


@lru_cache(maxsize=256)
def _jail_dir(prefix: PurePosixPath, jail: str) -> PurePosixPath:
    """PREFIX/jails/JAIL, built once per jail: a spec's plan asks for each new guest."""
    return prefix / "jails" / jail


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
    running = running_guests(root, jail.vm_dir_path, path)
    if not restart:
        raise JailRestartError(restart_message(jail.name, running))
    wanted = guests_level(jail) or need
    steps: list[Step] = [EditBlock(conf_file, jail_block(jail.name, text, wanted), jail.name,
                                   where=f"jail {jail.name}", anchor="}",
                                   why=f"securelevel {need.value}: {guest.name}'s disks")]
    steps += restart_steps(jail.name, running, conf_file,
                           f"securelevel {need.value} and ruleset take effect on restart")
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


def jail_block(name: str, text: str, level: Setting) -> str:
    """Our jail.conf block as jail create left it (its dataset, allow.vmm_ppt), at level.

    jail(8) takes the last assignment, so our block (before the closing `}`) wins over
    Bastille's `securelevel = 2;` above it, which stays as it is.
    """
    block = our_block(text, name) or ""
    parsed = jail_conf(f"{name} {{\n{block}}}\n", name)
    kept = parsed.params if parsed is not None else {}
    created = kept.get("exec.created", "").split()
    dataset = created[-1] if created[:2] == ["zfs", "jail"] else None
    # A shared-IP jail's block stops its guests (exec.stop), and may start them.
    return block_text(name, dataset, "allow.vmm_ppt" in kept, level,
                      vnet="exec.stop" not in kept,
                      autostart="startall" in kept.get("exec.start", ""))


def jail_guests(root: Path, vm_dir: str, jail_path: str) -> tuple[str, ...]:
    """The guests the jail has: `$vm_dir/NAME/NAME.conf`, as vm-bhyve (and facts) find them."""
    fs = HostFS(root)
    try:
        base = below(fs.place(jail_path), vm_dir)
        return tuple(name for name in fs.listdir(base) if not name.startswith(".")
                     and fs.read_text(base / name / f"{name}.conf") is not None)
    except HostFSError:
        return ()


def jail_restart(jail: JailSpec, root: Path, prefix: PurePosixPath,
                 block: str) -> tuple[bool, tuple[str, ...]] | None:
    """Whether our jail.conf block changes an existing jail's parameters, its running guests.

    jail(8) reads the parameters only at start: a change takes a restart. None for a jail
    not created yet (its creation starts it with the block).
    """
    fs = HostFS(root)
    text = fs.read_text(fs.place(prefix / "jails" / jail.name / "jail.conf"))
    if text is None:
        return None
    conf = jail_conf(text, jail.name)
    running = running_guests(root, jail.vm_dir_path, jail_root(
        conf.params.get("path") if conf is not None else None, jail, prefix))
    changed = (block_params(text, jail.name, our_block(text, jail.name))
               != block_params(block, jail.name, block))
    return changed, running
