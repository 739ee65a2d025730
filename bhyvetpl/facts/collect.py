"""One read-only pass over a host: a fixed set of commands, then files read below the root.

The number of processes is a constant (PROBES), whatever the number of jails and guests:
jails, their parameters, rc.conf, fstab and guests are read from files (Bastille's
jail.conf and fstab, the jail's /etc/rc.conf, `$vm_dir/NAME/NAME.conf`), never by a
process per jail or guest. The one exception is resource usage, which only the kernel
knows: with kern.racct.enable=1, one `rctl -hu jail:NAME` per running jail with allow.vmm.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath

from bhyvetpl.adapters import host
from bhyvetpl.adapters.runner import CommandNotFoundError, CommandRunner
from bhyvetpl.facts import parse
from bhyvetpl.facts.model import Cpu, Facts, Guest, Jail, Release
from bhyvetpl.facts.owned import OWNED_PATH, Owned, parse_owned
from bhyvetpl.hostfs import HostFS, HostFSError, bastilleconf, below, devfs, vmconf
from bhyvetpl.hostfs.assign import readable
from bhyvetpl.hostfs.bastilleconf import bastille_conf
from bhyvetpl.hostfs.jailconf import jail_conf

# Every command the facts pass runs, once each: the argvs are the adapters'.
PROBES = host.facts_probes()
DMESG = PurePosixPath("/var/run/dmesg.boot")
LOADER_CONF = PurePosixPath("/boot/loader.conf")
DEVFS_RULES = PurePosixPath("/etc/devfs.rules")
RCTL_CONF = PurePosixPath("/etc/rctl.conf")
# The host files a plan reads outside the jails (the release check, the admin's own lines
# in loader.conf and rc.conf, the devfs rulesets, the record): recorded in Facts.files.
PLANNING_FILES = (PurePosixPath("/bin/freebsd-version"), LOADER_CONF,
                  PurePosixPath("/etc/rc.conf"), DEVFS_RULES, PurePosixPath("/etc/sysctl.conf"),
                  RCTL_CONF, OWNED_PATH)
VM_BASE = PurePosixPath("/usr/local/lib/vm-bhyve/vm-base")
FIRMWARE_DIR = PurePosixPath("/usr/local/share/uefi-firmware")
SBIN = PurePosixPath("/usr/local/sbin")


class HostReader:
    """Host files by their host path, through HostFS; a refused file reads as absent.

    A file a jail made unreadable (a symlink below the root, a directory where a file
    should be) reads as absent: a hostile jail can hide its own guests from facts, but
    never make us read elsewhere.
    """

    def __init__(self, fs: HostFS) -> None:
        """Read below fs's root."""
        self.fs = fs

    def read_text(self, path: PurePosixPath) -> str | None:
        """The file's text, or None when absent or refused."""
        try:
            return self.fs.read_text(self.fs.place(path))
        except HostFSError:
            return None

    def listdir(self, path: PurePosixPath) -> tuple[str, ...]:
        """The names in a directory, sorted; () when absent or refused."""
        try:
            return self.fs.listdir(self.fs.place(path))
        except HostFSError:
            return ()


def _outputs(runner: CommandRunner) -> dict[str, str | None]:
    """Run every probe once; a missing program or a failure reads as None (no output).

    sysctl -i exits non-zero when one name is unknown yet prints the others: keep them.
    """
    outputs: dict[str, str | None] = {}
    for key, argv in PROBES.items():
        try:
            result = runner.run(argv, check=False, timeout=60.0)
        except CommandNotFoundError:
            outputs[key] = None
            continue
        outputs[key] = result.stdout if result.ok or key == "sysctls" else None
    return outputs


def _guests(reader: HostReader, vm_dir: PurePosixPath,
            jail_root: PurePosixPath) -> tuple[Guest, ...]:
    """`$vm_dir/NAME/NAME.conf`, as vm-bhyve finds its guests (dot-directories are not).

    A guest runs, as `vm destroy` checks it (vm::confirm_stopped), when the jail's /dev
    shows `vmm/NAME` or the guest's directory holds vm-bhyve's `run.lock`: read as
    files, so the pass still runs no process per jail or guest.
    """
    vmm = set(reader.listdir(jail_root / "dev/vmm"))
    guests = []
    for name in reader.listdir(vm_dir):
        text = None if name.startswith(".") else reader.read_text(vm_dir / name / f"{name}.conf")
        if text is not None:
            running = name in vmm or reader.read_text(vm_dir / name / "run.lock") is not None
            guests.append(guest_fact(name, text, str(vm_dir / name / f"{name}.conf"), running))
    return tuple(guests)


def guest_fact(name: str, text: str, path: str, running: bool = False) -> Guest:
    """A guest config as facts hold it: each key's first value, as config::get reads it."""
    config: dict[str, str] = {}
    for line in vmconf.load(text):
        config.setdefault(line.key, line.value)
    return Guest(name, config, text, path, running)


def _owned(reader: HostReader) -> Owned | None:
    """The record of what bhyvetpl created (a record it cannot read is an error)."""
    text = reader.read_text(OWNED_PATH)
    return parse_owned(text) if text is not None else None


def _vm_dir(rc_conf: dict[str, str], root: PurePosixPath,
            mountpoint: Callable[[str], str | None]) -> PurePosixPath | None:
    """Where the jail's vm_dir is on the host: below its root, or a jailed dataset's mount."""
    value = rc_conf.get("vm_dir")
    if not value:
        return None
    if value.startswith("zfs:"):
        # A dataset `zfs list` did not list (not mounted yet, or zfs gave no reading) is
        # looked for at its default mountpoint, /DATASET, as the doctor always has.
        value = mountpoint(value[4:]) or "/" + value[4:]
    try:
        return below(root, value)
    except HostFSError:   # relative, `..`, or a dataset zfs did not list
        return None


def read_jail(reader: HostReader, jails_dir: PurePosixPath, name: str,
              mounts: Mapping[str, str], running: Mapping[str, dict[str, str]]) -> Jail | None:
    """One jail from its files: jail.conf, its rc.conf, vm-bhyve in it and its guests."""
    conf_text = reader.read_text(jails_dir / name / "jail.conf")
    conf = jail_conf(conf_text, name) if conf_text is not None else None
    if conf is None:
        return None
    root = jails_dir / name / "root"
    # mount.fstab as jail.conf names it (Bastille: JAILS/NAME/fstab, create.sh).
    fstab_path = conf.params.get("mount.fstab") or str(jails_dir / name / "fstab")
    try:
        fstab_text = reader.read_text(below(PurePosixPath("/"), fstab_path))
    except HostFSError:   # relative, or with `..`: not read
        fstab_text = None
    rc = readable(reader.read_text(root / "etc/rc.conf") or "")
    vm_dir = _vm_dir(rc, root, lambda ds: mounts.get(ds))
    vm_base = readable(reader.read_text(below(root, VM_BASE)) or "")
    system = reader.read_text(vm_dir / ".config/system.conf") if vm_dir else None
    return Jail(
        name, dict(conf.params), rc, name in running, dict(running.get(name, {})),
        _guests(reader, vm_dir, root) if vm_dir else (), dict(conf.lines),
        readable(system or ""), vm_base.get("VERSION"),
        reader.listdir(below(root, FIRMWARE_DIR)),
        "grub-bhyve" in reader.listdir(below(root, SBIN)),
        parse.fstab(fstab_text or ""), fstab_path)


def jail_files(fs: HostFS, prefix: PurePosixPath, name: str) -> Jail | None:
    """One Bastille jail read from its files alone (no process): None when it has none.

    What `jail create|apply` build on when no spec is in use: the jail's address,
    network and guests as the host has them. Its vm_dir dataset is looked for at its
    default mountpoint, and it reads as not running (no jls).
    """
    return read_jail(HostReader(fs), prefix / "jails", name, {}, {})


def read_cpu(reader: HostReader) -> Cpu | None:
    """The boot CPU block of dmesg.boot below the root (None: no file, or no CPU block)."""
    return parse.cpu_info(reader.read_text(DMESG) or "")


def collect(runner: CommandRunner, fs: HostFS,
            jails_dir: PurePosixPath | None = None) -> Facts:
    """Read the host once: the fixed probes, then dmesg.boot, bastille.conf and the jails.

    jails_dir, when given (the doctor's --jails-dir), wins over bastille.conf's.
    """
    reader = HostReader(fs)
    got = _outputs(runner)
    out = {key: value or "" for key, value in got.items()}
    version = parse.freebsd_version(out["release"])
    datasets = parse.zfs_list(out["datasets"])
    mounts = {d.name: d.mountpoint for d in datasets}
    settings = bastille_conf(reader.read_text(bastilleconf.PATH))
    # A directory only sh could compute reads as Bastille's default.
    prefix = settings.prefix or bastilleconf.PREFIX
    jails_dir = jails_dir or PurePosixPath(settings.jailsdir or f"{prefix}/jails")
    releases_dir = PurePosixPath(settings.releasesdir or f"{prefix}/releases")
    running = parse.jls_json(out["jails"])
    jails = [jail for name in reader.listdir(jails_dir)
             if (jail := read_jail(reader, jails_dir, name, mounts, running)) is not None]
    if parse.sysctl_values(out["sysctls"]).get("kern.racct.enable") == "1":
        jails = [with_usage(runner, jail) for jail in jails]
    files = {str(path): text for path in PLANNING_FILES
             if (text := reader.read_text(path)) is not None}
    for jail in jails:   # each jail's jail.conf: passthrough and securelevel plan from it
        conf = jails_dir / jail.name / "jail.conf"
        if (text := reader.read_text(conf)) is not None:
            files[str(conf)] = text
    return Facts(
        release=Release(*version) if version else None,
        cpu=read_cpu(reader),
        modules=parse.kldstat_modules(out["modules"]),
        sysctls=parse.sysctl_values(out["sysctls"]),
        default_interface=parse.default_interface(out["routes"]),
        interfaces=parse.interfaces(out["interfaces"]),
        bastille_prefix=prefix,
        bastille_jailsdir=str(jails_dir),
        bastille_releases=reader.listdir(releases_dir),
        jails=tuple(jails),
        datasets=datasets,
        registered=tuple(m for m in host.MODULES if got[f"module {m}"] is not None),
        pci=parse.pci_drivers(out["pci"]),
        loader_conf=readable(reader.read_text(LOADER_CONF) or "", sh=False),
        devfs_rulesets=devfs.rulesets(reader.read_text(DEVFS_RULES) or ""),
        rctl_conf=rctl_rules(reader.read_text(RCTL_CONF) or ""),
        owned=_owned(reader),
        files=files,
    )


def with_usage(runner: CommandRunner, jail: Jail) -> Jail:
    """A running bhyve jail with what `rctl -hu` says it uses (a failure reads as unknown).

    Called only while kern.racct.enable is 1: with it 0, rctl reads nothing (exit 1,
    tests/fixtures/freebsd/rctl-error-racct-disabled.txt).
    """
    if not (jail.running and "allow.vmm" in jail.params):
        return jail
    try:
        result = runner.run(host.rctl_usage_argv(jail.name), check=False, timeout=60.0)
    except CommandNotFoundError:
        return jail
    if not result.ok:
        return jail
    return dataclasses.replace(jail, usage=parse.rctl_usage(result.stdout))


def rctl_rules(text: str) -> dict[str, str]:
    """/etc/rctl.conf as rc.d/rctl reads it: `#` starts a comment, each rule `RULE=AMOUNT`."""
    found = {}
    for raw in text.splitlines():
        rule, _, amount = raw.split("#", 1)[0].strip().rpartition("=")
        if rule and amount:
            found[rule] = amount
    return found
