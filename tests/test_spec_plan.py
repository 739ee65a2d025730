"""The spec is the setup, the plan its difference with facts: apply then plan finds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.facts.collect import PROBES
from bhyvetpl.facts.source import host_facts
from bhyvetpl.plan.actions import Check, RunCommand
from bhyvetpl.plan.converge import converge_spec
from bhyvetpl.spec.load import read_spec
from tests.standin_env import Host
from tests.test_emit_e2e import normalised, run_both, seed, twin_hosts, use

SPEC = """version = 1

[host]
release = "auto"
uplink = "auto"

[jails.bhyve]
network = "vnet"
address = "SYNCDHCP"
vm_dir = "/vms"

[jails.bhyve.guests.fbsd1]
preset = "freebsd"
cpu = 2
memory = "2G"
disks = ["disk0.img,size=20G"]

[jails.bhyve.guests.deb1]
preset = "linux"
memory = "4G"
"""


def probe_argvs(host: Host, spec: Path) -> set[tuple[str, ...]]:
    """Every read-only argv: the facts pass, and each probe and check of the plan."""
    converged = converge_spec(read_spec(spec), host_facts(host.root), host.root)
    found = {tuple(argv) for argv in PROBES.values()}
    for step in converged.plan.steps:
        if isinstance(step, Check):
            found.add(step.probe.argv)
        elif isinstance(step, RunCommand) and step.skip_if is not None and hasattr(
                step.skip_if, "argv"):
            found.add(step.skip_if.argv)
    return found


@pytest.fixture
def lab(fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Host, Path]:
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    return fake_host, spec


def test_apply_then_plan_finds_nothing_to_do(lab: tuple[Host, Path]) -> None:
    host, spec = lab
    args = ("-f", str(spec), "--root", str(host.root))
    code, out, err = host.cli("plan", *args)
    assert code == 3, out + err
    assert "bhyve/fbsd1" in out and "bhyve/deb1" in out
    host.calls()
    code, out, err = host.cli("apply", *args)
    assert code == 0, out + err
    first = host.calls()
    assert ("bastille", "cmd", "bhyve", "vm", "create", "-t", "bhyvetpl-guest-deb1", "-s",
            "20G", "deb1") in first

    code, out, err = host.cli("plan", *args)
    assert code == 0, out + err
    assert "nothing to do" in out
    assert "change" not in out.split("\n", 1)[1]
    host.calls()

    before = host.snapshot()
    code, out, err = host.cli("apply", *args)
    assert code == 0, out + err
    assert "nothing changed" in out
    second = host.calls()
    assert host.snapshot() == before   # no file written (not even a backup)
    probes = probe_argvs(host, spec)
    assert second and set(second) <= probes, set(second) - probes
    facts_pass = [c for c in second if c in {tuple(a) for a in PROBES.values()}]
    assert len(facts_pass) == 12   # pciconf is not on the stand-in PATH (ifconfig is)
    assert second[len(facts_pass):] == [
        *(("kldstat", "-q", "-n", m) for m in ("vmm", "nmdm", "if_bridge", "if_tuntap")),
        ("sysctl", "-n", "net.link.tap.up_on_open"), ("devfs", "rule", "-s", "25", "show"),
        ("sysctl", "-n", "security.jail.param.allow.vmm"), ("devfs", "rule", "-s", "25", "show"),
        ("bastille", "list", "jails"), ("jls", "-j", "bhyve")]
    assert "[20/20] passed" in out and "] done:" not in out   # 19 steps, none did anything


def test_apply_script_matches_direct_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    direct, script = twin_hosts(tmp_path, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    (code, out), (scode, sout) = run_both(("apply", "-f", str(spec)), direct, script,
                                          monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    assert direct.calls() == script.calls()
    assert normalised(direct) == normalised(script)


def test_init_then_plan_finds_the_jails_and_guests(lab: tuple[Host, Path],
                                                   tmp_path: Path) -> None:
    host, spec = lab
    code, out, err = host.cli("apply", "-f", str(spec), "--root", str(host.root))
    assert code == 0, out + err
    written = tmp_path / "init.toml"
    code, out, err = host.cli("init", "-f", str(written), "--root", str(host.root))
    assert code == 0, out + err
    text = written.read_text()
    assert "[jails.bhyve.guests.deb1]" in text and 'address = "SYNCDHCP"' in text
    code, out, err = host.cli("plan", "-f", str(written), "--root", str(host.root))
    # The jail and both guests exist: no jail or guest row. The presets cannot be read
    # back (linux's template is not on the host as a file facts read), and guests written
    # from their configs may declare other features, so bhyvetpl's own files may differ.
    assert code in (0, 3), out + err
    rows = out.split("\n\n", 1)[1] if code == 3 else ""
    assert not any(line.startswith(("jail ", "guest ")) for line in rows.splitlines()), out
    code, out, err = host.cli("init", "-f", str(written), "--root", str(host.root))
    assert code == 2 and "--force" in err


THREE = SPEC + """
[jails.bhyve.guests.win1]
preset = "windows"
memory = "4G"
"""


def guest_templates(host: Host) -> list[str]:
    """What `$vm_dir/.templates` of the spec's jail holds that bhyvetpl wrote per guest."""
    templates = host.root / "usr/local/bastille/jails/bhyve/root/vms/.templates"
    return sorted(p.name for p in templates.glob("bhyvetpl-guest-*")) if templates.is_dir() \
        else []


def test_per_guest_templates_do_not_pile_up(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """vm create copies `$vm_dir/.templates/NAME.conf` into the guest's directory
    (vm-bhyve lib/vm-core core::create, `cp "${vm_dir}/.templates/${_template}.conf"`):
    the template is removed after it, and neither written nor removed again once the
    guest exists, so a second run of the plan, the sh script or the playbook changes
    nothing (issue 11 point 11)."""
    direct, script = twin_hosts(tmp_path, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(THREE)
    (code, out), (scode, sout) = run_both(("apply", "-f", str(spec)), direct, script,
                                          monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    assert direct.calls() == script.calls()
    assert normalised(direct) == normalised(script)
    vms = direct.root / "usr/local/bastille/jails/bhyve/root/vms"
    for guest in ("fbsd1", "deb1", "win1"):
        assert (vms / guest / f"{guest}.conf").is_file()
    assert guest_templates(direct) == guest_templates(script) == []

    before = direct.snapshot()
    (code, out), (scode, sout) = run_both(("apply", "-f", str(spec)), direct, script,
                                          monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    assert "nothing changed" in out and "] done" not in out and "] done" not in sout
    assert direct.snapshot() == before and normalised(script) == normalised(direct)
    again = direct.calls()
    assert again == script.calls()
    assert not any(c[3:5] == ("vm", "create") for c in again)


def test_new_guest_twice_writes_no_template(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """new-guest run again (direct and as a script) for a guest that exists: its template
    step is skipped, not written and removed again."""
    direct, script = twin_hosts(tmp_path, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    run_both(("apply", "-f", str(spec)), direct, script, monkeypatch)
    args = ("new-guest", "bhyve", "deb1", "--preset", "linux")
    # the first new-guest may still edit its own devfs block (not the spec's): the second
    # is the run that must change nothing
    run_both(args, direct, script, monkeypatch)
    before = direct.snapshot()
    (code, out), (scode, sout) = run_both(args, direct, script, monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    assert "nothing changed" in out and out.count("(deb1 exists)") == 2, out
    assert sout.count("skipped: deb1 exists") == 2, sout   # the template, vm create
    assert "] done" not in sout, sout
    assert direct.snapshot() == before and normalised(script) == normalised(direct)
