"""`bhyvetpl audit`: what a bhyve jail can reach against what its guests need.

It reads the same Facts as plan and doctor, derives the narrowest grants from the
guests the facts found (policy.devfs_rules, the securelevel the doctor asks for), and
names each grant that is wider, with the change that removes it. Verdicts: `wider`
(exit 1), `narrower` (the guests will fail; doctor says how), `note` (a grant with its
reason, e.g. what `$devfsrules_jail` brings).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict

from packaging.version import InvalidVersion, Version

from bhyvetpl.auditfinding import Finding as Finding  # audit.Finding, as before
from bhyvetpl.auditmounts import mount_findings
from bhyvetpl.doctor.guest import Guest, Needs
from bhyvetpl.doctor.host import passthru_nodes
from bhyvetpl.doctor.jail import jails_dir
from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts, Jail
from bhyvetpl.facts.parse import humanized_at_most
from bhyvetpl.hostfs import devfs
from bhyvetpl.model import policy, values
from bhyvetpl.model.jail import RulesetSpec
from bhyvetpl.model.policy import Features
from bhyvetpl.output import table
from bhyvetpl.shquote import shown, shown_join

# jail(8): mount.devfs applies ruleset 4 (devfsrules_jail) when devfs_ruleset is not set.
JAIL_DEFAULT_RULESET = 4
# What /etc/defaults/devfs.rules' devfsrules_jail (4) unhides: basic and login nodes for
# the jail's own userland, fuse and zfs; devfsrules_jail_vnet (5) adds pf.
JAIL_INCLUDES = {
    "$devfsrules_jail": "null, zero, random, urandom, crypto, ptmx, pts, fd, stdin/out/err "
                        "(the jail's userland), fuse and zfs (devfsrules_jail, ruleset 4)",
    "$devfsrules_jail_vnet": "everything $devfsrules_jail brings, and pf",
}
# A per-guest jail's ruleset starts here: it unhides nothing (policy.JAIL_BASICS).
HIDE_ALL = "$devfsrules_hide_all"
DANGEROUS = {"mem": "host memory", "kmem": "kernel memory", "io": "I/O ports",
             "pci": "host PCI config space"}
# allow.* a bhyve jail may need, and when (reference.md §4).
PLAIN_PATH_RE = re.compile(r"[A-Za-z0-9._/*?!\[\]-]{1,255}", re.ASCII)
ALLOW_VMM, ALLOW_MOUNT = "allow.vmm", ("allow.mount", "allow.mount.zfs")


def bhyve_jails(facts: Facts, name: str | None) -> tuple[Jail, ...]:
    """The named jail, or every jail with allow.vmm (a jail that can run bhyve)."""
    if name is not None:
        found = facts.jail(name)
        return (found,) if found is not None else ()
    return tuple(j for j in facts.jails if ALLOW_VMM in j.params)


def audit(facts: Facts, name: str | None = None) -> list[Finding]:
    """Every finding for the named jail (or each bhyve jail), in jail order."""
    found: list[Finding] = []
    for jail in bhyve_jails(facts, name):
        found += audit_jail(facts, jail)
    return found


def audit_jail(facts: Facts, jail: Jail) -> list[Finding]:
    """The devfs, jail parameter, mount and resource findings of one jail."""
    guests = tuple(Guest(g) for g in jail.guests)
    vm_dir = jail.rc_conf.get("vm_dir")
    needs = Needs.of(guests, vm_dir).with_jail_rc(dict(jail.rc_conf))
    try:
        features = wanted(facts, jail, needs)
    except SpecError as err:
        return [Finding(jail.name, "note", "guests", f"not audited: {err}")]
    return [*devfs_findings(facts, jail, features, needs), *address_findings(facts, jail, needs),
            *param_findings(jail, needs, zfs=bool(vm_dir and vm_dir.startswith("zfs:")),
                            conf=f"{jails_dir(facts)}/{jail.name}/jail.conf"),
            *mount_findings(facts, jail, guests),
            *limit_findings(facts, jail, guests)]


def release_of(facts: Facts) -> Version:
    """The running kernel's X.Y (vmmctl and io/kmem follow the kernel), else 14.0."""
    text = facts.release.kernel_running if facts.release else ""
    try:
        return Version(text.split("-", 1)[0])
    except InvalidVersion:
        return Version("14.0")


def ruleset_number(jail: Jail) -> int:
    """The jail's devfs_ruleset, or the one jail(8) applies without it."""
    value = jail.params.get("devfs_ruleset", "")
    return int(value) if value.isdigit() else JAIL_DEFAULT_RULESET


def wanted(facts: Facts, jail: Jail, needs: Needs) -> Features:
    """The Features the jail's guests need: the rules bhyvetpl would write for them.

    A per-guest jail (its ruleset from hide_all) is held to its guest's zvols by name and
    /dev/zfs for its jailed dataset, as policy.devfs_rules writes them.
    """
    alone = per_guest(facts, jail)
    zvol = needs.zvol_dataset
    own = tuple(n for n in needs.disk_nodes if zvol and n.startswith(f"zvol/{zvol}/"))
    return Features(
        jail=jail.name, release=release_of(facts),
        ruleset=RulesetSpec(ruleset_number(jail)), guests=needs.guests, console=True,
        tap=needs.made_taps, host_taps=needs.host_taps,
        zvol_dataset=None if alone else zvol, zvol_nodes=own if alone else (),
        zfs=str(jail.rc_conf.get("vm_dir", "")).startswith("zfs:"), per_guest=alone,
        disk_nodes=tuple(n for n in needs.disk_nodes if n not in own),
        uefi=bool(needs.uefi_guests), passthrough=bool(needs.passthru),
        dhcp=needs.dhcp and not alone,
        vnet="vnet" in jail.params,
        uefi_guests=needs.uefi_guests, fbuf_guests=needs.fbuf_guests)


def per_guest(facts: Facts, jail: Jail) -> bool:
    """A jail of one guest: its ruleset starts from $devfsrules_hide_all (policy.JAIL_BASICS)."""
    number = ruleset_number(jail)
    return any(HIDE_ALL in s.includes for s in facts.devfs_rulesets if s.number == number)


def address_findings(facts: Facts, jail: Jail, needs: Needs) -> list[Finding]:
    """A per-guest jail that takes an address by DHCP: dhclient needs bpf, the guest does not.

    Its guest's taps reach the uplink through the jail's switch with vnet0 as a member,
    which needs no address; bhyvetpl's per-guest template writes ifconfig_vnet0="up" and
    installs the jail's packages from the host (plan.rootpkg).
    """
    if not (needs.dhcp and per_guest(facts, jail)):
        return []
    keys = sorted(k for k, v in jail.rc_conf.items() if k.startswith("ifconfig_")
                  and {w.upper() for w in v.split()} & {"DHCP", "SYNCDHCP"})
    key = keys[0] if keys else "ifconfig_vnet0"
    return [Finding(jail.name, "wider", "address", f"{key} runs dhclient, which needs "
                    "bpf(4); a jail of one guest needs no address of its own",
                    shown_join(("bastille", "sysrc", jail.name, f"{key}=up"))
                    + ", then drop bpf* from its ruleset")]


def _label(path: str) -> str:
    """A devfs path as a label: plain when it is a path or glob, quoted otherwise."""
    return path if PLAIN_PATH_RE.fullmatch(path) else shown(path)


# vm-bhyve's util::yesno reads YES/TRUE/ON/1; Bastille's sysrc writes the jail's rc.conf.
HOST_CHECKS_OFF = (", or turn vm-bhyve's host checks off: {command} (what bhyvetpl's "
                   "template writes from 13.1)")


def devfs_findings(facts: Facts, jail: Jail, features: Features,
                   needs: Needs | None = None) -> list[Finding]:
    """Each unhidden path beyond the guests' rules, each needed one that is hidden.

    Passthrough from 13.1 needs `mem` only while vm-bhyve's host checks are on in the jail
    (its IOMMU check runs acpidump; the doctor's passthru_nodes): needed then, with the
    rc.conf line that drops it offered as the narrower change.
    """
    number = features.ruleset.number
    ruleset = next((s for s in facts.devfs_rulesets if s.number == number), None)
    where = f"/etc/devfs.rules [{ruleset.name}={number}]" if ruleset else "/etc/devfs.rules"
    ruled = [p for g in policy.devfs_rules(features) for p in g.paths]
    need = ruled + [p for p in (passthru_nodes(needs, features.release) if needs else ())
                    if p not in ruled]
    if ruleset is not None and HIDE_ALL in ruleset.includes:
        need += [p for p in policy.JAIL_BASICS if p not in need]
    if ruleset is None:
        fix = (f"bhyvetpl host prepare --ruleset {number}" if number != JAIL_DEFAULT_RULESET
               else shown_join(("bastille", "config", jail.name, "set", "devfs_ruleset",
                                "25")) + ", then bhyvetpl host prepare")
        return [Finding(jail.name, "narrower", f"devfs ruleset {number}",
                        "not in /etc/devfs.rules: the jail's /dev hides the vmm nodes", fix)]
    found = [Finding(jail.name, "note", f"devfs include {inc}",
                     f"{JAIL_INCLUDES[inc]}: needed by the jail, not by the guests")
             for inc in ruleset.includes if inc in JAIL_INCLUDES]
    found += [Finding(jail.name, "wider", f"devfs include {inc}",
                      f"unhides what {inc} names, which no guest opens",
                      f"replace `add include {inc}` with `add include $devfsrules_jail` "
                      f"in {where}")
              for inc in ruleset.includes if inc not in JAIL_INCLUDES and inc != HIDE_ALL]
    for path in ruleset.unhidden:
        if path in need:
            continue
        rule = f"`add path {shown(path, 'devfs_rules')} unhide`"
        # A narrower glob of ours (a guest's nmdm-NAME.[1-4][AB]) is matched as text.
        covers = [n for n in need if devfs.matches(path, n)]
        if covers:
            extra = "; ".join(f"add path {shown(n, 'devfs_rules')} unhide" for n in covers
                              if n not in ruleset.unhidden)
            found.append(Finding(jail.name, "wider", f"devfs /dev/{_label(path)}",
                                 f"reaches more than the guests' {', '.join(covers)}",
                                 f"in {where} replace {rule}"
                                 + (f" with {extra}" if extra else " (already covered)")))
        else:
            danger = f": {DANGEROUS[path]}" if path in DANGEROUS else ""
            found.append(Finding(jail.name, "wider", f"devfs /dev/{_label(path)}",
                                 f"no guest opens it{danger}",
                                 f"delete {rule} from {where}"))
    for path in need:
        if path not in ruleset.unhidden and not any(devfs.matches(r, path)
                                                    for r in ruleset.unhidden):
            found.append(Finding(jail.name, "narrower", f"devfs /dev/{_label(path)}",
                                 "hidden, and a guest opens it",
                                 f"add path {shown(path, 'devfs_rules')} unhide in {where}"
                                 + (HOST_CHECKS_OFF.format(command=shown_join(
                                     ("bastille", "sysrc", jail.name,
                                      "vm_disable_host_checks=YES")))
                                    if path == "mem" and path not in ruled else "")))
    return found


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.lstrip("-").isdigit() else None


def _enabled(params: dict[str, str], name: str) -> bool:
    value = params.get(name)
    return value is not None and value.lower() not in ("0", "false")


def param_findings(jail: Jail, needs: Needs, zfs: bool,
                   conf: str = "jail.conf") -> list[Finding]:
    """securelevel, allow.*, enforce_statfs and children.max against the guests' needs."""
    name, params, found = jail.name, jail.params, []

    def line(key: str) -> str:
        number = jail.param_lines.get(key)
        return f"{shown(conf)} line {number}" if number else shown(conf)

    def config(*words: str) -> str:
        return shown_join(("bastille", "config", name, *words))

    need = needs.securelevel
    level = _int(params.get("securelevel"))
    if level is None:
        found.append(Finding(name, "wider", "securelevel", "unset: the jail inherits the "
                             "host's kern.securelevel (-1 unless raised)",
                             config("set", "securelevel", str(need))))
    elif level < need:
        found.append(Finding(name, "wider", "securelevel", f"{level}; the guests work "
                             f"under {need}", config("set", "securelevel", str(need))
                             + f" ({line('securelevel')})"))
    elif level > need:
        found.append(Finding(name, "narrower", "securelevel", f"{level}; the guests' disks "
                             f"or devices need <= {need}",
                             config("set", "securelevel", str(need))))
    allowed = {ALLOW_VMM, *(ALLOW_MOUNT if zfs else ()),
               *(("allow.vmm_ppt",) if needs.passthru else ())}
    for key in sorted(k for k in params if k.startswith("allow.") and k not in allowed
                      and _enabled(params, k)):
        found.append(Finding(name, "wider", shown(key), "no guest needs it",
                             f"delete the `{shown(key)}` line ({line(key)})"))
    if ALLOW_VMM not in params:
        found.append(Finding(name, "narrower", ALLOW_VMM, "missing: bhyve cannot use vmm(4)",
                             config("set", "allow.vmm")))
    statfs_need = 1 if zfs else 2
    statfs = _int(params.get("enforce_statfs"))
    statfs = 2 if statfs is None else statfs   # jail(8)'s default
    if statfs < statfs_need:
        found.append(Finding(name, "wider", "enforce_statfs", f"{statfs}: the jail sees "
                             "mount points outside its root", f"enforce_statfs = "
                             f"{statfs_need} ({line('enforce_statfs')})"))
    elif statfs > statfs_need:
        found.append(Finding(name, "narrower", "enforce_statfs", f"{statfs}: vm-bhyve "
                             "cannot mount its jailed dataset", "enforce_statfs = 1"))
    children = _int(params.get("children.max"))
    if children:
        found.append(Finding(name, "wider", "children.max", f"{children}: the jail may "
                             "create jails", f"children.max = 0 ({line('children.max')})"))
    return found


def guest_memory(guests: tuple[Guest, ...]) -> int | None:
    """The guests' memory together in bytes (None when one size is unreadable)."""
    total = 0
    for guest in guests:
        try:
            total += values.size_bytes(values.size("memory", guest.get("memory") or "256M"))
        except SpecError:
            return None
    return total


def limit_findings(facts: Facts, jail: Jail, guests: tuple[Guest, ...]) -> list[Finding]:
    """Whether the jail's memory is capped (rctl vmemoryuse; see policy.rctl_rules)."""
    memory = guest_memory(guests)
    size = f"{-(-memory // policy.MIB)}M" if memory else "SIZE"
    fix = shown_join(("bhyvetpl", "host", "prepare", "--jail", jail.name, "--limit-memory",
                      size)) + ", then reboot"
    if facts.sysctls.get(policy.RACCT) != "1":
        return [Finding(jail.name, "wider", "memory", "no rctl limits (kern.racct.enable is "
                        "not 1): the guests can take all host memory", fix)]
    key = f"jail:{jail.name}:vmemoryuse:deny"
    cap = facts.rctl_conf.get(key)
    if cap is None:
        return [Finding(jail.name, "wider", "memory", f"no {key} rule in /etc/rctl.conf", fix)]
    try:
        capped = values.size_bytes(values.size(key, cap))
    except SpecError:
        return [Finding(jail.name, "note", "memory", f"{key}={cap}: not read")]
    if memory is not None and capped < memory:
        return [Finding(jail.name, "narrower", "memory", f"{key}={cap} is below the guests' "
                        f"{size}", fix)]
    used = jail.usage.get("vmemoryuse")
    most = humanized_at_most(used) if used is not None else None
    if most is not None and most >= capped:
        return [Finding(jail.name, "narrower", "memory", f"the jail uses vmemoryuse={used} "
                        f"(rctl -hu), not below {key}={cap}: its guests' next allocations "
                        "fail", fix)]
    return []


def wider(findings: list[Finding]) -> bool:
    """Whether any grant is wider than the guests need (audit exits 1)."""
    return any(f.verdict == "wider" for f in findings)


def as_table(findings: list[Finding]) -> str:
    """One row a finding, then the changes."""
    rows = [(f.jail, f.verdict, f.what, f.detail) for f in findings]
    body = table(("jail", "verdict", "what", "detail"), rows) if rows else "nothing found"
    changes = [f"  {f.jail} {f.what}: {f.change}" for f in findings if f.change]
    count = sum(f.verdict == "wider" for f in findings)
    return body + ("\n\nchanges:\n" + "\n".join(changes) if changes else "") + \
        f"\n\n{count} wider than needed"


def as_json(findings: list[Finding]) -> str:
    """The findings as a JSON document."""
    return json.dumps({"findings": [asdict(f) for f in findings],
                       "wider": sum(f.verdict == "wider" for f in findings)}, indent=2)
