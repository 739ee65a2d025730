"""Least privilege: which device nodes, securelevel and host settings the features need.

Every grant carries the sentence that justifies it; the renderers print those
sentences as comments next to the lines they explain.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version

from bhyvetpl.errors import SpecError
from bhyvetpl.model import hostconf, values
from bhyvetpl.model.guest import GuestSpec, PassthruSpec
from bhyvetpl.model.hostconf import AdminLines
from bhyvetpl.model.jail import JailSpec, RulesetSpec
from bhyvetpl.model.nat import BRIDGE, Nat, refuse_wlan
from bhyvetpl.model.preset import PRESETS

NO_ADMIN = AdminLines()
VMMCTL_SINCE = Version("15.0")
TUNTAP_SINCE = Version("13.0")  # tap(4) and tun(4) became if_tuntap (vm-bhyve util::setup)
NO_IO_SINCE = Version("13.1")  # bhyve stopped opening /dev/io and /dev/mem in 2021
# jail(8) stop.timeout: how long the jail waits for its processes after SIGTERM (default
# 10 s); bhyve(8) takes SIGTERM as the ACPI power button, so a guest gets this long to shut
# down cleanly. 90 s is rc.shutdown's own rcshutdown_timeout default (/etc/defaults/rc.conf).
STOP_TIMEOUT = 90
# vm-bhyve's rc.d/vm has `KEYWORD: shutdown nojailvnet` (v1.6+; `nojail` before): rc(8)
# skips it in a jail without its own network stack, so a shared-IP jail starts and stops
# its guests through jail.conf's exec.start/exec.stop instead.
VM_COMMAND = "/usr/local/sbin/vm"
# if_bridge(4): a member holding an IP address is deprecated from 15.0 (ifconfig prints
# "Adding member interface re0 which has an IP address assigned is deprecated and will be
# unsupported in a future release", fixture bridge-warning-member-has-ip-address-15.0.txt);
# net.link.bridge.member_ifaddrs=0 refuses it outright (reviews.freebsd.org/D49995, which
# added the sysctl; freebsd-arch 2025-05 "setting net.link.bridge.member_ifaddrs=0 by
# default" for 15.0; the sysctl goes in 16.0, behaving as 0).
MEMBER_IFADDRS_SINCE = Version("15.0")
# A per-guest jail unhides these instead of including devfsrules_jail (/etc/defaults/
# devfs.rules: hide_all, unhide_basic = null zero crypto random urandom, unhide_login =
# pty/tty, ptmx, pts, fd, stdin/out/err, then fuse and zfs). null stays: rc and vm-bhyve's
# sh redirect to /dev/null throughout (vm-bhyve master 89c21d0 opens no /dev node of its
# own but null, nmdm, vmm, zvols and sound_play's dsp); zero, random and urandom stay as
# harmless basics (zeros and randomness). What goes: crypto (only OpenSSL's devcrypto
# engine opens it, not loaded by default), the login nodes (no login session runs in the
# jail: jexec and `bastille console` bring the host's terminal on an open descriptor),
# fuse, and zfs (unhidden on its own, ZFS_NODE, only for a jail that runs zfs(8) on its
# jailed dataset).
# bastille-vm-plugin 1.0's per-VM ruleset (bhyve.sh vm_load_devfs_ruleset @ 9f717b3)
# starts with `add hide` and unhides the same four, including nothing.
JAIL_BASICS = ("null", "zero", "random", "urandom")
# zfs(8) and libzfs talk to the kernel through /dev/zfs: a per-guest jail whose vm_dir is
# its own jailed dataset needs it (vm-bhyve runs `zfs create` for the guest and its zvols,
# lib/vm-zfs @ 89c21d0; rc.d/zfs mounts the dataset). devfsrules_jail brings it in shared
# mode.
ZFS_NODE = "zfs"


@dataclass(frozen=True, slots=True)
class Features:
    """What the jail's guests use; everything below is derived from this alone."""

    jail: str
    release: Version
    ruleset: RulesetSpec
    guests: tuple[str, ...] = ()
    console: bool = True
    console_devices: tuple[str, ...] = ()
    tap: bool = True
    host_taps: tuple[str, ...] = ()
    jail_taps: tuple[str, ...] = ()   # a per-guest jail's own taps (JailSpec.jail_taps)
    uplink: str | None = None
    zvol_dataset: str | None = None
    # A per-guest jail's own zvols, each node exactly (zvol/DATASET/GUEST/DISK).
    zvol_nodes: tuple[str, ...] = ()
    zfs: bool = False   # the jail runs zfs(8) on a jailed dataset (per-guest: ZFS_NODE)
    disk_nodes: tuple[str, ...] = ()
    uefi: bool = False
    passthru: tuple[PassthruSpec, ...] = ()
    passthrough: bool = False
    vmm_ppt: bool = False
    dhcp: bool = False
    vnet: bool = True
    uefi_guests: tuple[str, ...] = ()
    fbuf_guests: tuple[str, ...] = ()
    limit_memory: int | None = None   # bytes: the guests' memory together (rctl_rules)
    nat: Nat | None = None
    per_guest: bool = False   # a jail of one guest: devfs from hide_all (devfs_includes)
    # The host's CPU as the facts read it (dmesg.boot): True AMD-V (AMD, Hygon), False
    # Intel, None unknown (no dmesg.boot read: `render host`, a --root staging tree).
    cpu_amd: bool | None = None

    def __post_init__(self) -> None:
        """Check the names that reach devfs.rules and loader.conf."""
        values.jail_name("jail.name", self.jail)
        refuse_wlan(self.uplink, self.nat, self.host_taps)
        for guest in (*self.guests, *self.uefi_guests, *self.fbuf_guests):
            values.vm_name("guest.name", guest)
        for tap in (*self.host_taps, *self.jail_taps):
            values.tap("nic.device", tap)
        for device in self.console_devices:
            values.nmdm_pair("console_device", device)
        if self.zvol_dataset is not None:
            values.dataset("zvol_dataset", self.zvol_dataset)
        for node in (*self.zvol_nodes, *self.disk_nodes):
            values.disk_device("disk_device", "/dev/" + node)
        for name in (*self.uefi_guests, *self.fbuf_guests):
            if name not in self.guests:
                raise SpecError("--uefi-guest", name, "one of the guests named with --guest")
        if self.limit_memory is not None and self.limit_memory <= 0:
            raise SpecError("--limit-memory", str(self.limit_memory), "a size above 0")
        if self.vmm_ppt and not self.needs_passthrough:
            raise SpecError("vmm_ppt", "yes", "allow.vmm_ppt only together with passthrough")

    @classmethod
    def of_jail(cls, jail: JailSpec) -> Features:
        """Derive the features from a jail and its declared guests."""
        guests = jail.guests
        return cls(
            jail=jail.name,
            release=jail.release_version,
            ruleset=jail.ruleset,
            guests=tuple(g.name for g in guests),
            console=True,
            console_devices=jail.console_devices,
            tap=bool(any(g.nics for g in guests) or not guests),
            host_taps=jail.host_taps,
            jail_taps=jail.jail_taps,
            uplink=jail.interface if jail.host_taps else None,
            # A ZFS vm_dir is there for zvol disks: with no guest declared yet, the jail
            # is ready for them (securelevel 1, the dataset's zvols); declared guests
            # decide for themselves. A per-guest jail names its one guest's zvols.
            zvol_dataset=jail.vm_dataset if (any(g.zvol_disks for g in guests)
                                             or not guests) and not jail.per_guest else None,
            zvol_nodes=guest_zvols(jail.vm_dataset, guests) if jail.per_guest else (),
            zfs=jail.vm_dataset is not None,
            disk_nodes=tuple(dict.fromkeys(d.device_node for g in guests for d in g.disks
                                           if d.device_node)),
            uefi=any(g.uefi for g in guests) or any(PRESETS[p].loader.startswith("uefi")
                                                    for p in jail.presets),
            passthru=tuple(p for g in guests for p in g.passthru),
            passthrough=jail.passthrough,
            vmm_ppt=jail.vmm_ppt,
            dhcp=jail.dhcp,
            vnet=jail.vnet,
            uefi_guests=tuple(g.name for g in guests if g.uefi),
            fbuf_guests=tuple(g.name for g in guests if g.graphics is not None),
            limit_memory=(sum(values.size_bytes(g.memory) for g in guests) or None)
            if jail.limits else None,
            per_guest=jail.per_guest,
        )

    @property
    def devfs_includes(self) -> tuple[str, ...]:
        """The FreeBSD rulesets our ruleset starts from (see JAIL_BASICS)."""
        return ("$devfsrules_hide_all",) if self.per_guest else ("$devfsrules_jail",)

    @property
    def needs_passthrough(self) -> bool:
        """Whether any PCI device is passed through (or passthrough was asked for)."""
        return self.passthrough or bool(self.passthru)

    @property
    def pptdevs(self) -> tuple[str, ...]:
        """Host PCI addresses to reserve for ppt(4), each once, in order of first use."""
        return tuple(dict.fromkeys(p.bsf for p in self.passthru))


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """devfs paths unhidden for one reason."""

    why: str
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Setting:
    """One `name=value` line for a host file or the jail, with its reason."""

    name: str
    value: str | None
    why: str


def devfs_rules(features: Features) -> tuple[RuleGroup, ...]:
    """The narrowest set of device nodes the features need, grouped by reason."""
    groups = [RuleGroup("a jail of one guest: only the basics its rc and vm-bhyve's sh "
                        "open, instead of $devfsrules_jail", JAIL_BASICS)
              ] if features.per_guest else []
    groups.append(vmm_group(features))
    if features.release >= VMMCTL_SINCE:
        groups.append(RuleGroup("FreeBSD 15+: guests are created through /dev/vmmctl",
                                ("vmmctl",)))
    if features.console:
        why = ("serial consoles of the declared guests only (vm-bhyve's nmdm-NAME.NA/B, "
               "com1-com4)"
               if features.guests else
               "serial consoles: vm-bhyve's nmdm-* pairs (declare guests to narrow this)")
        groups.append(RuleGroup(why, console_paths(features.guests)))
    if features.console_devices:
        groups.append(RuleGroup("the nmdm(4) consoles vmrun.sh is given (-C), each with "
                                "its other end", tuple(dict.fromkeys(
                                    values.nmdm_pair("console_device", d)
                                    for d in features.console_devices))))
    if features.host_taps:
        groups.append(RuleGroup("the host-made taps the guests name, and no others",
                                features.host_taps))
    if features.jail_taps:
        # tap units are host-wide (sys/net/if_tuntap.c tun_clone_create: one unrhdr per
        # driver, not per vnet), so a named rule reaches exactly this tap wherever it is.
        groups.append(RuleGroup("the guest's own taps by name: bhyvetpl numbers them, the "
                                "jail's rc makes them (cloned_interfaces) and vm-bhyve adds "
                                "them to its switch (networkN_device); no tap*",
                                features.jail_taps))
    if features.tap and not (features.host_taps or features.jail_taps):
        # Not per guest: vm-bhyve runs `ifconfig tap create` when the guest starts, after
        # the ruleset is loaded, and the kernel picks N; networkN_name renames the ifnet,
        # but the device node stays tapN with an alias to it (pgj/freebsd-wifibox#172,
        # BouleDeFeu/libtuntap#83), so no name is known in advance.
        groups.append(RuleGroup("guest NICs: vm-bhyve creates tapN in the vnet jail when a "
                                "guest starts, N chosen by the kernel: every tap, tap*",
                                ("tap*",)))
    if features.uefi:
        groups.append(RuleGroup("UEFI guests: the firmware is a file in the jail (edk2-bhyve) "
                                "mapped through vmm.io/NAME.bootrom; VNC is TCP", ()))
    if features.dhcp:
        groups.append(RuleGroup("DHCP in the vnet jail: dhclient needs bpf(4)", ("bpf*",)))
    if features.zvol_dataset:
        groups.append(RuleGroup(
            f"zvol disks below {features.zvol_dataset} only; devfs matches with FNM_PATHNAME, "
            "so each directory level is its own line", zvol_paths(features.zvol_dataset)))
    if features.zvol_nodes:
        groups.append(RuleGroup(
            "this guest's zvols by name, with their directories, and no others (no glob: "
            "another guest's zvols stay hidden)",
            tuple(dict.fromkeys(p for node in features.zvol_nodes for p in with_parents(node)))))
    if features.per_guest and features.zfs:
        groups.append(RuleGroup("the jail's own dataset: zfs(8) in the jail opens /dev/zfs",
                                (ZFS_NODE,)))
    if features.disk_nodes:
        groups.append(RuleGroup(
            "the disk devices the guests name, with their directories, and no others",
            tuple(dict.fromkeys(p for node in features.disk_nodes for p in with_parents(node)))))
    if features.needs_passthrough and features.release >= NO_IO_SINCE:
        groups.append(RuleGroup("PCI passthrough: bhyve maps the device's BARs through "
                                "/dev/pci (PCIOCBARMMAP, PCIOCBARIO since 13.1); no /dev/mem: "
                                "vm-bhyve's host checks are off in the jail instead", ("pci",)))
    elif features.needs_passthrough:
        groups.append(RuleGroup("PCI passthrough before 13.1: bhyve opens /dev/pci, /dev/mem "
                                "and /dev/io (and /dev/kmem); a jail may not without the PR "
                                "251046 kernel patch. DANGEROUS: host memory",
                                ("pci", "mem", "io", "kmem")))
    return tuple(groups)


def vmm_group(features: Features) -> RuleGroup:
    """The vmm(4) nodes of the declared guests, or every guest's when none is declared."""
    if not features.guests:
        return RuleGroup("vmm(4) nodes of every guest (declare guests to narrow this)",
                         ("vmm", "vmm/*", "vmm.io", "vmm.io/*"))
    return RuleGroup("vmm(4) nodes of the declared guests only: vmm/NAME, and vmm.io/NAME.SEG "
                     "for the memory segments bhyve maps (bootrom: UEFI, framebuffer: VNC)",
                     vmm_paths(features.guests, features.uefi_guests, features.fbuf_guests))


def vmm_paths(guests: tuple[str, ...], uefi: tuple[str, ...] = (),
              fbuf: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Each guest's exact vmm(4) nodes; no glob, so guest `a` never reaches `ab` or `a.b`.

    vmm_dev.c makes `vmm/NAME` for the VM and `vmm.io/NAME.SEGNAME` for each device
    memory segment; libvmmapi's vm_create_devmem opens `/dev/vmm.io/NAME.SEGNAME`, and
    bhyve asks for two: "bootrom" (bootrom.c, `-l bootrom`) and "framebuffer"
    (pci_fbuf.c). Those are the only vm_create_devmem calls in usr.sbin/bhyve.
    """
    segments = [f"vmm.io/{name}.{seg}" for name in guests
                for seg, users in (("bootrom", uefi), ("framebuffer", fbuf)) if name in users]
    return ("vmm", *(f"vmm/{name}" for name in guests), *(("vmm.io",) if segments else ()),
            *segments)
# vm-bhyve names a guest's consoles /dev/nmdm-NAME.NA and .NB, N the comport's number,
# com1-com4 (vm::bhyve_device_comports in lib/vm-run, v1.4-v1.7.5 and master). The
# pattern names exactly those: `nmdm-NAME.*` would also match guest NAME.b's consoles.
CONSOLE_SUFFIX = ".[1-4][AB]"


def console_paths(guests: tuple[str, ...]) -> tuple[str, ...]:
    """The nmdm(4) pairs of these guests (`nmdm-NAME.[1-4][AB]`), or all when none is named.

    Sorted: the spec's plan and new-guest name the same guests in different orders (spec
    order, the host's, the one added last) and must write the same bytes.
    """
    return tuple(f"nmdm-{name}{CONSOLE_SUFFIX}" for name in sorted(set(guests))) or ("nmdm-*",)


def console_guest(path: str) -> str | None:
    """The guest a console rule was written for (this form, or the older `nmdm-NAME.*`)."""
    for suffix in (CONSOLE_SUFFIX, ".*"):
        if path.startswith("nmdm-") and path.endswith(suffix) and path != "nmdm-*":
            return path[len("nmdm-"):-len(suffix)]
    return None


def zvol_paths(dataset: str) -> tuple[str, ...]:
    """vm-bhyve's zvols below DATASET (`zvol/DATASET/GUEST/DISK`) with each directory."""
    parts = dataset.split("/")
    parents = tuple("zvol/" + "/".join(parts[:i]) for i in range(1, len(parts)))
    return ("zvol", *parents, f"zvol/{dataset}", f"zvol/{dataset}/*", f"zvol/{dataset}/*/*")


def guest_zvols(dataset: str | None, guests: tuple[GuestSpec, ...]) -> tuple[str, ...]:
    """The guests' zvols as vm-bhyve opens them: /dev/zvol/DATASET/GUEST/DISK.

    vm-bhyve lib/vm-run (master 89c21d0, vm::get_disk_path): `sparse-zvol) setvar ...
    "/dev/zvol/${VM_DS_ZFS_DATASET}/${_name}/${_disk}"`, zvol alike.
    """
    if dataset is None:
        return ()
    return tuple(f"zvol/{dataset}/{g.name}/{d.name}" for g in guests for d in g.zvol_disks)


def with_parents(node: str) -> tuple[str, ...]:
    """`zvol/tank/vm/disk0` and each directory above it (FNM_PATHNAME: one line each)."""
    parts = node.split("/")
    return tuple("/".join(parts[:i]) for i in range(1, len(parts) + 1))


def securelevel(features: Features) -> Setting:
    """The highest securelevel that still lets the chosen features work."""
    return securelevel_for(passthrough=features.needs_passthrough,
                           disk_devices=bool(features.zvol_dataset or features.zvol_nodes
                                             or features.disk_nodes))


def securelevel_for(*, passthrough: bool, disk_devices: bool) -> Setting:
    """The securelevel bhyvetpl writes for these needs (doctor suggests the same)."""
    if passthrough:
        return Setting("securelevel", "-1", "PCI passthrough: bhyve opens /dev/pci for "
                       "writing (before 13.1 also /dev/io and /dev/mem), which securelevel "
                       ">= 1 forbids; -1 as the seed articles set it (0 works alike)")
    if disk_devices:
        return Setting("securelevel", "1", "disk devices (zvols): securelevel 2 forbids "
                       "write-opening them; 1 still forbids /dev/mem and kldload")
    return Setting("securelevel", "2", "nothing chosen needs less than Bastille's default")


def jail_config(features: Features, vm_dataset: str | None) -> tuple[Setting, ...]:
    """The `bastille config set` properties, each with its reason."""
    settings = [
        Setting("allow.vmm", None, "lets the jail use the host's vmm(4); needs vmm.ko loaded"),
        Setting("devfs_ruleset", str(features.ruleset.number),
                f"bhyvetpl's ruleset {features.ruleset.name} (bhyvetpl host prepare)"),
        securelevel(features),
    ]
    if vm_dataset:
        settings += [
            Setting("allow.mount", None, f"vm-bhyve mounts its ZFS vm_dir {vm_dataset}"),
            Setting("allow.mount.zfs", None, "the jailed dataset is ZFS"),
            Setting("enforce_statfs", "1", "a jail can mount only with enforce_statfs <= 1"),
        ]
    return tuple(settings)


def jail_rc_conf(features: Features) -> tuple[Setting, ...]:
    """rc.conf lines in the jail beyond vm-bhyve's own (vm_enable, vm_dir)."""
    if features.needs_passthrough and features.release >= NO_IO_SINCE:
        # vm-bhyve 1.4-1.7.5 util::check_bhyve_iommu: `acpidump -t | grep DMAR` (acpidump
        # reads the ACPI tables through /dev/mem) or `sysctl hw | grep vmm.amdvi.enable: 1`;
        # without either, vm::run refuses passthru ("no VT-d or amdvi", exit 15).
        return (Setting("vm_disable_host_checks", "YES",
                        "vm-bhyve's IOMMU check runs acpidump, which needs /dev/mem; the "
                        "ruleset does not unhide it, so vm-bhyve's host checks are off in "
                        "this jail (vm passthru on the host shows the IOMMU)"),)
    return ()


def jail_conf_lines(features: Features, vm_dataset: str | None,
                    autostart: bool = False) -> tuple[Setting, ...]:
    """jail.conf parameters Bastille's `config` refuses, for the jail's own jail.conf.

    Also the jail's shutdown: `stop.timeout` long enough for guests to power off, and in
    a shared-IP jail (where rc.d/vm does not run) vm-bhyve's startall/stopall.
    """
    lines = [Setting("stop.timeout", f"= {STOP_TIMEOUT}",
                     "guests get this long to shut down when the jail stops (jail(8) "
                     "default 10 s; bhyve takes SIGTERM as the ACPI power button)")]
    if not features.vnet:
        if autostart:
            lines.append(Setting("exec.start", f'+= "{VM_COMMAND} startall"',
                                 "start vm_list's guests: rc.d/vm skips a non-vnet jail "
                                 "(KEYWORD nojailvnet)"))
        lines.append(Setting("exec.stop", f'+= "{VM_COMMAND} stopall -f"',
                             "stop the guests cleanly first: rc.d/vm skips a non-vnet jail "
                             "(KEYWORD nojailvnet)"))
    if vm_dataset:
        lines.append(Setting("exec.created", f'+= "zfs jail $name {vm_dataset}"',
                             f"hand {vm_dataset} to the jail (run `zfs set jailed=on "
                             f"{vm_dataset}` on the host once)"))
    if features.vmm_ppt:
        lines.append(Setting("allow.vmm_ppt", None, "PCI passthrough on kernels with PRIV_DRIVER "
                             "checks; only where sysctl security.jail.param.allow.vmm_ppt "
                             "exists. Never give it to an untrusted jail"))
    return tuple(lines)


def loader_conf(features: Features, admin: AdminLines = NO_ADMIN) -> tuple[Setting, ...]:
    """/boot/loader.conf: modules the jail cannot load, and devices held for ppt(4).

    Devices go to the pptdevs names the admin's own lines leave free (see hostconf).
    """
    settings = [Setting(name, "YES", why) for name, why in (
        ("vmm_load", "bhyve's kernel side; allow.vmm exists only once it is loaded"),
        ("nmdm_load", "null-modem consoles; a jail cannot kldload"))
        if hostconf.same_or_refuse("/boot/loader.conf", name, "YES", admin.loader)]
    if rctl_rules(features) and hostconf.same_or_refuse("/boot/loader.conf", RACCT, "1",
                                                         admin.loader):
        settings.append(Setting(RACCT, "1", "rctl enforces nothing until racct is on; a "
                                "boot-time tunable, read-only at run time: takes a reboot"))
    amdvi = amdvi_setting(features)
    if amdvi is not None and hostconf.same_or_refuse(
            "/boot/loader.conf", amdvi.name, amdvi.value or "", admin.loader):
        settings.append(amdvi)
    for name, chunk in hostconf.pptdevs(features.pptdevs, admin.loader):
        settings.append(Setting(name, chunk, "PCI devices held by ppt(4) for passthrough"
                                + ("" if name == "pptdevs" else
                                   "; the loader also reads pptdevs2 and pptdevs3")))
    return tuple(settings)


def amdvi_setting(features: Features) -> Setting | None:
    """hw.vmm.amdvi.enable=1 where passthrough may run on an AMD host; never on Intel.

    sys/amd64/vmm/io/iommu.c iommu_init() takes VT-d on Intel and AMD-Vi on AMD-V CPUs
    (vmm_is_svm: AMD, Hygon); sys/amd64/vmm/amd/amdvi_hw.c amdvi_init() then refuses
    while the tunable is 0 (its default), printing "use hw.vmm.amdvi.enable=1 to enable
    pass-through". Intel hosts never read it, so where the CPU is unknown it is written
    anyway, saying why: harmless there, and passthrough on AMD needs it from boot.
    """
    if not features.needs_passthrough or features.cpu_amd is False:
        return None
    if features.cpu_amd:
        return Setting("hw.vmm.amdvi.enable", "1", "this AMD host: vmm uses the AMD-Vi "
                       "IOMMU for passthrough only when asked (off by default)")
    return Setting("hw.vmm.amdvi.enable", "1", "the host's CPU was not read (no "
                   "/var/run/dmesg.boot): AMD hosts need it for passthrough; Intel hosts "
                   "ignore it")


def host_modules(release: Version) -> tuple[str, ...]:
    """Kernel modules the host loads for jailed vm-bhyve (a jail cannot kldload)."""
    return ("vmm", "nmdm", "if_bridge", "if_tuntap" if release >= TUNTAP_SINCE else "if_tap")


def rc_conf(features: Features, admin: AdminLines = NO_ADMIN) -> tuple[Setting, ...]:
    """/etc/rc.conf: bridge and tap drivers at boot, and host-made taps for non-vnet jails.

    Lists extend the admin's own (`${name} ...`); a name the admin set is never overridden.
    """
    wanted = [("kld_list", hostconf.list_extension(
        "kld_list", host_modules(features.release)[2:], admin.rc),
        "vm-bhyve's switches and taps; appended so other modules stay"),
        ("bastille_enable", hostconf.same_or_refuse("/etc/rc.conf", "bastille_enable", "YES",
                                                    admin.rc),
         "start the jails at boot (rc.d/bastille: `bastille start --boot`; a jail is "
         "created with boot=on) and stop them, guests first, at shutdown")]
    if features.host_taps:
        bridge_members = " ".join(f"addm {tap}" for tap in features.host_taps)
        nat = features.nat
        if nat is not None:
            line, why = (f"inet {nat.address} {bridge_members} up",
                         f"a private bridge of the taps only, the guests' router "
                         f"{nat.address}; NAT out of {nat.uplink}")
        else:
            uplink_address(features, admin)   # refuses a member holding the address
            line, why = (f"addm {features.uplink} {bridge_members} up"
                         if features.uplink else f"{bridge_members} up",
                         "the taps and the uplink on one bridge")
        wanted += [
            ("cloned_interfaces", hostconf.list_extension(
                "cloned_interfaces", (BRIDGE, *features.host_taps), admin.rc),
             "taps the guests of the non-vnet jail use, made by the host"),
            (f"ifconfig_{BRIDGE}", hostconf.bridge_line(f"ifconfig_{BRIDGE}", line, admin.rc),
             why),
        ]
        if nat is not None:
            wanted += [(name, hostconf.same_or_refuse("/etc/rc.conf", name, "YES", admin.rc),
                        why) for name, why in (
                ("pf_enable", f"pf translates the guests' subnet to {nat.uplink}'s address"),
                ("dnsmasq_enable", f"DHCP and DNS for the guests on {BRIDGE}"))]
    return tuple(Setting(name, value, why) for name, value, why in wanted if value is not None)


def uplink_address(features: Features, admin: AdminLines) -> None:
    """Refuse an uplink that holds the host's address as a bridge member on 15.0+.

    Before 15.0 the uplink keeps its address as a bridge member. From 15.0 a member may
    not hold one (MEMBER_IFADDRS_SINCE): when the admin's `ifconfig_UPLINK` gives it an
    address, that line is theirs, so this is refused with the two lines to write.

    Raises:
        AdminOwnedError: the uplink holds the host's address on 15.0 or later.
    """
    key = f"ifconfig_{features.uplink}"
    theirs = admin.rc.get(key)
    if features.release < MEMBER_IFADDRS_SINCE or key not in admin.rc:
        return
    words = (theirs or "").split()
    dhcp = [w for w in words if w.upper() in ("DHCP", "SYNCDHCP")]
    if not dhcp and "inet" not in words and "inet6" not in words:
        return
    taps = " ".join(f"addm {tap}" for tap in features.host_taps)
    rest = [w for w in words if w not in dhcp and w != "up"]
    # rc.subr takes DHCP/SYNCDHCP from anywhere in the line and runs ifconfig with the rest
    bridge = (f"addm {features.uplink} {taps} up {' '.join(dhcp)}" if dhcp
              else f"{' '.join(rest)} addm {features.uplink} {taps} up")
    raise hostconf.AdminOwnedError(
        f'/etc/rc.conf: your {key}="{theirs}" puts the host\'s address on '
        f"{features.uplink}, and from FreeBSD 15.0 a bridge member may not hold one "
        "(if_bridge(4), net.link.bridge.member_ifaddrs): the address moves to the bridge. "
        f'bhyvetpl does not override your line: put {key}="up" in its place and '
        f'ifconfig_{BRIDGE}="{bridge}" beside it (it takes effect at the next boot or '
        "`service netif restart`, which drops sessions over the uplink)")


def sysctl_conf(features: Features) -> tuple[Setting, ...]:
    """/etc/sysctl.conf: what a jail cannot set for itself."""
    if not (features.tap or features.host_taps):
        return ()
    settings = [Setting("net.link.tap.up_on_open", "1",
                        "bring a guest's tap up when bhyve opens it; a jail cannot set this")]
    if features.nat is not None:
        settings.append(Setting("net.inet.ip.forwarding", "1",
                                "route the guests' subnet out of the uplink (NAT)"))
    return tuple(settings)


def warnings(features: Features) -> tuple[str, ...]:
    """Grants an admin must not miss: printed on stderr."""
    notes = []
    if features.needs_passthrough and features.release >= NO_IO_SINCE:
        notes.append(f"passthrough gives jail {features.jail} /dev/pci and securelevel -1; "
                     "vm-bhyve's host checks are off in it (vm_disable_host_checks: its "
                     "IOMMU check needs /dev/mem, which is not unhidden)")
    elif features.needs_passthrough:
        notes.append(f"passthrough from a jail on FreeBSD {features.release} does not work "
                     "on a stock kernel: bhyve opens /dev/io and /dev/mem, which a jail may "
                     "not (PR 251046; the Neira article patched 12.2). The ruleset unhides "
                     "/dev/pci, /dev/mem, /dev/io, /dev/kmem and the jail gets securelevel "
                     "-1: root in that jail can read host memory")
    if features.vmm_ppt:
        notes.append(f"allow.vmm_ppt lets jail {features.jail} drive host PCI devices; "
                     "never give it to an untrusted jail")
    return tuple(notes)


# Resource limits. Which rctl(8) resource counts a guest's memory: bhyve maps all of
# it into its own address space (libvmmapi vm_setup_memory mmap()s /dev/vmm/NAME at each
# guest physical range), and every mmap() into the calling process's map is charged to
# RACCT_VMEM, rctl's `vmemoryuse` (sys/vm/vm_mmap.c, kern_mmap_racct_check: racct_set(p,
# RACCT_VMEM, map->size + size)). `memoryuse` (RSS) misses it: the guest touches its
# pages through the EPT/NPT pmap, not bhyve's, so bhyve's resident count stays small.
# `memorylocked` misses it too: `bhyve -S` wires through vmm's own vm_map_wire on the
# guest's vmspace, and RACCT_MEMLOCK is charged only by mlock(2)/mlockall(2). rctl has
# no wired-memory resource. So the cap is `vmemoryuse` on the jail (all its processes).
RACCT = "kern.racct.enable"
MIB = 1 << 20
# Headroom over the guests' memory, chosen, not measured: per guest bhyve's own mappings
# (guard regions, a 16 MiB bootrom and framebuffer, libc, a thread stack per vCPU), and
# for the jail its sh, vm-bhyve, daemon(8), cron and syslogd.
VMEM_PER_GUEST = 256 * MIB
VMEM_JAIL = 512 * MIB
# bhyve is one process with threads; vm-bhyve adds an sh loop and daemon(8) per guest.
MAXPROC_JAIL, MAXPROC_PER_GUEST = 64, 8
# bhyve opens a few nodes per device (disk, tap, nmdm, vmm, kqueue, pipes).
OPENFILES_JAIL, OPENFILES_PER_GUEST = 1024, 256


def rctl_rules(features: Features) -> tuple[Setting, ...]:
    """/etc/rctl.conf rules for the jail, from its guests' memory (none when not asked).

    `deny` refuses the allocation that would pass the amount; it kills nothing already
    running, but a bhyve whose next mmap() is refused may exit.
    """
    if features.limit_memory is None:
        return ()
    guests = max(len(features.guests), 1)
    vmem = features.limit_memory + VMEM_JAIL + guests * VMEM_PER_GUEST
    subject = f"jail:{features.jail}"
    return (
        Setting(f"{subject}:vmemoryuse:deny", f"{-(-vmem // MIB)}M",
                "vmemoryuse counts the guest memory bhyve maps (vmm wires it in the kernel, "
                "not through mlock); the guests' memory plus headroom"),
        Setting(f"{subject}:maxproc:deny",
                str(MAXPROC_JAIL + guests * MAXPROC_PER_GUEST),
                "processes: the jail's own and, per guest, bhyve, vm-bhyve's sh and daemon"),
        Setting(f"{subject}:openfiles:deny",
                str(OPENFILES_JAIL + guests * OPENFILES_PER_GUEST),
                "open files: bhyve's disks, taps, consoles and vmm nodes, with headroom"),
    )
