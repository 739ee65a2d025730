"""Resource limits: the jail's rctl rules follow from its guests' memory; racct is checked.

Why `vmemoryuse` (and not memoryuse or memorylocked): see policy.rctl_rules' comment
(sys/vm/vm_mmap.c kern_mmap_racct_check charges every mmap() into bhyve's map, and
libvmmapi maps all guest memory there).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.doctor import checks
from bhyvetpl.doctor.host import check_racct
from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts
from bhyvetpl.model import policy
from bhyvetpl.model.options import HostOptions, build_features
from bhyvetpl.plan.actions import RunCommand
from bhyvetpl.plan.build import host_prepare_plan
from bhyvetpl.render import render_host

FIXTURES = Path(__file__).parent / "fixtures" / "freebsd"
GIB = 1 << 30


def rules(**kw: object) -> dict[str, str]:
    features = build_features(HostOptions(**kw))  # type: ignore[arg-type]
    return {s.name: s.value or "" for s in policy.rctl_rules(features)}


def test_no_limits_unless_asked() -> None:
    features = build_features(HostOptions(guests=("g1",)))
    assert policy.rctl_rules(features) == ()
    assert "kern.racct.enable" not in {s.name for s in policy.loader_conf(features)}
    assert "etc/rctl.conf" not in {str(f.relpath) for f in render_host(features)}


def test_the_memory_cap_is_vmemoryuse_of_the_guests_memory_plus_headroom() -> None:
    got = rules(jail="iso", guests=("a1", "b2"), limit_memory="6G")
    cap = 6 * GIB + policy.VMEM_JAIL + 2 * policy.VMEM_PER_GUEST
    assert got == {"jail:iso:vmemoryuse:deny": f"{cap >> 20}M",
                   "jail:iso:maxproc:deny": str(policy.MAXPROC_JAIL + 2 * policy.MAXPROC_PER_GUEST),
                   "jail:iso:openfiles:deny":
                       str(policy.OPENFILES_JAIL + 2 * policy.OPENFILES_PER_GUEST)}
    # memoryuse (RSS) and memorylocked do not count guest memory: never the cap
    assert not any(":memoryuse:" in k or ":memorylocked:" in k for k in got)


def test_more_guests_more_headroom() -> None:
    one = rules(guests=("a1",), limit_memory="2G")["jail:bhyve:vmemoryuse:deny"]
    two = rules(guests=("a1", "b2"), limit_memory="2G")["jail:bhyve:vmemoryuse:deny"]
    assert int(two[:-1]) - int(one[:-1]) == policy.VMEM_PER_GUEST >> 20


@pytest.mark.parametrize("bad", ["0G", "6", "6Q", "-1G", "6 G"])
def test_a_bad_memory_limit_names_the_flag(bad: str) -> None:
    with pytest.raises(SpecError) as info:
        build_features(HostOptions(limit_memory=bad))
    assert "--limit-memory" in str(info.value)


def test_limits_turn_racct_on_at_boot_and_render_an_rctl_block() -> None:
    features = build_features(HostOptions(jail="iso", guests=("g1",), limit_memory="1G"))
    files = {str(f.relpath): f.text for f in render_host(features)}
    assert 'kern.racct.enable="1"' in files["boot/loader.conf"]
    block = files["etc/rctl.conf"]
    assert block.startswith("# BEGIN bhyvetpl iso\n") and block.endswith("# END bhyvetpl iso\n")
    # rc.d/rctl hands each non-comment line to `rctl -a`: every one must be a rule
    lines = [line for line in block.splitlines() if not line.startswith("#")]
    assert all(line.startswith("jail:iso:") and line.count(":") == 3 and "=" in line
               for line in lines)


def test_host_prepare_writes_rctl_conf_and_says_it_takes_a_reboot(tmp_path: Path) -> None:
    features = build_features(HostOptions(jail="iso", guests=("g1",), limit_memory="1G"))
    plan = host_prepare_plan(features, tmp_path)
    assert any(str(getattr(s, "path", "")).endswith("etc/rctl.conf") for s in plan.steps)
    assert any("shutdown -r now" in line and "rctl -hu jail:iso" in line
               for line in plan.summary)
    # nothing is added to the running jail's rules: no `rctl -a` runs now
    assert not any("rctl" in " ".join(getattr(s, "argv", ())) for s in plan.steps)


@pytest.mark.parametrize(("running", "boot", "status", "says"), [
    ("1", "1", "PASS", "enforced"),
    ("1", None, "PASS", "enforced"),
    ("0", None, "PASS", "no resource limits asked"),
    (None, None, "PASS", "no resource limits asked"),
    ("0", "1", "FAIL", "wait for a reboot"),
    (None, "1", "FAIL", "no RACCT"),
])
def test_doctor_checks_racct_against_loader_conf(running: str | None, boot: str | None,
                                                  status: str, says: str) -> None:
    facts = Facts(sysctls={} if running is None else {"kern.racct.enable": running},
                  loader_conf={} if boot is None else {"kern.racct.enable": boot})
    result = check_racct(facts)
    assert (result.status, says in result.detail) == (status, True)
    if status == "FAIL":
        assert result.fix
    assert any(r.check == "kern.racct.enable" for r in checks(facts))


def test_the_recorded_errors_say_racct_is_a_boot_tunable() -> None:
    """What rctl and sysctl print on a host without racct: the check's fix follows them."""
    rctl = (FIXTURES / "rctl-error-racct-disabled.txt").read_text()
    sysctl = (FIXTURES / "sysctl-kern-racct-enable-read-only-tunable-error.txt").read_text()
    assert "kern.racct.enable=1 tunable" in rctl
    assert "read only tunable" in sysctl and "/boot/loader.conf" in sysctl


def test_a_spec_jail_with_limits_takes_its_cap_from_its_guests() -> None:
    from bhyvetpl.model.options import GuestOptions, JailOptions, build_guest, build_jail
    from bhyvetpl.model.policy import Features

    guests = [build_guest(GuestOptions(name=n, memory=m)) for n, m in (("a1", "2G"),
                                                                       ("b2", "512M"))]
    capped = Features.of_jail(build_jail(JailOptions(name="iso", limits=True), guests))
    assert capped.limit_memory == 2 * GIB + GIB // 2
    got = {s.name: s.value for s in policy.rctl_rules(capped)}
    cap = 2 * GIB + GIB // 2 + policy.VMEM_JAIL + 2 * policy.VMEM_PER_GUEST
    assert got["jail:iso:vmemoryuse:deny"] == f"{cap >> 20}M"
    plain = Features.of_jail(build_jail(JailOptions(name="iso"), guests))
    assert policy.rctl_rules(plain) == ()


def test_a_spec_with_limits_resolves_to_the_jails_rctl_rules() -> None:
    from bhyvetpl.facts.demo import demo_facts
    from bhyvetpl.model.policy import Features
    from bhyvetpl.spec.load import parse_spec
    from bhyvetpl.spec.resolve import resolve

    spec = parse_spec('version = 1\n[jails.iso]\nlimits = true\n[jails.iso.guests.g1]\n'
                      'memory = "1G"\n', "spec")
    (jail,) = resolve(spec, demo_facts()).jails
    rules = policy.rctl_rules(Features.of_jail(jail))
    assert [s.name for s in rules] == ["jail:iso:vmemoryuse:deny", "jail:iso:maxproc:deny",
                                       "jail:iso:openfiles:deny"]


def live_plan(tmp_path: Path, racct: str, running: bool,
              usage: dict[str, str] | None = None) -> tuple[list[tuple[str, ...]], list[str]]:
    """host prepare for jail iso (one 1G guest) on a host whose facts say racct and usage."""
    from bhyvetpl.facts.model import Jail

    features = build_features(HostOptions(jail="iso", guests=("g1",), limit_memory="1G"))
    jail = Jail("iso", params={"allow.vmm": ""}, running=running, usage=usage or {})
    facts = Facts(sysctls={policy.RACCT: racct}, jails=(jail,))
    plan = host_prepare_plan(features, tmp_path, facts=facts)
    argvs = [s.argv for s in plan.steps if isinstance(s, RunCommand) and s.argv[0] == "rctl"]
    return argvs, list(plan.summary)


RULES = [("rctl", "-a", "jail:iso:vmemoryuse:deny=1792M"),
         ("rctl", "-a", "jail:iso:maxproc:deny=72"), ("rctl", "-a", "jail:iso:openfiles:deny=1280")]


def test_racct_off_adds_nothing_now(tmp_path: Path) -> None:
    argvs, summary = live_plan(tmp_path, "0", running=True)
    assert argvs == [] and any("next boot" in line for line in summary)


def test_a_stopped_jail_gets_its_rules_now(tmp_path: Path) -> None:
    argvs, summary = live_plan(tmp_path, "1", running=False)
    assert argvs == RULES and any("added now" in line for line in summary)


def test_a_running_jail_below_its_rules_gets_them(tmp_path: Path) -> None:
    """Usage as `rctl -hu` printed it on a real host (tests/fixtures/freebsd)."""
    from bhyvetpl.facts import parse

    usage = parse.rctl_usage((FIXTURES / "rctl-hu-jail-uwsgi.txt").read_text())
    argvs, summary = live_plan(tmp_path, "1", running=True, usage=usage)
    assert argvs == RULES
    assert not any(line.startswith("not added") for line in summary)


def test_a_rule_at_or_under_the_usage_is_refused_naming_both(tmp_path: Path) -> None:
    """Amounts in humanize_number's form, as the recorded output prints them."""
    argvs, summary = live_plan(tmp_path, "1", running=True,
                               usage={"vmemoryuse": "1.8G", "maxproc": "12", "openfiles": "300"})
    assert argvs == RULES[1:]   # 1.8G may stand for up to 1.9G: not below 1792M
    (refused,) = [line for line in summary if line.startswith("not added")]
    assert "vmemoryuse=1.8G" in refused and "jail:iso:vmemoryuse:deny=1792M" in refused
    assert "--limit-memory" in refused and "rctl -a jail:iso:vmemoryuse:deny=1792M" in refused


def test_rounding_never_lets_a_rule_under_the_usage(tmp_path: Path) -> None:
    """1.7G is read as up to 1.8G (one unit of the last digit): over 1792M, so refused."""
    argvs, _ = live_plan(tmp_path, "1", running=True,
                         usage={"vmemoryuse": "1.7G", "maxproc": "12", "openfiles": "300"})
    assert ("rctl", "-a", "jail:iso:vmemoryuse:deny=1792M") not in argvs
    argvs, _ = live_plan(tmp_path, "1", running=True,
                         usage={"vmemoryuse": "1.6G", "maxproc": "12", "openfiles": "300"})
    assert argvs == RULES


def test_unknown_usage_of_a_running_jail_adds_nothing(tmp_path: Path) -> None:
    argvs, summary = live_plan(tmp_path, "1", running=True)
    assert argvs == []
    assert sum(line.startswith("not added") for line in summary) == 3
    assert all("usage is unknown" in line for line in summary if line.startswith("not added"))


def test_rctl_add_exits_1_with_racct_off_as_recorded() -> None:
    """What `rctl -a` prints when racct is off (kern_rctl.c sys_rctl_add_rule -> ENOSYS;
    rctl.c add_rule -> enosys()): the plan never runs it then (racct is read first)."""
    from bhyvetpl.adapters import host

    text = (FIXTURES / "rctl-error-racct-disabled.txt").read_text()
    assert text.startswith("rctl: RACCT/RCTL present, but disabled")
    assert host.rctl_add_argv("jail:iso:maxproc:deny", "72") == (
        "rctl", "-a", "jail:iso:maxproc:deny=72")


def test_apply_adds_no_rule_a_running_jail_is_over(tmp_path: Path) -> None:
    """The spec path reads the same facts: plan/apply hold back the rule, say why."""
    import dataclasses

    from bhyvetpl.facts.demo import demo_facts, demo_root
    from bhyvetpl.plan.converge import converge_spec
    from bhyvetpl.spec.load import parse_spec

    facts = demo_facts()
    jail = facts.jail("bhyve")
    assert jail is not None
    jail = dataclasses.replace(jail, running=True, usage={
        "vmemoryuse": "9.9G", "maxproc": "12", "openfiles": "300"})
    facts = dataclasses.replace(facts, sysctls={**facts.sysctls, policy.RACCT: "1"},
                                jails=tuple(jail if j.name == "bhyve" else j
                                            for j in facts.jails))
    spec = parse_spec('version = 1\n[jails.bhyve]\nlimits = true\nvm_dir = "/vms"\n'
                      '[jails.bhyve.guests.g1]\nmemory = "1G"\n', "spec")
    plan = converge_spec(spec, facts, demo_root(tmp_path)).plan
    rctl = [s.argv[2] for s in plan.steps if isinstance(s, RunCommand) and s.argv[0] == "rctl"]
    assert [r.split(":")[2] for r in rctl] == ["maxproc", "openfiles"]
    assert any(line.startswith("not added to running jail bhyve now: "
                               "jail:bhyve:vmemoryuse:deny=") and "vmemoryuse=9.9G" in line
               for line in plan.summary)
