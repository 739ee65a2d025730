"""What one read-only pass found on a host: plain frozen data, saved and loaded as JSON.

Tests and the demo plan against recorded facts; a real run collects them once, before
anything is planned, so plan, dry-run and doctor all see the same host.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bhyvetpl.facts.owned import Owned
from bhyvetpl.hostfs.devfs import Ruleset


@dataclass(frozen=True, slots=True)
class Release:
    """`freebsd-version -kru`: the installed kernel, the running kernel, the userland."""

    kernel_installed: str
    kernel_running: str
    userland: str


@dataclass(frozen=True, slots=True)
class Cpu:
    """The boot CPU block of /var/run/dmesg.boot: vendor and the flag lists bhyve needs."""

    vendor: str
    features2: tuple[str, ...] = ()
    amd_features2: tuple[str, ...] = ()
    vtx: tuple[str, ...] | None = None
    vtx_disabled: bool = False
    svm: tuple[str, ...] | None = None

    @property
    def intel(self) -> bool:
        """Origin="GenuineIntel" (every other vendor is read as AMD-V)."""
        return self.vendor == "GenuineIntel"

    @property
    def virtualisation(self) -> bool:
        """VT-x offered and not disabled in the firmware, or SVM."""
        if self.intel:
            return self.vtx is not None and not self.vtx_disabled and "VMX" in self.features2
        return "SVM" in self.amd_features2 and self.svm is not None

    @property
    def nested_paging(self) -> bool:
        """EPT (Intel) or RVI, shown as SVM `NP` (AMD): bhyve needs one."""
        if self.intel:
            return self.vtx is not None and "EPT" in self.vtx
        return self.svm is not None and "NP" in self.svm

    @property
    def unrestricted_guest(self) -> bool:
        """Intel UG: without it only 1-vCPU bhyveload guests boot (AMD always has it)."""
        return not self.intel or (self.vtx is not None and "UG" in self.vtx)

    @property
    def popcnt(self) -> bool:
        """vm-bhyve refuses to run without POPCNT."""
        return "POPCNT" in self.features2


@dataclass(frozen=True, slots=True)
class Interface:
    """One `ifconfig -a` block: its name, groups and (for a bridge) members."""

    name: str
    groups: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()

    @property
    def bridge(self) -> bool:
        """In the `bridge` interface group, as if_bridge puts every bridge."""
        return "bridge" in self.groups


@dataclass(frozen=True, slots=True)
class Dataset:
    """One `zfs list -H -o name,mountpoint` row."""

    name: str
    mountpoint: str


@dataclass(frozen=True, slots=True)
class Guest:
    """A vm-bhyve guest found as `$vm_dir/NAME/NAME.conf`: its keys, text and host path.

    `running` as `vm destroy` decides it (vm::confirm_stopped in lib/vm-run): a
    `/dev/vmm/NAME` node in the jail, or vm-bhyve's `run.lock` in the guest's directory.
    """

    name: str
    config: dict[str, str] = field(default_factory=dict)
    text: str = ""
    path: str = ""
    running: bool = False


@dataclass(frozen=True, slots=True)
class Mount:
    r"""One entry of a jail's fstab (jail.conf's mount.fstab), as the host mounts it.

    `line` is the entry as written (the exact line to delete); `source` and `target`
    have Bastille's `\040` decoded to a space (mount.sh writes a space so).
    """

    source: str
    target: str
    fstype: str
    options: str
    line: str
    number: int


@dataclass(frozen=True, slots=True)
class Jail:
    """A Bastille jail: jail.conf (params and their lines), rc.conf, live state, guests.

    The rest is vm-bhyve inside it: its version, system.conf, UEFI firmware, grub-bhyve.
    `fstab` the entries of its mount.fstab file (`fstab_path`); `usage` what
    `rctl -hu jail:NAME` printed for it (resource -> humanized amount), read only for a
    running jail with allow.vmm while kern.racct.enable is 1.
    """

    name: str
    params: dict[str, str] = field(default_factory=dict)
    rc_conf: dict[str, str] = field(default_factory=dict)
    running: bool = False
    live: dict[str, str] = field(default_factory=dict)
    guests: tuple[Guest, ...] = ()
    param_lines: dict[str, int] = field(default_factory=dict)
    vm_system: dict[str, str] = field(default_factory=dict)
    vm_bhyve_version: str | None = None
    firmware: tuple[str, ...] = ()
    grub_bhyve: bool = False
    fstab: tuple[Mount, ...] = ()
    fstab_path: str = ""
    usage: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything bhyvetpl reads from a host before it plans or checks.

    `registered` holds the modules `kldstat -q -m` finds; `pci` the driver of each PCI
    address; loader.conf and devfs.rules as the loader and rc read them;
    `bastille_jailsdir` where the jails were looked for (each one's jail.conf is there);
    `rctl_conf` each /etc/rctl.conf rule (`jail:J:vmemoryuse:deny`) with its amount;
    `owned` the record of what bhyvetpl created (None: the host has none); `files` the
    text of each host file a plan reads (PLANNING_FILES, each jail's jail.conf), by host
    path, so a controller plans this host as it would plan itself (`plan --facts-dir`).
    """

    release: Release | None = None
    cpu: Cpu | None = None
    modules: tuple[str, ...] = ()
    sysctls: dict[str, str] = field(default_factory=dict)
    default_interface: str | None = None
    interfaces: tuple[Interface, ...] = ()
    bastille_prefix: str | None = None
    bastille_releases: tuple[str, ...] = ()
    jails: tuple[Jail, ...] = ()
    datasets: tuple[Dataset, ...] = ()
    registered: tuple[str, ...] = ()
    pci: dict[str, str] = field(default_factory=dict)
    loader_conf: dict[str, str] = field(default_factory=dict)
    devfs_rulesets: tuple[Ruleset, ...] = ()
    bastille_jailsdir: str | None = None
    rctl_conf: dict[str, str] = field(default_factory=dict)
    owned: Owned | None = None
    files: dict[str, str] = field(default_factory=dict)

    def jail(self, name: str) -> Jail | None:
        """The jail of that name, if the host has it."""
        return next((j for j in self.jails if j.name == name), None)

    def interface(self, name: str) -> Interface | None:
        """The interface of that name, if the host has it."""
        return next((i for i in self.interfaces if i.name == name), None)
