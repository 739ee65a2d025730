"""Host checks over the facts: release, modules, CPU, jail sysctls, devfs, taps, ppt.

Every check reads a Facts value only; the one pass that read the host ran before.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from bhyvetpl.doctor.guest import Needs
from bhyvetpl.doctor.result import CheckResult, Status
from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts
from bhyvetpl.hostfs import devfs
from bhyvetpl.model import policy
from bhyvetpl.shquote import rc_assign, shown, shown_join

MODULE_FIX = {
    "vmm": "kldload vmm && sysrc -f /boot/loader.conf vmm_load=YES",
    "nmdm": "kldload nmdm && sysrc -f /boot/loader.conf nmdm_load=YES",
    "if_bridge": "kldload if_bridge && sysrc kld_list+=if_bridge",
    "if_tuntap": "kldload if_tuntap && sysrc kld_list+=if_tuntap",
    "if_tap": "kldload if_tap && sysrc kld_list+=if_tap",
}
RELOAD = "service devfs restart && bastille restart {jail}"


def release_version(name: str) -> Version | None:
    """`14.3-RELEASE-p5` -> Version("14.3")."""
    try:
        return Version(name.split("-", 1)[0])
    except InvalidVersion:
        return None


def check_release(facts: Facts) -> tuple[CheckResult, Version | None]:
    """`freebsd-version -kru` as read; return the check and the running kernel's version."""
    if facts.release is None:
        return CheckResult("FreeBSD release", "FAIL", "freebsd-version -kru gave no reading",
                           "run bhyvetpl doctor on the FreeBSD host"), None
    release = facts.release
    installed, running, userland = (release.kernel_installed, release.kernel_running,
                                    release.userland)
    version = release_version(running)
    detail = f"kernel {shown(running)}, userland {shown(userland)}"
    if version is None or version < Version("12.0"):
        return CheckResult("FreeBSD release", "FAIL", detail + ": jailed bhyve needs 12.0+",
                           "freebsd-update upgrade -r 14.3-RELEASE"), version
    if installed != running:
        return CheckResult("FreeBSD release", "WARN",
                           f"{detail}; kernel {shown(installed)} is installed but not running",
                           "shutdown -r now"), version
    return CheckResult("FreeBSD release", "PASS", detail), version


def check_module(facts: Facts, module: str) -> CheckResult:
    """Whether a module is registered (`kldstat -q -m MODULE` exited 0: loaded or built in)."""
    name = f"kernel module {module}"
    if module in facts.registered:
        return CheckResult(name, "PASS", "loaded")
    if not facts.modules:   # kldstat lists at least the kernel wherever it runs
        return CheckResult(name, "FAIL", "kldstat gave no reading",
                           "run bhyvetpl doctor on the host")
    # The file is linked (kldstat lists vmm.ko) but no vmm module registered.
    if module == "vmm" and "vmm" in facts.modules:
        return CheckResult(name, "FAIL", "vmm.ko is loaded but vmm did not initialise (VT-x/"
                           "AMD-V or EPT/RVI off in the firmware, or no nested virtualisation)",
                           "enable VT-x/AMD-V in the firmware setup, then reboot")
    return CheckResult(name, "FAIL", "not loaded", MODULE_FIX[module])


def check_cpu(facts: Facts) -> list[CheckResult]:
    """Virtualisation, EPT/RVI, unrestricted guest and POPCNT from /var/run/dmesg.boot."""
    cpu = facts.cpu
    if cpu is None:
        return [CheckResult("CPU features", "FAIL", "no CPU block in /var/run/dmesg.boot",
                            "check that /var/run/dmesg.boot exists (it is written at boot)")]
    bios = "enable VT-x (Intel) or SVM (AMD) in the firmware setup, then reboot"
    virt, paging = cpu.virtualisation, cpu.nested_paging
    paging_name = "EPT" if cpu.intel else "RVI (SVM NP)"
    results = [
        CheckResult("CPU virtualisation", "PASS" if virt else "FAIL",
                    f"{cpu.vendor}: " + ("available" if virt else
                                         "disabled in BIOS" if cpu.vtx_disabled else
                                         "not offered to this system"), "" if virt else bios),
        CheckResult(f"CPU {paging_name}", "PASS" if paging else "FAIL",
                    "present" if paging else "missing: bhyve needs nested page tables",
                    "" if paging else "run bhyve on a CPU with EPT (Intel) or RVI (AMD)"),
    ]
    if cpu.intel:
        ug = cpu.unrestricted_guest
        results.append(CheckResult(
            "CPU unrestricted guest", "PASS" if ug else "WARN",
            "present" if ug else "missing: only FreeBSD guests (bhyveload) with 1 vCPU boot",
            "" if ug else "use loader=bhyveload and cpu=1, or a CPU with UG"))
    popcnt = cpu.popcnt
    results.append(CheckResult("CPU POPCNT", "PASS" if popcnt else "FAIL",
                               "present" if popcnt else "missing: vm-bhyve refuses to run",
                               "" if popcnt else "run bhyve on a CPU with POPCNT"))
    return results


def check_allow_vmm(facts: Facts) -> CheckResult:
    """security.jail.param.allow.vmm exists only while vmm.ko is loaded (its value is moot)."""
    if "security.jail.param.allow.vmm" in facts.sysctls:
        return CheckResult("jail parameter allow.vmm", "PASS", "available")
    return CheckResult("jail parameter allow.vmm", "FAIL",
                       "unknown oid: jails cannot be given vmm", MODULE_FIX["vmm"])


def check_tap_up(facts: Facts, needs: Needs) -> CheckResult:
    """net.link.tap.up_on_open must be 1, or guest NICs stay down; moot when no NIC uses a tap."""
    name = "net.link.tap.up_on_open"
    if not needs.tap:
        return CheckResult(name, "PASS", "not needed: no guest has a NIC")
    value = facts.sysctls.get(name)
    if value == "1":
        return CheckResult(name, "PASS", "1")
    if value is None:
        return CheckResult(name, "FAIL", "unknown oid: if_tuntap is not loaded",
                           MODULE_FIX["if_tuntap"])
    return CheckResult(name, "FAIL", f"{shown(value)}: guest taps stay down when bhyve opens them",
                       f"sysctl {name}=1 && echo '{name}=1' >> /etc/sysctl.conf")


def check_racct(facts: Facts) -> CheckResult:
    """Resource limits need kern.racct.enable=1, a loader tunable: loader.conf waits a boot.

    rctl(8) on a kernel with it off says "RACCT/RCTL present, but disabled; enable using
    kern.racct.enable=1 tunable" (tests/fixtures/freebsd), and sysctl(8) cannot set it.
    """
    name = "kern.racct.enable"
    running, boot = facts.sysctls.get(name), facts.loader_conf.get(name)
    if running == "1":
        return CheckResult(name, "PASS", "1: rctl limits are enforced")
    if boot != "1":
        return CheckResult(name, "PASS", f"{shown(running or 'absent')}: no resource limits "
                           "asked (bhyvetpl host prepare --limit-memory SIZE sets them)")
    if running is None:
        return CheckResult(name, "FAIL", "set in /boot/loader.conf, but this kernel has no "
                           "RACCT: rctl limits are not enforced",
                           "boot a GENERIC kernel (options RACCT and RCTL) or drop the limits")
    return CheckResult(name, "FAIL", f"{shown(running)} now, 1 in /boot/loader.conf: rctl "
                       "limits wait for a reboot", "shutdown -r now (a boot-time tunable)")


@dataclass(frozen=True, slots=True)
class Probe:
    """A node the ruleset must unhide, the narrowest rule that does, and what to call it."""

    node: str
    unhide: str
    fatal: bool = True
    label: str = ""

    @property
    def shown(self) -> str:
        """What the detail names: the node, or the rule when the node is made up."""
        return self.label or self.node


def required_nodes(needs: Needs, release: Version | None,
                   per_guest: bool = False) -> list[Probe]:
    """The nodes the guests open (reference.md §5), each with bhyvetpl's rule for it.

    With the guests known the probes are their own consoles, taps and disk devices and
    the rules those bhyvetpl's policy grants; without, generic nodes stand in. A per-guest
    jail (ruleset from hide_all) is granted its zvols by name, and /dev/zfs for the
    zfs(8) it runs on its jailed dataset (policy.devfs_rules).
    """
    nodes = [Probe("vmm", "vmm")]
    if needs.guests:   # their own nodes, each by its exact rule (policy.vmm_paths)
        nodes += [Probe(p, p) for p in policy.vmm_paths(
            needs.guests, needs.uefi_guests, needs.fbuf_guests)[1:]]
    else:
        nodes += [Probe("vmm/guest", "vmm/*", label="vmm/*"),
                  Probe("vmm.io", "vmm.io", needs.uefi),
                  Probe("vmm.io/guest.bootrom", "vmm.io/*", needs.uefi, "vmm.io/*")]
    if release is not None and release >= Version("15.0"):
        nodes.append(Probe("vmmctl", "vmmctl"))
    if not needs.guests:
        nodes.append(Probe("nmdm-guest.1A", "nmdm-*", label="nmdm-*"))
        if needs.tap:
            nodes.append(Probe("tap0", "tap*", label="tap*"))
    else:
        for guest, rule in zip(needs.guests, policy.console_paths(needs.guests), strict=True):
            nodes += [Probe(f"nmdm-{guest}.1{end}", rule, label=rule) for end in "AB"]
        nodes += [Probe(tap, tap) for tap in needs.host_taps]
        if needs.made_taps:
            nodes.append(Probe("tap0", "tap*", label="tap*"))
        granted = policy.zvol_paths(needs.zvol_dataset) if (
            needs.zvol_dataset and not per_guest) else ()
        if per_guest and needs.zvol_dataset:
            nodes.append(Probe(policy.ZFS_NODE, policy.ZFS_NODE))
        for node in dict.fromkeys(p for d in needs.disk_nodes for p in policy.with_parents(d)):
            rule = next((g for g in granted if devfs.matches(g, node)), node)
            nodes.append(Probe(node, rule))
    if needs.dhcp:
        nodes.append(Probe("bpf", "bpf*", label="bpf*"))
    if needs.passthru:
        nodes += [Probe(node, node) for node in passthru_nodes(needs, release)]
    return nodes


def passthru_nodes(needs: Needs, release: Version | None) -> tuple[str, ...]:
    """What passthrough opens: pci; before 13.1 also mem, io, kmem (policy.devfs_rules).

    From 13.1 mem only while vm-bhyve's host checks are on: its IOMMU check runs
    acpidump, which reads /dev/mem (util::check_bhyve_iommu).
    """
    if not needs.passthru:
        return ()
    if release is not None and release < policy.NO_IO_SINCE:
        return ("pci", "mem", "io", "kmem")
    return ("pci", "mem") if needs.host_checks else ("pci",)


def check_devfs(facts: Facts, number: int, needs: Needs, release: Version | None,
                jail: str = "JAIL") -> list[CheckResult]:
    """The ruleset exists in /etc/devfs.rules, unhides what the guests need, and no more."""
    reload = RELOAD.format(jail=shown(jail))
    name = f"devfs ruleset {number}"
    rulesets = {s.number: s for s in facts.devfs_rulesets}
    ruleset = rulesets.get(number)
    if ruleset is None:
        return [CheckResult(name, "FAIL", "not in /etc/devfs.rules",
                            f"bhyvetpl host prepare --ruleset {number} (review first with "
                            "--dry-run)")]
    where = f"/etc/devfs.rules line {ruleset.line} [{ruleset.name}={number}]"
    problems: list[tuple[Status, str, str]] = []
    # A per-guest jail's ruleset starts from hide_all (policy.JAIL_BASICS says why).
    if not any(i in ("$devfsrules_jail", "$devfsrules_jail_vnet", "$devfsrules_hide_all")
               for i in ruleset.includes):
        problems.append(("FAIL", "does not include $devfsrules_jail",
                         "add include $devfsrules_jail"))
    for probe in required_nodes(needs, release, "$devfsrules_hide_all" in ruleset.includes):
        if not any(devfs.matches(p, probe.node) for p in ruleset.unhidden):
            problems.append(("FAIL" if probe.fatal else "WARN",
                             f"hides {shown('/dev/' + probe.shown)}",
                             f"add path {shown(probe.unhide, 'devfs_rules')} unhide"))
    status: Status = "FAIL" if any(p[0] == "FAIL" for p in problems) else (
        "WARN" if problems else "PASS")
    results = [CheckResult(name, status, where + ("; " + ", ".join(
                               dict.fromkeys(p[1] for p in problems)) if problems else ""),
                           "; ".join(dict.fromkeys(p[2] for p in problems)) +
                           (f" (in {where}), then {reload}" if problems else ""))]
    needed = passthru_nodes(needs, release)
    extra = [p for p in ("mem", "kmem", "io", "pci") if p in ruleset.unhidden
             and p not in needed]
    results.append(CheckResult(
        f"devfs ruleset {number} least privilege", "WARN" if extra else "PASS",
        ("unhides " + ", ".join(f"/dev/{p}" for p in extra) +
         ": host memory or I/O ports the guests do not need") if extra else "nothing extra",
        ("delete " + ", ".join(f"`add path {p} unhide`" for p in extra) +
         f" from {where}, then {reload}") if extra else ""))
    return results


def check_amdvi(facts: Facts, needs: Needs) -> CheckResult | None:
    """AMD hosts pass devices through only with hw.vmm.amdvi.enable=1 in loader.conf.

    sys/amd64/vmm/amd/amdvi_hw.c amdvi_init(): the tunable defaults to 0, and then vmm
    prints "use hw.vmm.amdvi.enable=1 to enable pass-through" and gives no IOMMU.
    As host prepare decides it (policy.amdvi_setting): Intel hosts are not asked; a
    host whose CPU was not read is asked too, but only warned (Intel ignores it).
    """
    if not needs.passthru or (facts.cpu is not None and facts.cpu.intel):
        return None
    value = facts.loader_conf.get("hw.vmm.amdvi.enable")
    if value == "1":
        return CheckResult("AMD-Vi IOMMU", "PASS", "hw.vmm.amdvi.enable=1 in /boot/loader.conf")
    fix = "echo 'hw.vmm.amdvi.enable=\"1\"' >> /boot/loader.conf, then shutdown -r now"
    passing = f"passing {shown_join(needs.passthru)} through"
    if facts.cpu is None:
        return CheckResult("AMD-Vi IOMMU", "WARN", f"the CPU was not read (no CPU block in "
                           f"/var/run/dmesg.boot), {passing}: an AMD host needs "
                           "hw.vmm.amdvi.enable=1, which /boot/loader.conf does not set",
                           "on an AMD host: " + fix)
    return CheckResult("AMD-Vi IOMMU", "FAIL", f"{facts.cpu.vendor} host {passing}, and "
                       "/boot/loader.conf does not set hw.vmm.amdvi.enable=1 (off by default)",
                       fix)


def check_pptdevs(facts: Facts, needs: Needs) -> CheckResult:
    """Devices in pptdevs (and the guests' passthruN) are bound to ppt(4)."""
    loader = facts.loader_conf
    reserved = " ".join(loader.get(k, "") for k in ("pptdevs", "pptdevs2", "pptdevs3")).split()
    wanted = list(dict.fromkeys([*reserved, *needs.passthru]))
    if not wanted:
        return CheckResult("PCI passthrough (ppt)", "PASS", "no device reserved or used")
    drivers = facts.pci
    bad = [f"{shown(bsf)} is bound to {drivers.get(bsf, 'nothing (not present)')}"
           for bsf in wanted if drivers.get(bsf) != "ppt"]
    missing = [bsf for bsf in needs.passthru if bsf not in reserved]
    if not bad:
        return CheckResult("PCI passthrough (ppt)", "PASS",
                           "ppt holds " + shown_join(wanted))
    fix = (f"{_pptdevs(' '.join([*reserved, *missing]))} in /boot/loader.conf, then "
           "shutdown -r now") if missing else "shutdown -r now (pptdevs applies at boot)"
    return CheckResult("PCI passthrough (ppt)", "FAIL", "; ".join(bad), fix)


def _pptdevs(value: str) -> str:
    """The loader.conf line, or its value quoted and escaped when rc_conf cannot carry it."""
    try:
        return rc_assign("pptdevs", value)
    except SpecError:
        return f"pptdevs={shown(value)}"
