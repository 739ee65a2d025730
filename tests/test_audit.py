"""`bhyvetpl audit` over recorded jails: too wide, exactly right, too narrow.

Every case starts from the recorded demo host (bhyvetpl/data, built from
tests/fixtures/freebsd: a Bastille 1.x vnet jail with allow.raw_sockets, two vm-bhyve
guests) made exactly right, then changes one thing an admin or another tool does.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bhyvetpl import audit
from bhyvetpl.cli.app import app
from bhyvetpl.doctor.guest import Guest, Needs
from bhyvetpl.facts import parse, record
from bhyvetpl.facts.demo import demo_facts
from bhyvetpl.facts.model import Facts, Jail
from bhyvetpl.facts.model import Guest as FactGuest
from bhyvetpl.hostfs import devfs
from bhyvetpl.model import policy
from tests.test_ruleset_fnmatch import fnmatch_pathname

Edit = Callable[[Facts], Facts]
JAIL = "bhyve"


def jail_of(facts: Facts) -> Jail:
    found = facts.jail(JAIL)
    assert found is not None
    return found


def with_jail(facts: Facts, **changes: Any) -> Facts:
    jail = dataclasses.replace(jail_of(facts), **changes)
    return dataclasses.replace(facts, jails=tuple(jail if j.name == JAIL else j
                                                  for j in facts.jails))


def params(facts: Facts, drop: tuple[str, ...] = (), **set_: str) -> Facts:
    new = {k: v for k, v in jail_of(facts).params.items() if k not in drop}
    new.update({k.replace("__", "."): v for k, v in set_.items()})
    return with_jail(facts, params=new)


def exact(facts: Facts) -> Facts:
    """The ruleset bhyvetpl renders for the jail's guests, racct on and the cap in rctl.conf."""
    jail = jail_of(facts)
    guests = tuple(Guest(g) for g in jail.guests)
    features = audit.wanted(facts, jail, Needs.of(guests, jail.rc_conf.get("vm_dir"))
                            .with_jail_rc(dict(jail.rc_conf)))
    text = "[devfs_rules_bhyve_jail=25]\nadd include $devfsrules_jail\n" + "".join(
        f"add path '{p}' unhide\n" for g in policy.devfs_rules(features) for p in g.paths)
    memory = audit.guest_memory(guests) or 0
    cap = {f"jail:{JAIL}:vmemoryuse:deny": f"{(memory >> 20) + 1024}M"}
    return dataclasses.replace(facts, devfs_rulesets=devfs.rulesets(text),
                               sysctls={**facts.sysctls, policy.RACCT: "1"}, rctl_conf=cap)


def base() -> Facts:
    """The recorded host, its jail without Bastille's allow.raw_sockets, made exact."""
    return exact(params(demo_facts(), drop=("allow.raw_sockets",)))


def rules(facts: Facts, edit: Callable[[tuple[str, ...]], tuple[str, ...]]) -> Facts:
    ruleset = facts.devfs_rulesets[0]
    return dataclasses.replace(facts, devfs_rulesets=(
        dataclasses.replace(ruleset, unhidden=edit(ruleset.unhidden)),))


def hide_all(facts: Facts) -> Facts:
    """The ruleset as a per-guest jail has it: from hide_all, with the four basics."""
    ruleset = facts.devfs_rulesets[0]
    return dataclasses.replace(facts, devfs_rulesets=(dataclasses.replace(
        ruleset, includes=("$devfsrules_hide_all",),
        unhidden=(*policy.JAIL_BASICS, *ruleset.unhidden)),))


PER_GUEST = {"loader": "bhyveload", "memory": "1G", "network0_type": "virtio-net",
             "network0_switch": "public", "network0_device": "tap1000"}


def no_address(facts: Facts) -> Facts:
    """The jail's vnet0 only up, as a per-guest jail has it: no dhclient, so no bpf."""
    jail = jail_of(facts)
    return with_jail(facts, rc_conf={**jail.rc_conf, "ifconfig_vnet0": "up"})


def one_guest(facts: Facts, address: str = "up", disks: dict[str, str] | None = None
              ) -> Facts:
    """A per-guest jail as bhyvetpl makes it: one guest on its named tap, vnet0 only up."""
    jail = jail_of(facts)
    return hide_all(exact(with_jail(facts, guests=(FactGuest("web", {**PER_GUEST,
                                                                     **(disks or {})}),),
                                    rc_conf={**jail.rc_conf, "ifconfig_vnet0": address})))


def guest(facts: Facts, name: str, **config: str) -> Facts:
    jail = jail_of(facts)
    return with_jail(facts, guests=(*jail.guests, FactGuest(name, config)))


def zvol_jail(facts: Facts) -> Facts:
    jail = jail_of(facts)
    return with_jail(params(facts, securelevel="1", enforce_statfs="1", allow__mount="",
                            allow__mount__zfs=""),
                     rc_conf={**jail.rc_conf, "vm_dir": "zfs:tank/vm"},
                     guests=(*jail.guests, FactGuest("db1", {
                         "loader": "bhyveload", "memory": "2G", "disk0_type": "virtio-blk",
                         "disk0_name": "disk0", "disk0_dev": "sparse-zvol"})))


def per_guest_zvol(facts: Facts) -> Facts:
    """A per-guest jail: one zvol guest on the jail's own dataset, ruleset from hide_all,
    exactly as bhyvetpl writes it (its guest's zvols by name, /dev/zfs)."""
    jail = jail_of(facts)
    facts = with_jail(params(facts, securelevel="1", enforce_statfs="1", allow__mount="",
                             allow__mount__zfs=""),
                      rc_conf={**jail.rc_conf, "vm_dir": f"zfs:tank/vm/{JAIL}",
                               "ifconfig_vnet0": "up"},
                      guests=(FactGuest(JAIL, {
                          "loader": "bhyveload", "memory": "2G", "disk0_type": "virtio-blk",
                          "disk0_name": "disk0", "disk0_dev": "sparse-zvol",
                          "disk1_type": "virtio-blk", "disk1_name": "disk1",
                          "disk1_dev": "zvol"}),))
    facts = dataclasses.replace(facts, devfs_rulesets=devfs.rulesets(
        "[devfs_rules_bhyve_jail=25]\nadd include $devfsrules_hide_all\n"))
    jail = jail_of(facts)
    guests = tuple(Guest(g) for g in jail.guests)
    features = audit.wanted(facts, jail, Needs.of(guests, jail.rc_conf.get("vm_dir"))
                            .with_jail_rc(dict(jail.rc_conf)))
    text = "[devfs_rules_bhyve_jail=25]\nadd include $devfsrules_hide_all\n" + "".join(
        f"add path '{p}' unhide\n" for g in policy.devfs_rules(features) for p in g.paths)
    return dataclasses.replace(facts, devfs_rulesets=devfs.rulesets(text), rctl_conf={
        f"jail:{JAIL}:vmemoryuse:deny": "3072M"})


def per_guest_host_zvol(facts: Facts) -> Facts:
    """A per-guest jail as bhyvetpl makes it on a zfs: vm_dir: the host made the zvol, the
    guest names it as a custom disk, vm_dir a directory, no jailed dataset."""
    jail = jail_of(facts)
    return one_guest(with_jail(params(facts, securelevel="1"), guests=(), rc_conf={
        **jail.rc_conf, "vm_dir": "/vms"}), disks={
            "disk0_type": "virtio-blk", "disk0_dev": "custom",
            "disk0_name": "/dev/zvol/tank/vm/web/disk0"})


UEFI = {"loader": "uefi", "memory": "4G", "graphics": "yes", "disk0_type": "nvme",
        "disk0_name": "disk0.img"}
PPT = {"loader": "uefi", "memory": "8G", "passthru0": "2/0/0", "disk0_type": "nvme",
       "disk0_name": "disk0.img"}


def host_checks_off(facts: Facts) -> Facts:
    """The jail's rc.conf as bhyvetpl's template writes it for passthrough from 13.1."""
    jail = jail_of(facts)
    return with_jail(facts, rc_conf={**jail.rc_conf, "vm_disable_host_checks": "YES"})


def release(facts: Facts, text: str) -> Facts:
    assert facts.release is not None
    return dataclasses.replace(facts, release=dataclasses.replace(
        facts.release, kernel_running=text, kernel_installed=text, userland=text))


JAILS = "/usr/local/bastille/jails"


def bastille_mount(host: str, jail_path: str, fstype: str = "nullfs",
                   options: str = "ro") -> str:
    """The line `bastille mount bhyve HOST JAIL_PATH [TYPE OPTIONS 0 0]` appends to the fstab.

    mount.sh (BastilleBSD/bastille @ 1.4.4): `${hostpath_fstab} ${fullpath_fstab} ${type}
    ${perms} ${checks}`, the jail path below JAILS/NAME/root/ with its first `//` made
    `/`, a blank in either path as \040; two arguments mean `nullfs ro 0 0`.
    tests/test_audit_bastille.py checks these lines against Bastille's own mount.sh.
    """
    full = f"{JAILS}/{JAIL}/root/{jail_path}".replace("//", "/", 1)
    return " ".join((host.replace(" ", "\\040"), full.replace(" ", "\\040"), fstype, options,
                     "0 0"))


# create.sh @ 1.4.4: a thin jail's first fstab line; a Linux jail's (echo -e, aligned).
ROOT = f"{JAILS}/{JAIL}/root"
THIN = f"/usr/local/bastille/releases/14.3-RELEASE {ROOT}/.bastille nullfs ro 0 0"
LINUX_DEVFS = (f"devfs           {ROOT}/dev      devfs           rw"
               "                      0       0")
LINUX_TMPFS = (f"tmpfs           {ROOT}/dev/shm  tmpfs           "
               "rw,size=1g,mode=1777    0       0")
LINUX_PROC = (f"linprocfs       {ROOT}/proc     linprocfs       rw"
              "                      0       0")
LINUX_TMP = (f"/tmp            {ROOT}/tmp      nullfs          rw"
             "                      0       0")
PORTS = (f"/usr/local/bastille/releases/14.3-RELEASE/usr/ports {JAILS}/{JAIL}/root/usr/ports "
         "nullfs rw 0 0")


def fstab(*lines: str) -> Edit:
    """The jail's fstab holding these lines, as the facts pass reads it."""
    return lambda f: with_jail(f, fstab=parse.fstab("".join(f"{ln}\n" for ln in lines)),
                               fstab_path=f"{JAILS}/{JAIL}/fstab")


def vm_dir_mounted(facts: Facts) -> Facts:
    """vm_dir a host directory: `bastille mount bhyve /tank/vms /vms nullfs rw 0 0`."""
    return fstab(THIN, bastille_mount("/tank/vms", "/vms", options="rw"))(facts)


# name -> (edit of the exact host, the (verdict, what) findings expected, notes aside)
CASES: dict[str, tuple[Edit, set[tuple[str, str]]]] = {
    # exactly right
    "right-demo": (lambda f: f, set()),
    "right-zvol": (lambda f: exact(zvol_jail(f)), set()),
    "right-uefi-vnc": (lambda f: exact(guest(f, "win1", **UEFI)), set()),
    "right-15.0-vmmctl": (lambda f: exact(release(f, "15.0-RELEASE")), set()),
    "right-passthru": (lambda f: exact(host_checks_off(params(guest(f, "gpu1", **PPT),
                                                             securelevel="0"))), set()),
    "right-per-guest-hide-all": (lambda f: hide_all(exact(no_address(f))), set()),
    "right-per-guest-named-tap-no-address": (one_guest, set()),
    "right-per-guest-zvol": (per_guest_zvol, set()),
    "right-per-guest-host-zvol": (per_guest_host_zvol, set()),
    "wide-per-guest-host-zvol-zfs": (
        lambda f: rules(per_guest_host_zvol(f), lambda u: (*u, "zfs")),
        {("wider", "devfs /dev/zfs")}),
    "wide-per-guest-host-zvol-mount": (
        lambda f: params(per_guest_host_zvol(f), enforce_statfs="1", allow__mount="",
                         allow__mount__zfs=""),
        {("wider", "allow.mount"), ("wider", "allow.mount.zfs"), ("wider", "enforce_statfs")}),
    "wide-per-guest-zvol-glob": (
        lambda f: rules(per_guest_zvol(f), lambda u: (*u, f"zvol/tank/vm/{JAIL}/*",
                                                      f"zvol/tank/vm/{JAIL}/*/*")),
        {("wider", f"devfs /dev/zvol/tank/vm/{JAIL}/*"),
         ("wider", f"devfs /dev/zvol/tank/vm/{JAIL}/*/*")}),
    "narrow-per-guest-zvol-no-zfs": (
        lambda f: rules(per_guest_zvol(f), lambda u: tuple(p for p in u if p != "zfs")),
        {("narrower", "devfs /dev/zfs")}),
    "right-thin-jail-vm-dir-mounted-rw": (vm_dir_mounted, set()),
    "right-running-usage-below-cap": (lambda f: with_jail(f, running=True, usage=parse.rctl_usage(
        (Path(__file__).parent / "fixtures/freebsd/rctl-hu-jail-uwsgi.txt").read_text())), set()),
    "right-iso-below-vm-dir": (lambda f: fstab(THIN, bastille_mount("/tank/iso images",
                                                                    "/vms/.iso"))(f), set()),
    "right-linux-tmpfs": (fstab(LINUX_TMPFS), set()),
    "right-shared-vm-bhyve-ro": (fstab(bastille_mount("/usr/local/lib/vm-bhyve",
                                                      "/usr/local/lib/vm-bhyve")), set()),
    "right-custom-disk-dir": (lambda f: fstab(bastille_mount("/tank/disks", "/disks",
                                                             options="rw"))(exact(guest(
        f, "db2", loader="bhyveload", disk0_type="virtio-blk", disk0_dev="custom",
        disk0_name="/disks/db2.img"))), set()),
    # too wide
    "wide-per-guest-tap-glob": (lambda f: rules(one_guest(f), lambda u: (
        *(p for p in u if p != "tap1000"), "tap*")), {("wider", "devfs /dev/tap*")}),
    "wide-per-guest-dhcp": (lambda f: rules(one_guest(f, "SYNCDHCP"), lambda u: (*u, "bpf*")),
                            {("wider", "address"), ("wider", "devfs /dev/bpf*")}),
    "wide-per-guest-crypto": (lambda f: rules(hide_all(exact(no_address(f))),
                                              lambda u: (*u, "crypto")),
                              {("wider", "devfs /dev/crypto")}),
    "wide-vmm-glob": (lambda f: rules(f, lambda u: (*(p for p in u if not p.startswith(
        "vmm/")), "vmm/*")), {("wider", "devfs /dev/vmm/*")}),
    "wide-vmm.io-without-uefi": (lambda f: rules(f, lambda u: (*u, "vmm.io", "vmm.io/*")),
                                 {("wider", "devfs /dev/vmm.io"),
                                  ("wider", "devfs /dev/vmm.io/*")}),
    "wide-other-guests-segment": (
        lambda f: rules(exact(guest(f, "win1", **UEFI)), lambda u: (*u, "vmm.io/fbsd1.bootrom")),
        {("wider", "devfs /dev/vmm.io/fbsd1.bootrom")}),
    "wide-nmdm-glob": (lambda f: rules(f, lambda u: (*(p for p in u if not p.startswith(
        "nmdm-")), "nmdm-*")), {("wider", "devfs /dev/nmdm-*")}),
    "wide-mem": (lambda f: rules(f, lambda u: (*u, "mem")), {("wider", "devfs /dev/mem")}),
    "wide-io-kmem": (lambda f: rules(f, lambda u: (*u, "io", "kmem")),
                     {("wider", "devfs /dev/io"), ("wider", "devfs /dev/kmem")}),
    "wide-zvol-glob": (lambda f: rules(f, lambda u: (*u, "zvol", "zvol/*")),
                       {("wider", "devfs /dev/zvol"), ("wider", "devfs /dev/zvol/*")}),
    "wide-pci-without-passthru": (lambda f: rules(f, lambda u: (*u, "pci")),
                                  {("wider", "devfs /dev/pci")}),
    "wide-include-login": (lambda f: dataclasses.replace(f, devfs_rulesets=(dataclasses.replace(
        f.devfs_rulesets[0], includes=("$devfsrules_jail", "$devfsrules_unhide_login")),)),
        {("wider", "devfs include $devfsrules_unhide_login")}),
    "wide-bastille-raw-sockets": (lambda f: params(f, allow__raw_sockets=""),
                                  {("wider", "allow.raw_sockets")}),
    "wide-securelevel-0": (lambda f: params(f, securelevel="0"), {("wider", "securelevel")}),
    "wide-securelevel-unset": (lambda f: params(f, drop=("securelevel",)),
                               {("wider", "securelevel")}),
    "wide-allow-mount-without-zfs": (lambda f: params(f, allow__mount=""),
                                     {("wider", "allow.mount")}),
    "wide-vmm-ppt-without-passthru": (lambda f: params(f, allow__vmm_ppt=""),
                                      {("wider", "allow.vmm_ppt")}),
    "wide-enforce-statfs-0": (lambda f: params(f, enforce_statfs="0"),
                              {("wider", "enforce_statfs")}),
    "wide-children": (lambda f: params(f, children__max="4"), {("wider", "children.max")}),
    "wide-no-racct": (lambda f: dataclasses.replace(f, sysctls={}), {("wider", "memory")}),
    "wide-no-cap-rule": (lambda f: dataclasses.replace(f, rctl_conf={}), {("wider", "memory")}),
    "wide-mount-host-data-rw": (fstab(THIN, bastille_mount("/data", "/data", options="rw")),
                                {("wider", "mount /data")}),
    "wide-mount-host-dir-ro": (fstab(bastille_mount("/home/admin", "/mnt/admin")),
                               {("wider", "mount /mnt/admin")}),
    "wide-mount-above-vm-dir": (
        lambda f: fstab(bastille_mount("/tank", "/mnt", options="rw"))(with_jail(
            f, rc_conf={**jail_of(f).rc_conf, "vm_dir": "/mnt/vms"})),
        {("wider", "mount /mnt")}),
    "wide-mount-host-etc-at-vm-dir": (fstab(bastille_mount("/etc", "/vms", options="rw")),
                                      {("wider", "mount /vms")}),
    "wide-mount-bastille-jails": (fstab(bastille_mount(JAILS, "/vms", options="rw")),
                                  {("wider", "mount /vms")}),
    "wide-linux-devfs": (fstab(LINUX_DEVFS),
                         {("wider", "mount /dev")}),
    "wide-linux-linprocfs": (fstab(LINUX_PROC),
                             {("wider", "mount /proc")}),
    "wide-linux-host-tmp-rw": (fstab(LINUX_TMP),
                               {("wider", "mount /tmp")}),
    "wide-ports-rw": (fstab(THIN, PORTS),
                      {("wider", "mount /usr/ports")}),
    "wide-shared-vm-bhyve-rw": (fstab(bastille_mount("/usr/local/lib/vm-bhyve",
                                                     "/usr/local/lib/vm-bhyve", options="rw")),
                                {("wider", "mount /usr/local/lib/vm-bhyve")}),
    "wide-mount-procfs-param": (lambda f: params(f, mount__procfs=""),
                                {("wider", "mount.procfs")}),
    # too narrow
    "narrow-no-ruleset": (lambda f: dataclasses.replace(f, devfs_rulesets=()),
                          {("narrower", "devfs ruleset 25")}),
    "narrow-a-guests-vmm-node": (lambda f: rules(f, lambda u: tuple(
        p for p in u if p != "vmm/fbsd1")), {("narrower", "devfs /dev/vmm/fbsd1")}),
    "narrow-uefi-without-bootrom": (lambda f: rules(exact(guest(f, "win1", **UEFI)), lambda u:
                                                    tuple(p for p in u if "bootrom" not in p)),
                                    {("narrower", "devfs /dev/vmm.io/win1.bootrom")}),
    "narrow-securelevel-2-zvol": (lambda f: params(exact(zvol_jail(f)), securelevel="2"),
                                  {("narrower", "securelevel")}),
    "narrow-no-allow-vmm": (lambda f: params(f, drop=("allow.vmm",)),
                            {("narrower", "allow.vmm")}),
    # 13.1+: pci alone, but vm-bhyve's IOMMU check (host checks on) runs acpidump: /dev/mem
    "narrow-passthru-host-checks-on": (
        lambda f: exact(params(guest(f, "gpu1", **PPT), securelevel="0")),
        {("narrower", "devfs /dev/mem")}),
    "narrow-vm-dir-mounted-ro": (fstab(THIN, bastille_mount("/tank/vms", "/vms")),
                                 {("narrower", "mount /vms")}),
    "narrow-cap-below-guests": (lambda f: dataclasses.replace(f, rctl_conf={
        f"jail:{JAIL}:vmemoryuse:deny": "512M"}), {("narrower", "memory")}),
    # humanize_number's form, as tests/fixtures/freebsd/rctl-hu-jail-uwsgi.txt prints it
    "narrow-usage-over-cap": (lambda f: with_jail(f, running=True,
                                                  usage={"vmemoryuse": "9.9G"}),
                              {("narrower", "memory")}),
    # wider and narrower at once: the guest's own node replaced by a glob
    "wide-and-narrow": (lambda f: rules(f, lambda u: (*(p for p in u if p != "tap42"), "bpf*",
                                                      "tap1")),
                        {("wider", "devfs /dev/tap1"), ("narrower", "devfs /dev/tap42")}),
}


def run(case: str) -> list[audit.Finding]:
    edit, _ = CASES[case]
    return audit.audit(edit(base()), JAIL)


def test_the_matrix_has_twenty_cases_of_each_kind_together() -> None:
    kinds = {name.split("-", 1)[0] for name in CASES}
    assert kinds == {"right", "wide", "narrow"} and len(CASES) >= 20


@pytest.mark.parametrize("case", sorted(CASES))
def test_audit_finds_every_widening(case: str) -> None:
    _, expected = CASES[case]
    found = run(case)
    got = {(f.verdict, f.what) for f in found if f.verdict != "note"}
    assert got == expected, [dataclasses.astuple(f) for f in found]
    assert audit.wider(found) == any(v == "wider" for v, _ in expected)
    # each excess names the change that removes it
    assert all(f.change for f in found if f.verdict != "note")


def test_a_glob_is_answered_with_each_guests_own_rule() -> None:
    (finding,) = [f for f in run("wide-vmm-glob") if f.verdict == "wider"]
    assert "'vmm/fbsd1'" in finding.change and "'vmm/grub1'" in finding.change
    assert "fbsd1" in finding.detail


def test_a_console_glob_is_answered_with_each_guests_console_rule() -> None:
    (finding,) = [f for f in run("wide-nmdm-glob") if f.verdict == "wider"]
    assert "'nmdm-fbsd1.[1-4][AB]'" in finding.change and finding.change.startswith("in ")


def test_mem_for_host_checks_names_the_rc_conf_line_that_drops_it() -> None:
    (finding,) = [f for f in run("narrow-passthru-host-checks-on") if f.verdict == "narrower"]
    assert "vm_disable_host_checks=YES" in finding.change


def test_dangerous_nodes_say_what_they_expose() -> None:
    (finding,) = [f for f in run("wide-mem") if f.verdict == "wider"]
    assert "host memory" in finding.detail and "delete `add path 'mem' unhide`" in finding.change


def test_deleting_what_audit_names_leaves_nothing_wider() -> None:
    """Apply each devfs `delete` change to the recorded ruleset: audit is then clean."""
    for case in ("wide-mem", "wide-io-kmem", "wide-pci-without-passthru", "wide-zvol-glob",
                 "wide-vmm.io-without-uefi"):
        facts = CASES[case][0](base())
        names = {f.what.removeprefix("devfs /dev/") for f in audit.audit(facts, JAIL)
                 if f.verdict == "wider" and f.change.startswith("delete")}
        cleaned = rules(facts, lambda u, names=names: tuple(p for p in u if p not in names))  # type: ignore[misc]
        assert not audit.wider(audit.audit(cleaned, JAIL)), case


@pytest.mark.parametrize("case", sorted(c for c in CASES if c.startswith("wide-")
                                         and "mount" in {f.what.split()[0] for f in run(c)}))
def test_deleting_the_fstab_line_audit_names_leaves_nothing_wider(case: str) -> None:
    """The change is the exact line: delete it from the fstab text, audit is then clean."""
    facts = CASES[case][0](base())
    jail = jail_of(facts)
    text = "".join(f"{m.line}\n" for m in jail.fstab)
    for finding in audit.audit(facts, JAIL):
        if finding.what.startswith("mount ") and finding.verdict == "wider":
            line = finding.change.split("`")[1]
            assert line in text.splitlines(), finding.change
            if finding.change.startswith("delete"):
                text = "".join(f"{ln}\n" for ln in text.splitlines() if ln != line)
            else:   # replace `OLD` with `NEW`
                text = text.replace(line, finding.change.split("`")[3])
    cleaned = with_jail(facts, fstab=parse.fstab(text))
    assert not [f for f in audit.audit(cleaned, JAIL)
                if f.verdict == "wider" and f.what.startswith("mount ")], case


def test_a_mount_above_vm_dir_is_answered_with_the_line_for_vm_dir_alone() -> None:
    (finding,) = [f for f in run("wide-mount-above-vm-dir") if f.verdict == "wider"]
    assert finding.change.endswith(
        f"with `/tank/vms {JAILS}/{JAIL}/root/mnt/vms nullfs rw 0 0`")


def test_the_jail_include_is_a_note_with_its_reason() -> None:
    notes = [f for f in run("right-demo") if f.verdict == "note"]
    assert any("$devfsrules_jail" in f.what and "fuse and zfs" in f.detail for f in notes)


def test_an_exact_ruleset_reaches_no_other_guests_nodes() -> None:
    """The exact case checked with devfs's own matching (FNM_PATHNAME), not ours."""
    facts = CASES["right-uefi-vnc"][0](base())
    unhidden = facts.devfs_rulesets[0].unhidden
    for other in ("win", "win1.old", "win10", "fbsd", "fbsd1.b"):
        for node in (f"vmm/{other}", f"vmm.io/{other}.bootrom", f"vmm.io/{other}.framebuffer"):
            assert not any(fnmatch_pathname(r, node) for r in unhidden), node


def test_every_bhyve_jail_without_a_name() -> None:
    facts = CASES["wide-mem"][0](base())
    other = dataclasses.replace(jail_of(facts), name="web", params={"path": "/j/web"})
    facts = dataclasses.replace(facts, jails=(*facts.jails, other))
    assert {f.jail for f in audit.audit(facts)} == {JAIL}   # web has no allow.vmm


@pytest.mark.parametrize(("case", "code"), [("right-demo", 0), ("wide-mem", 1),
                                            ("narrow-no-allow-vmm", 0)])
def test_cli_exit_code_and_json(tmp_path: Path, case: str, code: int) -> None:
    path = tmp_path / "facts.json"
    path.write_text(record.dumps(CASES[case][0](base())))
    result = CliRunner().invoke(app, ["audit", JAIL, "--facts", str(path), "--json"])
    assert result.exit_code == code, result.output
    data = json.loads(result.stdout)
    assert data["wider"] == (1 if code else 0)
    table = CliRunner().invoke(app, ["audit", "--facts", str(path)])
    assert table.exit_code == code and "wider than needed" in table.stdout


def test_cli_refuses_an_unknown_jail(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(record.dumps(base()))
    result = CliRunner().invoke(app, ["audit", "nosuch", "--facts", str(path)])
    assert result.exit_code == 2 and "jail" in result.stderr
