"""Jail checks over a jail's facts: jail.conf, the running jail, vm-bhyve in it, its guests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from bhyvetpl.doctor.guest import Guest, Needs
from bhyvetpl.doctor.jailnet import address_switch, create_fixes
from bhyvetpl.doctor.jailpkg import install_fix
from bhyvetpl.doctor.result import CheckResult
from bhyvetpl.facts.model import Facts, Jail
from bhyvetpl.hostfs import bastilleconf
from bhyvetpl.lint.vmconf import lint_vmconf
from bhyvetpl.model import policy, slots
from bhyvetpl.model.jail import vnet_name_ok
from bhyvetpl.shquote import shown as quoted
from bhyvetpl.shquote import shown_join

FIRMWARE = {"uefi": "BHYVE_UEFI.fd", "uefi-csm": "BHYVE_UEFI_CSM.fd",
            "uefi-devel": "BHYVE_UEFI_CODE-devel.fd"}


@dataclass(frozen=True, slots=True)
class JailContext:
    """What the jail checks share: the jail's facts, where its jail.conf is, its guests."""

    jail: Jail
    conf_path: str
    guests: tuple[Guest, ...]

    @property
    def name(self) -> str:
        """The jail's name, as Bastille and jail.conf know it."""
        return self.jail.name

    @property
    def params(self) -> dict[str, str]:
        """The parameters of its jail.conf block."""
        return self.jail.params

    @property
    def vm_dir(self) -> str | None:
        """vm_dir from the jail's /etc/rc.conf (`zfs:DATASET` or a path in the jail)."""
        return self.jail.rc_conf.get("vm_dir")

    def fix(self, *args: str) -> str:
        """A bastille command for this jail, every word quoted (names come from the jail)."""
        return shown_join(("bastille", args[0], self.name, *args[1:]))

    @property
    def conf_shown(self) -> str:
        """The jail.conf path as a quoted word."""
        return quoted(self.conf_path)

    def where(self, key: str) -> str:
        """`FILE line N` of a jail.conf parameter, or just the file."""
        line = self.jail.param_lines.get(key)
        return f"{self.conf_shown} line {line}" if line else self.conf_shown


def jails_dir(facts: Facts) -> str:
    """Where the facts looked for jails (older recordings: below Bastille's prefix)."""
    found = facts.bastille_jailsdir or f"{facts.bastille_prefix or bastilleconf.PREFIX}/jails"
    return found.rstrip("/")


def load_context(facts: Facts, name: str) -> JailContext | CheckResult:
    """The jail's facts and guests, or the FAIL saying its jail.conf has no block for it."""
    conf_path = f"{jails_dir(facts)}/{name}/jail.conf"
    jail = facts.jail(name)
    if jail is None:
        create = (f"{shown_join(('bastille', 'create', '-V', name))} 14.3-RELEASE SYNCDHCP "
                  "em0" if vnet_name_ok(name) else
                  f"{shown_join(('bastille', 'create', name))} 14.3-RELEASE ADDRESS em0 "
                  "(shared IP: Bastille refuses - and _ in vnet jail names)")
        return CheckResult(f"jail {quoted(name)}", "FAIL",
                           f"no `{quoted(name)} {{` block in {quoted(conf_path)}",
                           f"{create} (or pass --jails-dir)")
    return JailContext(jail, conf_path, tuple(Guest(g) for g in jail.guests))


def check_jail(facts: Facts, ctx: JailContext, ruleset: int) -> list[CheckResult]:
    """Every jail-side check, in the order an admin would fix them."""
    needs = Needs.of(ctx.guests)
    params = ctx.params
    running = ctx.jail.running
    results = [
        CheckResult(f"jail {quoted(ctx.name)} running", "PASS" if running else "FAIL",
                    "running" if running else "not running (jls finds no such jail)",
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
    address = address_switch(ctx)
    if address is not None:
        results.append(address)
    results += _vm_bhyve(ctx, facts)
    results += _guests(ctx, facts)
    results.append(check_vmm_ppt(facts, ctx, needs))
    return results


def _securelevel(ctx: JailContext, needs: Needs) -> CheckResult:
    value = ctx.params.get("securelevel", "")
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


def _switches(ctx: JailContext) -> list[str]:
    """vm-bhyve's switches: switch_list in $vm_dir/.config/system.conf.

    That is what `vm switch list` loops over (lib/vm-switch switch::list, v1.7.5).
    """
    return ctx.jail.vm_system.get("switch_list", "").split()


def _vnet(ctx: JailContext, needs: Needs) -> CheckResult:
    """A non-vnet jail is fine while every NIC has a host-made tap (networkN_device).

    vm-bhyve keeps such a NIC whatever its networkN_switch names (switch::provision reads
    the type of any named switch as "standard", and switch::standard::provision takes
    networkN_device as the tap; a switch it cannot find is only logged); only a NIC
    without a device needs a switch that `vm init` makes, and a bridge a jail without
    vnet cannot create.
    """
    vnet = "vnet" in ctx.params
    if vnet:
        return CheckResult("jail vnet", "PASS", ctx.where("vnet"))
    switches = list(dict.fromkeys([*needs.made_switches, *_switches(ctx)]))
    if switches:
        name = ctx.name if vnet_name_ok(ctx.name) else re.sub(r"[-_]", "", ctx.name)
        return CheckResult("jail vnet", "FAIL", "vm-bhyve switches ("
                           + ", ".join(quoted(s) for s in switches)
                           + ") need a vnet jail: vm init cannot create their bridges",
                           "recreate the jail with vnet ("
                           f"{shown_join(('bastille', 'create', '-V', name))} ...), "
                           "or give each NIC a host-made tap (networkN_device)")
    return CheckResult("jail vnet", "PASS", "not vnet; every NIC has a host-made tap"
                       if needs.host_taps else "not vnet; no switch configured or used")


def _vm_bhyve(ctx: JailContext, facts: Facts) -> list[CheckResult]:
    found = ctx.jail.vm_bhyve_version or ""
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)*", found):
        return [CheckResult("vm-bhyve installed", "FAIL", "no /usr/local/lib/vm-bhyve/vm-base "
                            "in the jail", install_fix(facts, ctx.jail, "vm-bhyve"))]
    version = Version(found)
    results = [CheckResult("vm-bhyve installed", "WARN" if Version("1.7.0") <= version <=
                           Version("1.7.2") else "PASS", f"{version}" + (
                               ": its rc.d skips switch creation at jail boot" if
                               Version("1.7.0") <= version <= Version("1.7.2") else ""),
                           ctx.fix("pkg", "upgrade", "-y", "vm-bhyve") if
                           Version("1.7.0") <= version <= Version("1.7.2") else "")]
    rc = ctx.jail.rc_conf
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


def _guests(ctx: JailContext, facts: Facts) -> list[CheckResult]:
    results = []
    needs = Needs.of(ctx.guests)
    # Without vnet, a NIC on a host-made tap needs no switch (see _vnet).
    wanted = needs.switches if "vnet" in ctx.params else needs.made_switches
    if wanted:
        switches = _switches(ctx)
        missing = [s for s in wanted if s not in switches]
        results.append(CheckResult(
            "vm-bhyve switches", "FAIL" if missing else "PASS",
            ("missing: " if missing else "") + ", ".join(quoted(s) for s in
                                                         missing or wanted),
            " && ".join(create_fixes(ctx, missing)) if missing else ""))
    for guest in ctx.guests:
        loader = guest.get("loader") or ""
        if loader in FIRMWARE:
            fd = f"/usr/local/share/uefi-firmware/{FIRMWARE[loader]}"
            present = FIRMWARE[loader] in ctx.jail.firmware
            results.append(CheckResult(
                f"guest {quoted(guest.name)} firmware", "PASS" if present else "FAIL",
                fd + (" present" if present else " missing in the jail"),
                "" if present else install_fix(facts, ctx.jail, "edk2-bhyve")))
        elif loader == "grub":
            present = ctx.jail.grub_bhyve
            results.append(CheckResult(
                f"guest {quoted(guest.name)} grub-bhyve", "PASS" if present else "FAIL",
                "present" if present else "grub-bhyve missing in the jail",
                "" if present else install_fix(facts, ctx.jail, "grub2-bhyve")))
        version = ctx.jail.vm_bhyve_version or ""
        if re.fullmatch(r"[0-9]+(\.[0-9]+)*", version) and Version(version) < Version(
                slots.WRAPS_SINCE):
            over = slots.beyond_pre17(guest.get)
            if over:
                results.append(CheckResult(
                    f"guest {quoted(guest.name)} PCI slots", "FAIL",
                    f"vm-bhyve {version} puts " + ", ".join(
                        f"{d.what} on slot {d.slot}" for d in over) + " (31 is lpc's, 32+ "
                    "bhyve refuses); 1.7.0 moves on to bus 1",
                    ctx.fix("pkg", "upgrade", "-y", "vm-bhyve")))
        findings = lint_vmconf(Path(guest.path), guest.text)
        errors = [f for f in findings if f.is_error]
        shown = errors or findings
        rel = quoted(guest.path)
        results.append(CheckResult(
            f"guest {quoted(guest.name)} config",
            "FAIL" if errors else "WARN" if findings else "PASS",
            f"{rel}: {len(errors)} error(s), {len(findings) - len(errors)} warning(s)"
            + (f"; line {shown[0].line}: {shown[0].message}" if shown else ""),
            f"bhyvetpl lint {rel} and fix each line it names" if shown else ""))
    return results


def check_vmm_ppt(facts: Facts, ctx: JailContext, needs: Needs) -> CheckResult:
    """allow.vmm_ppt in jail.conf only where the kernel has it; wanted for passthrough."""
    exists = "security.jail.param.allow.vmm_ppt" in facts.sysctls
    wanted = "allow.vmm_ppt" in ctx.params
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
