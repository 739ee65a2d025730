"""Plans are pure: the same spec gives the same steps, argv compared with ==."""

from __future__ import annotations

from pathlib import Path

from bhyvetpl.model.options import HostOptions, JailOptions, build_features, build_jail
from bhyvetpl.plan.actions import (
    Check,
    CheckRuleset,
    EditBlock,
    RulesProbe,
    RunCommand,
    WriteFile,
)
from bhyvetpl.plan.build import host_prepare_plan, jail_create_plan


def test_host_prepare_steps(tmp_path: Path) -> None:
    plan = host_prepare_plan(build_features(HostOptions(jail="web")), tmp_path)
    kinds = [type(s).__name__ for s in plan.steps]
    assert kinds == ["CheckRuleset"] + ["EditBlock"] * 4 + ["RunCommand"] * 6
    edits = [s for s in plan.steps if isinstance(s, EditBlock)]
    assert [e.path for e in edits] == [tmp_path / "etc/devfs.rules", tmp_path / "boot/loader.conf",
                                       tmp_path / "etc/rc.conf", tmp_path / "etc/sysctl.conf"]
    assert all(e.block.startswith("# BEGIN bhyvetpl web\n") for e in edits)
    assert isinstance(plan.steps[0], CheckRuleset) and plan.steps[0].number == 25
    last = plan.steps[-1]
    assert isinstance(last, RunCommand) and last.argv == ("service", "devfs", "restart")
    # run unless the kernel already holds the ruleset as written (also after a --root run
    # that wrote the file and deferred the restart)
    assert isinstance(last.skip_if, RulesProbe)
    assert last.skip_if.argv == ("devfs", "rule", "-s", "25", "show")


def test_no_tap_means_no_sysctl(tmp_path: Path) -> None:
    plan = host_prepare_plan(build_features(HostOptions(tap=False)), tmp_path)
    assert not any(isinstance(s, RunCommand) and s.argv[0] == "sysctl" for s in plan.steps)
    assert not any(isinstance(s, EditBlock) and s.path.name == "sysctl.conf"
                   for s in plan.steps)


def test_jail_create_steps(tmp_path: Path) -> None:
    jail = build_jail(JailOptions(name="web", vm_dataset="zroot/vms"))
    plan = jail_create_plan(jail, tmp_path)
    argvs = [s.argv for s in plan.steps if isinstance(s, RunCommand)]
    assert argvs == [("bastille", "bootstrap", "14.3-RELEASE"),
                     ("bastille", "create", "-V", "web", "14.3-RELEASE", "SYNCDHCP", "em0"),
                     ("zfs", "create", "-p", "zroot/vms"),   # vm init needs the dataset
                     ("zfs", "set", "jailed=on", "zroot/vms"),
                     ("bastille", "template", "web", "bhyvetpl/web")]
    edit = next(s for s in plan.steps if isinstance(s, EditBlock))
    assert edit.path == tmp_path / "usr/local/bastille/jails/web/jail.conf"
    assert edit.anchor == "}" and "zfs jail $name zroot/vms" in edit.block
    writes = [s.path for s in plan.steps if isinstance(s, WriteFile)]
    assert tmp_path / "usr/local/bastille/templates/bhyvetpl/web/Bastillefile" in writes
    assert isinstance(plan.steps[-1], Check) and plan.steps[-1].probe.argv == ("jls", "-j", "web")


def test_vmm_ppt_is_checked_before_anything_is_written(tmp_path: Path) -> None:
    jail = build_jail(JailOptions(name="gpu", passthrough=True, vmm_ppt=True))
    checks = [s for s in jail_create_plan(jail, tmp_path).steps if isinstance(s, Check)]
    assert checks[1].probe.argv == ("sysctl", "-n", "security.jail.param.allow.vmm_ppt")
