"""Issue 11 points 5 and 8: a shared-IP jail named like the HardenedBSD article's `bhyve-01`.

Point 5: Bastille refuses `-` and `_` only in vnet jail names (create.sh validate_name:
"VNET jail names may not contain (-|_) characters.", since commit 7d3f77e, 2025-07-12, first
in 1.1.0; earlier Bastille made vnet jails such as the Neira article's `test-bhyve`), so
`bhyve-01` must work in new-guest and templates install, and the doctor must never suggest
a name Bastille refuses: checked by running create.sh's own validate_name from the mirror.

Point 8: vm-bhyve drops a NIC without networkN_switch (switch::type returns 1 on an empty
name, and switch::provision only warns "unable to configure interface"), but keeps one whose
switch it cannot find when networkN_device names the tap (switch::type defaults to
"standard"; switch::standard::provision takes networkN_device as the tap). So a NIC of a
shared-IP jail carries a switch word and its host-made tap, and the doctor does not ask for
that switch.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from bhyvetpl.cli.app import app
from bhyvetpl.doctor.jail import JailContext, check_jail, load_context
from bhyvetpl.facts.model import Facts
from bhyvetpl.lint.vmconf import lint_vmconf
from bhyvetpl.model.options import GuestOptions, JailOptions, build_guest, build_jail
from bhyvetpl.render import render_guest, render_jail
from tests.cli_runner import cli_runner
from tests.test_doctor_jail import JAILS, make_jail
from tests.upstream import GIT, TOOLS, VMB_TOOLS

FREEBSD = Path(__file__).resolve().parent / "fixtures" / "freebsd"
TAP_GUEST = """loader="uefi"
cpu=4
memory=16G
network0_type="virtio-net"
network0_switch="public"
network0_device="tap0"
disk0_type="virtio-blk"
disk0_name="/dev/zvol/tank/bhyve/laptop-dev-03/disk-01"
disk0_dev="custom"
"""


def bastille_accepts(upstream: Path, name: str, vnet: bool) -> bool:
    """Run Bastille master's own validate_name (create.sh) on a name."""
    text = subprocess.run([GIT, "--git-dir", str(upstream / "BastilleBSD+bastille/repo"),
                           "show", "master:usr/local/share/bastille/create.sh"],
                          capture_output=True, text=True, check=True).stdout
    start = text.index("validate_name() {")
    function = text[start:text.index("\n}\n", start) + 3]
    script = ("check_target_exists() { return 1; }\n"
              'error_exit() { echo "$*"; exit 1; }\n' + function +
              f'NAME="$1"; VNET_JAIL={1 if vnet else 0}; validate_name\n')
    result = subprocess.run([shutil.which("sh") or "/bin/sh", "-c", script, "sh", name],
                            capture_output=True,
                            text=True, check=False)
    return result.returncode == 0


def test_bastille_refuses_dashes_only_in_vnet_names(upstream: Path) -> None:
    assert bastille_accepts(upstream, "bhyve-01", vnet=False)
    assert not bastille_accepts(upstream, "bhyve-01", vnet=True)
    assert bastille_accepts(upstream, "bhyve01", vnet=True)


def test_new_guest_and_templates_take_a_shared_jail_named_with_a_dash() -> None:
    run = cli_runner().invoke
    result = run(app, ["new-guest", "bhyve-01", "laptop-dev-03", "--nic",
                       "public,device=tap0", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert 'network0_device="tap0"' in result.stdout
    result = run(app, ["templates", "install", "--jail", "bhyve-01", "--host-tap", "tap0",
                       "--dry-run"])
    assert result.exit_code == 0, result.stderr
    # No jail.conf to read: Bastille 1.1.0+ made bhyve-01 shared-IP, and a NIC there needs
    # a host-made tap.
    result = run(app, ["new-guest", "bhyve-01", "g1", "--dry-run"])
    assert result.exit_code == 2 and "guest.g1.nic0.device" in result.stderr
    # jail create still refuses the name for a vnet jail, and takes it shared.
    assert run(app, ["render", "jail", "bhyve-01", "--release", "14.3-RELEASE"]).exit_code == 2
    assert run(app, ["render", "jail", "bhyve-01", "--release", "14.3-RELEASE", "--shared",
                     "--ip", "192.168.1.2/24"]).exit_code == 0


def test_an_old_vnet_jail_named_with_a_dash_is_read_from_its_jail_conf(tmp_path: Path) -> None:
    conf = tmp_path / "usr/local/bastille/jails/test-bhyve/jail.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text((FREEBSD / "bastille-jail.conf-bhyve-vnet-12.2.txt").read_text())
    result = cli_runner().invoke(app, ["new-guest", "test-bhyve", "g1", "--root", str(tmp_path),
                                       "--dry-run"])
    assert result.exit_code == 0, result.stderr   # a NIC without a host tap: vnet, as read


def shared() -> Facts:
    """The article's jail without vnet, named bhyve-01, one guest on host tap0."""
    text = (FREEBSD / "bastille-jail.conf-bhyve-vnet-12.2.txt").read_text()
    text = text.replace("  vnet;\n", "").replace(
        "  vnet.interface = e0b_bastille0;\n", "")
    facts = make_jail(TAP_GUEST, text, vm_system={})
    return dataclasses.replace(facts, jails=(dataclasses.replace(facts.jails[0],
                                                                 name="bhyve-01"),))


def jail_results(facts: Facts, name: str = "bhyve-01") -> dict[str, tuple[str, str]]:
    ctx = load_context(facts, name)
    assert isinstance(ctx, JailContext)
    return {r.check: (r.status, r.fix) for r in check_jail(facts, ctx, 25)}


def test_doctor_takes_host_taps_in_a_shared_jail() -> None:
    results = jail_results(shared())
    assert results["jail vnet"][0] == "PASS"
    assert results.get("vm-bhyve switches", ("PASS", ""))[0] == "PASS"


def test_doctor_never_suggests_a_name_bastille_refuses(upstream: Path) -> None:
    missing = load_context(Facts(bastille_jailsdir=JAILS), "bhyve-01")
    assert not isinstance(missing, JailContext)
    assert "-V" not in missing.fix and "bastille create bhyve-01 14.3-RELEASE" in missing.fix
    made_tap = TAP_GUEST.replace('network0_device="tap0"\n', "")
    facts = make_jail(made_tap, (FREEBSD / "bastille-jail.conf-bhyve-vnet-12.2.txt").read_text()
                      .replace("  vnet;\n", ""))
    facts = dataclasses.replace(facts, jails=(dataclasses.replace(facts.jails[0],
                                                                  name="bhyve-01"),))
    status, fix = jail_results(facts)["jail vnet"]
    assert status == "FAIL"
    suggested = fix.split("bastille create -V ", 1)[1].split()[0]
    assert suggested == "bhyve01" and bastille_accepts(upstream, suggested, vnet=True)


@pytest.mark.parametrize("keep_switch", [True, False])
def test_vm_bhyve_keeps_a_tap_nic_only_with_a_switch_word(upstream: Path, tmp_path: Path,
                                                        keep_switch: bool) -> None:
    del upstream
    guest = build_guest(GuestOptions(name="laptop-dev-03", nics=("public,device=tap0",)))
    text = render_guest(guest)
    if not keep_switch:
        text = text.replace('network0_switch="public"\n', "")
    conf = tmp_path / "laptop-dev-03.conf"
    conf.write_text(text)
    argv = subprocess.run([str(VMB_TOOLS / "vmb-bhyve-argv"), str(conf)], capture_output=True,
                          text=True, check=False, timeout=300).stdout
    assert ("virtio-net,tap0" in argv) is keep_switch
    findings = lint_vmconf(conf, text)
    assert any(f.is_error for f in findings) is not keep_switch


SHARED_CONF = (FREEBSD / "bastille-jail.conf-bhyve-vnet-12.2.txt").read_text().replace(
    "  vnet;\n", "").replace("  vnet.interface = e0b_bastille0;\n", "").replace(
    "test-bhyve", "bhyve-01")
TEMPLATES = "usr/local/bastille/jails/bhyve-01/root/vms/.templates"


def shared_jail_root(root: Path) -> Path:
    """A host below root with the article's jail as Bastille 1.1.0+ makes it: no vnet."""
    conf = root / "usr/local/bastille/jails/bhyve-01/jail.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(SHARED_CONF)
    (root / TEMPLATES).mkdir(parents=True)
    return root


def test_templates_install_in_a_shared_jail_wants_a_host_tap(tmp_path: Path) -> None:
    root = shared_jail_root(tmp_path)
    result = cli_runner().invoke(app, ["templates", "install", "--jail", "bhyve-01",
                                       "--root", str(root)])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("bhyvetpl: error: --host-tap:")
    assert "bhyvetpl templates install --jail bhyve-01 --host-tap tap0" in line
    assert not any((root / TEMPLATES).iterdir())
    # A vnet jail's guests use switches; vm-bhyve on the host makes its own.
    for args in (["--jail", "bhyve", "--host-tap", "tap0"], ["--vm-dir", "/vm", "--host-tap",
                                                              "tap0"],
                 ["--jail", "bhyve-01", "--host-tap", "em0"]):
        result = cli_runner().invoke(app, ["templates", "install", *args, "--root", str(root)])
        assert result.exit_code == 2 and "error: --host-tap:" in result.stderr, result.stderr


def install(root: Path, fp: FakeProcess, *extra: str) -> tuple[int, str, str]:
    fp.register(["bastille", "list", "jails"], stdout="bhyve-01\n")
    result = cli_runner().invoke(app, ["templates", "install", "--jail", "bhyve-01",
                                       "--host-tap", "tap0", "--root", str(root), "--live",
                                       *extra])
    return result.exit_code, result.stdout, result.stderr


def test_templates_install_checks_that_the_host_tap_exists(tmp_path: Path,
                                                           fp: FakeProcess) -> None:
    root = shared_jail_root(tmp_path)
    fp.register(["ifconfig", "tap0"], returncode=1,
                stderr="ifconfig: interface tap0 does not exist\n")
    code, out, err = install(root, fp)
    assert code == 1, out + err
    assert "bhyvetpl host prepare --jail bhyve-01 --no-vnet --host-tap tap0" in err
    assert not any((root / TEMPLATES).iterdir())


@pytest.mark.parametrize("preset", ["freebsd", "linux", "windows"])
def test_a_template_installed_in_a_shared_jail_keeps_its_tap_through_vm_create(
        upstream: Path, tmp_path: Path, fp: FakeProcess, preset: str) -> None:
    """vm-bhyve's own `vm create -t` copies the template, and vm::run starts on the tap."""
    del upstream
    root = shared_jail_root(tmp_path / "host")
    fp.register(["ifconfig", "tap0"], stdout="tap0: flags=8902<BROADCAST,PROMISC>\n")
    fp.allow_unregistered(True)
    code, out, err = install(root, fp, "--preset", preset)
    assert code == 0, out + err
    assert "each guest made from these templates uses host tap tap0" in out
    templates = root / TEMPLATES
    assert 'network0_device="tap0"' in (templates / f"bhyvetpl-{preset}.conf").read_text()
    create = subprocess.run([str(VMB_TOOLS / "vmb-create"), "--templates", str(templates),
                             "-t", f"bhyvetpl-{preset}", "-s", "20G", "g1"],
                            capture_output=True, text=True, check=False, timeout=300)
    assert create.returncode == 0, create.stdout + create.stderr
    created = [line for line in create.stdout.splitlines()
               if "=" in line and not line.startswith("#")]
    assert 'network0_device="tap0"' in created and 'network0_switch="public"' in created
    conf = tmp_path / "g1.conf"
    conf.write_text("\n".join(created) + "\n")
    argv = subprocess.run([str(VMB_TOOLS / "vmb-bhyve-argv"), str(conf)], capture_output=True,
                          text=True, check=False, timeout=300).stdout
    assert "virtio-net,tap0" in argv or "e1000,tap0" in argv, argv


def test_a_shared_jails_bastille_template_installs_no_tapless_templates(
        upstream: Path, tmp_path: Path) -> None:
    """jail create --shared: the jail's Bastille template copies no preset template (its
    NIC would have no host tap); Bastille's own template code applies it as it stands."""
    del upstream
    jail = build_jail(JailOptions(name="bhyve-01", network="shared",
                                  address="192.0.2.50/24", presets=("freebsd", "linux")))
    rendered = render_jail(jail)
    assert [str(f.relpath) for f in rendered] == ["Bastillefile"]
    (bastillefile,) = rendered
    assert "CP vm-templates/" not in bastillefile.text
    assert "templates install --host-tap" in bastillefile.text
    directory = tmp_path / "bhyve-01"
    directory.mkdir()
    (directory / "Bastillefile").write_text(bastillefile.text)
    bash = shutil.which("bash") or "/bin/bash"
    result = subprocess.run([bash, str(TOOLS / "bastille/run-template.sh"), "--jail",
                             "bhyve-01", "--ip", "192.0.2.50", str(directory)],
                            capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "vm init" in result.stdout and "vm-templates" not in result.stdout


def new_guest(root: Path, fp: FakeProcess, *extra: str) -> tuple[int, str, str]:
    """new-guest into the shared jail on tap0, run for real (through pytest-subprocess)."""
    fp.register(["jls", "-j", "bhyve-01"], stdout="   JID  IP Address      Hostname"
                "                      Path\n")
    result = cli_runner().invoke(app, ["new-guest", "bhyve-01", "laptop-dev-03", "--nic",
                                       "public,device=tap0", "--root", str(root), "--live",
                                       *extra])
    return result.exit_code, result.stdout, result.stderr


def test_new_guest_checks_that_the_host_tap_exists(tmp_path: Path, fp: FakeProcess) -> None:
    """The same check (and fix) as templates install, before the ruleset or a file changes."""
    root = shared_jail_root(tmp_path)
    fp.register(["ifconfig", "tap0"], returncode=1,
                stderr="ifconfig: interface tap0 does not exist\n")
    code, out, err = new_guest(root, fp)
    assert code == 1, out + err
    assert "bhyvetpl host prepare --jail bhyve-01 --no-vnet --host-tap tap0" in err
    assert not any((root / TEMPLATES).iterdir())
    # Only the jail check and the tap check ran: no devfs, no vm create.
    assert len(fp.calls) == 2 and fp.call_count(["ifconfig", "tap0"]) == 1


def test_new_guest_and_templates_install_share_the_tap_check(tmp_path: Path) -> None:
    """One Check, both plans: the same probe and the same fix (plan.guest.host_tap_check)."""
    from bhyvetpl.plan.actions import Check
    from bhyvetpl.plan.guest import host_tap_check, new_guest_plan
    from bhyvetpl.plan.templates import jail_target, templates_install_plan
    root = shared_jail_root(tmp_path)
    guest = build_guest(GuestOptions(name="laptop",
                                     nics=("public,device=tap0", "public,device=tap1")))
    jail = build_jail(JailOptions(name="bhyve-01", network="shared", address="192.0.2.5/24"),
                      (guest,))
    checks = [s for s in new_guest_plan(jail, guest, root, check_taps=True).steps
              if isinstance(s, Check) and s.probe.argv[0] == "ifconfig"]
    assert checks == [host_tap_check("bhyve-01", "tap0"), host_tap_check("bhyve-01", "tap1")]
    plan = templates_install_plan(jail_target(jail, root, host_tap="tap0"), ())
    assert host_tap_check("bhyve-01", "tap0") in plan.steps
    # A spec's plan makes its host taps in its host prepare steps: no check there.
    assert not any(isinstance(s, Check) and s.probe.argv[0] == "ifconfig"
                   for s in new_guest_plan(jail, guest, root).steps)
