"""Pure argv builders for the host's tools: kld*, sysctl, service, jls, zfs, the facts pass."""

from __future__ import annotations


def kldstat_argv(module: str) -> tuple[str, ...]:
    """Exit 0 when the module's file is loaded (the guard before kldload).

    `-n` asks the linker: vmm.ko loaded. `-m` asks the module registry, which also
    fails when vmm.ko is loaded but vmm did not initialise (VT-x off); kldload would
    not help then, and `bhyvetpl doctor` tells the two apart.
    """
    return ("kldstat", "-q", "-n", module)


def kldload_argv(module: str) -> tuple[str, ...]:
    """Load a module; `-n` makes a module that is already there (or built in) no error."""
    return ("kldload", "-n", module)


def sysctl_get_argv(name: str) -> tuple[str, ...]:
    """Print a sysctl's value alone; exits non-zero for an unknown OID."""
    return ("sysctl", "-n", name)


def sysctl_set_argv(name: str, value: str) -> tuple[str, ...]:
    """Set a sysctl now (sysctl.conf makes it last across reboots)."""
    return ("sysctl", f"{name}={value}")


def service_argv(service: str, action: str, *args: str) -> tuple[str, ...]:
    """Run an rc.d action on the host (rc.d/netif takes interface names after it)."""
    return ("service", service, action, *args)


def jls_argv(jail: str) -> tuple[str, ...]:
    """Exit 0 only when the jail is running (the check `bastille start` does not do)."""
    return ("jls", "-j", jail)


def zfs_get_jailed_argv(dataset: str) -> tuple[str, ...]:
    """Print `on` or `off`: whether a jail may manage the dataset."""
    return ("zfs", "get", "-H", "-o", "value", "jailed", dataset)


def zfs_exists_argv(dataset: str) -> tuple[str, ...]:
    """Exit 0 only when the dataset exists (zfs-list(8): an unknown one is an error)."""
    return ("zfs", "list", "-H", "-o", "name", dataset)


def zfs_create_argv(dataset: str) -> tuple[str, ...]:
    """Create the dataset and any missing parent (zfs-create(8) -p; mounted as inherited)."""
    return ("zfs", "create", "-p", dataset)


def zfs_create_volume_argv(dataset: str, size: str, sparse: bool) -> tuple[str, ...]:
    """Create a zvol for a guest disk as vm-bhyve does, parents too.

    vm-bhyve lib/vm-zfs zfs::make_zvol (v1.4.0 to master 89c21d0): `zfs create -V SIZE
    -o volmode=dev NAME`, `-sV` for a sparse one; bastille-vm-plugin 610f19b bhyve.sh
    vm_create_disk alike (volmode=dev keeps GEOM from tasting the guest's partitions).
    -p makes DATASET/JAIL (zfs-create(8): `zfs create [-ps] ... -V size volume`).
    """
    return ("zfs", "create", "-p", *(("-s",) if sparse else ()), "-V", size,
            "-o", "volmode=dev", dataset)


def zfs_set_jailed_argv(dataset: str) -> tuple[str, ...]:
    """Let a jail manage the dataset (`zfs jail` in exec.created needs it)."""
    return ("zfs", "set", "jailed=on", dataset)


def routes_argv() -> tuple[str, ...]:
    """The IPv4 routing table; its `default` row names the uplink (netstat(1) on FreeBSD)."""
    return ("netstat", "-rn", "-f", "inet")


# The sysctls a plan or a check reads; `sysctl -i` skips the ones a kernel lacks
# (sysctl(8): "-i Ignore unknown OIDs"), so an absent name means an absent OID.
SYSCTLS = (
    "kern.osreldate",
    "security.jail.jailed",
    "security.jail.param.allow.vmm",
    "security.jail.param.allow.vmm_ppt",
    "net.link.tap.up_on_open",
    "net.inet.ip.forwarding",
    "kern.racct.enable",
)
# Every module a release may need (policy.host_modules: if_tap before 13, if_tuntap since).
MODULES = ("vmm", "nmdm", "if_bridge", "if_tuntap", "if_tap")


def facts_probes() -> dict[str, tuple[str, ...]]:
    """The fixed set of read-only commands one facts pass runs, whatever the jails and guests.

    Each key names what its output is parsed into (bhyvetpl.facts.parse).
    """
    return {
        "release": ("freebsd-version", "-kru"),
        "modules": ("kldstat",),
        "sysctls": ("sysctl", "-i", *SYSCTLS),
        "routes": routes_argv(),
        "interfaces": ("ifconfig", "-a"),
        # jls(8) -n: every parameter of every running jail; libxo JSON keeps values intact.
        "jails": ("jls", "--libxo=json", "-n"),
        "datasets": ("zfs", "list", "-o", "name,mountpoint"),
        # pciconf(8) -l: every device with its driver (ppt for one held for passthrough).
        "pci": ("pciconf", "-lv"),
        # `kldstat -q -m NAME` exits 0 when the module is registered, linked as a .ko or built
        # into the kernel; the file list above cannot tell a built-in module, nor a vmm.ko whose
        # module failed to initialise (tests/fixtures/freebsd/kldstat-q-m-vmm-exit-1-...).
        **{f"module {name}": ("kldstat", "-q", "-m", name) for name in MODULES},
    }


def rctl_usage_argv(jail: str) -> tuple[str, ...]:
    """What the jail uses now, one `resource=amount` line each (rctl(8) -u, -h humanized).

    With kern.racct.enable=0 it exits 1: "rctl: RACCT/RCTL present, but disabled; enable
    using kern.racct.enable=1 tunable" (rctl.c enosys(), as for -a).
    """
    return ("rctl", "-hu", f"jail:{jail}")


def rctl_add_argv(rule: str, amount: str) -> tuple[str, ...]:
    """Add RULE=AMOUNT now (rctl(8) -a).

    A `deny` rule replaces the jail's deny rule for the same resource whatever its amount
    (sys/kern/kern_rctl.c rctl_rule_add, freebsd-src @ 002c06d2), so running it again
    changes nothing. With racct off the kernel returns ENOSYS (sys_rctl_add_rule) and
    rctl exits 1 with the message of tests/fixtures/freebsd/rctl-error-racct-disabled.txt
    (usr.bin/rctl/rctl.c add_rule -> enosys(), freebsd-src @ 027f6b42).
    """
    return ("rctl", "-a", f"{rule}={amount}")


def zfs_snapshot_argv(snapshot: str) -> tuple[str, ...]:
    """Snapshot DATASET@NAME and every dataset below it, atomically (zfs-snapshot(8) -r)."""
    return ("zfs", "snapshot", "-r", snapshot)


def zfs_snapshot_exists_argv(snapshot: str) -> tuple[str, ...]:
    """Exit 0 when the snapshot exists (the guard that makes a rerun skip it)."""
    return ("zfs", "list", "-H", "-t", "snapshot", "-o", "name", snapshot)


def ifconfig_argv(interface: str) -> tuple[str, ...]:
    """Exit 0 only when the interface exists (ifconfig(8) fails on an unknown one)."""
    return ("ifconfig", interface)


def ifconfig_create_argv(interface: str, *params: str) -> tuple[str, ...]:
    """Clone the interface; ifconfig(8) takes its parameters after `create` in one call."""
    return ("ifconfig", interface, "create", *params)


def pkg_installed_argv(package: str) -> tuple[str, ...]:
    """Exit 0 only when the package is installed on the host (pkg-info(8) -e)."""
    return ("pkg", "info", "-e", package)


def pkg_install_argv(package: str) -> tuple[str, ...]:
    """Install a package on the host without asking."""
    return ("pkg", "install", "-y", package)


def pkg_root_install_argv(root: str, abi_file: str, package: str) -> tuple[str, ...]:
    """Install a package into a jail's root from the host, over the host's network.

    pkg(8) -r installs below ROOT and keeps its database there. The ABI comes from
    ABI_FILE: pkg reads ROOT/usr/bin/uname only when it opens (libpkg/pkg_abi.c
    pkg_abi_from_file @ freebsd/pkg 0116512), and a Bastille thin jail's usr/bin is an
    absolute link to /.bastille/usr/bin (create.sh LINK_LIST, 1.4.4), which from the host
    names the host's own: pkg would then pick packages for the host's release.
    """
    return ("env", f"ABI_FILE={abi_file}", "pkg", "-r", root, "install", "-y", package)


def pkg_root_installed_argv(root: str, package: str) -> tuple[str, ...]:
    """Exit 0 only when the package is installed below ROOT (pkg-info(8) -e)."""
    return ("pkg", "-r", root, "info", "-e", package)
