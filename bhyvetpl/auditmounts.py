"""What a bhyve jail's fstab mounts into it, against what its guests open.

Bastille keeps a jail's mounts in JAILS/NAME/fstab, jail.conf's `mount.fstab`
(create.sh), and `bastille mount` appends `HOST_PATH JAILS/NAME/root/PATH TYPE OPTIONS
0 0` to it (mount.sh; BastilleBSD/bastille @ 1.4.4). The guests open their vm_dir (a
directory, or a jailed dataset the jail mounts itself) and the files of their custom
disks; a thin jail reads its release through a read-only nullfs at root/.bastille.
Anything else a line mounts is wider than the guests need: the change is that line,
deleted (or `bastille umount`, which deletes it too).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from bhyvetpl.auditfinding import Finding
from bhyvetpl.doctor.guest import Guest
from bhyvetpl.doctor.jail import jails_dir
from bhyvetpl.facts.model import Facts, Jail, Mount
from bhyvetpl.shquote import shown, shown_join

# Host directories whose files are the host's own system: mounting one (or a directory
# above one) into a jail hands it the host's binaries, configuration or boot files.
SYSTEM_DIRS = ("/", "/bin", "/boot", "/etc", "/lib", "/libexec", "/rescue", "/root", "/sbin",
               "/usr", "/usr/bin", "/usr/lib", "/usr/libexec", "/usr/sbin", "/usr/local",
               "/usr/local/etc", "/var")
# Kernel file systems, not host directories: none of them is opened by bhyve or vm-bhyve.
PSEUDO = {"procfs": "every process's /proc (memory, registers through ptrace-like files)",
          "linprocfs": "a Linux /proc", "linsysfs": "a Linux /sys: host devices and drivers",
          "fdescfs": "file descriptors by number"}
# What vm-bhyve itself runs from or reads (a shared install through nullfs): read-only at
# the same path it is needed; writable, the jail could change what other jails run.
INSTALL = {"/usr/local/sbin/vm": "vm-bhyve's command", "/usr/local/lib/vm-bhyve":
           "vm-bhyve's library", "/usr/local/share/uefi-firmware": "the UEFI firmware"}
# jail(8) parameters that mount a kernel file system inside the jail.
MOUNT_PARAMS = {"mount.procfs": "procfs", "mount.fdescfs": "fdescfs"}


def _inside(path: PurePosixPath, base: PurePosixPath) -> bool:
    return path == base or base in path.parents


def _escaped(path: str) -> str:
    r"""A path as Bastille's mount.sh writes it into an fstab (a blank as \040)."""
    return path.replace(" ", "\\040").replace("\t", "\\011")


def needed_paths(facts: Facts, jail: Jail, guests: tuple[Guest, ...]) -> tuple[PurePosixPath, ...]:
    """Where in the jail the guests' files are: vm_dir, and each custom disk's file."""
    paths: list[PurePosixPath] = []
    vm_dir = jail.rc_conf.get("vm_dir", "")
    if vm_dir.startswith("zfs:"):
        dataset = vm_dir[4:]
        mountpoint = next((d.mountpoint for d in facts.datasets if d.name == dataset), None)
        vm_dir = mountpoint if mountpoint and mountpoint.startswith("/") else "/" + dataset
    if vm_dir.startswith("/"):
        paths.append(PurePosixPath(vm_dir))
    for guest in guests:
        for dev, name in zip(guest.indexed("diskN_dev"), guest.indexed("diskN_name"),
                             strict=True):
            if dev == "custom" and name.startswith("/") and not name.startswith("/dev/"):
                paths.append(PurePosixPath(name).parent)
    return tuple(dict.fromkeys(paths))


def _system(source: PurePosixPath, facts: Facts) -> str | None:
    """What of the host's own a mount source holds (its system, Bastille's jails), if any."""
    jails = PurePosixPath(jails_dir(facts))
    if source == jails or source in jails.parents:
        return f"every Bastille jail under {jails} (this one's jail.conf and fstab too)"
    for base in map(PurePosixPath, SYSTEM_DIRS):
        if source == base or source in base.parents:
            return f"the host's {base}"
    return None


def mount_findings(facts: Facts, jail: Jail, guests: tuple[Guest, ...]) -> list[Finding]:
    """Each fstab line and mount.* parameter that reaches more than the guests open."""
    root = PurePosixPath(jail.params.get("path") or f"{jails_dir(facts)}/{jail.name}/root")
    fstab = jail.fstab_path or f"{jails_dir(facts)}/{jail.name}/fstab"
    need = needed_paths(facts, jail, guests)
    releases = PurePosixPath(f"{facts.bastille_prefix or '/usr/local/bastille'}/releases")
    found = []
    for mount in jail.fstab:
        finding = _judge(facts, jail, mount, root, need, releases, fstab)
        if finding is not None:
            found.append(finding)
    for key, fstype in MOUNT_PARAMS.items():
        if key in jail.params and jail.params[key].lower() not in ("0", "false"):
            number = jail.param_lines.get(key)
            where = f"{jails_dir(facts)}/{jail.name}/jail.conf" + (
                f" line {number}" if number else "")
            found.append(Finding(jail.name, "wider", key, f"mounts {PSEUDO[fstype]}; no "
                                 "guest opens it", f"delete the `{key}` line ({shown(where)})"))
    return found


def _judge(facts: Facts, jail: Jail, mount: Mount, root: PurePosixPath,
           need: tuple[PurePosixPath, ...], releases: PurePosixPath,
           fstab: str) -> Finding | None:
    """One fstab line: None when the guests need it, else what it reaches and the fix."""
    target = PurePosixPath(mount.target)
    options = mount.options.split(",")
    rw = "ro" not in options
    where = f"{shown(fstab)} line {mount.number}"
    delete = f"delete the line `{mount.line.strip()}` from {where}"
    if not _inside(target, root):
        return Finding(jail.name, "note", f"mount {shown(str(target))}", "mounted outside "
                       f"the jail's root {shown(str(root))}: not inside the jail")
    in_jail = PurePosixPath("/") / target.relative_to(root)
    label = f"mount {shown(str(in_jail))}"
    umount = shown_join(("bastille", "umount", jail.name, str(in_jail)))
    remove = f"{delete}, or {umount}"
    if mount.fstype == "devfs":
        return Finding(jail.name, "wider", label, "a devfs the fstab mounts gets no "
                       "devfs_ruleset (jail.conf's mount.devfs applies it, jail(8)): it can "
                       "show every host device node", remove)
    if mount.fstype in PSEUDO:
        return Finding(jail.name, "wider", label, f"{mount.fstype}: {PSEUDO[mount.fstype]}; "
                       "no guest opens it", remove)
    if mount.fstype == "tmpfs":
        return Finding(jail.name, "note", label, "tmpfs: memory of the jail's own, no host "
                       "path")
    source = PurePosixPath(mount.source)
    host = f"host {'dataset' if mount.fstype == 'zfs' else 'path'} {shown(mount.source)}"
    mode = "read-write" if rw else "read-only"
    if (mount.fstype == "nullfs" and not rw and in_jail == PurePosixPath("/.bastille")
            and _inside(source, releases)):
        return Finding(jail.name, "note", label, "the thin jail's release, read-only "
                       "(Bastille's create.sh): needed by the jail, not by the guests")
    system = _system(source, facts) if source.is_absolute() else None
    if system is not None:
        return Finding(jail.name, "wider", label, f"{mode} {host}: it holds {system}", remove)
    if need and in_jail == need[0] and not rw and jail.rc_conf.get("vm_dir") is not None:
        fields = mount.line.split()
        fields[3] = ",".join("rw" if o == "ro" else o for o in options)
        return Finding(jail.name, "narrower", label, "vm_dir read-only: vm-bhyve writes its "
                       "log and each guest's run.lock there", f"in {where} replace "
                       f"`{mount.line.strip()}` with `{' '.join(fields)}`")
    if any(_inside(in_jail, path) for path in need):
        return None   # vm_dir itself, a directory below it, or a custom disk's directory
    if str(in_jail) in INSTALL and str(source) == str(in_jail) and mount.fstype == "nullfs":
        if not rw:
            return Finding(jail.name, "note", label, f"{INSTALL[str(in_jail)]}, the host's "
                           "copy read-only")
        fields = mount.line.split()
        fields[3] = ",".join(["ro", *(o for o in options if o != "rw")])
        return Finding(jail.name, "wider", label, f"{INSTALL[str(in_jail)]} read-write: "
                       "the jail can change what the host and other jails run",
                       f"in {where} replace `{mount.line.strip()}` with `{' '.join(fields)}`")
    covered = [path for path in need if in_jail in path.parents]
    if covered and mount.fstype == "nullfs" and source.is_absolute():
        lines = [" ".join((_escaped(str(source / path.relative_to(in_jail))),
                           _escaped(str(root / path.relative_to("/"))),
                           *mount.line.split()[2:])) for path in covered]
        return Finding(jail.name, "wider", label, f"{mode} {host} reaches more than the "
                       f"guests' {', '.join(map(str, covered))}", f"in {where} replace "
                       f"`{mount.line.strip()}` with " + "; ".join(f"`{ln}`" for ln in lines))
    return Finding(jail.name, "wider", label, f"{mode} {host}: no guest opens it"
                   + ("; the jail can change its files" if rw else ""), remove)
