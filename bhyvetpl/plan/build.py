"""Specs to plans: pure functions of the model and the rendered files, no I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

from bhyvetpl.adapters import bastille, devfs, host
from bhyvetpl.facts.model import Facts, Interface
from bhyvetpl.hostfs import HostFS
from bhyvetpl.hostfs import devfs as devfs_rules_file
from bhyvetpl.model import policy
from bhyvetpl.model.hostconf import AdminLines
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.nat import BRIDGE
from bhyvetpl.model.policy import Features
from bhyvetpl.plan import shared
from bhyvetpl.plan.actions import (
    Check,
    CheckRuleset,
    EditBlock,
    FileProbe,
    Plan,
    Probe,
    RulesProbe,
    RunCommand,
    Step,
    WriteFile,
)
from bhyvetpl.plan.footprint import jail_restart
from bhyvetpl.plan.jailblock import (
    JailRestartError,
    block_text,
    guests_level,
    restart_message,
    restart_steps,
)
from bhyvetpl.plan.limits import live_limits
from bhyvetpl.plan.rootpkg import package_step
from bhyvetpl.render import jail_packages, render_host, render_jail

HOST_FILES = ("etc/devfs.rules", "boot/loader.conf", "etc/rc.conf", "etc/sysctl.conf",
              "etc/rctl.conf")
# vm-bhyve needs these on the host; a jail cannot kldload (loader.conf/kld_list at boot).
# What the Bastille plugin declares (depends_kmods); host prepare loads per release.
HOST_MODULES = policy.host_modules(policy.TUNTAP_SINCE)
BASTILLE_PREFIX = PurePosixPath("/usr/local/bastille")
# `bastille create` may fetch a release and `bastille template` installs packages.
TEMPLATE_TIMEOUT = 3600.0


def host_prepare_plan(features: Features, root: Path, admin: AdminLines | None = None,
                      restart_network: bool = False, facts: Facts | None = None,
                      live_bridge: Callable[[], Interface | None] = lambda: None) -> Plan:
    """Edit the host files as marked blocks, then load modules, set sysctls, reload devfs.

    Args:
        features: What the jail's guests use (decides every line).
        root: Where `/` is (tests and staging use a directory).
        admin: The admin's own loader.conf/rc.conf lines (None: read them below root);
            ours never cancel them.
        restart_network: Apply a bridge that takes the uplink now (--restart-network)
            when the live one differs from rc.conf; without it, it is in rc.conf only
            and the summary says so.
        facts: The host as read (racct, the jail's state and usage): with racct on, the
            jail's rctl rules are added now where its usage allows (plan.limits).
        live_bridge: Reads bridge0 as `ifconfig` shows it now (None: there is none);
            called only once nothing refuses, so refused input runs no command.
    """
    admin = shared.admin_lines(HostFS(root)) if admin is None else admin
    fs = HostFS(root)
    for rel, wanted in shared.owned_settings(features, admin).items():
        shared.refuse_shared(features.jail, wanted, rel, fs.read_text(fs.place(rel)))
    rendered = {str(f.relpath): f.text for f in render_host(features, admin=admin)}
    devfs_rules = HostFS(root).place("/etc/devfs.rules")
    steps: list[Step] = [CheckRuleset(devfs_rules, features.ruleset.number,
                                      features.ruleset.name, features.jail)]
    steps += [EditBlock(HostFS(root).place("/" + rel), rendered[rel], features.jail)
              for rel in HOST_FILES if rel in rendered]
    rctl_now, rctl_refused = live_limits(features, facts)
    steps += rctl_now
    steps += [RunCommand(host.kldload_argv(module), why="load now what loader.conf/kld_list "
                         "load at boot",
                         skip_if=Probe(host.kldstat_argv(module), means=f"{module} loaded"))
              for module in policy.host_modules(features.release)]
    steps += [RunCommand(host.sysctl_set_argv(s.name, s.value or ""), why="set it now",
                         skip_if=Probe(host.sysctl_get_argv(s.name), line=s.value,
                                       means=f"{s.name} is {s.value}"))
              for s in policy.sysctl_conf(features)]
    # Late import: plan.network builds on this module's constants.
    from bhyvetpl.plan.network import (
        bridge_matches,
        nat_steps,
        tap_steps,
        uplink_bridge_steps,
        uplink_bridged,
    )
    steps += tap_steps(features)
    uplink_bridge = uplink_bridged(features)
    # The bridge line rc.conf will hold: ours, or the admin's own when it has it all.
    bridge_line = next((s.value or "" for s in policy.rc_conf(features, admin)
                        if s.name == f"ifconfig_{BRIDGE}"),
                       admin.rc.get(f"ifconfig_{BRIDGE}") or "")
    bridge_live = uplink_bridge and bridge_matches(bridge_line, live_bridge())
    if uplink_bridge and restart_network and not bridge_live:
        steps += uplink_bridge_steps(features)
    if features.nat is not None:
        steps += nat_steps(features, features.nat, root)[0]
    # Loaded whenever the kernel's copy is not what the file now says: also after a run
    # that wrote the file but deferred the restart (--root), or a reboot-less edit.
    (ruleset,) = devfs_rules_file.rulesets(rendered["etc/devfs.rules"])
    steps.append(RunCommand(host.service_argv("devfs", "restart"),
                            why="load the changed ruleset",
                            skip_if=RulesProbe(devfs.rule_show_argv(ruleset.number),
                                               len(ruleset.includes) + len(ruleset.unhidden),
                                               ruleset.unhidden)))
    later = ((f"bridge0 with the uplink {features.uplink} is live as /etc/rc.conf has it",)
             if bridge_live else
             (f"bridge0 with the uplink {features.uplink} is applied now "
              "(--restart-network: `service netif restart bridge0`, the live bridge differed "
              "from rc.conf)",)
             if restart_network else (
              f"bridge0 with the uplink {features.uplink} is in /etc/rc.conf only: it "
              "takes effect at the next boot, `service netif restart`, or this command with "
              "--restart-network (adding the uplink resets its link, if_bridge(4): run it "
              "from a console, not over it)",)) if uplink_bridge else ()
    summary = (f"host ready for jail {features.jail}: devfs ruleset {features.ruleset.name}="
               f"{features.ruleset.number}; "
               f"{', '.join(policy.host_modules(features.release))} loaded",
               "next: bhyvetpl jail create " + features.jail + (
                   f" --ruleset {features.ruleset.number}" if features.ruleset.number != 25
                   else ""),
               f"a running jail keeps its /dev until it restarts (bastille restart "
               f"{features.jail}) or `devfs -m JAILROOT/dev rule -s {features.ruleset.number} "
               "applyset`", *later, *_limits_summary(features, facts, rctl_refused))
    return Plan(f"host prepare for jail {features.jail}", tuple(steps), summary, root=root)


def _limits_summary(features: Features, facts: Facts | None,
                    refused: tuple[str, ...]) -> tuple[str, ...]:
    """Where the rctl rules are, and when they take effect (plan.limits decides `now`)."""
    if not policy.rctl_rules(features):
        return ()
    if facts is not None and facts.sysctls.get(policy.RACCT) == "1":
        return (f"rctl limits for jail {features.jail} are in /etc/rctl.conf and added now "
                "where the jail's usage is below them (rctl -a)", *refused)
    return (f"rctl limits for jail {features.jail} are in /etc/rctl.conf: they take "
            "effect at the next boot (kern.racct.enable is a boot-time tunable: "
            "shutdown -r now); before `service rctl start` on a running jail, compare "
            f"`rctl -hu jail:{features.jail}` with the rules",)


def template_stamp(texts: tuple[str, ...]) -> str:
    """What the stamp file holds once a template was applied: a digest of its files."""
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()
    return f"bhyvetpl template sha256 {digest}\n"


def jail_create_plan(jail: JailSpec, root: Path,
                     prefix: PurePosixPath = BASTILLE_PREFIX, create: bool = True,
                     found: tuple[Mapping[str, str], ...] = (), restart: bool = False) -> Plan:
    """Create the jail with Bastille, add what Bastille cannot set, apply the template.

    Args:
        jail: The validated jail.
        root: Where `/` is.
        prefix: bastille_prefix (jails and templates live below it).
        create: False for `jail apply`: the jail must already exist.
        found: The configs of the guests the jail already has: the securelevel in our
            jail.conf block follows them too, so it never rises above what they need.
        restart: Allow restarting an existing jail (stopping its running guests first)
            when its parameters change, or its template is applied again while guests run.

    Raises:
        JailRestartError: A restart is needed and `restart` is False (exit 2).
    """
    where = f"jail {jail.name}"
    jail_dir = HostFS(root).place(prefix / "jails" / jail.name)
    template_rel = f"bhyvetpl/{jail.name}"
    template_dir = HostFS(root).place(prefix / "templates" / template_rel)
    files = render_jail(jail)
    stamp = template_stamp(tuple(f"{f.relpath}\n{f.text}" for f in files))
    steps: list[Step] = [Check(Probe(host.sysctl_get_argv("security.jail.param.allow.vmm"),
                                     means="allow.vmm exists: vmm.ko is loaded"),
                               fix="run `bhyvetpl host prepare` (or kldload vmm) first")]
    if jail.vmm_ppt:
        steps.append(Check(
            Probe(host.sysctl_get_argv("security.jail.param.allow.vmm_ppt"),
                  means="this kernel has the allow.vmm_ppt jail parameter"),
            fix="drop --vmm-ppt: jail(8) would refuse the unknown parameter and the jail "
                "would not start"))
    # The ruleset the jail names must be loaded: jail(8) applies devfs_ruleset to the
    # jail's /dev, and an unknown number leaves the jail without vmm nodes.
    number = jail.ruleset.number
    steps.append(Check(Probe(devfs.rule_show_argv(number), nonempty=True,
                             means=f"devfs ruleset {number} is loaded"),
                       fix=f"bhyvetpl host prepare --jail {jail.name} --ruleset {number} "
                       "and this jail's feature flags (it writes "
                       f"[{jail.ruleset.name}={number}] to /etc/devfs.rules and loads it), "
                       "then run this again"))
    if create:
        # create.sh validate_release: "Release must be bootstrapped first." unless
        # ${bastille_releasesdir}/RELEASE exists; `bastille list releases` lists those.
        steps.append(RunCommand(bastille.bootstrap_argv(jail.release), where="host",
                                why="Bastille creates jails only from a bootstrapped "
                                "release (a long download)", timeout=TEMPLATE_TIMEOUT,
                                skip_if=Probe(bastille.list_releases_argv(), line=jail.release,
                                              means=f"{jail.release} is bootstrapped")))
        steps.append(RunCommand(bastille.create_argv(jail), where=where,
                                why="Bastille makes the jail", timeout=TEMPLATE_TIMEOUT,
                                skip_if=Probe(bastille.list_jails_argv(), line=jail.name,
                                              means=f"jail {jail.name} exists")))
    else:
        steps.append(Check(Probe(bastille.list_jails_argv(), line=jail.name,
                                 means=f"jail {jail.name} exists"),
                           where=where, fix=f"create it: bhyvetpl jail create {jail.name}"))
    features = Features.of_jail(jail)
    if jail.vm_dataset:
        # vm-bhyve's `vm init` needs the dataset of a `zfs:` vm_dir to exist; nothing
        # else creates it. It stays attached across restarts through the jail.conf
        # block's exec.created (what `bastille zfs JAIL jail DATASET PATH` writes in
        # Bastille 1.0.1+, zfs.sh zfs_jail_dataset), and the template sets zfs_enable.
        steps.append(RunCommand(host.zfs_create_argv(jail.vm_dataset),
                                why="the dataset of vm-bhyve's ZFS vm_dir",
                                skip_if=Probe(host.zfs_exists_argv(jail.vm_dataset),
                                              means=f"{jail.vm_dataset} exists")))
        steps.append(RunCommand(host.zfs_set_jailed_argv(jail.vm_dataset),
                                why="let the jail mount its vm_dir dataset",
                                skip_if=Probe(host.zfs_get_jailed_argv(jail.vm_dataset),
                                              line="on", means=f"{jail.vm_dataset} is jailed")))
    for zvol in jail.host_zvols:
        # A per-guest jail's zvols are made here, not by vm-bhyve in the jail (model.
        # hostzvol); an existing one is left as it is: never resized, never destroyed.
        steps.append(RunCommand(host.zfs_create_volume_argv(zvol.dataset, zvol.size,
                                                            zvol.sparse),
                                why=f"the guest's zvol {zvol.node}, made on the host",
                                skip_if=Probe(host.zfs_exists_argv(zvol.dataset),
                                              means=f"{zvol.dataset} exists")))
    # Written even when empty, so a later run without --vmm-ppt (or a dataset) takes out
    # what an earlier one put there.
    block = block_text(jail.name, jail.vm_dataset, jail.vmm_ppt, guests_level(jail, found),
                       vnet=jail.vnet, autostart=bool(jail.autostart))
    conf_file = jail_dir / "jail.conf"
    steps.append(EditBlock(conf_file, block, jail.name, where=where,
                           anchor="}", why="parameters `bastille config` refuses"))
    stamp_path = jail_dir / "bhyvetpl.applied"
    # The template's RESTART line restarts the jail when it is applied: the parameters
    # then take effect, and only running guests need stopping (and --restart) first.
    templated = HostFS(root).read_text(stamp_path) != stamp
    state = jail_restart(jail, root, prefix, block)
    if state is not None and ((state[0] and not templated) or (templated and state[1])):
        if not restart:
            raise JailRestartError(restart_message(jail.name, state[1]))
        steps += restart_steps(jail.name, state[1], conf_file, "jail.conf parameters take "
                               "effect on restart", restart_jail=not templated)
    steps += [WriteFile(template_dir.joinpath(*f.relpath.parts), f.text, where="host",
                        why="Bastille template") for f in files]
    if jail.no_address:
        # The template's `vm init` needs vm-bhyve: installed first, from the host.
        steps += [package_step(jail, package, prefix, "vm-bhyve and the guests' firmware")
                  for package in jail_packages(jail)]
    steps.append(RunCommand(bastille.template_argv(jail.name, template_rel), where=where,
                            why="config, packages, vm-bhyve, guest templates, switch",
                            timeout=TEMPLATE_TIMEOUT,
                            skip_if=FileProbe(stamp_path, stamp, means="this template applied")))
    steps.append(WriteFile(stamp_path, stamp, where="host", why="remember the applied template"))
    steps.append(Check(Probe(host.jls_argv(jail.name), means=f"jail {jail.name} runs"),
                       where=where, fix=f"bastille start/restart exit 0 even when the jail "
                       f"fails: see /var/log/bastille/{jail.name}_console.log"))
    summary = (f"jail {jail.name}: {jail.release}, {jail.network} on {jail.interface}, "
               f"{jail.address}; vm_dir {jail.vm_dir_value}; switch {jail.switch}",
               f"devfs ruleset {jail.ruleset.number}, securelevel "
               f"{policy.securelevel(features).value}")
    verb = "create" if create else "apply"
    return Plan(f"jail {verb} {jail.name}", tuple(steps), summary, root=root)


def template_apply_plan(name: str, template: Path, digest: str, root: Path,
                        prefix: PurePosixPath = BASTILLE_PREFIX) -> Plan:
    """Apply a template directory of the admin's own to an existing jail.

    Args:
        name: The jail.
        template: The template directory (absolute, on the host).
        digest: A digest of the directory's files: the template is applied again only
            when it changed since the last application.
        root: Where `/` is.
        prefix: bastille_prefix.
    """
    where = f"jail {name}"
    stamp_path = HostFS(root).place(prefix / "jails" / name) / "bhyvetpl.applied"
    stamp = f"bhyvetpl template sha256 {digest}\n"
    steps: tuple[Step, ...] = (
        Check(Probe(bastille.list_jails_argv(), line=name, means=f"jail {name} exists"),
              where=where, fix=f"create it: bhyvetpl jail create {name}"),
        RunCommand(bastille.template_argv(name, str(template)), where=where,
                   why="the admin's template", timeout=TEMPLATE_TIMEOUT,
                   skip_if=FileProbe(stamp_path, stamp, means="this template applied")),
        WriteFile(stamp_path, stamp, where="host", why="remember the applied template"),
        Check(Probe(host.jls_argv(name), means=f"jail {name} runs"), where=where,
              fix="bastille start/restart exit 0 even when the jail fails: see "
                  f"/var/log/bastille/{name}_console.log"),
    )
    return Plan(f"jail apply {name} --template {template}", steps, root=root)
