"""Jail checks: Bastille's jail.conf, the running jail, vm-bhyve inside it, its guests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from bhyvetpl.doctor.guest import Guest, Needs, find_guests
from bhyvetpl.doctor.host import sysctl_exists
from bhyvetpl.doctor.result import CheckResult, Reader
from bhyvetpl.facts import parse
from bhyvetpl.hostfs import HostFSError, below
from bhyvetpl.hostfs.assign import readable
from bhyvetpl.hostfs.jailconf import JailConf, jail_conf
from bhyvetpl.lint.vmconf import lint_vmconf
from bhyvetpl.model import policy
from bhyvetpl.shquote import shown as quoted
from bhyvetpl.shquote import shown_join

FIRMWARE = {"uefi": "BHYVE_UEFI.fd", "uefi-csm": "BHYVE_UEFI_CSM.fd",
            "uefi-devel": "BHYVE_UEFI_CODE-devel.fd"}


@dataclass(frozen=True, slots=True)
class JailContext:
    """What the jail checks share: the jail's name, its jail.conf and its root below --root."""

    name: str
    conf: JailConf
    conf_path: str
    root: Path
    guests: tuple[Guest, ...]
    vm_dir: str | None
    vm_path: Path | None

    def fix(self, *args: str) -> str:
        """A bastille command for this jail, every word quoted (names come from the jail)."""
        return shown_join(("bastille", args[0], self.name, *args[1:]))

    @property
    def conf_shown(self) -> str:
        """The jail.conf path as a quoted word."""
        return quoted(self.conf_path)

    def where(self, key: str) -> str:
        """`FILE line N` of a jail.conf parameter, or just the file."""
        line = self.conf.lines.get(key)
        return f"{self.conf_shown} line {line}" if line else self.conf_shown


def load_context(r: Reader, name: str, jails_dir: str) -> JailContext | CheckResult:
    """Read the jail's jail.conf, rc.conf and guests, or say why not."""
    conf_path = f"{jails_dir.rstrip('/')}/{name}/jail.conf"
    conf = jail_conf(r.file(conf_path) or "", name)
    if conf is None:
        return CheckResult(f"jail {quoted(name)}", "FAIL",
                           f"no `{quoted(name)} {{` block in {quoted(conf_path)}",
                           f"{shown_join(('bastille', 'create', '-V', name))} 14.3-RELEASE "
                           "SYNCDHCP em0 (or pass "
                           "--jails-dir)")
    default = f"{jails_dir.rstrip('/')}/{name}/root"
    try:
        root = r.fs.place(conf.params.get("path", default))
    except HostFSError:   # a relative path or `..` in jail.conf: Bastille's place instead
        root = r.fs.place(default)
    rc = readable(_read(root / "etc/rc.conf"))
    vm_dir = rc.get("vm_dir")
    where = vm_dir.removeprefix("zfs:") if vm_dir else None
    if where and vm_dir and vm_dir.startswith("zfs:"):
        where = "/" + where  # the dataset's default mountpoint
    try:   # the jail writes its rc.conf: a `..` in vm_dir must not leave its root
        vm_path = below(root, where) if where else None
    except HostFSError:
        vm_path = None
    guests = find_guests(vm_path) if vm_path else ()
    return JailContext(name, conf, conf_path, root, guests, vm_dir, vm_path)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def check_jail(r: Reader, ctx: JailContext, ruleset: int) -> list[CheckResult]:
    """Every jail-side check, in the order an admin would fix them."""
    needs = Needs.of(ctx.guests)
    params = ctx.conf.params
    running = r.run("jls", "-j", ctx.name).ok
    results = [
        CheckResult(f"jail {quoted(ctx.name)} running", "PASS" if running else "FAIL",
                    "running" if running else "not running (jls -j finds no such jail)",
                    "" if running else ctx.fix("start")),
        CheckResult("jail allow.vmm", "PASS" if "allow.vmm" in params else "FAIL",
                    ctx.where("allow.vmm") if "allow.vmm" in params else f"not set in "
                    f"{ctx.conf_shown}", "" if "allow.vmm" in params else
                    f"{ctx.fix('config', 'set', 'allow.vmm')} && {ctx.fix('restart')}"),
    ]
    current = params.get("devfs_ruleset", "")
    results.append(CheckResult(
        "jail devfs_ruleset", "PASS" if current == str(ruleset) else "FAIL",
        f"{quoted(current) if current else 'unset'} ({ctx.where('devfs_ruleset')})",
        "" if current == str(ruleset) else
        f"{ctx.fix('config', 'set', 'devfs_ruleset', str(ruleset))} && {ctx.fix('restart')}"))
    results.append(_securelevel(ctx, needs))
    results.append(_vnet(ctx, needs))
    results += _vm_bhyve(ctx)
    results += _guests(r, ctx)
    results.append(vmm_ppt_result(
        sysctl_exists(r, "security.jail.param.allow.vmm_ppt"), ctx, needs))
    return results


def _securelevel(ctx: JailContext, needs: Needs) -> CheckResult:
    value = ctx.conf.params.get("securelevel", "")
    need = needs.securelevel
    why = {0: "PCI passthrough", 1: "zvol disks", 2: "nothing needs less"}[need]
    # Suggest what bhyvetpl renders for these needs (-1 for passthrough; 0 works alike).
    wanted = policy.securelevel_for(passthrough=need == 0, disk_devices=need == 1).value or ""
    if not re.fullmatch(r"-?[0-9]+", value):
        return CheckResult("jail securelevel", "WARN", f"not set in {ctx.conf_shown}: the jail "
                           "inherits the host's", ctx.fix("config", "set", "securelevel",
                                                         wanted))
    level = max(int(value), 0)
    detail = f"{quoted(value)} ({ctx.where('securelevel')}); the guests need <= {need}: {why}"
    if level > need:
        return CheckResult("jail securelevel", "FAIL", detail,
                           f"{ctx.fix('config', 'set', 'securelevel', wanted)} && "
                           f"{ctx.fix('restart')}")
    if level < need:
        return CheckResult("jail securelevel", "WARN", detail + "; lower than needed",
                           f"{ctx.fix('config', 'set', 'securelevel', wanted)} && "
                           f"{ctx.fix('restart')}")
    return CheckResult("jail securelevel", "PASS", detail)


def _switches(r: Reader, ctx: JailContext) -> dict[str, str] | None:
    result = r.run("jexec", ctx.name, "vm", "switch", "list")
    return parse.vm_switches(result.stdout) if result.ok else None


def _vnet(ctx: JailContext, needs: Needs) -> CheckResult:
    vnet = "vnet" in ctx.conf.params
    if vnet:
        return CheckResult("jail vnet", "PASS", ctx.where("vnet"))
    system = _read(ctx.vm_path / ".config/system.conf") if ctx.vm_path else ""
    configured = readable(system).get("switch_list", "").split()
    switches = list(dict.fromkeys([*needs.switches, *configured]))
    if switches:
        return CheckResult("jail vnet", "FAIL", "vm-bhyve switches ("
                           + ", ".join(quoted(s) for s in switches)
                           + ") need a vnet jail: vm init cannot create their bridges",
                           "recreate the jail with vnet ("
                           f"{shown_join(('bastille', 'create', '-V', ctx.name))} ...), "
                           "or give each NIC a host-made tap (networkN_device)")
    return CheckResult("jail vnet", "PASS", "not vnet; no switch configured or used")


def _vm_bhyve(ctx: JailContext) -> list[CheckResult]:
    base = _read(ctx.root / "usr/local/lib/vm-bhyve/vm-base")
    match = re.search(r"^VERSION=([0-9.]+)$", base, re.M)
    if not match:
        return [CheckResult("vm-bhyve installed", "FAIL", "no /usr/local/lib/vm-bhyve/vm-base "
                            "in the jail", ctx.fix("pkg", "install", "-y", "vm-bhyve"))]
    version = Version(match.group(1))
    results = [CheckResult("vm-bhyve installed", "WARN" if Version("1.7.0") <= version <=
                           Version("1.7.2") else "PASS", f"{version}" + (
                               ": its rc.d skips switch creation at jail boot" if
                               Version("1.7.0") <= version <= Version("1.7.2") else ""),
                           ctx.fix("pkg", "upgrade", "-y", "vm-bhyve") if
                           Version("1.7.0") <= version <= Version("1.7.2") else "")]
    rc = readable(_read(ctx.root / "etc/rc.conf"))
    enabled = rc.get("vm_enable", "").upper() == "YES"
    results.append(CheckResult("jail vm_enable", "PASS" if enabled else "FAIL",
                               rc.get("vm_enable") or "unset in the jail's /etc/rc.conf",
                               "" if enabled else ctx.fix("sysrc", "vm_enable=YES")))
    if ctx.vm_dir is None:
        results.append(CheckResult("jail vm_dir", "FAIL", "unset in the jail's /etc/rc.conf",
                                   ctx.fix("sysrc", "vm_dir=/vms")))
    else:
        results.append(CheckResult("jail vm_dir", "PASS",
                                   f"{quoted(ctx.vm_dir)}, {len(ctx.guests)} guest(s)"))
    return results


def _guests(r: Reader, ctx: JailContext) -> list[CheckResult]:
    results = []
    needs = Needs.of(ctx.guests)
    if needs.switches:
        switches = _switches(r, ctx)
        missing = [s for s in needs.switches if switches is None or s not in switches]
        results.append(CheckResult(
            "vm-bhyve switches", "FAIL" if missing else "PASS",
            ("missing: " if missing else "") + ", ".join(quoted(s) for s in
                                                         missing or needs.switches),
            " && ".join(ctx.fix("cmd", "vm", "switch", "create", "-i", "vnet0", s)
                        for s in missing)))
    for guest in ctx.guests:
        loader = guest.get("loader") or ""
        if loader in FIRMWARE:
            fd = f"/usr/local/share/uefi-firmware/{FIRMWARE[loader]}"
            present = below(ctx.root, fd).is_file()
            results.append(CheckResult(
                f"guest {quoted(guest.name)} firmware", "PASS" if present else "FAIL",
                fd + (" present" if present else " missing in the jail"),
                "" if present else ctx.fix("pkg", "install", "-y", "edk2-bhyve")))
        elif loader == "grub":
            present = (ctx.root / "usr/local/sbin/grub-bhyve").is_file()
            results.append(CheckResult(
                f"guest {quoted(guest.name)} grub-bhyve", "PASS" if present else "FAIL",
                "present" if present else "grub-bhyve missing in the jail",
                "" if present else ctx.fix("pkg", "install", "-y", "grub2-bhyve")))
        findings = lint_vmconf(guest.path, guest.text)
        errors = [f for f in findings if f.is_error]
        shown = errors or findings
        rel = quoted("/" + str(guest.path.relative_to(r.root)))
        results.append(CheckResult(
            f"guest {quoted(guest.name)} config",
            "FAIL" if errors else "WARN" if findings else "PASS",
            f"{rel}: {len(errors)} error(s), {len(findings) - len(errors)} warning(s)"
            + (f"; line {shown[0].line}: {shown[0].message}" if shown else ""),
            f"bhyvetpl lint {rel} and fix each line it names" if shown else ""))
    return results


def vmm_ppt_result(exists: bool, ctx: JailContext, needs: Needs) -> CheckResult:
    """allow.vmm_ppt in jail.conf only where the kernel has it; wanted for passthrough."""
    wanted = "allow.vmm_ppt" in ctx.conf.params
    if wanted and not exists:
        return CheckResult("jail allow.vmm_ppt", "FAIL", f"set at {ctx.where('allow.vmm_ppt')}"
                           " but this kernel has no such parameter: the jail will not start",
                           f"delete the allow.vmm_ppt line from {ctx.conf_shown}")
    if needs.passthru and exists and not wanted:
        return CheckResult("jail allow.vmm_ppt", "WARN", "guests pass PCI devices through and "
                           "this kernel checks allow.vmm_ppt, which the jail lacks",
                           f"add `allow.vmm_ppt;` to the {quoted(ctx.name)} block of "
                           f"{ctx.conf_shown} "
                           "(never for an untrusted jail)")
    return CheckResult("jail allow.vmm_ppt", "PASS",
                       "set" if wanted else "not needed" if not needs.passthru else
                       "not on this kernel")
